# SPDX-License-Identifier: Apache-2.0
"""Train a model locally the way SageMaker's built-in XGBoost algorithm does.

A test helper: it stands in for the pipeline's training job (the XGBoost
1.7-1 image used as a built-in algorithm, without a training script) so that
the tests can run preprocess -> train -> evaluate for real. It mirrors what
that container does with a training job:

* the ``HyperParameters`` map arrives with every value a string, as in the
  CreateTrainingJob API; numeric strings become numbers and ``eval_metric``
  is a comma-separated list;
* ``num_round``, ``early_stopping_rounds``, ``csv_weights`` and the other
  container-only settings are taken out; the rest go to ``xgboost.train``;
* the train and validation channels are label-first CSV files without a
  header, loaded with XGBoost's own CSV parser; a header row is rejected;
* the validation set is in ``evals``, and early stopping (when asked for)
  watches the last ``eval_metric`` on it and keeps the best iteration;
* the booster is saved with ``Booster.save_model`` as ``xgboost-model`` and
  packed into ``<model-dir>/model.tar.gz``, the file SageMaker uploads as
  ``ModelArtifacts.S3ModelArtifacts``.

Exit status: 0 on success; 2 for bad arguments, hyperparameters or data,
with a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tarfile
import tempfile
from typing import Any, Dict, List, Optional, Sequence, Union

import xgboost as xgb

MODEL_FILE = "xgboost-model"

# Metrics the container computes itself (with scikit-learn) instead of
# XGBoost; this helper only supports XGBoost's own metrics.
CONTAINER_METRICS = {
    "accuracy",
    "balanced_accuracy",
    "f1",
    "f1_binary",
    "f1_macro",
    "mse",
    "precision",
    "precision_macro",
    "precision_micro",
    "r2",
    "recall",
    "recall_macro",
    "recall_micro",
}

# XGBoost metrics for which early stopping keeps the highest value. Like the
# container, match names exactly (so "ndcg@5" is minimized there too).
MAXIMIZE_METRICS = {"auc", "aucpr", "map", "ndcg"}

# Hyperparameters only the container understands; they are not XGBoost parameters.
UNSUPPORTED = ("_kfold", "_num_cv_round", "use_dask_gpu_training")
IGNORED = ("_tuning_objective_metric", "save_model_on_termination")

INTEGER = re.compile(r"^[+-]?\d+$")
# The container treats a first line with letters other than e/E (exponents)
# as a header row and rejects the file.
HEADER_LIKE = re.compile(r"[a-df-zA-DF-Z]")


class InputError(Exception):
    """A problem with the arguments, hyperparameters or data."""


def convert(value: str) -> Union[int, float, str]:
    """Convert a hyperparameter string to a number when it is one."""
    if INTEGER.match(value.strip()):
        return int(value)
    try:
        return float(value)
    except ValueError:
        return value


def parse_hyperparameters(text: str) -> Dict[str, Any]:
    """Parse the training job's HyperParameters JSON into XGBoost parameters."""
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise InputError(f"--hyperparameters is not valid JSON: {error}") from None
    if not isinstance(raw, dict):
        raise InputError("--hyperparameters must be a JSON object")
    not_strings = sorted(k for k, v in raw.items() if not isinstance(v, str))
    if not_strings:
        raise InputError(
            "HyperParameters values must all be strings, as in the CreateTrainingJob API; "
            f"not strings: {', '.join(not_strings)}"
        )
    params: Dict[str, Any] = {}
    for key, value in raw.items():
        if key == "eval_metric":
            params[key] = [m.strip() for m in value.split(",") if m.strip()]
        else:
            params[key] = convert(value)
    return params


def read_csv_channel(path: str, channel: str) -> xgb.DMatrix:
    """Load a label-first, header-less CSV file the way the container does."""
    if not os.path.isfile(path):
        raise InputError(f"{channel} data {path} not found")
    with open(path, encoding="utf-8", errors="replace") as handle:
        first_line = handle.readline()
    if not first_line.strip():
        raise InputError(f"{channel} data {path} is empty")
    match = HEADER_LIKE.search(first_line)
    if match:
        raise InputError(
            f"{channel} data {path} has non-numeric value '{match.group(0)}' in its first line; "
            "SageMaker XGBoost needs CSV without a header row"
        )
    return xgb.DMatrix(f"{path}?format=csv&label_column=0")


