# SPDX-License-Identifier: Apache-2.0
"""Split a labelled CSV dataset into train, validation and test sets for SageMaker XGBoost.

This is the pipeline's processing step. It runs in the SageMaker scikit-learn
container as::

    python3 /opt/ml/processing/input/code/preprocess.py --target-column target

Input: every ``*.csv`` file under ``<base-dir>/input/data/`` (subdirectories
included), and with ``--schema-order`` the model's schema under ``<base-dir>/input/schema/``. Each file has a header row, and all files have the same columns:
numeric features plus a binary target column holding 0 or 1.

Outputs, each from a stratified split so that every set keeps the class
balance of the whole dataset:

``<base-dir>/<split>/<split>.csv`` for each split: train, validation and test
    The label as the first column and no header row: the ``text/csv`` layout
    that SageMaker's built-in XGBoost algorithm reads.
``<base-dir>/baseline/baseline.csv``
    The training features with a header row and without the label: what
    baseline.py describes for the drift check, which compares the features
    sent to the endpoint with those the model was trained on.
``<base-dir>/monitor-baseline/baseline.csv``
    The training rows with a header row, the label first (as 0.0 or 1.0),
    then the features: the dataset of a SageMaker Model Monitor data-quality
    baseline. Model Monitor lines a captured record (the model's output, then
    the request's features) up with the baseline's columns by position, and
    takes the output column(s) to be the first ones ("Create a Baseline" in
    the SageMaker developer guide), so the label stands in that place for the
    model's score.

Exit status: 0 on success; 2 for bad arguments or bad input data, with a
one-line message on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

DEFAULT_BASE_DIR = "/opt/ml/processing"

# Long column lists would make error messages unreadable; show this many.
MAX_LISTED = 5


class InputError(Exception):
    """A problem with the input data that whoever supplies the data has to fix."""


def listing(items: Sequence[str]) -> str:
    """Join ``items`` with commas, shortening long lists."""
    shown = ", ".join(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        shown += f", ... ({len(items)} in total)"
    return shown


def find_csv_files(input_dir: str) -> List[str]:
    """Return every ``*.csv`` file under ``input_dir``, in a stable order."""
    if not os.path.isdir(input_dir):
        raise InputError(f"input directory {input_dir} does not exist")
    found = [
        os.path.join(root, name)
        for root, _dirs, names in os.walk(input_dir)
        for name in names
        if name.lower().endswith(".csv")
    ]
    if not found:
        raise InputError(f"no .csv files found under {input_dir}")
    # os.walk order depends on the file system; the row order feeds the
    # seeded shuffle, so it must not vary between runs.
    return sorted(found)


def read_csv_files(paths: Sequence[str], input_dir: str) -> pd.DataFrame:
    """Read and concatenate the CSV files, which must all have the same columns."""
    frames: List[pd.DataFrame] = []
    columns: List[str] = []
    first_name = ""
    for path in paths:
        name = os.path.relpath(path, input_dir)
        try:
            frame = pd.read_csv(path)
        except pd.errors.EmptyDataError:
            raise InputError(
                f"{name} is empty; expected a header row followed by data rows"
            ) from None
        except (pd.errors.ParserError, UnicodeDecodeError) as error:
            raise InputError(f"cannot parse {name} as CSV: {error}") from None
        if not frames:
            columns = list(frame.columns)
            first_name = name
        elif set(frame.columns) != set(columns):
            raise InputError(f"{name} does not have the same columns as {first_name}")
        # Files may order their columns differently; align them on the first.
        frames.append(frame[columns])
    return pd.concat(frames, ignore_index=True)


def describe_values(values: pd.Series) -> str:
    """List the distinct values of a column for an error message."""
    distinct = values.dropna().unique().tolist()
    try:
        distinct.sort()
    except TypeError:
        distinct.sort(key=str)
    return listing([f"{v:g}" if isinstance(v, float) else repr(v) for v in distinct])


def validate(data: pd.DataFrame, target: str) -> List[str]:
    """Check that ``data`` can train a binary classifier; return the feature column names."""
    if target not in data.columns:
        raise InputError(
            f"target column '{target}' not found; the columns are: {listing(list(data.columns))}"
        )
    if data.empty:
        raise InputError("the input CSV files have a header but no data rows")
    features = [c for c in data.columns if c != target]
    if not features:
        raise InputError(f"no feature columns: the data has only the target column '{target}'")

    missing = data.isna().sum()
    missing = missing[missing > 0]
    if not missing.empty:
        counts = [
            f"{column} ({count} row{'' if count == 1 else 's'})"
            for column, count in missing.items()
        ]
        raise InputError(
            f"missing values in {len(counts)} column(s): {listing(counts)}; "
            "fill or drop them before training"
        )

    non_numeric = [c for c in features if is_bool_dtype(data[c]) or not is_numeric_dtype(data[c])]
    if non_numeric:
        raise InputError(
            f"non-numeric values in feature column(s): {listing(non_numeric)}; "
            "SageMaker XGBoost needs numeric features, so encode categories as numbers first"
        )
    infinite = [c for c in features if np.isinf(data[c].to_numpy(dtype=float)).any()]
    if infinite:
        raise InputError(f"infinite values in feature column(s): {listing(infinite)}")

    labels = data[target]
    binary = (
        is_numeric_dtype(labels)
        and not is_bool_dtype(labels)
        and set(labels.unique()) <= {0, 1}
    )
    if not binary:
        raise InputError(
            f"target column '{target}' must contain only 0 and 1 (binary classification), "
            f"found: {describe_values(labels)}"
        )
    if labels.nunique() < 2:
        raise InputError(
            f"target column '{target}' contains only the class {int(labels.iloc[0])}; "
            "training a binary classifier needs examples of both 0 and 1"
        )
    return features


def split(
    data: pd.DataFrame, target: str, train_ratio: float, validation_ratio: float, seed: int
) -> Tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split ``data`` into stratified train, validation and test sets."""
    # Imported here so that bad input is rejected without first paying for
    # scikit-learn's import, which takes longer than the checks themselves.
    from sklearn.model_selection import train_test_split

    # Two stratified splits: train against the rest, then the rest into
    # validation and test in proportion to their ratios.
    validation_share = validation_ratio / (1.0 - train_ratio)
    try:
        train, rest = train_test_split(
            data, train_size=train_ratio, stratify=data[target], random_state=seed
        )
        validation, test = train_test_split(
            rest, train_size=validation_share, stratify=rest[target], random_state=seed
        )
    except ValueError as error:
        raise InputError(
            f"cannot split {len(data)} rows into stratified sets: {error} "
            "Provide more rows of each class."
        ) from None
    return train, validation, test


