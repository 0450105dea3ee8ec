# SPDX-License-Identifier: Apache-2.0
"""Check a dataset against its model's schema: the data gate of the model-build pipeline.

The gate runs before anything is trained, so that a dataset with a renamed
column, text in a numeric column, a new class or half its rows missing stops
the pipeline with a message that says what is wrong, instead of failing
somewhere in training or, worse, training a model on it.

Schemas
-------

Each model has one schema, committed as ``ml/schemas/<model>.json`` (the
``diagnosis`` model's is ``ml/schemas/diagnosis.json``) and written from the
model's dataset by the ``write-schema`` command::

    python3 ml/validate.py write-schema --data ml/data/breast-cancer.csv \\
        --target-column target --output ml/schemas/diagnosis.json \\
        [--categorical col,...]

A schema lists every column of the dataset in its order, each with its type,
and names the target column and its classes::

    {
      "columns": [
        { "name": "mean_radius", "type": "numeric" },
        ...
        { "name": "target", "type": "numeric" }
      ],
      "target": { "classes": ["0", "1"], "name": "target" },
      "version": 1
    }

A column is ``numeric`` when every value that is not missing is a number, as
baseline.py infers it, and ``categorical`` otherwise or when
``--categorical`` names it. The classes are the target column's distinct
values as text: those of a numeric target as numbers (``1`` and ``1.0`` are
the class ``"1"``) sorted by value, those of a categorical one as written,
sorted as text. A value is missing when its cell is empty or ``NaN`` (or
``nan``), as in baseline.py and drift_check.py.

The file is deterministic so that it can be committed and reviewed as a
diff: the keys of each object are sorted, the columns keep the dataset's
order, it is laid out as Prettier lays out JSON, and it ends with a newline.
Regenerate it when the dataset's columns or classes change on purpose.

Validation
----------

The pipeline's first step runs the validation in the SageMaker scikit-learn
container as::

    python3 /opt/ml/processing/input/code/validate.py \\
        [--min-rows 100] [--max-missing-rate 0.05] \\
        [--min-class-share 0.05] [--max-class-share 0.95] \\
        [--column-max-missing '{"mean_area": 0.2}'] [--inference]

Validation is the default command: it runs without a subcommand, or with
``validate`` as the first argument.

Inputs:

``<base-dir>/input/data/``
    Every ``*.csv`` file below it, subdirectories included, as preprocess.py
    reads them: the files of one dataset, each with a header row, whose rows
    are checked together.
``<base-dir>/input/schema/schema.json``
    The model's schema. When there is no ``schema.json``, the only ``*.json``
    file in ``input/schema/`` is read instead: a processing input copies an
    S3 object under its own name, so ``ml/schemas/diagnosis.json`` uploaded
    as it is arrives as ``input/schema/diagnosis.json``.

Checks, each problem naming the column, the value found and the limit:

``input``
    There are no ``.csv`` files, or a file cannot be read as a table of
    uniquely named columns (not UTF-8, empty, a column named twice or not at
    all, rows with more fields than the header); such a file is left out.
``missing_column`` / ``extra_column``
    Every column of the schema must be in every file, and no other column
    may be: names match exactly, in any order. A missing column is reported
    with the files that lack it when others have it; a name that differs
    only in case or surrounding spaces is pointed out. Missing columns get no
    further checks.
``rows``
    The files hold at least ``--min-rows`` data rows between them.
``type``
    A numeric column holds only numbers; infinities count as non-numeric,
    since no model can train on them. The problem counts the values and
    shows the first three distinct ones.
``missing_rate``
    The share of rows without a value in each column is at most
    ``--max-missing-rate``, or the column's own limit in
    ``--column-max-missing`` (a JSON object of column name to limit).
``unknown_class`` / ``class_share``
    The target column holds only the schema's classes (values of a numeric
    target compared as numbers, so that text in it is both a ``type`` and an
    ``unknown_class`` problem), and each class is between
    ``--min-class-share`` and ``--max-class-share`` of the rows that have a
    target value.

Inference mode
--------------

With ``--inference`` the data is what a model is asked to score, the first
step of a batch inference pipeline: the schema's columns without the target
column. The same checks run with the same options (``input``, columns,
``rows``, ``type``, ``missing_rate``); the class checks do not, since there
is no target to check (``--min-class-share`` and ``--max-class-share`` are
accepted and ignored, so that both pipelines can pass the same options).

A target column that is present is reported as an extra column, ``not
expected in inference data (it is the target column)``, rather than ignored:
a file with labels is most likely a training file put in the wrong folder,
and scores of it would pass for predictions of cases no one has diagnosed.

The data arrives as a team writes it: CSV files with a header row, the
feature columns in any order, as the training data has them. The model
cannot read it that way, and a batch transform job cannot change that:

* SageMaker's built-in XGBoost algorithm reads CSV without a header row and
  without the label, the features in the order it was trained on
  (https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost.html);
* with ``SplitType`` ``Line`` every line is a record, and the
  ``DataProcessing`` ``InputFilter`` of a transform job selects fields of a
  record, never records, so it cannot drop a header row
  (https://docs.aws.amazon.com/sagemaker/latest/dg/batch-transform-data-processing.html).

So when the data passes, this mode also writes what the transform job reads:

``<base-dir>/features/<file>``
    For each input file, under the same path relative to ``input/data/``
    (``more/part-2.csv`` stays ``more/part-2.csv``): its data rows without
    the header row (blank lines left out), the feature columns in the
    schema's order (that of the dataset it was written from, and so of the
    training data), each value as written, missing values (empty, ``NaN``,
    ``nan``) as empty fields, which the XGBoost container reads as missing,
    and ``\\n`` after each row. Only ``.csv`` files are copied, so a marker
    object such as ``_SUCCESS`` beside the data is never scored. A transform
    job's output for a file is ``<file>.out`` (TransformOutput, SageMaker API
    reference), so each output file lines up row for row with its input file.

Nothing is written there when the data fails: the pipeline stops before
scoring. The report and the printed lines are those of training mode, so
that the batch pipeline's condition reads the report exactly as the build
pipeline's CheckData step does.

Output: ``<base-dir>/validation/validation_report.json``::

    {"version": 1, "status": "passed" | "failed", "rows": 569,
     "files": ["breast-cancer.csv"],
     "problems": [
       {"column": "mean_area", "check": "missing_rate", "found": 0.119508,
        "limit": 0.05,
        "message": "column mean_area: 11.95% missing (68 of 569 rows), limit 5%"}],
     "summary": "failed: 1 problem: column mean_area: 11.95% missing (68 of 569 rows), limit 5%"}

``files`` are the CSV files found, relative to ``input/data/``. A problem's
``column`` is null for problems of the input as a whole (``input``,
``rows``). ``found`` and ``limit`` are numbers (rows, counts, or shares from 0
to 1, rounded to 6 significant digits), lists of class names
(``unknown_class``: up to five of the unknown classes, and the schema's
classes), or null where a number would mean nothing (missing and extra
columns, unreadable files). Problems are listed input first, then columns,
rows, and each column's checks in the schema's column order.

``summary`` is one line for the pipeline's Fail step, which shows it:
``passed: 569 rows, 31 columns`` (the columns checked), or ``failed: N
problems:`` and the problems' messages separated by semicolons, cut to at
most 800 characters with ``… and N more`` (a pipeline step's failure reason
holds at most 1,024). The same line is printed.

Exit status: 0 when the report was written, whether the data passed or
failed (the pipeline reads the status from the report and stops at a Fail
step); 2 for a bad command line or a schema that cannot be read, and for
``write-schema``, data it cannot describe, with a one-line message on
stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import warnings
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

import numpy as np
import pandas as pd

DEFAULT_BASE_DIR = "/opt/ml/processing"
SCHEMA_VERSION = 1
REPORT_VERSION = 1
# Where inference mode writes the header-less features that a batch transform job scores.
FEATURES_DIR = "features"
COLUMN_TYPES = ("numeric", "categorical")

# Cells that count as missing values, as in baseline.py and drift_check.py.
MISSING_VALUES = ["", "NaN", "nan"]

# Long lists would make messages unreadable; show this many.
MAX_LISTED = 5
MAX_EXAMPLES = 3
# The Fail step shows the summary inside its message, and a step's failure reason holds at most
# 1,024 characters (ListPipelineExecutionSteps, SageMaker API reference): the rest is for the text around it.
SUMMARY_LIMIT = 800
# The schema is laid out as Prettier lays out JSON with the repository's settings.
PRINT_WIDTH = 110

PROG = "validate.py"


class InputError(Exception):
    """A problem with the command line, the schema or write-schema's data: exit status 2."""


