# SPDX-License-Identifier: Apache-2.0
"""Summarise a batch transform job's scores: rows scored, rows failed and how the scores spread.

The last step of a batch inference pipeline. It runs in the SageMaker
scikit-learn container after the transform job, as::

    python3 /opt/ml/processing/input/code/batch_summary.py \\
        --input /opt/ml/processing/input/data \\
        --predictions /opt/ml/processing/input/predictions \\
        --output /opt/ml/processing/output/summary [--joined]

Header rows: what the transform job reads
-----------------------------------------

Teams write the data to score as they write training data: CSV files with a
header row naming the columns, in any order. The transform job cannot read
those files as they are:

* SageMaker's built-in XGBoost algorithm reads CSV without a header row and
  without the label, the features in the order it was trained on
  (https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost.html); its
  container turns every field into a number, so a header row fails the job;
* with ``SplitType`` ``Line`` every line is a record, and the transform job's
  ``DataProcessing`` ``InputFilter`` selects fields of a record, never
  records, so it cannot drop a header row
  (https://docs.aws.amazon.com/sagemaker/latest/dg/batch-transform-data-processing.html).

So the validation step, ``validate.py --inference``, checks the team's files
against the model's schema by column name and, when they pass, writes each
file's rows again under its ``features/`` output: no header row, the feature
columns in the schema's order, missing values as empty fields. That copy is
what the transform job reads (``ContentType`` ``text/csv``, ``SplitType``
``Line``, ``AssembleWith`` ``Line``, no ``InputFilter``: every field is a
feature) and what this step reads as its input: each output file then lines
up, line for line, with the file it was scored from.

Inputs
------

``--input``
    The files the transform job read, the validation step's ``features/``
    output: every file below the directory, subdirectories included (a
    transform job reads every object under its S3 prefix), each line one
    row (a final newline ends the last row; it does not start another).
``--predictions``
    The transform job's output: for every input file ``<file>``, the file
    ``<file>.out`` under the same relative path, one line per row
    (``AssembleWith`` ``Line``). SageMaker's API reference shows an output
    path that keeps only the file's name (TransformOutput,
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TransformOutput.html),
    so an input file without an output under its own path takes the one
    ``.out`` file of its name, when there is exactly one.
``--joined``
    The transform job joined each row with its prediction (``DataProcessing``
    ``JoinSource`` ``Input``): a line is the row's fields followed by the
    prediction. Without it a line is the prediction alone, as the XGBoost
    container writes it in a transform job: one number per line, for
    ``binary:logistic`` the probability of the positive class.

A row is scored when its output line holds a finite number as the
prediction: the whole line, or, joined, the last of exactly one field more
than the row has (a joined line with another number of fields does not
belong to its row). Every other row failed: an empty or non-numeric
prediction, a line missing at the end of the output, or no output file.

Output: ``<output>/summary.json``, for instance of the sample dataset in two
files, scored by a model trained on it, one prediction lost::

    {"version": 1, "joined": true,
     "rows_in": 569, "rows_scored": 568, "rows_failed": 1,
     "score": {"min": 0.0111916, "max": 0.986623, "mean": 0.366519,
               "quantiles": {"0.1": 0.0111916, "0.5": 0.0654161, "0.9": 0.984505},
               "histogram": {"edges": [0.0, 0.1, 0.2, ..., 0.9, 1.0],
                             "counts": [320, 22, 5, 11, 9, 2, 8, 11, 20, 160]}},
     "files": [{"input": "more/part-2.csv", "output": "more/part-2.csv.out",
                "rows_in": 269, "rows_scored": 269, "rows_failed": 0, "lines_out": 269},
               {"input": "part-1.csv", "output": "part-1.csv.out",
                "rows_in": 300, "rows_scored": 299, "rows_failed": 1, "lines_out": 300}],
     "failed_rows": [{"file": "part-1.csv", "row": 17, "found": "",
                      "reason": "not_a_number"}],
     "unmatched_outputs": []}

``rows_in``, ``rows_scored`` and ``rows_failed`` count rows of all files
(``rows_failed`` is ``rows_in - rows_scored``). ``score`` describes the
predictions of the scored rows, each number rounded to 6 significant
digits: the quantiles interpolate linearly between rows (numpy's default),
and the histogram has 10 bins of equal width over [0, 1] when every score is
a probability, otherwise over [min, max] (numpy's ``histogram``, which
widens a single value to [value - 0.5, value + 0.5]); each bin
holds the scores from its lower edge up to, not including, its upper edge,
except the last, which holds its upper edge too. ``score`` is null when no
row was scored.

``files`` has an entry for each input file, in the order of their paths:
its output file (null when there is none) and its rows; ``lines_out`` is the
number of lines in the output file, which is ``rows_in`` unless lines are
missing or extra. ``failed_rows`` shows the first 10 rows that failed, with
the row's number in its file (the first row is 1), what the output had in
place of the prediction (cut to 50 characters; null when there was no line)
and why: ``no_output_file``, ``no_output_line``, ``not_a_number`` or
``field_count``. ``unmatched_outputs`` lists ``.out`` files that belong to
no input file. Paths are relative to ``--input`` and ``--predictions``.

One line summing up the run is printed, then where the summary went.

Exit status: 0 when the summary was written, whether rows failed or not (the
summary reports them); 2 for a bad command line or a directory that does not
exist, with a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from collections import Counter
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

import numpy as np

PROG = "batch_summary.py"
SUMMARY_VERSION = 1
OUTPUT_SUFFIX = ".out"
QUANTILES = (0.1, 0.5, 0.9)
HISTOGRAM_BINS = 10
# Enough failed rows to see what went wrong, few enough to read.
MAX_FAILED_ROWS = 10
MAX_FOUND = 50


class InputError(Exception):
    """A problem with the command line or the directories: exit status 2."""


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: the job's log shows what to fix."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


class FileResult(NamedTuple):
    """One input file: its entry in ``files``, its scores and its failed rows."""

    entry: Dict[str, Any]
    scores: List[float]
    failed: List[Dict[str, Any]]


# ---------------------------------------------------------------------------
# Files


def relative_files(directory: str) -> List[str]:
    """Every file under ``directory``, as paths relative to it with ``/``, in a stable order."""
    found = [
        os.path.relpath(os.path.join(root, name), directory).replace(os.sep, "/")
        for root, _dirs, names in os.walk(directory)
        for name in names
    ]
    return sorted(found)


def read_lines(path: str) -> List[str]:
    """The lines of a file, split at ``\\n``: a final newline ends the last line, not a new one."""
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        text = handle.read()
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    # A file written with Windows line endings: the \r is no part of the value.
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def base_name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def match_outputs(inputs: Sequence[str], outputs: Sequence[str]) -> Dict[str, Optional[str]]:
    """The output file of each input file: ``<file>.out`` at its path, else the one of its name.

    The second only when no other input file has that name and no other output that path.
    """
    known = set(inputs)
    available = {name for name in outputs if name.endswith(OUTPUT_SUFFIX)}
    unclaimed = [name for name in available if name[: -len(OUTPUT_SUFFIX)] not in known]
    input_names = Counter(base_name(name) for name in inputs)
    output_names = Counter(base_name(name) for name in unclaimed)
    by_name = {base_name(name): name for name in unclaimed}
    matched: Dict[str, Optional[str]] = {}
    for name in inputs:
        expected = name + OUTPUT_SUFFIX
        if expected in available:
            matched[name] = expected
        elif input_names[base_name(name)] == 1 and output_names[base_name(expected)] == 1:
            matched[name] = by_name[base_name(expected)]
        else:
            matched[name] = None
    return matched


# ---------------------------------------------------------------------------
# Predictions


def number(text: str) -> Optional[float]:
    """``text`` as a finite number, or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def field_count(line: str) -> int:
    """The number of CSV fields of ``line``."""
    return len(next(csv.reader([line]), []))


