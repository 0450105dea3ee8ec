# SPDX-License-Identifier: Apache-2.0
"""Starts a run of a model's build pipeline when new data arrives or the model's traffic drifts.

Each model whose retraining is automatic has one such function. EventBridge rules invoke it with
the event that should start a run; it checks the event, starts at most one execution of the
model's SageMaker pipeline (StartPipelineExecution, SageMaker API reference,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StartPipelineExecution.html) and
says what it did and why.

Each model with batch inference on new data has one too (components/batch): the same function
with ``PIPELINE_NAME`` its batch inference pipeline and ``INPUT_PREFIX`` ``batch/input/``, whose
rule delivers new data only. Both pipelines take the dataset's folder as ``InputDataUrl``; the
build pipeline trains on it, the batch pipeline scores it.

Environment
-----------

``PIPELINE_NAME``
    The model's build pipeline, or its batch inference pipeline (its name, not its ARN). Required.
``DATA_BUCKET``
    The model's data bucket, where datasets arrive. Required.
``INPUT_PREFIX``
    Where datasets arrive in that bucket, e.g. ``input/`` (the default). A missing final ``/`` is
    added; an empty value means the whole bucket.
``MARKER_NAME``
    The object that completes a dataset, ``_SUCCESS`` by default. A name, without ``/``.
``DRIFT_MIN_INTERVAL_HOURS``
    Hours after a drift-started run during which drift starts none, 24 by default. A number
    greater than 0 and at most 8760; fractions of an hour are allowed.

New data: S3's ``Object Created`` event
---------------------------------------

A dataset is a folder ``s3://<DATA_BUCKET>/<INPUT_PREFIX><dataset>/`` of one or more CSV files
(in the folder or below it: the pipeline's Preprocess step, ``ml/preprocess.py``, reads every
``*.csv`` under its input). Whoever delivers a dataset writes its CSV files first and the marker
object ``<folder>/<MARKER_NAME>`` last: the marker says the dataset is complete. It starts one run
with the pipeline parameter ``InputDataUrl`` set to ``s3://<DATA_BUCKET>/<folder>/``. Writing the
marker again starts another run on the folder; ``<dataset>`` may have several levels
(``input/2026/12/06/_SUCCESS``). Folder names of letters, digits, ``-``, ``_`` and ``.`` are the
safest: they read the same in every tool and in every event.

With EventBridge notifications turned on for the bucket, S3 sends an event for every object
created ("Amazon S3 Event Notifications with EventBridge", "EventBridge event message structure",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html)::

    {"version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103",
     "detail-type": "Object Created", "source": "aws.s3", "time": "2021-11-12T00:00:00Z", ...,
     "detail": {"bucket": {"name": "amzn-s3-demo-bucket1"},
                "object": {"key": "input/2026-12-06/_SUCCESS", "size": 0, ...},
                "reason": "PutObject", ...}}

The model's rule passes on only keys under the input prefix that end in the marker name. The
function checks again, and starts nothing (it says why and returns) for an object in another
bucket, a key outside the input prefix, an object that is not the marker, or a marker directly
under the prefix (no dataset folder).

S3 puts object keys in its event notifications URL-encoded, as an HTML form encodes them: a space
becomes ``+``, other special characters ``%XX`` ("Event message structure",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html: "red
flower.jpg" becomes "red+flower.jpg"). The EventBridge page does not repeat it; its events carry
the key the same way (Powertools for AWS Lambda decodes them alike). The function decodes the key
(``urllib.parse.unquote_plus``) before it compares it or builds ``InputDataUrl``.

Drift: the drift check's ``Drift Detected`` event
-------------------------------------------------

When a drift check of an endpoint serving the model finds drift, in this account or in one that
forwards its findings to the model's drift event bus, the model's rule delivers::

    {"id": "...", "source": "mlops.drift", "detail-type": "Drift Detected", "time": "...",
     "detail": {"endpoint": "churn-prod", "model": "churn", "account": "111122223333",
                "window_start": "2026-12-06T02:00:00Z",
                "drifted_features": ["amount", "tenure"],
                "report_uri": "s3://.../2026/12/06/02/drift_report.json"}}

``endpoint`` is required, ``drifted_features`` is a list of names (empty when only the schema
drifted), the other fields are text and may be absent; without ``account`` in the detail, the
event's own ``account`` (the account that put it) names the endpoint's.

A lasting drift is found again by every check until a new model is serving, so drift starts a run
only when no drift-started run began in the last ``DRIFT_MIN_INTERVAL_HOURS``. The function lists
the pipeline's executions created since then (ListPipelineExecutions with ``CreatedAfter``,
newest first, page by page,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListPipelineExecutions.html) and
starts none when one has a display name that begins with ``drift-``, whatever its status: a failed
run reaches a person through the pipeline's failure alert, and starting it again each hour would
not help. It also compares each run's ``StartTime`` with the cutoff itself, so that the decision
is the same where the filter is not applied (a local emulator of the API).

The run trains on the newest complete dataset, not on the pipeline's default input, which is the
sample dataset uploaded at deploy time. Once it has decided to start a run, the function lists the
data bucket under the input prefix (ListObjectsV2 with ``Prefix``, up to 1000 keys a page, page by
page with ``ContinuationToken``, S3 API reference,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html), keeps the keys that are a
dataset's marker by the rules of new data above (``<INPUT_PREFIX><dataset>/<MARKER_NAME>``, with a
dataset folder) and takes the one with the newest ``LastModified``. S3 gives that time to the
second, so markers written in the same second tie; the greatest key wins, so that the same listing
always gives the same dataset. ``InputDataUrl`` is that dataset's folder, as for new data. When
the prefix holds no complete dataset, no ``InputDataUrl`` is passed and the parameter's default
applies; the description, the reason and the log line say so. When no dataset has arrived since
the serving model's run, the newest one is the data it was trained on, and the description names
it: the drift then calls for a new dataset. The function lists keys and reads no object. It
lists every key under the prefix, CSV files included, one request per 1000 keys within the
function's time limit: the prefix is for datasets to train on, not an archive of millions of
objects.

A repeated delivery of a drift event finds the run the first delivery started and starts none;
should that run not be listed yet, the start carries the same token (below).

Runs, idempotency
-----------------

EventBridge delivers an event at least once, so the same event may arrive twice. Each start
carries a ``ClientRequestToken`` (32 to 128 characters, "to ensure the idempotency of the
operation"): the SHA-256 of ``<PIPELINE_NAME>/<event id>`` in hexadecimal, 64 characters. A second
delivery of the event sends the same token, and SageMaker starts no second run.

The run's ``PipelineExecutionDisplayName`` (pattern ``^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}$``) is
``new-data-<short>`` or ``drift-<short>``, ``<short>`` being the token's first 12 characters; its
``PipelineExecutionDescription`` (at most 3072 characters) names the dataset (new data) or the
endpoint, the drifted features, the report and the dataset chosen or the default input (drift),
and the event.

Returns, logs and errors
------------------------

The handler returns ``{"started": true, "reason": "...", "executionArn": "arn:..."}`` or
``{"started": false, "reason": "..."}``, and prints one JSON line to its log group with the same
facts: ``trigger`` (``new-data`` or ``drift``), ``eventId``, ``pipeline``, ``started``,
``reason`` and, for a start, ``executionArn``, ``displayName``, ``clientRequestToken`` and
``inputDataUrl`` (new data, and drift when it chose a dataset).

An event of any other kind, a malformed event or a missing or malformed setting raises
``ValueError`` naming the value; a refused or failed AWS call raises ``StartError`` naming the
pipeline (or the bucket and prefix listed) and AWS's error. Either way the function prints one
JSON line with ``started: false`` and ``error`` first. A failed invocation is retried by Lambda
with the same event, and so with the same token.

AWS clients and error text come from ``aws_clients.py``, which the function's package carries
next to this file (components/shared/functions/aws_clients.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator, Mapping
from urllib.parse import unquote_plus

from botocore.exceptions import BotoCoreError, ClientError

from aws_clients import aws_error, client, shown

S3_SOURCE = "aws.s3"
S3_DETAIL_TYPE = "Object Created"
DRIFT_SOURCE = "mlops.drift"
DRIFT_DETAIL_TYPE = "Drift Detected"

NEW_DATA = "new-data"
DRIFT = "drift"
INPUT_PARAMETER = "InputDataUrl"

DEFAULT_INPUT_PREFIX = "input/"
DEFAULT_MARKER_NAME = "_SUCCESS"
DEFAULT_INTERVAL_HOURS = 24.0
MAX_INTERVAL_HOURS = 8760.0

# ListPipelineExecutions returns at most 100 executions a page.
LIST_PAGE_SIZE = 100
# ListObjectsV2 returns at most 1000 keys a page.
OBJECTS_PAGE_SIZE = 1000
# StartPipelineExecution: a description of at most 3072 characters.
MAX_DESCRIPTION_CHARS = 3072
MAX_FEATURES_LISTED = 20
SHORT_CHARS = 12

PIPELINE_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$")
DISPLAY_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}$")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class StartError(Exception):
    """AWS refused a call, or it failed: the run was not started, or runs or datasets not listed."""


# ---------------------------------------------------------------------------
# Settings and event values


def setting(name: str, default: str | None = None) -> str:
    """The environment variable ``name``, stripped; ValueError when it is required and unset."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if default is None:
        raise ValueError(f"the environment variable {name} must be set")
    return default


