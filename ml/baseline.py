# SPDX-License-Identifier: Apache-2.0
"""Describe the training features for drift checks and write drift_baseline.json.

SageMaker Model Monitor is closed to new customers, so the endpoints' drift
checks run drift_check.py on SageMaker Processing instead; this script makes
the baseline they compare with. It runs as a processing step in the SageMaker
scikit-learn container as::

    python3 /opt/ml/processing/input/code/baseline.py [--bins 10]

Input: ``<base-dir>/baseline/baseline.csv``, as preprocess.py writes it: a
header row naming the features, then the training features, without the
label. A value is missing when its cell is empty or ``NaN`` (or ``nan``).

A feature is numeric when every value that is not missing is a number, and
categorical otherwise (or when ``--categorical`` names it).

Output: ``<base-dir>/drift-baseline/drift_baseline.json``::

    {"version": 1, "row_count": 398, "bins": 10, "sample_limit": 10000,
     "max_categories": 100,
     "features": [
       {"name": "mean_area", "type": "numeric", "count": 398, "missing_rate": 0.0,
        "min": 143.5, "max": 2501.0, "mean": 654.9, "std": 351.9,
        "bin_edges": [e1, ..., e9], "bin_proportions": [p0, ..., p9],
        "sample": [v1, ..., vn]},
       {"name": "colour", "type": "categorical", "count": 395, "missing_rate": 0.0075,
        "distinct": 3, "categories": {"red": 0.5, "blue": 0.3, "green": 0.2}}]}

Features are listed in the column order of baseline.csv, which is the order of
the fields of a CSV request to the endpoint. ``count`` is the number of values
that are not missing and ``missing_rate`` the share of rows without a value.

Numeric features
    ``bin_edges`` are the interior cut points between quantile bins: the
    training values at the deciles by default (``--bins``; for the quantile q,
    the value of rank floor((n - 1) * q) in the sorted values, numpy's "lower"
    quantile), with duplicates and any cut point at the minimum removed. So
    every bin holds training values, and a feature with few distinct values
    gets fewer bins (a 0/1 feature two). The first and last bins are open-ended:
    bin 0 holds values below ``bin_edges[0]``, bin i holds values from
    ``bin_edges[i-1]`` (included) to ``bin_edges[i]`` (excluded), and the last
    bin holds values from ``bin_edges[-1]`` up, so every future value falls in
    a bin. ``bin_proportions`` are the shares of the training values in each
    bin (one more than there are edges), for the population stability index.

    ``sample`` is for the two-sample Kolmogorov-Smirnov test, which compares
    whole empirical distributions and so needs values rather than bins. It
    holds every training value, sorted, when there are at most 10,000 of them;
    otherwise 10,000 order statistics at evenly spaced ranks (the values at
    ranks (i + 0.5) * n / 10000). That sample is deterministic, and its
    empirical distribution function is within 1/10,000 of the training data's
    everywhere, far below the KS thresholds that matter (0.1 and up), while
    the file stays a few megabytes however large the training set is: the
    drift check runs every hour and reads it each time.

Categorical features
    ``categories`` maps each of the 100 most frequent categories to its share
    of the values that are not missing (most frequent first, ties by name);
    the share of all other categories, if any, is under ``"__other__"``.
    ``distinct`` is the number of distinct categories.

The output is deterministic: the same input gives the same file.

Exit status: 0 on success; 2 for bad arguments or bad input data, with a
one-line message on stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from typing import Any, Dict, Optional, Sequence

import numpy as np
import pandas as pd

DEFAULT_BASE_DIR = "/opt/ml/processing"
BASELINE_VERSION = 1

# Cells that count as missing values; drift_check.py uses the same ones.
MISSING_VALUES = ["", "NaN", "nan"]
# The name under which categories beyond the most frequent ones are counted.
OTHER_CATEGORY = "__other__"

SAMPLE_LIMIT = 10_000
MAX_CATEGORIES = 100

# Long lists would make error messages unreadable; show this many.
MAX_LISTED = 5


class InputError(Exception):
    """A problem with the input data that whoever supplies the data has to fix."""


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: the job's log shows what to fix."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def listing(items: Sequence[str]) -> str:
    """Join ``items`` with commas, shortening long lists."""
    shown = ", ".join(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        shown += f", ... ({len(items)} in total)"
    return shown


def read_baseline_csv(path: str) -> pd.DataFrame:
    """Read baseline.csv with every cell as text and missing values as NaN."""
    if not os.path.isfile(path):
        raise InputError(f"{path} not found; the Preprocess step writes it")
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle), [])
    except UnicodeDecodeError as error:
        raise InputError(f"cannot read {path} as UTF-8 text: {error}") from None
    if not header:
        raise InputError(f"{path} is empty; expected a header row naming the features")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise InputError(f"{path} names these columns more than once: {listing(duplicates)}")
    unnamed = [str(index + 1) for index, name in enumerate(header) if name.strip() == ""]
    if unnamed:
        raise InputError(f"{path} has columns without a name in its header row (column {unnamed[0]})")
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_values=MISSING_VALUES, encoding="utf-8"
        )
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(f"cannot parse {path} as CSV: {error}") from None
    if frame.empty:
        raise InputError(f"{path} has a header row but no data rows")
    return frame


def numeric_values(column: pd.Series) -> Optional[np.ndarray]:
    """The column's values that are not missing, as floats, or None if some are not numbers."""
    # numpy converts text as Python's float() does, correctly rounded, like
    # drift_check.py; pandas' to_numeric can be off by a unit in the last place.
    try:
        return column.dropna().to_numpy(dtype=object).astype(float)
    except ValueError:
        return None