def shown(text: str) -> str:
    return text if len(text) <= MAX_FOUND else text[: MAX_FOUND - 1] + "…"


def score_file(
    name: str, rows: List[str], output: Optional[str], lines: List[str], joined: bool
) -> FileResult:
    """Pair each row of an input file with its output line and read the predictions."""
    scores: List[float] = []
    failed: List[Dict[str, Any]] = []
    for index, row in enumerate(rows):
        found: Optional[str] = None
        if output is None:
            reason = "no_output_file"
        elif index >= len(lines):
            reason = "no_output_line"
        else:
            found, reason = lines[index], "not_a_number"
            if joined:
                fields = next(csv.reader([found]), [])
                if len(fields) == field_count(row) + 1:
                    found = fields[-1]
                else:
                    reason = "field_count"
            value = number(found) if reason == "not_a_number" else None
            if value is not None:
                scores.append(value)
                continue
        failed.append(
            {
                "file": name,
                "row": index + 1,
                "found": None if found is None else shown(found),
                "reason": reason,
            }
        )
    entry = {
        "input": name,
        "output": output,
        "rows_in": len(rows),
        "rows_scored": len(scores),
        "rows_failed": len(failed),
        "lines_out": len(lines),
    }
    return FileResult(entry, scores, failed)


# ---------------------------------------------------------------------------
# Statistics


