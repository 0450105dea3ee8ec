# SPDX-License-Identifier: Apache-2.0
"""Evaluate the trained XGBoost model on the test set and write evaluation.json.

This is the pipeline's evaluation step. It runs as a processing job in the
SageMaker XGBoost 1.7-1 container as::

    python3 /opt/ml/processing/input/code/evaluate.py [--margin 0.01]

It scores the newly trained model (the challenger) and, when the group
already has one, the approved model it would replace (the champion) on the
same test split with the same code, so that their accuracies are comparable:
metrics recorded when the champion was built come from another test split.

Arguments: ``--margin`` (0 to 1, default 0), how far the challenger's
accuracy may be below the champion's; ``--threshold`` (default 0.5), the
probability from which a row is predicted positive, for both models;
``--base-dir`` (default /opt/ml/processing).

Inputs:

``<base-dir>/model/model.tar.gz``
    The training job's model artifact, holding the booster in a file named
    ``xgboost-model``.
``<base-dir>/test/test.csv``
    The test set written by preprocess.py: label first, no header row.
``<base-dir>/champion/model.tar.gz`` (optional)
    The champion's model artifact (the ModelDataUrl of the group's latest
    approved version), in the same format. When ``champion/`` is absent,
    empty or holds only ``NO_CHAMPION`` there is no champion (the first
    model of a group): only the pipeline's accuracy threshold decides.
    ``NO_CHAMPION`` is the empty placeholder the pipeline's FindChampion step
    writes when the group has no approved version, because a processing
    input must name at least one S3 object. Any other content of
    ``champion/`` is an error.

Output: ``<base-dir>/evaluation/evaluation.json``. Its
``binary_classification_metrics`` are the challenger's, in the model-quality
format SageMaker uses for binary classification (the format of Model
Monitor's model-quality statistics and of model metrics in the model
registry, which shows them)::

    {"binary_classification_metrics": {
        "accuracy": {"value": 0.97, "standard_deviation": "NaN"},
        "precision": {...}, "recall": {...}, "f1": {...}, "auc": {...},
        "confusion_matrix": {"0": {"0": TN, "1": FP}, "1": {"0": FN, "1": TP}}},
     "champion": {"binary_classification_metrics": {...}},
     "decision": {"register": true, "challenger_accuracy": 0.953488,
                  "champion_accuracy": 0.965116, "margin": 0.02,
                  "reason": "accuracy 0.9535 is 0.0116 below the approved model's
                             0.9651, within the margin of 0.02"},
     "champion_gate": 1}

In the confusion matrix the outer key is the actual label and the inner key
the predicted one. ``champion`` is null without a champion; otherwise it
holds the champion's metrics on the same test split, at the same
``--threshold``.

``decision`` is the champion gate: ``register`` is true when the
challenger's accuracy is at most ``--margin`` below the champion's (a
difference of up to 1e-9 beyond the margin counts as within it, so that
rounding in the floating-point arithmetic does not refuse a model that is
exactly at the margin), or when there is no champion. The decision is taken
on the unrounded accuracies, which ``binary_classification_metrics`` hold;
``challenger_accuracy`` and ``champion_accuracy`` (null without a champion)
are rounded to 6 decimal places and ``reason`` is one sentence for people.
The gate does not apply the accuracy threshold, which is the pipeline's
parameter: ``register`` true means the model may be registered as far as
the champion is concerned.

JSON paths the pipeline reads with ``Std:JsonGet``:

``binary_classification_metrics.accuracy.value``
    The challenger's accuracy, compared with the AccuracyThreshold parameter.
``champion_gate``
    The gate as a number, 1 (passes) or 0 (fails), because a condition step
    compares numbers (``GreaterThanOrEqualTo`` 1, or ``Equals`` 1), not
    booleans.
``decision.reason``
    The sentence to put in the Fail step's message when the gate fails.

Exit status: 0 on success, whatever the decision; 2 for bad arguments or bad
inputs (including a champion artifact that cannot be read or scored on the
test set), with a one-line message on stderr.
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
MODEL_ARCHIVE = "model.tar.gz"
# What the pipeline puts in champion/ when there is no approved model (see the docstring).
NO_CHAMPION = "NO_CHAMPION"

# How far beyond the margin a shortfall may be and still count as within it:
# accuracies are fractions such as 82/86, and differences of such floats are
# off by a few units in the last place (0.8 - 0.1 > 0.7).
EPSILON = 1e-9

# Decimal places of the accuracies in the decision, and the fewest shown in
# its reason (more when needed to tell two values apart).
DECISION_PLACES = 6
REASON_PLACES = 4
MAX_REASON_PLACES = 12

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


def score(
    archive_path: str, labels: np.ndarray, features: np.ndarray, threshold: float
) -> Dict[str, Any]:
    """Load the model in ``archive_path`` and compute its report on the test set."""
    booster = load_booster(read_model_file(archive_path))
    return evaluate(labels, predict_probabilities(booster, features), threshold)


def accuracy_of(report: Dict[str, Any]) -> float:
    """The unrounded accuracy of a report that ``evaluate`` computed."""
    return float(report["binary_classification_metrics"]["accuracy"]["value"])


def find_champion(champion_dir: str) -> Optional[str]:
    """Return the champion's model archive, or None when there is no champion."""
    if not os.path.lexists(champion_dir):
        return None
    if not os.path.isdir(champion_dir):
        raise InputError(f"champion input {champion_dir} is not a directory")
    entries = sorted(os.listdir(champion_dir))
    if not entries or entries == [NO_CHAMPION]:
        return None
    archive_path = os.path.join(champion_dir, MODEL_ARCHIVE)
    if not os.path.isfile(archive_path):
        raise InputError(
            f"champion input {champion_dir} has no {MODEL_ARCHIVE} "
            f"(it has: {', '.join(entries[:5])}); it must be empty or hold the approved "
            f"model's {MODEL_ARCHIVE}"
        )
    return archive_path