def pipeline_name() -> str:
    value = setting("PIPELINE_NAME")
    if not PIPELINE_NAME.match(value):
        raise ValueError(f"PIPELINE_NAME must be a SageMaker pipeline name, got {shown(value)}")
    return value


def data_bucket() -> str:
    value = setting("DATA_BUCKET")
    if not BUCKET_NAME.match(value):
        raise ValueError(f"DATA_BUCKET must be an S3 bucket name, got {shown(value)}")
    return value


def input_prefix() -> str:
    """``INPUT_PREFIX`` ending in ``/`` without a leading one; empty for the whole bucket."""
    raw = os.environ.get("INPUT_PREFIX")
    value = (DEFAULT_INPUT_PREFIX if raw is None else raw).strip().strip("/")
    return f"{value}/" if value else ""


def marker_name() -> str:
    value = setting("MARKER_NAME", DEFAULT_MARKER_NAME)
    if "/" in value:
        raise ValueError(f"MARKER_NAME must be an object name without /, got {shown(value)}")
    return value


def interval_hours() -> float:
    value = setting("DRIFT_MIN_INTERVAL_HOURS", str(DEFAULT_INTERVAL_HOURS))
    try:
        hours = float(value)
    except ValueError:
        hours = -1.0
    if not 0 < hours <= MAX_INTERVAL_HOURS:
        raise ValueError(
            f"DRIFT_MIN_INTERVAL_HOURS must be a number of hours greater than 0 and at most "
            f"{MAX_INTERVAL_HOURS:g}, got {shown(value)}"
        )
    return hours