def train(params: Dict[str, Any], train_path: str, validation_path: str) -> xgb.Booster:
    """Train a booster with the container's handling of the special hyperparameters."""
    for key in UNSUPPORTED:
        if key in params:
            raise InputError(f"hyperparameter {key} is not supported by this helper")
    for key in IGNORED:
        params.pop(key, None)
    num_round = params.pop("num_round", None)
    if not isinstance(num_round, int) or num_round < 1:
        raise InputError("hyperparameter num_round is required and must be a positive integer")
    early_stopping_rounds = params.pop("early_stopping_rounds", None)
    if params.pop("csv_weights", 0) != 0:
        raise InputError("hyperparameter csv_weights=1 is not supported by this helper")

    eval_metric: List[str] = params.get("eval_metric", [])
    container_only = sorted(set(eval_metric) & CONTAINER_METRICS)
    if container_only:
        raise InputError(
            f"eval_metric {', '.join(container_only)} is computed by the SageMaker container, "
            "not XGBoost, and is not supported by this helper"
        )
    if not eval_metric:
        params.pop("eval_metric", None)

    dtrain = read_csv_channel(train_path, "train")
    dvalidation = read_csv_channel(validation_path, "validation")
    callbacks = []
    # Like the container: early stopping needs an eval_metric to watch, and
    # is silently off without one.
    if early_stopping_rounds and eval_metric:
        callbacks.append(
            xgb.callback.EarlyStopping(
                rounds=int(early_stopping_rounds),
                data_name="validation",
                metric_name=eval_metric[-1],
                maximize=eval_metric[-1] in MAXIMIZE_METRICS,
                save_best=True,
            )
        )
    history: Dict[str, Dict[str, List[float]]] = {}
    try:
        booster = xgb.train(
            params,
            dtrain,
            num_boost_round=num_round,
            evals=[(dtrain, "train"), (dvalidation, "validation")],
            evals_result=history,
            callbacks=callbacks,
            verbose_eval=False,
        )
    except xgb.core.XGBoostError as error:
        reason = (str(error).strip().splitlines() or ["unknown error"])[0]
        raise InputError(f"XGBoost training failed: {reason}") from None
    rounds = len(next(iter(history["train"].values()), []))
    summary = f"trained {rounds} rounds on {dtrain.num_row()} rows"
    if booster.num_boosted_rounds() < rounds:
        summary += f", stopped early and kept the best {booster.num_boosted_rounds()}"
    final = ", ".join(
        f"{data}-{name}: {values[-1]:.5f}"
        for data, metrics in history.items()
        for name, values in metrics.items()
    )
    print(f"{summary}; last round: {final or 'no metrics'}")
    return booster


def save_model_archive(booster: xgb.Booster, model_dir: str) -> str:
    """Save ``booster`` as ``xgboost-model`` in ``<model_dir>/model.tar.gz``; return its path."""
    os.makedirs(model_dir, exist_ok=True)
    archive_path = os.path.join(model_dir, "model.tar.gz")
    with tempfile.TemporaryDirectory() as work:
        model_path = os.path.join(work, MODEL_FILE)
        booster.save_model(model_path)
        # SageMaker archives the contents of /opt/ml/model, so the model file
        # sits at the root of the archive.
        with tarfile.open(archive_path, "w:gz") as archive:
            archive.add(model_path, arcname=MODEL_FILE)
    return archive_path


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="Train an XGBoost model the way SageMaker's built-in XGBoost algorithm "
        "(1.7-1) does for a training job, and write <model-dir>/model.tar.gz.",
    )
    parser.add_argument(
        "--train", required=True, help="train channel: label-first CSV file, no header"
    )
    parser.add_argument(
        "--validation", required=True, help="validation channel: label-first CSV file, no header"
    )
    parser.add_argument(
        "--hyperparameters",
        required=True,
        help='the training job\'s HyperParameters as JSON, all values strings, e.g. '
        '\'{"objective": "binary:logistic", "num_round": "50"}\'',
    )
    parser.add_argument("--model-dir", required=True, help="directory to write model.tar.gz to")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = parse_args(argv)
    try:
        params = parse_hyperparameters(args.hyperparameters)
        booster = train(params, args.train, args.validation)
    except InputError as error:
        message = " ".join(str(error).split())
        print(f"{os.path.basename(sys.argv[0])}: error: {message}", file=sys.stderr)
        return 2
    print(f"wrote {save_model_archive(booster, args.model_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