def systematic_sample(values: np.ndarray, limit: int) -> np.ndarray:
    """All of ``values`` sorted, or ``limit`` order statistics at evenly spaced ranks."""
    ordered = np.sort(values)
    if len(ordered) <= limit:
        return ordered
    ranks = ((np.arange(limit) + 0.5) * len(ordered) / limit).astype(np.int64)
    return ordered[ranks]


def describe_numeric(name: str, values: np.ndarray, rows: int, bins: int) -> Dict[str, Any]:
    """Summary, quantile bins and KS sample of a numeric feature."""
    if not np.isfinite(values).all():
        raise InputError(f"feature '{name}' has infinite values; remove them before baselining")
    # Cut points that are training values: interpolating between two values
    # (numpy's default) could make a bin that no training value falls in.
    quantiles = np.quantile(values, np.arange(1, bins) / bins, method="lower")
    lowest = values.min()
    # A cut point at the minimum would leave the first bin empty.
    edges = np.unique(quantiles)
    edges = edges[edges > lowest]
    bin_index = np.searchsorted(edges, values, side="right")
    counts = np.bincount(bin_index, minlength=len(edges) + 1)
    return {
        "name": name,
        "type": "numeric",
        "count": int(len(values)),
        "missing_rate": (rows - len(values)) / rows,
        "min": float(lowest),
        "max": float(values.max()),
        "mean": float(values.mean()),
        "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
        "bin_edges": edges.tolist(),
        "bin_proportions": (counts / len(values)).tolist(),
        "sample": systematic_sample(values, SAMPLE_LIMIT).tolist(),
    }


def describe_categorical(name: str, column: pd.Series, rows: int) -> Dict[str, Any]:
    """Category frequencies of a categorical feature (the most frequent, then the rest)."""
    present = column.dropna()
    counts = sorted(present.value_counts().items(), key=lambda item: (-item[1], item[0]))
    total = len(present)
    categories = {str(value): count / total for value, count in counts[:MAX_CATEGORIES]}
    rest = sum(count for _value, count in counts[MAX_CATEGORIES:])
    if rest:
        categories[OTHER_CATEGORY] = rest / total
    return {
        "name": name,
        "type": "categorical",
        "count": int(total),
        "missing_rate": (rows - total) / rows,
        "distinct": len(counts),
        "categories": categories,
    }


def build_baseline(frame: pd.DataFrame, bins: int, categorical: Sequence[str]) -> Dict[str, Any]:
    """The drift baseline of every column of ``frame``."""
    unknown = [name for name in categorical if name not in frame.columns]
    if unknown:
        raise InputError(
            f"--categorical names column(s) that baseline.csv does not have: {listing(unknown)}; "
            f"its columns are: {listing(list(frame.columns))}"
        )
    empty = [name for name in frame.columns if frame[name].isna().all()]
    if empty:
        raise InputError(
            f"column(s) without a single value in baseline.csv: {listing(empty)}; "
            "a baseline needs values to compare with"
        )
    rows = len(frame)
    features = []
    for name in frame.columns:
        values = None if name in categorical else numeric_values(frame[name])
        if values is None:
            features.append(describe_categorical(name, frame[name], rows))
        else:
            features.append(describe_numeric(name, values, rows, bins))
    return {
        "version": BASELINE_VERSION,
        "row_count": rows,
        "bins": bins,
        "sample_limit": SAMPLE_LIMIT,
        "max_categories": MAX_CATEGORIES,
        "features": features,
    }


def bin_count(text: str) -> int:
    """argparse type for the number of quantile bins."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 2 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text} is not between 2 and 100")
    return value


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = OneLineParser(
        description="Describe the training features in baseline/baseline.csv (quantile bins, a "
        "sample for the KS test and summary statistics of numeric features; category "
        "frequencies of categorical ones) as drift-baseline/drift_baseline.json, the baseline "
        "drift_check.py compares endpoint traffic with.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--base-dir",
        default=DEFAULT_BASE_DIR,
        help="processing directory: reads baseline/baseline.csv and writes "
        "drift-baseline/drift_baseline.json under it",
    )
    parser.add_argument(
        "--bins",
        type=bin_count,
        default=10,
        help="number of quantile bins of numeric features (10: deciles), before duplicate "
        "edges are merged",
    )
    parser.add_argument(
        "--categorical",
        default="",
        help="comma-separated columns to treat as categorical even though their values are "
        "numbers (codes, for instance)",
    )
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> None:
    """Read baseline.csv, describe each feature and write drift_baseline.json."""
    input_path = os.path.join(args.base_dir, "baseline", "baseline.csv")
    frame = read_baseline_csv(input_path)
    categorical = [name.strip() for name in args.categorical.split(",") if name.strip()]
    baseline = build_baseline(frame, args.bins, categorical)

    output_dir = os.path.join(args.base_dir, "drift-baseline")
    os.makedirs(output_dir, exist_ok=True)
    output_path = os.path.join(output_dir, "drift_baseline.json")
    with open(output_path, "w", encoding="utf-8") as handle:
        # Compact: the samples hold up to 10,000 values per feature.
        json.dump(baseline, handle, separators=(",", ":"), allow_nan=False)
        handle.write("\n")

    features = baseline["features"]
    numeric = sum(1 for feature in features if feature["type"] == "numeric")
    print(
        f"baseline: {baseline['row_count']} rows x {len(features)} features ({numeric} numeric, "
        f"{len(features) - numeric} categorical) from {input_path} -> {output_path}"
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
