# SPDX-License-Identifier: Apache-2.0
"""The two Lambda steps of an endpoint's drift-check pipeline.

SageMaker Model Monitor is closed to new customers, so each monitored endpoint
has a SageMaker pipeline of its own, started by EventBridge Scheduler, whose
processing step runs ``ml/drift_check.py``. That job is network-isolated: it
cannot list S3, and it cannot call CloudWatch or SNS. This function does those
parts, as two Lambda steps of the same pipeline. A Lambda step passes its
``Arguments`` as the event and turns the keys of the returned object into its
output parameters ("Lambda step" in the SageMaker developer guide,
https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html#step-type-lambda).

``{"action": "find", ...}``: the window's capture files
--------------------------------------------------------

Event::

    {"action": "find",
     "scheduled_time": "2026-12-06T03:15:00Z",   # "" (or absent): now
     "window_hours": 1,                          # 1 to 24
     "endpoint": "breast-cancer-prod",
     "capture_uri": "s3://bucket/capture/breast-cancer-prod",
     "report_uri": "s3://bucket/monitoring/breast-cancer-prod-drift",
     "thresholds": "{\\"psi_drift\\": 0.3, \\"min_rows\\": 500}",   # optional
     "feature_thresholds": "{\\"mean_area\\": {\\"psi_drift\\": 0.4}}"}  # optional

The window ends at ``scheduled_time`` floored to the hour (the schedule fires
some minutes past the hour, once the last hour's capture files have landed)
and starts ``window_hours`` earlier. The time is ISO-8601 with a time zone;
EventBridge Scheduler's ``<aws.scheduler.scheduled-time>`` has this form.

SageMaker writes an endpoint's captured requests to
``<capture_uri>/<variant>/yyyy/mm/dd/hh/<name>.jsonl``, one directory per hour
of inference time, UTC ("Capture data from real-time endpoint",
https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-data-capture-endpoint.html).
The step lists the variant directories (ListObjectsV2 with the delimiter
``/``), then each variant's hour directories of the window, page by page, and
keeps the ``.jsonl`` objects directly in them.

Each window has a run folder, ``<report_uri>/yyyy/mm/dd/hh`` of the window's
start, so a retried or late run of the same window overwrites the same files.

- With capture files, the step writes ``<run folder>/capture.manifest``, a
  SageMaker manifest file: a JSON array whose first element is
  ``{"prefix": "<capture_uri>/"}`` and whose other elements are the keys
  relative to it ("ManifestFile" under S3DataSource in the SageMaker API
  reference, https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_S3DataSource.html).
  The check's processing input of type ManifestFile copies each listed object
  to its local path plus the relative key, so drift_check.py finds
  ``capture/<variant>/yyyy/mm/dd/hh/<name>.jsonl`` and nothing else.
- Without any, there is nothing to check and the pipeline stops there. The
  step writes what drift_check.py would have written for an empty window,
  ``<run folder>/drift_report.json`` with status ``empty`` and
  ``drift_summary.txt``, and prints the run's metric line. Nobody is paged for
  an empty window. ``thresholds`` and ``feature_thresholds`` (JSON objects,
  or JSON text as drift_check.py's ``--feature-thresholds``) let that report
  record the check's thresholds; without them it records drift_check.py's
  defaults.

Returns::

    {"WindowStart": "2026-12-06T02:00:00Z", "CaptureFiles": 3,
     "ManifestUri": "s3://.../2026/12/06/02/capture.manifest",   # also with 0 files
     "ReportUri": "s3://.../2026/12/06/02"}

``{"action": "publish", ...}``: metrics, and an alert on drift
---------------------------------------------------------------

Event::

    {"action": "publish",
     "report_uri": "s3://bucket/monitoring/breast-cancer-prod-drift/2026/12/06/02",
     "endpoint": "breast-cancer-prod",
     "topic_arn": "arn:aws:sns:eu-west-1:111122223333:mlops-prod-model-alerts",
     "namespace": "MLOps/Drift",
     "check_name": "breast-cancer-prod-drift",
     "model": "breast-cancer"}                   # optional: the drift event's subject

The step reads ``<report_uri>/drift_report.json`` (the run folder the find
step returned, where the check's processing output put the report) and
publishes, in ``namespace``, with the current time and no unit:

- per feature, dimensions ``Endpoint`` and ``Feature``:
  ``PopulationStabilityIndex`` (psi), ``KolmogorovSmirnov`` (ks) and
  ``MissingRateChange`` (|missing_rate - baseline_missing_rate|), each only
  when the report has a value (ks is null for categorical features; psi and
  the missing rate are null when no row could be checked);
- per run, dimension ``Endpoint``: ``DriftedFeatures`` and ``CapturedRecords``.

PutMetricData takes at most 1000 metrics per call (CloudWatch API reference,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html),
so larger reports go out in several calls.

When the report's status is ``drift``, the step publishes one message to
``topic_arn``: a subject of fewer than 100 ASCII characters without line
breaks (SNS Publish API reference,
https://docs.aws.amazon.com/sns/latest/api/API_Publish.html) and a plain-text
body for the person on call. With ``model``, it also puts one event on the
account's default event bus, which starts the model's retraining where that
is turned on (``models[].retraining.drift``; a serving stack forwards it to
the account that builds the model)::

    {"Source": "mlops.drift", "DetailType": "Drift Detected",
     "Detail": {"model": "breast-cancer", "endpoint": "breast-cancer-prod",
                "window_start": "2026-12-06T02:00:00Z",
                "drifted_features": ["mean_area"],
                "report_uri": "s3://.../2026/12/06/02/drift_report.json"}}

Status ``warn``, ``ok`` or ``empty``: metrics only. Returns
``{"Status": "drift", "DriftedFeatures": 2}``.

A missing, unreadable or malformed report raises ``ReportError`` naming its
URI: the step, and so the pipeline execution, fails, and the alert on failed
pipeline executions reports it.

Errors and logs
---------------

Bad input (a missing key, an unparseable time, hours outside 1 to 24, a URI
that is not ``s3://``, an unknown action) raises ``ValueError`` naming the key
and the value. Each action prints one line about what it did (an empty window
also drift_check.py's metric line of the run); the function's stdout goes to
its CloudWatch Logs log group.

S3 writes carry no encryption header: the platform's buckets encrypt every
object with the stack key by default (SSE-KMS with S3 Bucket Keys), and their
bucket policy (components/foundation/secureBucketPolicy.ts) only refuses
requests without TLS.

AWS clients and error text come from ``aws_clients.py``, which the function's
package carries next to this file (components/shared/functions/aws_clients.py).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator, Mapping, Sequence

from botocore.exceptions import BotoCoreError, ClientError

from aws_clients import aws_error, client, shown

REPORT_VERSION = 1
MANIFEST_NAME = "capture.manifest"
REPORT_NAME = "drift_report.json"
SUMMARY_NAME = "drift_summary.txt"
CAPTURE_SUFFIX = ".jsonl"

MAX_WINDOW_HOURS = 24
# ListObjectsV2 returns at most 1000 keys a page (MaxKeys can only lower it).
LIST_PAGE_SIZE = 1000
# PutMetricData: "no more than 1000 different metrics" per request.
METRICS_PER_CALL = 1000
# SNS Publish: a subject "less than 100 characters long"; a message at most 256 KB.
MAX_SUBJECT_CHARS = 99
MAX_MESSAGE_BYTES = 200_000
# Lines of the alert: the drifted features in detail, the others briefly.
MAX_DRIFTED_LISTED = 25
MAX_PROBLEMS_LISTED = 10
MAX_WARNED_LISTED = 10
MAX_LINE_CHARS = 400

# drift_check.py's defaults, in its order, for the report of an empty window.
DEFAULT_THRESHOLDS = {
    "psi_warn": 0.1,
    "psi_drift": 0.25,
    "ks_drift": 0.2,
    "missing_rate_change": 0.1,
    "unseen_share": 0.01,
}
DEFAULT_MIN_ROWS = 200

STATUSES = ("ok", "warn", "drift", "empty")
VERDICTS = ("ok", "warn", "drift")
S3_URI = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?$")
SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$")


class ReportError(Exception):
    """The check's report is missing, unreadable or not a drift_check.py report."""