def field(event: Mapping[str, Any], *path: str) -> Any:
    """The value at ``path`` (``detail``, ``object``, ``key``), or None where a level is missing."""
    value: Any = event
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def required_text(event: Mapping[str, Any], *path: str) -> str:
    value = field(event, *path)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{'.'.join(path)} must be a non-empty string, got {shown(value)}")
    return value


def optional_text(event: Mapping[str, Any], *path: str) -> str:
    value = field(event, *path)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{'.'.join(path)} must be a string, got {shown(value)}")
    return value.strip()


def text_list(event: Mapping[str, Any], *path: str) -> list[str]:
    value = field(event, *path)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{'.'.join(path)} must be a list of names, got {shown(value)}")
    return value


# ---------------------------------------------------------------------------
# Runs


def request_token(pipeline: str, event_id: str) -> str:
    """The ClientRequestToken of the run an event starts: the same for each delivery of it."""
    return hashlib.sha256(f"{pipeline}/{event_id}".encode("utf-8")).hexdigest()


def display_name(trigger: str, token: str) -> str:
    name = f"{trigger}-{token[:SHORT_CHARS]}"
    assert DISPLAY_NAME.match(name), name
    return name


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def start_run(
    pipeline: str,
    name: str,
    description: str,
    token: str,
    parameters: Mapping[str, str],
) -> str:
    """Starts one execution of ``pipeline``; returns its ARN."""
    request: dict[str, Any] = {
        "PipelineName": pipeline,
        "PipelineExecutionDisplayName": name,
        "PipelineExecutionDescription": clip(description, MAX_DESCRIPTION_CHARS),
        "ClientRequestToken": token,
    }
    if parameters:
        request["PipelineParameters"] = [
            {"Name": key, "Value": value} for key, value in parameters.items()
        ]
    try:
        response = client("sagemaker").start_pipeline_execution(**request)
    except (ClientError, BotoCoreError) as error:
        raise StartError(f"cannot start pipeline {pipeline}: {aws_error(error)}") from None
    return response["PipelineExecutionArn"]


def runs_since(pipeline: str, cutoff: datetime) -> Iterator[dict[str, Any]]:
    """The pipeline's executions created at or after ``cutoff``, newest first, page by page."""
    request: dict[str, Any] = {
        "PipelineName": pipeline,
        # ISO-8601 text to the millisecond: botocore takes a timestamp as text as well.
        "CreatedAfter": cutoff.isoformat(timespec="milliseconds"),
        "SortBy": "CreationTime",
        "SortOrder": "Descending",
        "MaxResults": LIST_PAGE_SIZE,
    }
    while True:
        try:
            page = client("sagemaker").list_pipeline_executions(**request)
        except (ClientError, BotoCoreError) as error:
            raise StartError(
                f"cannot list the runs of pipeline {pipeline}: {aws_error(error)}"
            ) from None
        for summary in page.get("PipelineExecutionSummaries", []):
            started = summary.get("StartTime")
            if isinstance(started, datetime) and started.astimezone(timezone.utc) < cutoff:
                continue
            yield summary
        token = page.get("NextToken")
        if not token:
            return
        request["NextToken"] = token


