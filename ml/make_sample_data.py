# SPDX-License-Identifier: Apache-2.0
"""Write the sample training dataset, ml/data/breast-cancer.csv.

The data is the Wisconsin Diagnostic Breast Cancer dataset that ships with
scikit-learn (``sklearn.datasets.load_breast_cancer``), so no download is
needed. The output has a header row, 30 numeric feature columns with
snake_case names (``mean_radius``, ``radius_error``, ``worst_radius``, ...)
and a final ``target`` column where 1 = malignant and 0 = benign.

The output is byte-for-byte reproducible, so the committed copy can be checked
against a fresh run.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
from typing import List, Optional, Sequence

TARGET_COLUMN = "target"

DEFAULT_OUTPUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "data", "breast-cancer.csv"
)


def snake_case(name: str) -> str:
    """Turn a feature name such as ``"mean concave points"`` into ``"mean_concave_points"``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def format_value(value: float) -> str:
    """Format a feature value the same way on every platform.

    Six significant digits round-trip every value of the source data exactly
    (it has at most four), and a fixed format keeps the file identical
    whichever numpy or scikit-learn version produces the numbers.
    """
    return "%.6g" % value


def build_csv() -> str:
    """Return the dataset as CSV text (header row first, ``\\n`` line endings)."""
    # Imported here so that ``--help`` works without scikit-learn installed.
    from sklearn.datasets import load_breast_cancer

    dataset = load_breast_cancer()
    # scikit-learn encodes malignant as 0 and benign as 1; the model should
    # flag the clinically positive finding, so malignant becomes the positive
    # class. Check the names rather than assume the encoding.
    names: List[str] = [str(n) for n in dataset.target_names]
    if names != ["malignant", "benign"]:
        raise RuntimeError(f"unexpected target names in scikit-learn's dataset: {names}")

    header = [snake_case(str(n)) for n in dataset.feature_names] + [TARGET_COLUMN]
    if len(set(header)) != len(header):
        raise RuntimeError("feature names are not unique after conversion to snake_case")

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for features, label in zip(dataset.data, dataset.target):
        malignant = 1 if int(label) == 0 else 0
        writer.writerow([format_value(float(v)) for v in features] + [str(malignant)])
    return buffer.getvalue()


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="Write scikit-learn's bundled breast-cancer dataset as a CSV file with a "
        "header row, snake_case feature names and a 'target' column (1 = malignant, 0 = benign).",
    )
    parser.add_argument(
        "--output",
        default=DEFAULT_OUTPUT,
        help="path of the CSV file to write (default: data/breast-cancer.csv next to this script)",
    )
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Write the dataset and report where it went."""
    args = parse_args(argv)
    text = build_csv()
    directory = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(directory, exist_ok=True)
    # newline="" keeps "\n" line endings on every platform.
    with open(args.output, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    rows = text.count("\n") - 1
    print(f"wrote {rows} rows to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