class DataError(Exception):
    """A CSV file that cannot be read as a table; validation reports it as a problem."""


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: the job's log shows what to fix."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


class Column(NamedTuple):
    name: str
    type: str


class Schema(NamedTuple):
    columns: List[Column]
    target: str
    classes: List[str]

    def column_type(self, name: str) -> str:
        return next(column.type for column in self.columns if column.name == name)


class Table(NamedTuple):
    """One CSV file: its name relative to the input directory and its cells as text."""

    name: str
    frame: pd.DataFrame


# ---------------------------------------------------------------------------
# Values


def listing(items: Sequence[str]) -> str:
    """Join ``items`` with commas, shortening long lists."""
    shown = ", ".join(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        shown += f", ... ({len(items)} in total)"
    return shown


def quoted(values: Sequence[str]) -> List[str]:
    return [f"'{value}'" for value in values]


def significant(value: float) -> float:
    """``value`` rounded to 6 significant digits, for the report."""
    return float(f"{value:.6g}")


def percent(share: float) -> str:
    """A share as a percentage for messages: 0.12 is 12%, 1/569 is 0.1757%."""
    return f"{share * 100:.4g}%"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def is_number(text: str) -> bool:
    """Whether ``text`` is a finite number."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def non_numeric(column: pd.Series) -> pd.Series:
    """The values of ``column`` that are not missing and are not finite numbers."""
    present = column.dropna()
    try:
        numbers = present.to_numpy(dtype=object).astype(float)
    except ValueError:
        return present[~present.map(is_number)]
    return present[~np.isfinite(numbers)]


def all_numbers(column: pd.Series) -> bool:
    """Whether every value of ``column`` that is not missing is a number (baseline.py's test)."""
    try:
        column.dropna().to_numpy(dtype=object).astype(float)
    except ValueError:
        return False
    return True


def number_text(value: float) -> str:
    """A numeric class as text: ``1`` for 1.0, ``0.5`` for 0.5."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def class_texts(values: pd.Series, numeric: bool) -> pd.Series:
    """The classes of target values (not missing): numbers as number_text, the rest as written."""
    if not numeric:
        return values

    def text(value: str) -> str:
        try:
            return number_text(float(value))
        except ValueError:
            return value

    # A target has few distinct values: convert each once.
    return values.map({value: text(value) for value in values.unique()})


def sort_classes(classes: Sequence[str], numeric: bool) -> List[str]:
    if numeric:
        return sorted(classes, key=lambda name: (float(name), name))
    return sorted(classes)


# ---------------------------------------------------------------------------
# CSV files


def find_csv_files(input_dir: str) -> List[str]:
    """Every ``*.csv`` file under ``input_dir`` (none if it does not exist), in a stable order."""
    found = [
        os.path.join(root, name)
        for root, _dirs, names in os.walk(input_dir)
        for name in names
        if name.lower().endswith(".csv")
    ]
    return sorted(found)


def read_table(path: str, name: str) -> pd.DataFrame:
    """Read a CSV file with every cell as text and missing values as NaN."""
    try:
        # utf-8-sig: a byte-order mark (spreadsheet exports) is not part of the first name.
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), [])
    except UnicodeDecodeError as error:
        raise DataError(f"file {name} is not UTF-8 text: {error}") from None
    except csv.Error as error:
        raise DataError(f"file {name} cannot be parsed as CSV: {error}") from None
    if not header:
        raise DataError(f"file {name} is empty; expected a header row naming the columns")
    unnamed = [index + 1 for index, column in enumerate(header) if column.strip() == ""]
    if unnamed:
        raise DataError(f"file {name}: column {unnamed[0]} has no name in the header row")
    duplicates = sorted({column for column in header if header.count(column) > 1})
    if duplicates:
        raise DataError(f"file {name} names columns more than once: {listing(duplicates)}")
    try:
        with warnings.catch_warnings():
            # With index_col=False, rows longer than the header only warn and lose cells.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                na_values=MISSING_VALUES,
                encoding="utf-8-sig",
                index_col=False,
            )
    except pd.errors.ParserWarning:
        raise DataError(f"file {name} has rows with more fields than its header row") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        message = " ".join(str(error).split())
        raise DataError(f"file {name} cannot be parsed as CSV: {message}") from None


# ---------------------------------------------------------------------------
# Schemas


def infer_schema(frame: pd.DataFrame, target: str, categorical: Sequence[str]) -> Dict[str, Any]:
    """The schema of a dataset: its columns with their types, the target and its classes."""
    columns = [str(name) for name in frame.columns]
    unknown = [name for name in categorical if name not in columns]
    if unknown:
        raise InputError(
            f"--categorical names column(s) the data does not have: {listing(unknown)}; "
            f"its columns are: {listing(columns)}"
        )
    if target not in columns:
        raise InputError(
            f"target column '{target}' not found; the columns are: {listing(columns)}"
        )
    if frame.empty:
        raise InputError("the data has a header row but no data rows")
    empty = [name for name in columns if name not in categorical and frame[name].isna().all()]
    if empty:
        raise InputError(
            f"column(s) without a single value: {listing(empty)}; their type cannot be "
            "inferred (name them in --categorical to make them categorical)"
        )
    types = {
        name: "categorical" if name in categorical or not all_numbers(frame[name]) else "numeric"
        for name in columns
    }
    numeric_target = types[target] == "numeric"
    classes = sort_classes(
        class_texts(frame[target].dropna(), numeric_target).unique().tolist(), numeric_target
    )
    if len(classes) < 2:
        raise InputError(
            f"target column '{target}' holds only the class {quoted(classes)[0]}; "
            "a classifier needs at least two"
        )
    return {
        "columns": [{"name": name, "type": types[name]} for name in columns],
        "target": {"classes": classes, "name": target},
        "version": SCHEMA_VERSION,
    }


def format_json(
    value: Any, indent: int = 0, used: int = 0, after: int = 0, top: bool = True
) -> str:
    """JSON text as Prettier lays it out: objects and arrays on one line when they fit.

    ``used`` is the width already taken on the value's first line and ``after``
    the width that follows it (a comma); the top-level object is always expanded.
    """
    if isinstance(value, dict):
        items = [f"{json.dumps(key)}: " for key in value]
        if not value:
            return "{}"
        flat = "{ " + ", ".join(
            key + format_json(item, top=False) for key, item in zip(items, value.values())
        ) + " }"
        if not top and "\n" not in flat and used + len(flat) + after <= PRINT_WIDTH:
            return flat
        inner = " " * (indent + 2)
        lines = [
            inner
            + key
            + format_json(
                item,
                indent + 2,
                len(inner) + len(key),
                1 if index < len(value) - 1 else 0,
                False,
            )
            for index, (key, item) in enumerate(zip(items, value.values()))
        ]
        return "{\n" + ",\n".join(lines) + "\n" + " " * indent + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        # Prettier always breaks an array of several objects with more than one key.
        objects = len(value) > 1 and all(isinstance(item, dict) and len(item) > 1 for item in value)
        flat = "[" + ", ".join(format_json(item, top=False) for item in value) + "]"
        if not objects and "\n" not in flat and used + len(flat) + after <= PRINT_WIDTH:
            return flat
        inner = " " * (indent + 2)
        lines = [
            inner
            + format_json(item, indent + 2, len(inner), 1 if index < len(value) - 1 else 0, False)
            for index, item in enumerate(value)
        ]
        return "[\n" + ",\n".join(lines) + "\n" + " " * indent + "]"
    return json.dumps(value)


def schema_error(path: str, problem: str) -> InputError:
    return InputError(f"schema {path}: {problem}")


def parse_schema(document: Any, path: str) -> Schema:
    """Check the structure of a schema document and return it."""
    if not isinstance(document, dict) or document.get("version") != SCHEMA_VERSION:
        raise schema_error(
            path,
            f"not a version {SCHEMA_VERSION} schema; write one with 'validate.py write-schema'",
        )
    entries = document.get("columns")
    if not isinstance(entries, list) or not entries:
        raise schema_error(path, "'columns' must be a non-empty list")
    columns: List[Column] = []
    for index, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or name == "":
            raise schema_error(path, f"column {index + 1} has no name")
        kind = entry.get("type")
        if kind not in COLUMN_TYPES:
            raise schema_error(
                path,
                f"column '{name}' has type {json.dumps(kind)}; expected numeric or categorical",
            )
        columns.append(Column(name, kind))
    names = [column.name for column in columns]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise schema_error(path, f"names columns more than once: {listing(duplicates)}")
    target = document.get("target")
    target_name = target.get("name") if isinstance(target, dict) else None
    if not isinstance(target_name, str) or target_name not in names:
        raise schema_error(path, "'target.name' must name one of its columns")
    classes = target.get("classes")
    if (
        not isinstance(classes, list)
        or len(classes) < 2
        or not all(isinstance(name, str) for name in classes)
        or len(set(classes)) != len(classes)
    ):
        raise schema_error(path, "'target.classes' must be a list of two or more distinct strings")
    return Schema(columns, target_name, classes)


def find_schema(schema_dir: str) -> str:
    """``schema.json`` in ``schema_dir``, or the only ``*.json`` file there."""
    preferred = os.path.join(schema_dir, "schema.json")
    if os.path.isfile(preferred):
        return preferred
    candidates = (
        sorted(name for name in os.listdir(schema_dir) if name.lower().endswith(".json"))
        if os.path.isdir(schema_dir)
        else []
    )
    if len(candidates) == 1:
        return os.path.join(schema_dir, candidates[0])
    if candidates:
        raise InputError(
            f"no schema.json in {schema_dir}, and more than one other .json file: "
            f"{listing(candidates)}"
        )
    raise InputError(f"no schema at {preferred}; the step's schema input provides it")


def load_schema(schema_dir: str) -> Schema:
    path = find_schema(schema_dir)
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, UnicodeDecodeError) as error:
        raise schema_error(path, f"cannot be read: {error}") from None
    except ValueError as error:
        raise schema_error(path, f"not valid JSON: {error}") from None
    return parse_schema(document, path)


# ---------------------------------------------------------------------------
# Checks


def problem(
    column: Optional[str], check: str, found: Any, limit: Any, message: str
) -> Dict[str, Any]:
    return {"column": column, "check": check, "found": found, "limit": limit, "message": message}


def near_match(name: str, others: Sequence[str]) -> Optional[str]:
    """The one of ``others`` that differs from ``name`` only in case or surrounding spaces."""
    key = name.strip().casefold()
    return next((other for other in others if other.strip().casefold() == key), None)


def check_columns(
    tables: Sequence[Table], expected: Sequence[str], target: Optional[str]
) -> Tuple[List[Dict[str, Any]], Set[str]]:
    """Missing and extra columns; returns the problems and the columns missing from any file.

    ``target`` names the target column when the data must not have it (inference).
    """
    problems: List[Dict[str, Any]] = []
    found: List[str] = []
    for table in tables:
        found += [name for name in table.frame.columns if name not in found]
    extra = [name for name in found if name not in expected]
    missing: Set[str] = set()
    for name in expected:
        lacking = [table.name for table in tables if name not in table.frame.columns]
        if not lacking:
            continue
        missing.add(name)
        message = f"column {name}: missing"
        if len(lacking) < len(tables):
            message += f" from {listing(lacking)} ({len(lacking)} of {len(tables)} files)"
        similar = near_match(name, extra)
        if similar is not None:
            message += f" (the data has '{similar}')"
        problems.append(problem(name, "missing_column", None, None, message))
    for name in extra:
        having = [table.name for table in tables if name in table.frame.columns]
        if name == target:
            message = f"column {name}: not expected in inference data (it is the target column)"
        else:
            message = f"column {name}: not in the schema"
            similar = near_match(name, [column for column in expected if column in missing])
            if similar is not None:
                message += f" (the schema has '{similar}')"
        if len(having) < len(tables):
            message += f", in {listing(having)}"
        problems.append(problem(name, "extra_column", None, None, message))
    return problems, missing


def check_type(name: str, column: pd.Series) -> List[Dict[str, Any]]:
    bad = non_numeric(column)
    if bad.empty:
        return []
    examples = ", ".join(quoted(bad.drop_duplicates().head(MAX_EXAMPLES).tolist()))
    message = f"column {name}: {plural(len(bad), 'non-numeric value')}, e.g. {examples}"
    return [problem(name, "type", int(len(bad)), 0, message)]


def check_missing(name: str, column: pd.Series, limit: float) -> List[Dict[str, Any]]:
    rows = len(column)
    count = int(column.isna().sum())
    rate = count / rows
    if rate <= limit:
        return []
    message = (
        f"column {name}: {percent(rate)} missing ({count} of {rows} rows), limit {percent(limit)}"
    )
    return [problem(name, "missing_rate", significant(rate), limit, message)]


def check_classes(
    name: str, column: pd.Series, schema: Schema, min_share: float, max_share: float
) -> List[Dict[str, Any]]:
    problems = []
    numeric = schema.column_type(name) == "numeric"
    labels = class_texts(column.dropna(), numeric)
    unknown_labels = labels[~labels.isin(schema.classes)]
    if not unknown_labels.empty:
        unknown = sort_classes(unknown_labels.unique().tolist(), False)
        shown = listing(quoted(unknown))
        message = (
            f"column {name}: {plural(len(unknown_labels), 'row')} with unknown classes {shown}; "
            f"the schema's classes are {listing(quoted(schema.classes))}"
        )
        problems.append(
            problem(name, "unknown_class", unknown[:MAX_LISTED], list(schema.classes), message)
        )
    total = len(labels)
    if total == 0:
        return problems
    counts = labels.value_counts()
    for label in schema.classes:
        count = int(counts.get(label, 0))
        share = count / total
        if min_share <= share <= max_share:
            continue
        bound, limit = ("minimum", min_share) if share < min_share else ("maximum", max_share)
        message = (
            f"column {name}: class '{label}' is {percent(share)} of rows ({count} of {total}), "
            f"{bound} {percent(limit)}"
        )
        problems.append(problem(name, "class_share", significant(share), limit, message))
    return problems


def read_tables(
    paths: Sequence[str], input_dir: str
) -> Tuple[List[Table], List[Dict[str, Any]]]:
    """The readable CSV files, and a problem for each that is not."""
    tables: List[Table] = []
    problems: List[Dict[str, Any]] = []
    for path in paths:
        name = os.path.relpath(path, input_dir).replace(os.sep, "/")
        try:
            tables.append(Table(name, read_table(path, name)))
        except DataError as error:
            problems.append(problem(None, "input", None, None, str(error)))
    return tables, problems


def expected_columns(schema: Schema, inference: bool) -> List[str]:
    """The columns the data must have, in the schema's order: all, or (inference) the features."""
    return [
        column.name for column in schema.columns if not (inference and column.name == schema.target)
    ]


def validate(
    tables: Sequence[Table], schema: Schema, args: argparse.Namespace
) -> Tuple[int, List[Dict[str, Any]]]:
    """Check the tables against the schema; return the number of rows and the problems."""
    inference = bool(args.inference)
    expected = expected_columns(schema, inference)
    problems, missing = check_columns(tables, expected, schema.target if inference else None)
    data = pd.concat([table.frame for table in tables], ignore_index=True, sort=False)
    rows = len(data)
    if rows < args.min_rows:
        message = (
            f"too few rows: {rows}, limit {args.min_rows}"
            if rows
            else f"no data rows, limit {args.min_rows}"
        )
        problems.append(problem(None, "rows", rows, args.min_rows, message))
    if rows == 0:
        return rows, problems
    for name in expected:
        if name in missing:
            continue
        column = data[name]
        if schema.column_type(name) == "numeric":
            problems += check_type(name, column)
        problems += check_missing(name, column, args.column_limits.get(name, args.max_missing_rate))
        if name == schema.target:
            problems += check_classes(
                name, column, schema, args.min_class_share, args.max_class_share
            )
    return rows, problems


def summarise(status: str, rows: int, columns: int, problems: Sequence[Dict[str, Any]]) -> str:
    """One line for the Fail step: what passed, or the problems, cut to SUMMARY_LIMIT."""
    if status == "passed":
        return f"passed: {rows} rows, {columns} columns"
    messages = [" ".join(entry["message"].split()) for entry in problems]
    head = f"failed: {plural(len(messages), 'problem')}: "
    shown: List[str] = []
    for index, message in enumerate(messages):
        rest = len(messages) - index - 1
        tail = f"; … and {rest} more" if rest else ""
        if len(head + "; ".join(shown + [message]) + tail) > SUMMARY_LIMIT:
            break
        shown.append(message)
    text = head + "; ".join(shown)
    if len(shown) < len(messages):
        text += ("; " if shown else "") + f"… and {len(messages) - len(shown)} more"
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1] + "…"


def build_report(
    base_dir: str, schema: Schema, args: argparse.Namespace
) -> Tuple[Dict[str, Any], List[Table]]:
    """The validation report, and the tables that could be read."""
    input_dir = os.path.join(base_dir, "input", "data")
    paths = find_csv_files(input_dir)
    tables, problems = read_tables(paths, input_dir)
    rows = 0
    if not paths:
        problems.append(problem(None, "input", None, None, "no .csv files in the input data"))
    elif tables:
        rows, found = validate(tables, schema, args)
        problems += found
    columns = len(expected_columns(schema, bool(args.inference)))
    status = "failed" if problems else "passed"
    report = {
        "version": REPORT_VERSION,
        "status": status,
        "rows": rows,
        "files": [os.path.relpath(path, input_dir).replace(os.sep, "/") for path in paths],
        "problems": problems,
        "summary": summarise(status, rows, columns, problems),
    }
    return report, tables


def write_features(tables: Sequence[Table], features: Sequence[str], output_dir: str) -> None:
    """Write each table's ``features`` without a header row: what a batch transform job scores.

    Each value is written as read; a missing one as an empty field, which the XGBoost container
    reads as missing. The values of a numeric column passed the type check, so they are numbers
    and need no quotes, which the container would not read: it splits a line at every comma.
    """
    for table in tables:
        path = os.path.join(output_dir, *table.name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        cells = table.frame[list(features)].fillna("")
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerows(cells.itertuples(index=False, name=None))


# ---------------------------------------------------------------------------
# Command lines


def share(text: str) -> float:
    """argparse type for a share from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def row_count(text: str) -> int:
    """argparse type for a number of rows."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not 1 or more")
    return value


def parse_validate_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = OneLineParser(
        prog=PROG,
        description="Check the CSV files under input/data/ against the model's schema in "
        "input/schema/ (columns, types, missing values, rows, target classes and their "
        "balance) and write validation/validation_report.json with the status, the problems "
        "and a one-line summary. The default command; 'validate.py write-schema --help' "
        "describes the command that writes a schema.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--base-dir",
        default=DEFAULT_BASE_DIR,
        help="processing directory: reads input/data/**/*.csv and input/schema/schema.json and "
        "writes validation/validation_report.json under it",
    )
    parser.add_argument("--min-rows", type=row_count, default=100, help="fewest data rows")
    parser.add_argument(
        "--max-missing-rate",
        type=share,
        default=0.05,
        help="largest share of rows without a value in a column",
    )
    parser.add_argument(
        "--min-class-share",
        type=share,
        default=0.05,
        help="smallest share of each target class among the rows with a target value",
    )
    parser.add_argument(
        "--max-class-share",
        type=share,
        default=0.95,
        help="largest share of each target class among the rows with a target value",
    )
    parser.add_argument(
        "--column-max-missing",
        default="",
        help='per-column limits of the missing rate as JSON, e.g. \'{"mean_area": 0.2}\'',
    )
    parser.add_argument(
        "--inference",
        action="store_true",
        help="the data is to be scored: the target column is not expected, and when the data "
        "passes, its features are written to features/ under the base directory without a header "
        "row, in the schema's order, for a batch transform job",
    )
    args = parser.parse_args(argv)
    if args.min_class_share > args.max_class_share:
        parser.error(
            f"--min-class-share ({args.min_class_share:g}) must not exceed --max-class-share "
            f"({args.max_class_share:g})"
        )
    return args


def column_limits(text: str, schema: Schema) -> Dict[str, float]:
    """The per-column missing-rate limits of ``--column-max-missing``."""
    if not text.strip():
        return {}
    try:
        given = json.loads(text)
    except ValueError as error:
        raise InputError(f"--column-max-missing is not valid JSON: {error}") from None
    if not isinstance(given, dict):
        raise InputError('--column-max-missing must be a JSON object such as {"mean_area": 0.2}')
    names = [column.name for column in schema.columns]
    unknown = [name for name in given if name not in names]
    if unknown:
        raise InputError(
            f"--column-max-missing names column(s) the schema does not have: {listing(unknown)}"
        )
    for name, value in given.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise InputError(
                f"--column-max-missing for '{name}' must be a number between 0 and 1, "
                f"got {json.dumps(value)}"
            )
    return {name: float(value) for name, value in given.items()}


def run_validate(argv: Sequence[str]) -> None:
    """Validate the input data, write the report and print its summary."""
    args = parse_validate_args(argv)
    schema = load_schema(os.path.join(args.base_dir, "input", "schema"))
    args.column_limits = column_limits(args.column_max_missing, schema)
    report, tables = build_report(args.base_dir, schema, args)
    if args.inference and report["status"] == "passed":
        features_dir = os.path.join(args.base_dir, FEATURES_DIR)
        write_features(tables, expected_columns(schema, True), features_dir)

    output_dir = os.path.join(args.base_dir, "validation")
    os.makedirs(output_dir, exist_ok=True)
    output_path = os.path.join(output_dir, "validation_report.json")
    with open(output_path, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2, ensure_ascii=False, allow_nan=False)
        handle.write("\n")
    print(report["summary"])
    print(f"wrote {output_path}")


def parse_write_schema_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = OneLineParser(
        prog=f"{PROG} write-schema",
        description="Write the schema of a labelled CSV dataset (its columns in order with their "
        "types, the target column and its classes) as deterministic JSON, to be committed as "
        "ml/schemas/<model>.json.",
    )
    parser.add_argument("--data", required=True, help="the dataset: a CSV file with a header row")
    parser.add_argument("--target-column", required=True, help="name of the label column")
    parser.add_argument("--output", required=True, help="the schema file to write")
    parser.add_argument(
        "--categorical",
        default="",
        help="comma-separated columns to treat as categorical even though their values are "
        "numbers (codes, for instance)",
    )
    return parser.parse_args(argv)


def run_write_schema(argv: Sequence[str]) -> None:
    """Describe the dataset and write its schema."""
    args = parse_write_schema_args(argv)
    if not os.path.isfile(args.data):
        raise InputError(f"--data {args.data}: no such file")
    try:
        frame = read_table(args.data, args.data)
    except DataError as error:
        raise InputError(str(error)) from None
    categorical = [name.strip() for name in args.categorical.split(",") if name.strip()]
    schema = infer_schema(frame, args.target_column, categorical)

    directory = os.path.dirname(args.output)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(format_json(schema) + "\n")
    columns = schema["columns"]
    numeric = sum(1 for column in columns if column["type"] == "numeric")
    print(
        f"schema: {len(columns)} columns ({numeric} numeric, {len(columns) - numeric} "
        f"categorical), target {args.target_column} with classes "
        f"{listing(quoted(schema['target']['classes']))} -> {args.output}"
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point; returns the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    write_schema = arguments[:1] == ["write-schema"]
    try:
        if write_schema:
            run_write_schema(arguments[1:])
        else:
            run_validate(arguments[1:] if arguments[:1] == ["validate"] else arguments)
    except InputError as error:
        # A bad command line or schema is not a defect in this script: a
        # traceback would only bury the one line that says what to fix.
        message = " ".join(str(error).split())
        prog = f"{PROG} write-schema" if write_schema else PROG
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