def iso(moment: Any) -> str:
    if isinstance(moment, datetime):
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(moment)


def outcome(
    trigger: str, event_id: str, pipeline: str, reason: str, **start: str
) -> dict[str, Any]:
    """Prints the invocation's JSON log line and returns the handler's result."""
    started = "executionArn" in start
    line = {
        "trigger": trigger,
        "eventId": event_id,
        "pipeline": pipeline,
        "started": started,
        "reason": reason,
        **start,
    }
    print(json.dumps(line))
    result: dict[str, Any] = {"started": started, "reason": reason}
    if started:
        result["executionArn"] = start["executionArn"]
    return result


# ---------------------------------------------------------------------------
# New data


@dataclass(frozen=True)
class Dataset:
    """A complete dataset: its bucket and folder (a key prefix ending in ``/``)."""

    bucket: str
    folder: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.folder}"


def completed_dataset(bucket: str, key: str) -> tuple[Dataset | None, str]:
    """The dataset the object completes, or None and why it completes none."""
    expected = data_bucket()
    prefix = input_prefix()
    marker = marker_name()
    if bucket != expected:
        return None, f"the object is in bucket {bucket}, not in the data bucket {expected}"
    if not key.startswith(prefix):
        return None, f"the key {key} is not under the input prefix {prefix}"
    dataset, _, name = key[len(prefix) :].rpartition("/")
    if name != marker:
        return None, f"the object {key} is not a dataset's marker ({marker})"
    if not dataset:
        return None, f"the marker {key} is not in a dataset folder under {prefix or 'the bucket'}"
    return Dataset(bucket, f"{prefix}{dataset}/"), ""


def on_new_data(event: Mapping[str, Any], event_id: str) -> dict[str, Any]:
    pipeline = pipeline_name()
    bucket = required_text(event, "detail", "bucket", "name")
    key = unquote_plus(required_text(event, "detail", "object", "key"))
    dataset, why_not = completed_dataset(bucket, key)
    if dataset is None:
        return outcome(NEW_DATA, event_id, pipeline, why_not)

    token = request_token(pipeline, event_id)
    name = display_name(NEW_DATA, token)
    when = optional_text(event, "time")
    description = (
        f"New data: dataset {dataset.uri} is complete ({marker_name()} written"
        f"{f' at {when}' if when else ''}). EventBridge event {event_id}."
    )
    arn = start_run(pipeline, name, description, token, {INPUT_PARAMETER: dataset.uri})
    return outcome(
        NEW_DATA,
        event_id,
        pipeline,
        f"dataset {dataset.uri} is complete: its marker {key} was written",
        executionArn=arn,
        displayName=name,
        clientRequestToken=token,
        inputDataUrl=dataset.uri,
    )


# ---------------------------------------------------------------------------
# Drift