# ---------------------------------------------------------------------------
# Event values


@dataclass(frozen=True)
class S3Location:
    """An S3 bucket and a key (or key prefix) without leading or trailing slashes."""

    bucket: str
    key: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}" if self.key else f"s3://{self.bucket}"

    @property
    def prefix(self) -> str:
        """The key as a folder prefix: ``key/``, or nothing for the bucket itself."""
        return f"{self.key}/" if self.key else ""

    def child(self, name: str) -> S3Location:
        return S3Location(self.bucket, self.prefix + name)


def required_text(event: Mapping[str, Any], key: str) -> str:
    value = event.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be a non-empty string, got {shown(value)}")
    return value.strip()


def s3_location(event: Mapping[str, Any], key: str, *, needs_key: bool = False) -> S3Location:
    value = event.get(key)
    match = S3_URI.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{key} must be an S3 URI such as s3://bucket/prefix, got {shown(value)}")
    location = S3Location(match.group(1), (match.group(2) or "").strip("/"))
    if needs_key and not location.key:
        raise ValueError(f"{key} must name a prefix in the bucket, got {shown(value)}")
    return location


def window_end(event: Mapping[str, Any], now: Callable[[], datetime]) -> datetime:
    """``scheduled_time`` (or now, when it is empty) in UTC, floored to the hour."""
    value = event.get("scheduled_time", "")
    if value is None or (isinstance(value, str) and not value.strip()):
        moment = now()
    else:
        moment = parse_time(value)
    return moment.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)