def write_label_first(
    frame: pd.DataFrame, target: str, features: Sequence[str], path: str
) -> None:
    """Write ``frame`` with the label first and no header, as SageMaker XGBoost expects."""
    out = frame[[target] + list(features)].copy()
    # Labels read as floats (0.0/1.0) would otherwise be written that way.
    out[target] = out[target].astype(int)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    out.to_csv(path, header=False, index=False)


def write_baseline(frame: pd.DataFrame, features: Sequence[str], path: str) -> None:
    """Write the features of ``frame`` with a header row and without the label."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    frame[list(features)].to_csv(path, header=True, index=False)


def write_monitor_baseline(
    frame: pd.DataFrame, target: str, features: Sequence[str], path: str
) -> None:
    """Write ``frame`` with a header row and the label first, as a decimal, for Model Monitor."""
    out = frame[[target] + list(features)].copy()
    # The label stands in for the model's score, which the endpoint returns as a decimal (0.93).
    # Written as 0.0 and 1.0, the analyzer infers the column as Fractional, as captured scores
    # are; as 0 and 1 it would infer Integral, which every captured score violates
    # (data_type_check).
    out[target] = out[target].astype(float)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    out.to_csv(path, header=True, index=False)


def ratio(text: str) -> float:
    """argparse type for a fraction strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1 (exclusive)")
    return value


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse and check the command line."""
    parser = argparse.ArgumentParser(
        description="Validate labelled CSV data and split it (stratified) into train, "
        "validation and test sets in the label-first, header-less CSV layout of SageMaker's "
        "built-in XGBoost algorithm, plus headed training files for the drift baseline (the "
        "features) and a Model Monitor data-quality baseline (the label, then the features).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--base-dir",
        default=DEFAULT_BASE_DIR,
        help="processing directory: reads input/data/**/*.csv and writes train/, validation/, "
        "test/, baseline/ and monitor-baseline/ under it",
    )
    parser.add_argument(
        "--target-column", default="target", help="name of the label column (values 0 and 1)"
    )
    parser.add_argument(
        "--train-ratio", type=ratio, default=0.7, help="fraction of the rows for the training set"
    )
    parser.add_argument(
        "--validation-ratio",
        type=ratio,
        default=0.15,
        help="fraction of the rows for the validation set; the test set gets the rest",
    )
    parser.add_argument(
        "--seed", type=int, default=42, help="random seed for the split (same seed, same split)"
    )
    parser.add_argument(
        "--schema-order",
        action="store_true",
        help="write the features in the column order of the model's schema, read from "
        "input/schema/ (schema.json, or its only *.json file): the order the model is then "
        "trained on and the batch scoring step sends; without it, the first file's order",
    )
    args = parser.parse_args(argv)
    if args.train_ratio + args.validation_ratio >= 1.0:
        parser.error(
            f"--train-ratio ({args.train_ratio}) plus --validation-ratio "
            f"({args.validation_ratio}) must be less than 1 to leave rows for the test set"
        )
    return args


def positives(frame: pd.DataFrame, target: str) -> str:
    """Describe the share of positive labels in ``frame``."""
    count = int((frame[target] == 1).sum())
    return f"{count} positive, {count / len(frame):.1%}"


def schema_feature_order(schema_dir: str, target: str, features: Sequence[str]) -> List[str]:
    """``features`` in the order the schema in ``schema_dir`` lists its columns.

    A model scores features by position, so the order it is trained on is a contract with
    whatever sends it rows: the schema's order, which the batch step's feature copy
    (``validate.py --inference``) also writes. Files may still order their columns as they
    like: ValidateData has checked their names against the same schema.
    """
    preferred = os.path.join(schema_dir, "schema.json")
    names = (
        sorted(n for n in os.listdir(schema_dir) if n.lower().endswith(".json"))
        if os.path.isdir(schema_dir)
        else []
    )
    path = preferred if os.path.isfile(preferred) else (
        os.path.join(schema_dir, names[0]) if len(names) == 1 else None
    )
    if path is None:
        raise InputError(f"no schema in {schema_dir} (schema.json, or one *.json file)")
    try:
        with open(path, encoding="utf-8") as handle:
            columns = [column["name"] for column in json.load(handle)["columns"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"cannot read the schema {path}: {error}") from None
    ordered = [name for name in columns if name != target]
    if sorted(ordered) != sorted(features):
        raise InputError(
            f"the data's feature columns ({listing(sorted(features))}) are not the schema's "
            f"({listing(sorted(ordered))})"
        )
    return ordered


def run(args: argparse.Namespace) -> None:
    """Read, validate, split and write the data, printing what was written."""
    input_dir = os.path.join(args.base_dir, "input", "data")
    paths = find_csv_files(input_dir)
    data = read_csv_files(paths, input_dir)
    features = validate(data, args.target_column)
    if args.schema_order:
        schema_dir = os.path.join(args.base_dir, "input", "schema")
        features = schema_feature_order(schema_dir, args.target_column, features)
    print(
        f"read {len(data)} rows with {len(features)} features from {len(paths)} CSV file(s) under "
        f"{input_dir} ({positives(data, args.target_column)})"
    )

    train, validation, test = split(
        data, args.target_column, args.train_ratio, args.validation_ratio, args.seed
    )
    for name, frame in (("train", train), ("validation", validation), ("test", test)):
        path = os.path.join(args.base_dir, name, f"{name}.csv")
        write_label_first(frame, args.target_column, features, path)
        print(f"{name}: {len(frame)} rows ({positives(frame, args.target_column)}) -> {path}")

    baseline_path = os.path.join(args.base_dir, "baseline", "baseline.csv")
    write_baseline(train, features, baseline_path)
    print(f"baseline: {len(train)} rows x {len(features)} features -> {baseline_path}")

    monitor_path = os.path.join(args.base_dir, "monitor-baseline", "baseline.csv")
    write_monitor_baseline(train, args.target_column, features, monitor_path)
    print(
        f"monitor baseline: {len(train)} rows x {args.target_column} and {len(features)} features "
        f"-> {monitor_path}"
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = parse_args(argv)
    try:
        run(args)
    except InputError as error:
        # Bad data is not a defect in this script: a traceback would only bury
        # the one line that says what to fix in the job's log.
        message = " ".join(str(error).split())
        print(f"{os.path.basename(sys.argv[0])}: error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