def significant(value: float) -> float:
    """``value`` rounded to 6 significant digits, for the summary."""
    return float(f"{value:.6g}")


def describe(scores: Sequence[float]) -> Optional[Dict[str, Any]]:
    """Minimum, maximum, mean, quantiles and histogram of the scores; None without scores."""
    if not scores:
        return None
    values = np.asarray(scores, dtype=float)
    low, high = float(values.min()), float(values.max())
    if low >= 0.0 and high <= 1.0:
        # Probabilities: the same bins in every run, so that runs compare bin by bin.
        bins: Any = [step / HISTOGRAM_BINS for step in range(HISTOGRAM_BINS + 1)]
    else:
        bins = HISTOGRAM_BINS
    counts, edges = np.histogram(values, bins=bins)
    quantiles = np.quantile(values, QUANTILES)
    return {
        "min": significant(low),
        "max": significant(high),
        "mean": significant(float(values.mean())),
        "quantiles": {f"{q:g}": significant(float(v)) for q, v in zip(QUANTILES, quantiles)},
        "histogram": {
            "edges": [significant(float(edge)) for edge in edges],
            "counts": [int(count) for count in counts],
        },
    }


def build_summary(input_dir: str, predictions_dir: str, joined: bool) -> Dict[str, Any]:
    inputs = relative_files(input_dir)
    outputs = relative_files(predictions_dir)
    matched = match_outputs(inputs, outputs)
    results = []
    for name in inputs:
        output = matched[name]
        lines = read_lines(os.path.join(predictions_dir, output)) if output is not None else []
        rows = read_lines(os.path.join(input_dir, name))
        results.append(score_file(name, rows, output, lines, joined))
    scores = [value for result in results for value in result.scores]
    failed = [row for result in results for row in result.failed]
    used = {name for name in matched.values() if name is not None}
    rows_in = sum(result.entry["rows_in"] for result in results)
    return {
        "version": SUMMARY_VERSION,
        "joined": joined,
        "rows_in": rows_in,
        "rows_scored": len(scores),
        "rows_failed": rows_in - len(scores),
        "score": describe(scores),
        "files": [result.entry for result in results],
        "failed_rows": failed[:MAX_FAILED_ROWS],
        "unmatched_outputs": [
            name for name in outputs if name.endswith(OUTPUT_SUFFIX) and name not in used
        ],
    }


def headline(summary: Dict[str, Any]) -> str:
    """One line for the job's log."""
    files = len(summary["files"])
    text = (
        f"scored {summary['rows_scored']} of {summary['rows_in']} rows in {files} "
        f"file{'' if files == 1 else 's'}, {summary['rows_failed']} failed"
    )
    score = summary["score"]
    if score is not None:
        text += f"; scores from {score['min']:g} to {score['max']:g}, mean {score['mean']:g}"
    return text


# ---------------------------------------------------------------------------
# Command line


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = OneLineParser(
        prog=PROG,
        description="Pair the rows a batch transform job scored with its output lines and write "
        "summary.json: rows scored, rows failed, and the spread of the scores.",
    )
    parser.add_argument(
        "--input",
        required=True,
        help="the files the transform job read: header-less CSV, one row per line",
    )
    parser.add_argument(
        "--predictions",
        required=True,
        help="the transform job's output: <file>.out for each input file, one line per row",
    )
    parser.add_argument("--output", required=True, help="directory to write summary.json to")
    parser.add_argument(
        "--joined",
        action="store_true",
        help="each output line is the input row followed by the prediction (JoinSource Input)",
    )
    return parser.parse_args(argv)


def run(argv: Sequence[str]) -> None:
    args = parse_args(argv)
    for option, directory in (("--input", args.input), ("--predictions", args.predictions)):
        if not os.path.isdir(directory):
            raise InputError(f"{option} {directory}: no such directory")
    summary = build_summary(args.input, args.predictions, args.joined)
    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, "summary.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(summary, handle, indent=2, ensure_ascii=False, allow_nan=False)
        handle.write("\n")
    print(headline(summary))
    print(f"wrote {path}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point; returns the exit status."""
    try:
        run(list(sys.argv[1:] if argv is None else argv))
    except InputError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