def parse_time(value: Any) -> datetime:
    problem = "must be an ISO-8601 time with a time zone such as 2026-12-06T03:15:00Z"
    if not isinstance(value, str):
        raise ValueError(f"scheduled_time {problem}, got {shown(value)}")
    try:
        # Python 3.11 and later read "Z" and most other ISO-8601 forms.
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"scheduled_time {problem}, got {shown(value)}") from None
    if moment.tzinfo is None:
        raise ValueError(f"scheduled_time {problem}, got {shown(value)} (no time zone)")
    return moment


def whole_number(value: Any, key: str, low: int, high: int | None = None) -> int:
    """``value`` (a JSON number or its text) as an int from ``low`` to ``high``."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        number = int(value)
    if number is None or number < low or (high is not None and number > high):
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise ValueError(f"{key} must be a whole number {bounds}, got {shown(value)}")
    return number


def positive_number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise ValueError(f"{key} must be a number greater than 0, got {shown(value)}")
    return float(value)


def json_object(event: Mapping[str, Any], key: str) -> dict[str, Any]:
    """An optional JSON object of the event, given as an object or as JSON text."""
    value = event.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError(f"{key} must be a JSON object, got {shown(event.get(key))}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{key} must be a JSON object, got {shown(event.get(key))}")
    return value


def threshold_values(values: Mapping[str, Any], key: str) -> dict[str, float]:
    unknown = [name for name in values if name not in DEFAULT_THRESHOLDS]
    if unknown:
        raise ValueError(
            f"{key} has the unknown threshold {shown(unknown[0])}; "
            f"use {', '.join(DEFAULT_THRESHOLDS)}"
        )
    return {name: positive_number(value, f"{key}.{name}") for name, value in values.items()}


Thresholds = tuple[dict[str, Any], dict[str, dict[str, float]]]


def report_thresholds(event: Mapping[str, Any]) -> Thresholds:
    """The report's ``thresholds`` and ``feature_thresholds``, as drift_check.py records them."""
    given = dict(json_object(event, "thresholds"))
    min_rows = whole_number(given.pop("min_rows", DEFAULT_MIN_ROWS), "thresholds.min_rows", 1)
    thresholds: dict[str, Any] = {**DEFAULT_THRESHOLDS, **threshold_values(given, "thresholds")}
    thresholds["min_rows"] = min_rows
    overrides: dict[str, dict[str, float]] = {}
    for feature, values in json_object(event, "feature_thresholds").items():
        if not isinstance(values, dict):
            raise ValueError(
                f"feature_thresholds.{feature} must be an object of thresholds, got {shown(values)}"
            )
        overrides[feature] = threshold_values(values, f"feature_thresholds.{feature}")
    return thresholds, overrides


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def hour_folder(moment: datetime) -> str:
    """SageMaker's capture folder of an hour, ``yyyy/mm/dd/hh``."""
    return moment.strftime("%Y/%m/%d/%H")


