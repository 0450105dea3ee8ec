# SPDX-License-Identifier: Apache-2.0
"""Score CSV files the way a SageMaker batch transform job with the built-in XGBoost model does.

A test helper: it stands in for the batch pipeline's transform job (the
XGBoost 1.7-1 image serving a model trained as a built-in algorithm) so that
the tests can run validate -> score -> summarise for real. It mirrors what
the job and the container do with ``ContentType`` ``text/csv``,
``SplitType`` ``Line``, ``BatchStrategy`` ``MultiRecord``, ``AssembleWith``
``Line`` and ``Accept`` ``text/csv``:

* every file under the input directory is an S3 object of the input
  prefix; its lines are records, sent in mini-batches of whole records of
  at most ``--max-payload-mb`` (``MaxPayloadInMB``);
* the container reads a mini-batch as its ``encoder.csv_to_dmatrix`` does:
  the payload stripped, the delimiter sniffed from its first line, every
  line split at each delimiter, empty fields as ``nan``, and the whole
  converted to numbers, so a header row or any text fails it;
* the booster predicts without checking feature names, and the container,
  in a transform job (``SAGEMAKER_BATCH``), answers with one prediction per
  line, each written by Python's ``str`` of the float;
* each file's predictions go to ``<output>/<file>.out`` under the file's
  path relative to the input directory; with ``--join-source Input`` each
  line is the record, a comma, and its prediction (DataProcessing
  JoinSource, https://docs.aws.amazon.com/sagemaker/latest/dg/batch-transform-data-processing.html);
* a file that fails gets no output, and the job fails once every file has
  been tried: "Batch transform doesn't upload partially processed objects"
  (TransformOutput, SageMaker API reference).

The container's code is aws/sagemaker-xgboost-container
(src/sagemaker_xgboost_container/encoder.py and algorithm_mode/serve.py).

Exit status: 0 when every file was scored; 2 when a file failed (named on
stderr, one line each) or for bad arguments.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tarfile
from typing import List, Optional, Sequence

import numpy as np
import xgboost as xgb

MODEL_FILE = "xgboost-model"


class ScoringError(Exception):
    """A mini-batch the container cannot score: the transform job fails."""


def load_booster(archive_path: str) -> xgb.Booster:
    """The booster in a model.tar.gz as train_like_sagemaker.py packs it."""
    with tarfile.open(archive_path, "r:gz") as archive:
        member = archive.extractfile(MODEL_FILE)
        if member is None:
            raise ScoringError(f"{archive_path} has no {MODEL_FILE}")
        data = bytearray(member.read())
    booster = xgb.Booster()
    booster.load_model(data)
    return booster


def read_records(path: str) -> List[str]:
    """The records of a file split by line: a final newline does not start another record."""
    with open(path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    records = text.split("\n")
    if records[-1] == "":
        records.pop()
    return records


def mini_batches(records: Sequence[str], max_payload_bytes: int) -> List[List[str]]:
    """Whole records, in order, each batch at most ``max_payload_bytes`` long."""
    batches: List[List[str]] = []
    size = 0
    for record in records:
        length = len(record.encode("utf-8")) + 1
        if length > max_payload_bytes:
            raise ScoringError(f"a record of {length} bytes exceeds MaxPayloadInMB")
        if not batches or size + length > max_payload_bytes:
            batches.append([])
            size = 0
        batches[-1].append(record)
        size += length
    return batches


def to_dmatrix(payload: str) -> xgb.DMatrix:
    """The container's reading of a ``text/csv`` payload."""
    text = payload.strip()
    try:
        sniffed = csv.Sniffer().sniff(text.split("\n")[0][:512]).delimiter
        delimiter = "," if sniffed.isalnum() else sniffed
        rows = [
            ["nan" if field == "" else field for field in line.split(delimiter)]
            for line in text.split("\n")
        ]
        return xgb.DMatrix(np.array(rows).astype(float))
    except Exception as error:  # the container turns any of them into a failed request
        raise ScoringError(
            f"Loading csv data failed with Exception, please ensure data is in csv format: "
            f"{type(error).__name__}: {error}"
        ) from None


def score_file(booster: xgb.Booster, records: Sequence[str], max_payload_bytes: int) -> List[str]:
    """The prediction of each record, as the container writes it."""
    predictions: List[str] = []
    for batch in mini_batches(records, max_payload_bytes):
        matrix = to_dmatrix("\n".join(batch))
        try:
            values = booster.predict(matrix, validate_features=False)
        except xgb.core.XGBoostError as error:
            reason = (str(error).strip().splitlines() or ["unknown error"])[0]
            raise ScoringError(f"Unable to evaluate payload provided: {reason}") from None
        predictions += [str(value) for value in values.tolist()]
    return predictions


def transform(args: argparse.Namespace) -> List[str]:
    """Score every input file; return a message for each file that failed."""
    booster = load_booster(args.model_archive)
    booster.set_param("nthread", 1)
    max_payload_bytes = int(args.max_payload_mb * 1024 * 1024)
    names = sorted(
        os.path.relpath(os.path.join(root, name), args.input).replace(os.sep, "/")
        for root, _dirs, files in os.walk(args.input)
        for name in files
    )
    failures: List[str] = []
    for name in names:
        records = read_records(os.path.join(args.input, *name.split("/")))
        try:
            predictions = score_file(booster, records, max_payload_bytes)
        except ScoringError as error:
            failures.append(f"{name}: {error}")
            continue
        lines = (
            [f"{record},{value}" for record, value in zip(records, predictions)]
            if args.join_source == "Input"
            else predictions
        )
        path = os.path.join(args.output, *f"{name}.out".split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write("".join(f"{line}\n" for line in lines))
    return failures


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Score every file under --input with the XGBoost model in --model-archive "
        "the way a SageMaker batch transform job does (text/csv, SplitType Line, AssembleWith "
        "Line) and write <output>/<file>.out for each.",
    )
    parser.add_argument("--model-archive", required=True, help="model.tar.gz with xgboost-model")
    parser.add_argument("--input", required=True, help="the transform job's input prefix")
    parser.add_argument("--output", required=True, help="the transform job's S3OutputPath")
    parser.add_argument(
        "--join-source",
        choices=["None", "Input"],
        default="None",
        help="DataProcessing JoinSource: Input writes each record before its prediction",
    )
    parser.add_argument(
        "--max-payload-mb", type=float, default=6, help="MaxPayloadInMB of each mini-batch"
    )
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = parse_args(argv)
    failures = transform(args)
    prog = os.path.basename(sys.argv[0])
    for failure in failures:
        print(f"{prog}: error: {' '.join(failure.split())}", file=sys.stderr)
    if failures:
        return 2
    print(f"scored every file under {args.input} into {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