def number(value: float, places: int = REASON_PLACES) -> str:
    """Format ``value`` with at most ``places`` decimals, without trailing zeros."""
    return f"{value:.{places}f}".rstrip("0").rstrip(".")


def decimals(value: float) -> int:
    """How many decimals ``number`` shows of ``value`` at most precision (0.01: 2)."""
    text = number(value, MAX_REASON_PLACES)
    return len(text.partition(".")[2])


def places_apart(low: float, high: float, start: int = REASON_PLACES) -> int:
    """The fewest decimals, from ``start`` on, with which ``low`` shows below ``high``."""
    for places in range(start, MAX_REASON_PLACES):
        if round(low, places) < round(high, places):
            return places
    return MAX_REASON_PLACES


def decide(challenger: float, champion: Optional[float], margin: float) -> Dict[str, Any]:
    """Decide whether the challenger's accuracy may replace the champion's."""
    if champion is None:
        register = True
        reason = (
            f"accuracy {number(challenger)}; no approved model to compare with: "
            "the accuracy threshold decides"
        )
    else:
        shortfall = champion - challenger
        register = shortfall <= margin + EPSILON
        # Accuracies that differ are shown with enough decimals to differ and the margin
        # as given; the shortfall as precisely as the margin, or more precisely when that
        # is needed to show it above 0 or beyond the margin.
        if abs(shortfall) <= EPSILON:
            reason = f"accuracy {number(challenger)} equals the approved model's {number(champion)}"
        elif shortfall < 0:
            places = places_apart(champion, challenger)
            reason = (
                f"accuracy {number(challenger, places)} is above the approved model's "
                f"{number(champion, places)}"
            )
        else:
            places = places_apart(challenger, champion)
            below = f"below the approved model's {number(champion, places)}"
            margin_places = max(REASON_PLACES, decimals(margin))
            if register:
                shortfall_places = places_apart(0.0, shortfall, margin_places)
                reason = (
                    f"accuracy {number(challenger, places)} is "
                    f"{number(shortfall, shortfall_places)} {below}, "
                    f"within the margin of {number(margin, margin_places)}"
                )
            else:
                shortfall_places = places_apart(margin, shortfall, margin_places)
                allowed = (
                    f"more than the margin of {number(margin, margin_places)}"
                    if margin > 0
                    else "and the margin is 0"
                )
                reason = (
                    f"accuracy {number(challenger, places)} is "
                    f"{number(shortfall, shortfall_places)} {below}, {allowed}"
                )
    return {
        "register": register,
        "challenger_accuracy": round(challenger, DECISION_PLACES),
        "champion_accuracy": None if champion is None else round(champion, DECISION_PLACES),
        "margin": margin,
        "reason": reason,
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


def margin_value(text: str) -> float:
    """argparse type for an accuracy margin from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="Score the test set with a SageMaker XGBoost model artifact and write binary "
        "classification metrics (accuracy, precision, recall, F1, AUC, confusion matrix) as "
        "evaluation/evaluation.json in SageMaker's model-quality format. With the approved "
        "model's artifact in champion/, score it too and decide whether the new model is at "
        "least as accurate, within --margin.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--base-dir",
        default=DEFAULT_BASE_DIR,
        help="processing directory: reads model/model.tar.gz, test/test.csv and, if there is "
        "one, champion/model.tar.gz, and writes evaluation/evaluation.json under it",
    )
    parser.add_argument(
        "--threshold",
        type=threshold_value,
        default=0.5,
        help="probability at or above which a row is predicted positive (1)",
    )
    parser.add_argument(
        "--margin",
        type=margin_value,
        default=0.0,
        help="how far the new model's accuracy may be below the approved model's and still be "
        "registered (0.01: one percentage point)",
    )
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> None:
    """Evaluate the model, write the report and print a summary."""
    booster = load_booster(read_model_file(os.path.join(args.base_dir, "model", MODEL_ARCHIVE)))
    labels, features = read_test_data(os.path.join(args.base_dir, "test", "test.csv"))
    report = evaluate(labels, predict_probabilities(booster, features), args.threshold)

    # The champion is scored by the same code on the same rows at the same threshold.
    champion_path = find_champion(os.path.join(args.base_dir, "champion"))
    champion: Optional[Dict[str, Any]] = None
    if champion_path is not None:
        try:
            champion = score(champion_path, labels, features, args.threshold)
        except InputError as error:
            raise InputError(f"approved model (champion): {error}") from None
    decision = decide(
        accuracy_of(report), None if champion is None else accuracy_of(champion), args.margin
    )
    report["champion"] = champion
    report["decision"] = decision
    report["champion_gate"] = 1 if decision["register"] else 0

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
    verdict = "passes" if decision["register"] else "fails"
    print(f"champion gate {verdict}: {decision['reason']}")
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