# ---------------------------------------------------------------------------
# find


def list_pages(bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    """The ListObjectsV2 pages of ``prefix`` with the delimiter ``/``: one folder level."""
    paginator = client("s3").get_paginator("list_objects_v2")
    yield from paginator.paginate(
        Bucket=bucket,
        Prefix=prefix,
        Delimiter="/",
        PaginationConfig={"PageSize": LIST_PAGE_SIZE},
    )


def variant_prefixes(capture: S3Location) -> list[str]:
    """The endpoint's variant folders, ``<capture prefix>/<variant>/``."""
    return [
        common["Prefix"]
        for page in list_pages(capture.bucket, capture.prefix)
        for common in page.get("CommonPrefixes", [])
    ]


def capture_keys(capture: S3Location, start: datetime, end: datetime) -> tuple[list[str], int]:
    """Keys of the window's capture files, by variant, hour and name; and the number of variants."""
    hours = []
    hour = start
    while hour < end:
        hours.append(hour_folder(hour))
        hour += timedelta(hours=1)
    variants = variant_prefixes(capture)
    keys = [
        item["Key"]
        for variant in variants
        for folder in hours
        for page in list_pages(capture.bucket, f"{variant}{folder}/")
        for item in page.get("Contents", [])
        if item["Key"].endswith(CAPTURE_SUFFIX)
    ]
    return keys, len(variants)


def manifest_text(capture: S3Location, keys: Sequence[str]) -> str:
    """A SageMaker manifest file: the prefix, then each key relative to it, one per line."""
    entries = [{"prefix": f"{capture.uri}/"}] + [key[len(capture.prefix) :] for key in keys]
    return "[\n" + ",\n".join(json.dumps(entry) for entry in entries) + "\n]\n"


def put_text(location: S3Location, text: str, content_type: str) -> None:
    # No ServerSideEncryption: the bucket's default encryption applies (see the module docstring).
    client("s3").put_object(
        Bucket=location.bucket,
        Key=location.key,
        Body=text.encode("utf-8"),
        ContentType=content_type,
    )


def empty_report(
    endpoint: str,
    start: datetime,
    end: datetime,
    thresholds: Thresholds,
    report_location: str,
) -> dict[str, Any]:
    """The report drift_check.py writes for a window without captured requests, field for field."""
    defaults, overrides = thresholds
    report: dict[str, Any] = {
        "version": REPORT_VERSION,
        "endpoint": endpoint,
        "window": {"start": iso(start), "end": iso(end)},
        "capture_files": {"read": 0, "outside_window": 0, "not_in_hour_directory": 0},
        "records": 0,
        "rows": 0,
        "malformed_lines": 0,
        "status": "empty",
        "thresholds": defaults,
        "feature_thresholds": overrides,
        "features": [],
        "schema_problems": [],
        "drifted_features": [],
        "warned_features": [],
    }
    report["summary"] = (
        f"No requests were captured for endpoint {endpoint} from {iso(start)} to {iso(end)}, "
        f"so there was nothing to check. Report: {report_location}."
    )
    return report


def run_metric_line(report: Mapping[str, Any]) -> str:
    """drift_check.py's metric line of the run, with the same keys in the same order."""
    return json.dumps(
        {
            "mlops_drift_run": 1,
            "endpoint": report["endpoint"],
            "window_start": report["window"]["start"],
            "status": report["status"],
            "records": report["records"],
            "rows": report["rows"],
            "malformed_lines": report["malformed_lines"],
            "drifted_features": len(report["drifted_features"]),
            "warned_features": len(report["warned_features"]),
            "schema_problems": len(report["schema_problems"]),
        }
    )


def find_capture(event: Mapping[str, Any], now: Callable[[], datetime]) -> dict[str, Any]:
    """The ``find`` action: the window's capture files as a manifest, or the empty report."""
    end = window_end(event, now)
    hours = whole_number(event.get("window_hours"), "window_hours", 1, MAX_WINDOW_HOURS)
    endpoint = required_text(event, "endpoint")
    capture = s3_location(event, "capture_uri", needs_key=True)
    reports = s3_location(event, "report_uri")
    thresholds = report_thresholds(event)
    start = end - timedelta(hours=hours)

    run_folder = reports.child(hour_folder(start))
    manifest = run_folder.child(MANIFEST_NAME)
    keys, variants = capture_keys(capture, start, end)
    window = f"{iso(start)} to {iso(end)}"
    if keys:
        put_text(manifest, manifest_text(capture, keys), "application/json")
        print(
            f"find: {len(keys)} capture file(s) of endpoint {endpoint} in {variants} variant(s) "
            f"from {window}; manifest {manifest.uri}"
        )
    else:
        report_file = run_folder.child(REPORT_NAME)
        report = empty_report(endpoint, start, end, thresholds, report_file.uri)
        text = json.dumps(report, indent=2, allow_nan=False) + "\n"
        put_text(report_file, text, "application/json")
        summary = run_folder.child(SUMMARY_NAME)
        put_text(summary, report["summary"] + "\n", "text/plain; charset=utf-8")
        print(
            f"find: no capture files of endpoint {endpoint} ({variants} variant(s)) from {window}; "
            f"wrote the empty window's report {report_file.uri}"
        )
        print(run_metric_line(report))
    return {
        "WindowStart": iso(start),
        "CaptureFiles": len(keys),
        "ManifestUri": manifest.uri,
        "ReportUri": run_folder.uri,
    }


# ---------------------------------------------------------------------------
# publish


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def optional_number(value: Any) -> bool:
    return value is None or is_number(value)


def strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def feature_problem(entry: Any, index: int) -> str | None:
    """What makes ``entry`` not a feature of a drift_check.py report, if anything."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
        return f"feature {index + 1} has no name"
    name = entry["name"]
    for key in ("psi", "ks", "missing_rate"):
        if not optional_number(entry.get(key)):
            return f"feature {name!r} has {key} {shown(entry.get(key))}, not a number or null"
    if not is_number(entry.get("baseline_missing_rate")):
        return f"feature {name!r} has no baseline_missing_rate"
    if entry.get("verdict") not in VERDICTS:
        return f"feature {name!r} has the verdict {shown(entry.get('verdict'))}"
    if not strings(entry.get("reasons")):
        return f"feature {name!r} has no list of reasons"
    return None


def report_problem(report: Any) -> str | None:
    """What makes ``report`` not a drift_check.py report of version 1, if anything."""
    if not isinstance(report, dict):
        return "it is not a JSON object"
    if report.get("version") != REPORT_VERSION:
        return f"its version is {shown(report.get('version'))}, not {REPORT_VERSION}"
    if report.get("status") not in STATUSES:
        return f"its status is {shown(report.get('status'))}, not one of {', '.join(STATUSES)}"
    window = report.get("window")
    if not isinstance(window, dict) or not all(
        isinstance(window.get(key), str) for key in ("start", "end")
    ):
        return "it has no window start and end"
    for key in ("records", "rows", "malformed_lines"):
        value = report.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return f"its {key} is {shown(value)}, not a count"
    if not (report.get("endpoint") is None or isinstance(report.get("endpoint"), str)):
        return "its endpoint is not a string"
    features = report.get("features")
    if not isinstance(features, list):
        return "it has no list of features"
    for index, entry in enumerate(features):
        problem = feature_problem(entry, index)
        if problem:
            return problem
    problems = report.get("schema_problems")
    if not isinstance(problems, list) or not all(
        isinstance(item, dict) and isinstance(item.get("message"), str) for item in problems
    ):
        return "it has no list of schema problems with messages"
    for key in ("drifted_features", "warned_features"):
        if not strings(report.get(key)):
            return f"its {key} is not a list of names"
    return None


def read_report(location: S3Location, endpoint: str) -> dict[str, Any]:
    """The check's drift_report.json, validated; ReportError (naming it) if it cannot be used."""
    try:
        response = client("s3").get_object(Bucket=location.bucket, Key=location.key)
        body = response["Body"].read()
    except (ClientError, BotoCoreError) as error:
        raise ReportError(
            f"cannot read the drift report {location.uri}: {aws_error(error)}"
        ) from None
    try:
        report = json.loads(body.decode("utf-8"))
    except ValueError as error:
        raise ReportError(f"the drift report {location.uri} is not JSON: {error}") from None
    problem = report_problem(report)
    if problem:
        raise ReportError(
            f"the drift report {location.uri} is not a report of drift_check.py: {problem}"
        )
    if report["endpoint"] not in (None, endpoint):
        raise ReportError(
            f"the drift report {location.uri} is of endpoint {report['endpoint']}, not {endpoint}"
        )
    return report


def datum(name: str, value: float, dimensions: Sequence[tuple[str, str]]) -> dict[str, Any]:
    return {
        "MetricName": name,
        "Dimensions": [{"Name": key, "Value": text} for key, text in dimensions],
        "Value": float(value),
        "Unit": "None",
    }


def metric_data(report: Mapping[str, Any], endpoint: str) -> list[dict[str, Any]]:
    """Each feature's scores and the run's counts, as PutMetricData entries."""
    data = []
    for entry in report["features"]:
        dimensions = [("Endpoint", endpoint), ("Feature", entry["name"])]
        if entry["psi"] is not None:
            data.append(datum("PopulationStabilityIndex", entry["psi"], dimensions))
        if entry["ks"] is not None:
            data.append(datum("KolmogorovSmirnov", entry["ks"], dimensions))
        if entry["missing_rate"] is not None:
            change = round(abs(entry["missing_rate"] - entry["baseline_missing_rate"]), 6)
            data.append(datum("MissingRateChange", change, dimensions))
    run = [("Endpoint", endpoint)]
    data.append(datum("DriftedFeatures", len(report["drifted_features"]), run))
    data.append(datum("CapturedRecords", report["records"], run))
    return data


def put_metrics(namespace: str, data: Sequence[dict[str, Any]]) -> int:
    """Publishes ``data`` in calls of at most METRICS_PER_CALL entries; returns the calls made."""
    calls = 0
    for first in range(0, len(data), METRICS_PER_CALL):
        client("cloudwatch").put_metric_data(
            Namespace=namespace, MetricData=list(data[first : first + METRICS_PER_CALL])
        )
        calls += 1
    return calls


def ascii_line(text: str) -> str:
    """``text`` with anything but printable ASCII replaced, as an SNS subject needs."""
    return "".join(char if " " <= char <= "~" else "?" for char in text)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def alert_subject(endpoint: str, drifted: int) -> str:
    """``Drift on SageMaker endpoint <endpoint>: 2 features``, shortened to fit SNS's limit."""
    head = "Drift on SageMaker endpoint "
    tail = f": {plural(drifted, 'feature')}" if drifted else ": schema problems"
    name = ascii_line(endpoint)
    room = MAX_SUBJECT_CHARS - len(head) - len(tail)
    return head + clip(name, room) + tail


def score(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def percent(value: Any) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def feature_lines(entry: Mapping[str, Any]) -> list[str]:
    """A drifted feature: its scores on one line, then each reason."""
    scores = [
        f"PSI {score(entry['psi'])}",
        f"KS {score(entry['ks'])}",
        f"missing values {percent(entry['missing_rate'])} now, "
        f"{percent(entry['baseline_missing_rate'])} in training",
    ]
    if is_number(entry.get("mean")) and is_number(entry.get("baseline_mean")):
        scores.append(f"mean {entry['mean']:g} now, {entry['baseline_mean']:g} in training")
    if entry.get("unseen_share"):
        scores.append(f"unseen categories {percent(entry['unseen_share'])}")
    lines = [clip(f"- {entry['name']}: {', '.join(scores)}", MAX_LINE_CHARS)]
    lines += [clip(f"    {reason}", MAX_LINE_CHARS) for reason in entry["reasons"]]
    return lines


def more(count: int, limit: int) -> list[str]:
    return [f"- and {count - limit} more (see the report)"] if count > limit else []


def alert_message(
    report: Mapping[str, Any], endpoint: str, check_name: str, folder: S3Location
) -> str:
    """The plain-text alert for the person on call."""
    window = report["window"]
    features = report["features"]
    drifted = [entry for entry in features if entry["verdict"] == "drift"]
    warned = [entry for entry in features if entry["verdict"] == "warn"]
    problems = report["schema_problems"]
    checked = f"Checked: {report['rows']} rows in {report['records']} captured requests"
    if report["malformed_lines"]:
        checked += f"; {report['malformed_lines']} malformed capture lines skipped"
    lines = [
        f"The drift check {check_name} found drift in the requests to SageMaker endpoint "
        f"{endpoint}.",
        "",
        f"Window: {window['start']} to {window['end']} (UTC)",
        checked,
    ]
    if drifted:
        lines += ["", f"Drifted features ({len(drifted)} of {len(features)}):"]
        for entry in drifted[:MAX_DRIFTED_LISTED]:
            lines += feature_lines(entry)
        lines += more(len(drifted), MAX_DRIFTED_LISTED)
    if problems:
        lines += ["", f"Schema problems ({len(problems)}):"]
        lines += [
            clip(f"- [{problem.get('severity', 'drift')}] {problem['message']}", MAX_LINE_CHARS)
            for problem in problems[:MAX_PROBLEMS_LISTED]
        ]
        lines += more(len(problems), MAX_PROBLEMS_LISTED)
    if warned:
        count = plural(len(warned), "feature")
        lines += ["", f"Warnings ({count}, no action needed on their own):"]
        lines += [
            clip(f"- {entry['name']}: {'; '.join(entry['reasons'])}", MAX_LINE_CHARS)
            for entry in warned[:MAX_WARNED_LISTED]
        ]
        lines += more(len(warned), MAX_WARNED_LISTED)
    lines += [
        "",
        f"Report: {folder.child(REPORT_NAME).uri}",
        f"Summary: {folder.child(SUMMARY_NAME).uri}",
        "",
        "What to do:",
        "1. Compare the drifted features with the training baseline (drift_baseline.json of the "
        "model version the endpoint serves); the report has each feature's scores, means and "
        "reasons.",
        "2. If the requests are valid but the traffic has changed (new population, season, "
        "upstream change), retrain the model on recent data and promote the new version.",
        "3. If the requests are wrong (schema problems, missing or non-numeric values, fields in a "
        "different order), fix the client or the feature pipeline that calls the endpoint; "
        "retraining would not help.",
    ]
    # Reasons may quote the requests' values: anything that is not valid UTF-8 becomes "?".
    encoded = ("\n".join(lines) + "\n").encode("utf-8", "replace")
    if len(encoded) > MAX_MESSAGE_BYTES:
        return encoded[:MAX_MESSAGE_BYTES].decode("utf-8", "ignore") + "\n[message shortened]\n"
    return encoded.decode("utf-8")


def topic_arn(event: Mapping[str, Any]) -> str:
    value = event.get("topic_arn")
    if not isinstance(value, str) or not SNS_TOPIC_ARN.match(value):
        raise ValueError(f"topic_arn must be an SNS topic ARN, got {shown(value)}")
    return value


def metric_namespace(event: Mapping[str, Any]) -> str:
    value = required_text(event, "namespace")
    # CloudWatch keeps the AWS/ namespaces for AWS services.
    if value.startswith("AWS/") or len(value) > 255:
        raise ValueError(f"namespace must be a custom CloudWatch namespace, got {shown(value)}")
    return value


def publish_results(event: Mapping[str, Any]) -> dict[str, Any]:
    """The ``publish`` action: the report's scores as metrics, and an alert when it found drift."""
    folder = s3_location(event, "report_uri")
    endpoint = required_text(event, "endpoint")
    topic = topic_arn(event)
    namespace = metric_namespace(event)
    check_name = required_text(event, "check_name")

    report = read_report(folder.child(REPORT_NAME), endpoint)
    data = metric_data(report, endpoint)
    calls = put_metrics(namespace, data)
    status = report["status"]
    drifted = len(report["drifted_features"])
    alerted = ""
    if status == "drift":
        client("sns").publish(
            TopicArn=topic,
            Subject=alert_subject(endpoint, drifted),
            Message=alert_message(report, endpoint, check_name, folder),
        )
        alerted = f"; alert sent to {topic}"
        model = event.get("model")
        if model:
            put_drift_event(str(model), endpoint, report, folder)
            alerted += f"; drift event for model {model} put on the default bus"
    print(
        f"publish: endpoint {endpoint} window {report['window']['start']} status {status}, "
        f"{drifted} drifted feature(s); {len(data)} metric(s) in {namespace} in {calls} call(s)"
        f"{alerted}"
    )
    return {"Status": status, "DriftedFeatures": drifted}


DRIFT_EVENT_SOURCE = "mlops.drift"
DRIFT_EVENT_DETAIL_TYPE = "Drift Detected"


def put_drift_event(model: str, endpoint: str, report: Mapping[str, Any], folder: Any) -> None:
    """Tell the account's default event bus that the model's traffic drifted."""
    detail = {
        "model": model,
        "endpoint": endpoint,
        "window_start": report["window"]["start"],
        "drifted_features": list(report["drifted_features"]),
        "report_uri": folder.child(REPORT_NAME).uri,
    }
    answer = client("events").put_events(
        Entries=[
            {
                "Source": DRIFT_EVENT_SOURCE,
                "DetailType": DRIFT_EVENT_DETAIL_TYPE,
                "Detail": json.dumps(detail, sort_keys=True),
            }
        ]
    )
    # PutEvents answers 200 even when an entry failed; the failure is in the entry.
    if answer.get("FailedEntryCount"):
        failed = answer["Entries"][0]
        raise RuntimeError(
            f"the drift event for model {model} was refused: {failed.get('ErrorCode')}: {failed.get('ErrorMessage')}"
        )


# ---------------------------------------------------------------------------
# Entry point


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Lambda entry point (``drift_steps.handler``): runs the event's ``action``."""
    if not isinstance(event, dict):
        raise ValueError(f"the event must be a JSON object, got {shown(event)}")
    action = event.get("action")
    if action == "find":
        return find_capture(event, utc_now)
    if action == "publish":
        return publish_results(event)
    raise ValueError(f"action must be find or publish, got {shown(action)}")