def objects_under(bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    """The objects of ``bucket`` whose keys begin with ``prefix``, page by page."""
    # Prefix is sent even when empty: the role may list only with an s3:prefix it allows. boto3
    # asks for URL-encoded keys (EncodingType=url) and decodes them: keys come back as written,
    # as the new-data path decodes the event's.
    request: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": OBJECTS_PAGE_SIZE}
    while True:
        try:
            page = client("s3").list_objects_v2(**request)
        except (ClientError, BotoCoreError) as error:
            raise StartError(
                f"cannot list the datasets in s3://{bucket}/{prefix}: {aws_error(error)}"
            ) from None
        yield from page.get("Contents", [])
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            return
        request["ContinuationToken"] = token


def newest_dataset() -> tuple[Dataset | None, dict[str, Any]]:
    """The complete dataset whose marker is the newest (ties: the greatest key), and its marker."""
    bucket = data_bucket()
    newest: Dataset | None = None
    newest_marker: dict[str, Any] = {}
    for item in objects_under(bucket, input_prefix()):
        dataset, _ = completed_dataset(bucket, item["Key"])
        if dataset is None:
            continue
        rank = (item["LastModified"], item["Key"])
        if newest is None or rank > (newest_marker["LastModified"], newest_marker["Key"]):
            newest, newest_marker = dataset, item
    return newest, newest_marker


def drift_description(event: Mapping[str, Any], endpoint: str, event_id: str) -> str:
    """The run's description: where the drift is, which features drifted, the report, the event."""
    features = text_list(event, "detail", "drifted_features")
    # The account of the endpoint; a forwarded event keeps the account that put it.
    account = optional_text(event, "detail", "account") or optional_text(event, "account")
    model = optional_text(event, "detail", "model")
    window = optional_text(event, "detail", "window_start")
    where = f"endpoint {endpoint}" + (f" of account {account}" if account else "")
    what = f" (model {model})" if model else ""
    since = f" in the window from {window}" if window else ""
    if features:
        listed = ", ".join(features[:MAX_FEATURES_LISTED])
        more = len(features) - MAX_FEATURES_LISTED
        found = f"{len(features)} drifted feature(s): {listed}"
        if more > 0:
            found += f" and {more} more"
    else:
        found = "no drifted feature (schema problems)"
    report_uri = optional_text(event, "detail", "report_uri")
    text = f"Drift on {where}{what}{since}: {found}."
    if report_uri:
        text += f" Report: {report_uri}."
    return f"{text} EventBridge event {event_id}."


def on_drift(event: Mapping[str, Any], event_id: str, now: datetime) -> dict[str, Any]:
    pipeline = pipeline_name()
    hours = interval_hours()
    # Settings and event first: a malformed one fails before any AWS call.
    bucket, prefix, marker = data_bucket(), input_prefix(), marker_name()
    endpoint = required_text(event, "detail", "endpoint")
    description = drift_description(event, endpoint, event_id)
    cutoff = now - timedelta(hours=hours)
    for run in runs_since(pipeline, cutoff):
        name = run.get("PipelineExecutionDisplayName") or ""
        if name.startswith(f"{DRIFT}-"):
            return outcome(
                DRIFT,
                event_id,
                pipeline,
                f"a drift-started run began in the last {hours:g} h: {name} "
                f"({run.get('PipelineExecutionArn')}, {run.get('PipelineExecutionStatus')}) "
                f"at {iso(run.get('StartTime'))}",
            )

    dataset, dataset_marker = newest_dataset()
    if dataset is None:
        where = f"s3://{bucket}/{prefix}"
        training = f"the pipeline's default input (no complete dataset under {where})"
        description += f" Training on {training}."
        parameters: dict[str, str] = {}
        chosen: dict[str, str] = {}
    else:
        training = f"the newest complete dataset, {dataset.uri}"
        written = iso(dataset_marker["LastModified"])
        description += f" Training on {training} ({marker} written at {written})."
        parameters = {INPUT_PARAMETER: dataset.uri}
        chosen = {"inputDataUrl": dataset.uri}

    token = request_token(pipeline, event_id)
    name = display_name(DRIFT, token)
    arn = start_run(pipeline, name, description, token, parameters)
    return outcome(
        DRIFT,
        event_id,
        pipeline,
        f"drift on endpoint {endpoint}, and no drift-started run in the last {hours:g} h; "
        f"training on {training}",
        executionArn=arn,
        displayName=name,
        clientRequestToken=token,
        **chosen,
    )


# ---------------------------------------------------------------------------
# Entry point


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def trigger_of(event: Mapping[str, Any]) -> str:
    source, kind = event.get("source"), event.get("detail-type")
    if source == S3_SOURCE and kind == S3_DETAIL_TYPE:
        return NEW_DATA
    if source == DRIFT_SOURCE and kind == DRIFT_DETAIL_TYPE:
        return DRIFT
    raise ValueError(
        f"the function takes {S3_SOURCE} {S3_DETAIL_TYPE!r} and {DRIFT_SOURCE} "
        f"{DRIFT_DETAIL_TYPE!r} events, got source {shown(source)} and detail-type {shown(kind)}"
    )


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Lambda entry point (``start_training.handler``): starts a run, or says why it starts none."""
    trigger = ""
    try:
        if not isinstance(event, dict):
            raise ValueError(f"the event must be a JSON object, got {shown(event)}")
        trigger = trigger_of(event)
        event_id = required_text(event, "id")
        if trigger == NEW_DATA:
            return on_new_data(event, event_id)
        return on_drift(event, event_id, utc_now())
    except (ValueError, StartError) as error:
        line = {"trigger": trigger or None, "started": False, "error": str(error)}
        if isinstance(event, dict) and isinstance(event.get("id"), str):
            line["eventId"] = event["id"]
        print(json.dumps(line))
        raise
