# SPDX-License-Identifier: Apache-2.0
"""Evaluate the trained XGBoost model on the test set and write evaluation.json.

This is the pipeline's evaluation step. It runs as a processing job in the
SageMaker XGBoost 1.7-1 container as::

    python3 /opt/ml/processing/input/code/evaluate.py

Inputs:

``<base-dir>/model/model.tar.gz``
    The training job's model artifact, holding the booster in a file named
    ``xgboost-model``.
``<base-dir>/test/test.csv``
    The test set written by preprocess.py: label first, no header row.

Output: ``<base-dir>/evaluation/evaluation.json`` in the model-quality format
SageMaker uses for binary classification (the format of Model Monitor's
model-quality statistics and of model metrics in the model registry)::

    {"binary_classification_metrics": {
        "accuracy": {"value": 0.97, "standard_deviation": "NaN"},
        "precision": {...}, "recall": {...}, "f1": {...}, "auc": {...},
        "confusion_matrix": {"0": {"0": TN, "1": FP}, "1": {"0": FN, "1": TP}}}}

In the confusion matrix the outer key is the actual label and the inner key
the predicted one. The pipeline's condition step reads
``binary_classification_metrics.accuracy.value``.

Exit status: 0 on success; 2 for bad arguments or bad inputs, with a
one-line message on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import tarfile
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

DEFAULT_BASE_DIR = "/opt/ml/processing"
MODEL_FILE = "xgboost-model"

# Every protocol-2+ pickle starts with this opcode; no XGBoost model format does.
PICKLE_MAGIC = b"\x80"


class InputError(Exception):
    """A problem with the model or test data that the caller has to fix."""


def read_model_file(archive_path: str) -> bytes:
    """Return the bytes of ``xgboost-model`` inside the model archive."""
    if not os.path.isfile(archive_path):
        raise InputError(f"model archive {archive_path} not found")
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            members = [m for m in archive.getmembers() if m.isfile()]
            # Read the member in memory rather than extracting the archive,
            # so that member names cannot write outside a directory.
            for member in members:
                if os.path.basename(member.name) == MODEL_FILE:
                    handle = archive.extractfile(member)
                    if handle is not None:
                        return handle.read()
    except (tarfile.TarError, OSError, EOFError) as error:
        raise InputError(f"cannot read model archive {archive_path}: {error}") from None
    names = ", ".join(m.name for m in members[:5]) or "no files"
    raise InputError(f"model archive {archive_path} has no '{MODEL_FILE}' file (it has: {names})")


def load_booster(data: bytes) -> xgb.Booster:
    """Load a booster saved with ``Booster.save_model`` or, by older containers, with pickle."""
    if not data.startswith(PICKLE_MAGIC):
        booster = xgb.Booster()
        try:
            booster.load_model(bytearray(data))
        except xgb.core.XGBoostError as error:
            reason = (str(error).strip().splitlines() or ["unknown error"])[0]
            raise InputError(f"cannot load '{MODEL_FILE}' as an XGBoost model: {reason}") from None
        return booster
    # Containers before XGBoost 1.3 pickled the Booster. Unpickling can run
    # code, which is acceptable only because the archive is the output of
    # this pipeline's own training job.
    try:
        model = pickle.loads(data)
    except Exception as error:  # unpickling raises many unrelated exception types
        raise InputError(f"cannot unpickle '{MODEL_FILE}': {error}") from None
    if isinstance(model, xgb.XGBModel):
        model = model.get_booster()
    if not isinstance(model, xgb.Booster):
        raise InputError(f"'{MODEL_FILE}' holds a {type(model).__name__}, not an XGBoost Booster")
    return model


def read_test_data(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """Read the label-first, header-less test set; return ``(labels, features)``."""
    if not os.path.isfile(path):
        raise InputError(f"test data {path} not found")
    try:
        frame = pd.read_csv(path, header=None)
    except pd.errors.EmptyDataError:
        raise InputError(f"test data {path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(f"cannot parse test data {path} as CSV: {error}") from None
    if frame.shape[1] < 2:
        raise InputError(f"test data {path} needs a label column followed by feature columns")
    non_numeric = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if non_numeric:
        raise InputError(
            f"test data {path} has non-numeric values (in column {non_numeric[0] + 1}); "
            "it must be label-first CSV without a header row"
        )
    if frame.isna().to_numpy().any():
        raise InputError(f"test data {path} has missing values")
    labels = frame.iloc[:, 0].to_numpy()
    if not set(np.unique(labels).tolist()) <= {0, 1}:
        raise InputError(f"test data {path} has labels other than 0 and 1 in its first column")
    if len(np.unique(labels)) < 2:
        raise InputError(
            f"test data {path} has only one class; AUC needs examples of both 0 and 1"
        )
    return labels.astype(int), frame.iloc[:, 1:].to_numpy(dtype=float)


def predict_probabilities(booster: xgb.Booster, features: np.ndarray) -> np.ndarray:
    """Return the model's positive-class probability for each row."""
    expected = booster.num_features()
    if features.shape[1] != expected:
        raise InputError(
            f"the model expects {expected} features but the test data has {features.shape[1]}"
        )
    probabilities = booster.predict(xgb.DMatrix(features))
    if probabilities.ndim != 1:
        raise InputError(
            f"the model returns {probabilities.shape[1]} values per row; "
            "expected a binary classifier (objective binary:logistic)"
        )
    if probabilities.min() < 0.0 or probabilities.max() > 1.0:
        raise InputError(
            "the model's outputs are not probabilities; train it with objective binary:logistic"
        )
    return probabilities


def metric(value: float) -> Dict[str, Any]:
    """Wrap a metric value the way SageMaker's model-quality reports do."""
    # There is one test set, so there is no spread to report; SageMaker
    # writes the string "NaN" rather than an invalid JSON NaN.
    return {"value": float(value), "standard_deviation": "NaN"}


def evaluate(labels: np.ndarray, probabilities: np.ndarray, threshold: float) -> Dict[str, Any]:
    """Compute the binary-classification report for predictions at ``threshold``."""
    predicted = (probabilities >= threshold).astype(int)
    matrix = confusion_matrix(labels, predicted, labels=[0, 1])
    return {
        "binary_classification_metrics": {
            "accuracy": metric(accuracy_score(labels, predicted)),
            # zero_division=0: a model that never predicts the positive class
            # gets precision 0 instead of a warning and an undefined value.
            "precision": metric(precision_score(labels, predicted, zero_division=0)),
            "recall": metric(recall_score(labels, predicted, zero_division=0)),
            "f1": metric(f1_score(labels, predicted, zero_division=0)),
            "auc": metric(roc_auc_score(labels, probabilities)),
            # Rows are actual labels and columns predicted ones, as in SageMaker's reports.
            "confusion_matrix": {
                str(actual): {str(pred): int(matrix[actual][pred]) for pred in (0, 1)}
                for actual in (0, 1)
            },
        }
    }


def threshold_value(text: str) -> float:
    """argparse type for a decision threshold strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1 (exclusive)")
    return value


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="Score the test set with a SageMaker XGBoost model artifact and write binary "
        "classification metrics (accuracy, precision, recall, F1, AUC, confusion matrix) as "
        "evaluation/evaluation.json in SageMaker's model-quality format.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--base-dir",
        default=DEFAULT_BASE_DIR,
        help="processing directory: reads model/model.tar.gz and test/test.csv and writes "
        "evaluation/evaluation.json under it",
    )
    parser.add_argument(
        "--threshold",
        type=threshold_value,
        default=0.5,
        help="probability at or above which a row is predicted positive (1)",
    )
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> None:
    """Evaluate the model, write the report and print a summary."""
    booster = load_booster(read_model_file(os.path.join(args.base_dir, "model", "model.tar.gz")))
    labels, features = read_test_data(os.path.join(args.base_dir, "test", "test.csv"))
    report = evaluate(labels, predict_probabilities(booster, features), args.threshold)

    output_dir = os.path.join(args.base_dir, "evaluation")
    os.makedirs(output_dir, exist_ok=True)
    output_path = os.path.join(output_dir, "evaluation.json")
    with open(output_path, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2)
        handle.write("\n")

    metrics = report["binary_classification_metrics"]
    summary = ", ".join(
        f"{name} {metrics[name]['value']:.4f}"
        for name in ("accuracy", "precision", "recall", "f1", "auc")
    )
    print(f"evaluated {len(labels)} test rows at threshold {args.threshold}: {summary}")
    print(f"wrote {output_path}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = parse_args(argv)
    try:
        run(args)
    except InputError as error:
        # A bad artifact or test file is not a defect in this script: a
        # traceback would only bury the one line that says what to fix.
        message = " ".join(str(error).split())
        print(f"{os.path.basename(sys.argv[0])}: error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
