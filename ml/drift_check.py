# SPDX-License-Identifier: Apache-2.0
"""Compare an endpoint's captured requests of one time window with the training baseline.

SageMaker Model Monitor is closed to new customers, so the drift checks run
this script on SageMaker Processing instead: a SageMaker pipeline per
endpoint, started on the model's schedule by EventBridge Scheduler, runs it
network-isolated in the SageMaker scikit-learn container as::

    python3 /opt/ml/processing/input/code/drift_check.py \\
        --window-start 2024-05-01T13:00:00Z --window-hours 1 --endpoint NAME \\
        [--psi-warn 0.1] [--psi-drift 0.25] [--ks-drift 0.2] \\
        [--missing-rate-change 0.1] [--unseen-share 0.01] [--min-rows 200] \\
        [--feature-thresholds '{"mean_area": {"psi_drift": 0.3}}'] \\
        [--report-uri s3://bucket/prefix/report]

``--window-start`` is an ISO-8601 time on the hour with its time zone
(``Z``, or an offset, converted to UTC); the window is the
``--window-hours`` hours from it. ``--endpoint`` names the endpoint in the
report and the metric lines (null without it).

Inputs
------

``<base-dir>/baseline/drift_baseline.json``
    The baseline baseline.py wrote from the training features of the model
    the endpoint serves.

``<base-dir>/capture/``
    The endpoint's data-capture files. SageMaker writes them as
    ``<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/<name>.jsonl``, one
    directory per hour of inference time (UTC); see "Capture data from
    real-time endpoint" in the SageMaker developer guide,
    https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-data-capture-endpoint.html
    The pipeline passes, as this input, an S3 prefix of the window that keeps
    the hour directories below it: typically the endpoint's capture prefix
    ``s3://<bucket>/<prefix>/<endpoint>/`` (a processing input of type
    S3Prefix copies each object to the local path of its key after the
    prefix), or one hour's prefix ``.../<variant>/yyyy/mm/dd/hh/`` with
    ``/opt/ml/processing/capture/<variant>/yyyy/mm/dd/hh`` as its local path.
    The script reads every ``*.jsonl`` file, at any depth, whose directory
    path ends in ``yyyy/mm/dd/hh`` with that hour in
    [window start, window start + window hours); other files are ignored and
    only counted, so a wider prefix costs download time but never changes
    the result.

Each line of a capture file is one captured request::

    {"captureData": {
        "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                          "data": "13.5,14.36,...\\n", "encoding": "CSV"},
        "endpointOutput": {...}},
     "eventMetadata": {"eventId": "...", "inferenceTime": "2024-05-01T13:25:49Z"},
     "eventVersion": "0"}

``encoding`` is ``CSV`` or ``JSON`` when the content type is one the endpoint
configuration lists as CSV or JSON (the data is then the payload text), and
``BASE64`` otherwise (the data is the payload, base64-encoded; its
``observedContentType`` says whether it is CSV or JSON). Only
``endpointInput`` is read. Payloads may be:

- CSV: one row per line, several rows per request allowed, no header, the
  fields in the baseline's feature order;
- JSON: ``{"instances": [...]}``, a list of rows, or a single row, where a
  row is an object keyed by feature name, a list of values in the baseline's
  feature order, or ``{"features": [...]}`` (such a list); JSON Lines
  (content type ``application/jsonlines``) is read a line at a time.

A value is missing when it is empty, ``NaN`` (or ``nan``), JSON ``null``, or
when a keyed row does not name the feature. Categorical values are compared
as text (a JSON ``1`` is the category ``"1"``).

A malformed line (not JSON, no ``captureData.endpointInput.data`` as when
only responses are captured, an unknown encoding, bad base64, a payload that
does not parse or holds no rows) is counted in ``malformed_lines`` and
skipped; it never fails the job. Blank lines are skipped without counting.

Checks
------

For each baseline feature, over the window's rows:

``psi``
    Population stability index, sum((w - b) * ln(w / b)) over the baseline's
    bins (numeric features) or categories plus one bucket for every other
    value (categorical ones), where w and b are the window's and the
    baseline's shares, each at least 0.0001 so that empty bins stay finite.
``ks``
    Two-sample Kolmogorov-Smirnov statistic (``scipy.stats.ks_2samp``) of the
    window's values against the baseline's sample, numeric features only. The
    statistic, not the p-value, is judged: with thousands of rows an hour the
    p-value calls every harmless difference significant.
``missing_rate``
    Share of rows without a value, against ``baseline_missing_rate``.
``unseen_share``
    Categorical features: share of values in categories the baseline does not
    list (``unseen_categories`` names the most frequent five). When the
    baseline lists only its 100 most frequent categories (and has an
    ``__other__`` share), its ``__other__`` share is subtracted before the
    share is judged.

Schema problems: a feature no request sends (every row is keyed and none
names it), a field that is not a baseline feature (keyed rows), a numeric
feature receiving values that are not numbers, and CSV or list rows with
more or fewer fields than the baseline has features (such rows cannot be
lined up with the features and are left out of the statistics).

Verdict of a feature: ``drift`` when PSI >= psi_drift, KS >= ks_drift, the
missing rate moved by missing_rate_change or more, the feature is never
sent, or it receives non-numeric values; ``warn`` when PSI >= psi_warn or the
unseen share reaches unseen_share; ``ok`` otherwise. Thresholds come from the
command line, overridden per feature by ``--feature-thresholds`` (keys
psi_warn, psi_drift, ks_drift, missing_rate_change, unseen_share). With fewer
rows than ``--min-rows`` the statistics are reported but only schema problems
are judged: with 100 rows, PSI over 10 bins is about 0.1 from sampling noise
alone.

The window's ``status`` is ``empty`` when it has no captured requests and no
malformed lines (nothing to check, and nobody is paged); otherwise the worst
of the features' verdicts and the schema problems (an extra feature is a
``warn``, every other problem a ``drift``), and at least ``warn`` when no row
could be checked.

Outputs
-------

``<base-dir>/report/drift_report.json``::

    {"version": 1, "endpoint": "NAME",
     "window": {"start": "2024-05-01T13:00:00Z", "end": "2024-05-01T14:00:00Z"},
     "capture_files": {"read": 4, "outside_window": 2, "not_in_hour_directory": 0},
     "records": 3400, "rows": 12000, "malformed_lines": 0,
     "status": "ok" | "warn" | "drift" | "empty",
     "thresholds": {"psi_warn": 0.1, "psi_drift": 0.25, "ks_drift": 0.2,
                    "missing_rate_change": 0.1, "unseen_share": 0.01, "min_rows": 200},
     "feature_thresholds": {"mean_area": {"psi_drift": 0.3}},
     "features": [
       {"name": "mean_area", "type": "numeric", "count": 12000,
        "psi": 0.84, "ks": 0.62, "missing_rate": 0.0, "baseline_missing_rate": 0.0,
        "unseen_share": null, "unseen_categories": [], "non_numeric": 0,
        "mean": 981.2, "baseline_mean": 654.9,
        "verdict": "drift", "reasons": ["PSI 0.840 >= drift threshold 0.3", ...]}],
     "schema_problems": [
       {"problem": "missing_feature" | "extra_feature" | "non_numeric" | "field_count",
        "feature": "mean_area" | null, "rows": 40, "severity": "warn" | "drift",
        "message": "...", ...}],
     "drifted_features": ["mean_area"], "warned_features": [],
     "summary": "<one paragraph for a person>"}

``records`` counts the captured requests read, ``rows`` the feature rows in
them that were checked (a request may hold several). ``count`` is the number
of the feature's values checked (not missing, and numbers for a numeric
feature). Rates, shares and statistics are rounded to 6 decimal places, means
to 6 significant digits. A ``field_count`` problem also has ``fields`` and
``expected``; a ``non_numeric`` one has ``examples`` (up to 3). With status
``empty``, ``features`` and ``schema_problems`` are empty lists.

``<base-dir>/report/drift_summary.txt``
    The summary paragraph: what drifted, by how much, and where the report
    is (``--report-uri`` names the S3 location of the report output).

Metric lines on stdout
----------------------

The job runs network-isolated and cannot call CloudWatch, so the pipeline's
PublishResults step (components/monitoring/functions/drift_steps.py) puts
the report's scores as metrics. The script also prints one JSON line per
baseline feature and then one line for the run, so that the job's log alone
says what it found (and a CloudWatch Logs metric filter could read it). Keys are
always present and in this order; values are the report's (``null`` where
the report has null)::

    {"mlops_drift": 1, "endpoint": "NAME", "feature": "mean_area", "psi": 0.84, "ks": 0.62, "missing_rate": 0.0, "unseen_share": null, "verdict": "drift"}
    {"mlops_drift_run": 1, "endpoint": "NAME", "window_start": "2024-05-01T13:00:00Z", "status": "drift", "records": 3400, "rows": 12000, "malformed_lines": 0, "drifted_features": 1, "warned_features": 0, "schema_problems": 0}

For example the filter pattern ``{ $.mlops_drift = 1 }`` with metric value
``$.psi`` and dimensions ``Endpoint: $.endpoint``, ``Feature: $.feature``,
and ``{ $.mlops_drift_run = 1 }`` with value ``$.drifted_features``. An empty
window prints only the run line. The lines are printed before the report's
summary, which follows as plain text.

Exit status: 0 whatever the verdict (drift is a finding, not a failure); 2
for bad arguments or an unreadable baseline, with a one-line message on
stderr.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import csv
import io
import json
import os
import re
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

DEFAULT_BASE_DIR = "/opt/ml/processing"
REPORT_VERSION = 1
BASELINE_VERSION = 1

# As in baseline.py: the cells that count as missing, and the bucket of the
# categories beyond the most frequent ones.
MISSING_VALUES = ["", "NaN", "nan"]
OTHER_CATEGORY = "__other__"

# Floor of a bin's share in the PSI, so that an empty bin adds a large but finite term.
PSI_EPSILON = 1e-4

# Rows parsed per pandas call: large enough to amortise the call, small enough
# that the payload text of a chunk stays well under the memory of the rows.
CHUNK_ROWS = 100_000

MAX_EXAMPLES = 3
MAX_UNSEEN_LISTED = 5
# Features named in the summary paragraph before it says "and N more".
MAX_SUMMARY_FEATURES = 5

THRESHOLDS = ("psi_warn", "psi_drift", "ks_drift", "missing_rate_change", "unseen_share")

OK, WARN, DRIFT = 0, 1, 2
LEVELS = ("ok", "warn", "drift")

HOUR_DIRECTORY = re.compile(r"(?:^|/)(\d{4})/(\d{2})/(\d{2})/(\d{2})$")
ISO_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|z|[+-]\d{2}:?\d{2})?$"
)


class InputError(Exception):
    """A problem with the arguments or the baseline that the caller has to fix."""


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: the job's log shows what to fix."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


# ---------------------------------------------------------------------------
# Arguments


def utc_time(text: str) -> datetime:
    """argparse type: an ISO-8601 time with a time zone, on the hour, as UTC."""
    match = ISO_TIME.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not an ISO-8601 time such as 2024-05-01T13:00:00Z"
        )
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if zone is None:
        raise argparse.ArgumentTypeError(f"'{text}' has no time zone; end it with Z for UTC")
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
            int((fraction or "0").ljust(6, "0")[:6]),
        )
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{text}' is not a valid time: {error}") from None
    if zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    moment = moment.replace(tzinfo=timezone.utc)
    if (moment.minute, moment.second, moment.microsecond) != (0, 0, 0):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not on the hour; capture files are grouped by hour"
        )
    return moment


def whole_number(low: int, high: int):
    """argparse type factory: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low} and {high}")
        return value

    return parse


# The range of each threshold: (exclusive lower bound, inclusive upper bound).
THRESHOLD_RANGES = {
    "psi_warn": (0.0, float("inf")),
    "psi_drift": (0.0, float("inf")),
    "ks_drift": (0.0, 1.0),
    "missing_rate_change": (0.0, 1.0),
    "unseen_share": (0.0, 1.0),
}


def range_problem(name: str, value: float) -> Optional[str]:
    """What is wrong with ``value`` for the threshold ``name``, or None if it is in range."""
    low, high = THRESHOLD_RANGES[name]
    if low < value <= high:
        return None
    bound = "" if high == float("inf") else f" and at most {high:g}"
    return f"must be more than {low:g}{bound}, got {value:g}"


def check_threshold(name: str, value: Any, where: str) -> float:
    """The threshold ``value`` (from JSON) as a float, if it is a number in range for ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{where}: {name} must be a number, got {json.dumps(value)}")
    problem = range_problem(name, float(value))
    if problem:
        raise InputError(f"{where}: {name} {problem}")
    return float(value)


def threshold_value(name: str):
    """argparse type factory for the threshold called ``name``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        problem = range_problem(name, value)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return value

    return parse


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = OneLineParser(
        description="Check an endpoint's captured requests of one time window for drift against "
        "the training baseline (PSI, KS, missing values, unseen categories, schema changes); "
        "write report/drift_report.json and report/drift_summary.txt and print one JSON "
        "metric line per feature.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--base-dir",
        default=DEFAULT_BASE_DIR,
        help="processing directory: reads baseline/drift_baseline.json and capture/ and writes "
        "report/ under it",
    )
    parser.add_argument(
        "--window-start",
        type=utc_time,
        required=True,
        help="start of the window, an ISO-8601 time on the hour with its time zone "
        "(2024-05-01T13:00:00Z)",
    )
    parser.add_argument(
        "--window-hours", type=whole_number(1, 24 * 31), default=1, help="length of the window"
    )
    parser.add_argument(
        "--endpoint",
        default=None,
        help="endpoint name for the report and the metric lines (their Endpoint dimension)",
    )
    parser.add_argument(
        "--psi-warn", type=threshold_value("psi_warn"), default=0.1, help="PSI that warns"
    )
    parser.add_argument(
        "--psi-drift", type=threshold_value("psi_drift"), default=0.25, help="PSI that is drift"
    )
    parser.add_argument(
        "--ks-drift",
        type=threshold_value("ks_drift"),
        default=0.2,
        help="KS statistic that is drift (numeric features)",
    )
    parser.add_argument(
        "--missing-rate-change",
        type=threshold_value("missing_rate_change"),
        default=0.1,
        help="change of the share of missing values, either way, that is drift",
    )
    parser.add_argument(
        "--unseen-share",
        type=threshold_value("unseen_share"),
        default=0.01,
        help="share of values in categories the baseline never saw that warns "
        "(categorical features)",
    )
    parser.add_argument(
        "--min-rows",
        type=whole_number(1, 10**9),
        default=200,
        help="fewest rows whose distributions are judged; with fewer only schema problems are",
    )
    parser.add_argument(
        "--feature-thresholds",
        default="",
        help='per-feature thresholds as JSON, e.g. \'{"mean_area": {"psi_drift": 0.3}}\'',
    )
    parser.add_argument(
        "--report-uri",
        default=None,
        help="S3 URI of the report output, for the summary to say where the report is",
    )
    return parser.parse_args(argv)


def resolve_thresholds(
    args: argparse.Namespace, feature_names: Sequence[str]
) -> Tuple[Dict[str, float], Dict[str, Dict[str, float]], Dict[str, Dict[str, float]]]:
    """Return the default thresholds, the overrides as given, and each feature's thresholds."""
    defaults = {name: float(getattr(args, name)) for name in THRESHOLDS}
    if defaults["psi_warn"] > defaults["psi_drift"]:
        raise InputError(
            f"--psi-warn ({defaults['psi_warn']:g}) must not exceed --psi-drift "
            f"({defaults['psi_drift']:g})"
        )
    overrides: Dict[str, Dict[str, float]] = {}
    if args.feature_thresholds.strip():
        try:
            given = json.loads(args.feature_thresholds)
        except ValueError as error:
            raise InputError(f"--feature-thresholds is not valid JSON: {error}") from None
        if not isinstance(given, dict):
            raise InputError(
                '--feature-thresholds must be a JSON object such as {"mean_area": {"psi_drift": 0.3}}'
            )
        unknown = [name for name in given if name not in feature_names]
        if unknown:
            raise InputError(
                f"--feature-thresholds names feature(s) the baseline does not have: "
                f"{', '.join(unknown[:5])}"
            )
        for feature, values in given.items():
            where = f"--feature-thresholds for '{feature}'"
            if not isinstance(values, dict):
                raise InputError(f"{where} must be an object of thresholds")
            bad = [name for name in values if name not in THRESHOLDS]
            if bad:
                raise InputError(
                    f"{where}: unknown threshold '{bad[0]}'; use {', '.join(THRESHOLDS)}"
                )
            overrides[feature] = {
                name: check_threshold(name, value, where) for name, value in values.items()
            }
    per_feature = {}
    for feature in feature_names:
        merged = {**defaults, **overrides.get(feature, {})}
        if merged["psi_warn"] > merged["psi_drift"]:
            raise InputError(
                f"--feature-thresholds for '{feature}': psi_warn ({merged['psi_warn']:g}) must "
                f"not exceed psi_drift ({merged['psi_drift']:g})"
            )
        per_feature[feature] = merged
    return defaults, overrides, per_feature


# ---------------------------------------------------------------------------
# Baseline


class Feature:
    """A baseline feature, as drift_baseline.json describes it."""

    def __init__(self, entry: Dict[str, Any], index: int) -> None:
        where = f"feature {index + 1}"
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            raise ValueError(f"{where} has no name")
        where = f"feature '{name}'"
        self.name = name
        self.kind = entry.get("type")
        self.missing_rate = number(entry.get("missing_rate"), f"{where}: missing_rate")
        if self.kind == "numeric":
            self.edges = np.array(numbers(entry.get("bin_edges"), f"{where}: bin_edges"))
            self.proportions = np.array(
                numbers(entry.get("bin_proportions"), f"{where}: bin_proportions")
            )
            self.sample = np.array(numbers(entry.get("sample"), f"{where}: sample"))
            self.mean: Optional[float] = number(entry.get("mean"), f"{where}: mean")
            if len(self.proportions) != len(self.edges) + 1:
                raise ValueError(f"{where} needs one more bin proportion than bin edges")
            if np.any(np.diff(self.edges) <= 0):
                raise ValueError(f"{where}: bin_edges are not increasing")
            if len(self.sample) == 0:
                raise ValueError(f"{where} has an empty sample")
            self.categories: Dict[str, float] = {}
        elif self.kind == "categorical":
            categories = entry.get("categories")
            if not isinstance(categories, dict):
                raise ValueError(f"{where} has no categories")
            self.categories = {
                str(key): number(value, f"{where}: category '{key}'")
                for key, value in categories.items()
            }
            self.mean = None
        else:
            raise ValueError(f"{where} has type {json.dumps(self.kind)}, not numeric or categorical")

    @property
    def numeric(self) -> bool:
        return self.kind == "numeric"


def number(value: Any, what: str) -> float:
    """``value`` as a float, if it is a JSON number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} is not a number")
    return float(value)


def numbers(value: Any, what: str) -> List[float]:
    """``value`` as a list of floats, if it is a JSON list of numbers."""
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a list")
    return [number(item, what) for item in value]


def load_baseline(path: str) -> List[Feature]:
    """Read drift_baseline.json."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        raise InputError(f"baseline {path} not found; baseline.py writes it") from None
    except (OSError, ValueError) as error:
        raise InputError(f"cannot read baseline {path}: {error}") from None
    try:
        if not isinstance(document, dict) or document.get("version") != BASELINE_VERSION:
            version = document.get("version") if isinstance(document, dict) else None
            raise ValueError(f"its version is {json.dumps(version)}, expected {BASELINE_VERSION}")
        entries = document.get("features")
        if not isinstance(entries, list) or not entries:
            raise ValueError("it lists no features")
        features = [Feature(entry, index) for index, entry in enumerate(entries)]
        names = [feature.name for feature in features]
        if len(set(names)) != len(names):
            raise ValueError("it names a feature more than once")
    except ValueError as error:
        raise InputError(f"baseline {path} is not a drift baseline from baseline.py: {error}") from None
    return features


# ---------------------------------------------------------------------------
# Capture files


class CaptureFiles:
    """The capture files of the window, and how many others were ignored."""

    def __init__(self) -> None:
        self.selected: List[str] = []
        self.outside_window = 0
        self.not_in_hour_directory = 0


def find_capture_files(capture_dir: str, start: datetime, end: datetime) -> CaptureFiles:
    """Every ``*.jsonl`` file under ``capture_dir`` in an hour directory of the window."""
    found = CaptureFiles()
    if not os.path.isdir(capture_dir):
        return found
    for root, dirs, names in os.walk(capture_dir):
        dirs.sort()
        jsonl = sorted(name for name in names if name.endswith(".jsonl"))
        if not jsonl:
            continue
        relative = os.path.relpath(root, capture_dir).replace(os.sep, "/")
        match = HOUR_DIRECTORY.search(relative)
        hour = None
        if match:
            try:
                hour = datetime(*(int(part) for part in match.groups()), tzinfo=timezone.utc)
            except ValueError:
                hour = None
        if hour is None:
            found.not_in_hour_directory += len(jsonl)
        elif start <= hour < end:
            found.selected.extend(os.path.join(root, name) for name in jsonl)
        else:
            found.outside_window += len(jsonl)
    return found


# ---------------------------------------------------------------------------
# Reading the requests


class FeatureData:
    """What the window's rows hold for one feature."""

    def __init__(self) -> None:
        # Numeric features: float arrays, NaN where missing or not a number.
        # Categorical features: object arrays of the values that are not missing.
        self.chunks: List[np.ndarray] = []
        self.missing = 0
        self.non_numeric = 0
        self.examples: List[str] = []
        # Rows that had the field at all (every row but keyed ones without it).
        self.provided = 0

    def values(self, numeric: bool) -> np.ndarray:
        if not self.chunks:
            return np.empty(0, dtype=float if numeric else object)
        return np.concatenate(self.chunks)


def is_blank(column: pd.Series) -> pd.Series:
    """Where ``column`` holds a missing value."""
    return column.isna() | column.isin(MISSING_VALUES)


def to_float(value: Any) -> float:
    """A value as a float, or NaN if it is not a number (a JSON true or false is not)."""
    if isinstance(value, bool):
        return float("nan")
    if isinstance(value, (int, float, str)):
        try:
            return float(value)
        except ValueError:
            return float("nan")
    return float("nan")


def to_floats(values: np.ndarray) -> np.ndarray:
    """Values (text or JSON numbers) as floats, NaN where they are not numbers.

    Text is converted as Python's float() does, correctly rounded, as baseline.py
    does it (pandas' own conversions can be off by a unit in the last place).
    """
    if not any(isinstance(value, bool) for value in values):
        try:
            return values.astype(float)
        except (ValueError, TypeError):
            pass
    return np.array([to_float(value) for value in values], dtype=float)


def json_text(value: Any) -> Any:
    """Nested JSON values become their JSON text, so that every value is hashable."""
    return json.dumps(value) if isinstance(value, (list, dict)) else value


class Collector:
    """Parses capture lines and gathers each feature's values, a chunk of rows at a time."""

    def __init__(self, features: Sequence[Feature]) -> None:
        self.features = list(features)
        self.names = [feature.name for feature in features]
        self.name_set = set(self.names)
        self.width = len(features)
        self.data = {feature.name: FeatureData() for feature in features}
        self.records = 0
        self.malformed_lines = 0
        self.rows = 0
        # Rows left out because their number of fields differs: fields -> rows.
        self.wrong_width: Counter = Counter()
        # Fields of keyed rows that are not baseline features: name -> rows.
        self.extra_fields: Counter = Counter()
        self.keyed_rows_total = 0
        self.csv_lines: List[str] = []
        self.list_rows: List[List[Any]] = []
        self.keyed_rows: List[Dict[str, Any]] = []
        self.categorical_dtypes = {f.name: str for f in features if not f.numeric}

    # -- one capture line -------------------------------------------------

    def add_line(self, line: str) -> None:
        """Read one line of a capture file."""
        if not line.strip():
            return
        try:
            endpoint_input = json.loads(line)["captureData"]["endpointInput"]
            data = endpoint_input["data"]
            encoding = endpoint_input.get("encoding")
            content_type = str(endpoint_input.get("observedContentType") or "").lower()
        except (ValueError, KeyError, TypeError, AttributeError):
            self.malformed_lines += 1
            return
        if not isinstance(data, str):
            self.malformed_lines += 1
            return
        if encoding == "CSV":
            accepted = self.add_csv(data)
        elif encoding == "JSON":
            accepted = self.add_json(data, "jsonlines" in content_type)
        elif encoding == "BASE64":
            try:
                text = base64.b64decode(data, validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                accepted = False
            else:
                if "csv" in content_type:
                    accepted = self.add_csv(text)
                elif "json" in content_type:
                    accepted = self.add_json(text, "jsonlines" in content_type)
                elif text.lstrip()[:1] in ("{", "["):
                    accepted = self.add_json(text, False)
                else:
                    accepted = self.add_csv(text)
        else:
            accepted = False
        if accepted:
            self.records += 1
        else:
            self.malformed_lines += 1

    def add_csv(self, text: str) -> bool:
        """A CSV payload: rows of fields in the baseline's order. False if it holds no rows."""
        if '"' in text:
            # Quoted fields may hold commas or line breaks: the csv module reads them.
            try:
                rows = [row for row in csv.reader(io.StringIO(text)) if row]
            except csv.Error:
                return False
            if not rows:
                return False
            for row in rows:
                self.add_list_row(row)
            return True
        if "\r" in text:
            text = text.replace("\r", "")
        text = text.strip("\n")
        if not text:
            return False
        lines = text.split("\n") if "\n" in text else (text,)
        for line in lines:
            if not line:
                continue
            fields = line.count(",") + 1
            if fields == self.width:
                self.csv_lines.append(line)
            else:
                self.wrong_width[fields] += 1
        if len(self.csv_lines) >= CHUNK_ROWS:
            self.flush_csv()
        return True

    def add_json(self, text: str, json_lines: bool) -> bool:
        """A JSON payload. False if it does not parse or holds no rows."""
        try:
            if json_lines:
                documents = [json.loads(line) for line in text.splitlines() if line.strip()]
            else:
                documents = [json.loads(text)]
        except ValueError:
            return False
        rows: List[Any] = []
        for document in documents:
            if isinstance(document, dict) and "instances" in document:
                document = document["instances"]
                if not isinstance(document, list):
                    return False
            if isinstance(document, dict):
                rows.append(document)
            elif isinstance(document, list):
                if document and not any(isinstance(item, (list, dict)) for item in document):
                    rows.append(document)  # a single row of values
                else:
                    rows.extend(document)
            else:
                return False
        if not rows or not all(isinstance(row, (list, dict)) for row in rows):
            return False
        for row in rows:
            if isinstance(row, dict):
                features = row.get("features")
                if len(row) == 1 and isinstance(features, list):
                    self.add_list_row(features)
                else:
                    self.keyed_rows.append(row)
                    if len(self.keyed_rows) >= CHUNK_ROWS:
                        self.flush_keyed()
            else:
                self.add_list_row(row)
        return True

    def add_list_row(self, row: List[Any]) -> None:
        """A row of values in the baseline's feature order."""
        if len(row) != self.width:
            self.wrong_width[len(row)] += 1
            return
        self.list_rows.append(row)
        if len(self.list_rows) >= CHUNK_ROWS:
            self.flush_lists()

    # -- chunks of rows ---------------------------------------------------

    def flush_csv(self) -> None:
        """Parse the pending CSV rows in one pandas call."""
        if not self.csv_lines:
            return
        lines, self.csv_lines = self.csv_lines, []
        text = "\n".join(lines)
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                header=None,
                names=self.names,
                dtype=self.categorical_dtypes,
                keep_default_na=False,
                na_values=MISSING_VALUES,
                quoting=csv.QUOTE_NONE,
                # Correctly rounded, as Python's float() and baseline.py read numbers.
                float_precision="round_trip",
                skip_blank_lines=False,
                low_memory=False,
            )
        except (pd.errors.ParserError, ValueError):
            frame = None
        del text
        if frame is None or len(frame) != len(lines):
            # Something pandas' parser would not take: read the rows one by one.
            for line in lines:
                self.add_list_row(line.split(","))
            return
        del lines
        self.ingest(frame, provided=None)

    def flush_lists(self) -> None:
        if not self.list_rows:
            return
        rows, self.list_rows = self.list_rows, []
        frame = pd.DataFrame(rows, columns=self.names, dtype=object)
        self.ingest(frame.apply(lambda column: column.map(json_text)), provided=None)

    def flush_keyed(self) -> None:
        if not self.keyed_rows:
            return
        rows, self.keyed_rows = self.keyed_rows, []
        provided: Counter = Counter()
        for row in rows:
            provided.update(row.keys())
        for name, count in provided.items():
            if name not in self.name_set:
                self.extra_fields[name] += count
        # dtype object keeps each value as JSON gave it: otherwise a column of
        # numbers and nulls would turn the category 1 into 1.0.
        frame = pd.DataFrame(
            [{key: json_text(row[key]) for key in self.names if key in row} for row in rows],
            columns=self.names,
            dtype=object,
        )
        self.keyed_rows_total += len(rows)
        self.ingest(frame, provided=provided)

    def ingest(self, frame: pd.DataFrame, provided: Optional[Counter]) -> None:
        """Add a chunk of rows, one column per baseline feature."""
        self.rows += len(frame)
        for feature in self.features:
            column = frame[feature.name]
            data = self.data[feature.name]
            data.provided += len(frame) if provided is None else provided.get(feature.name, 0)
            if feature.numeric:
                if is_numeric_dtype(column) and not is_bool_dtype(column):
                    values = column.to_numpy(dtype=float)
                    data.missing += int(np.isnan(values).sum())
                else:
                    blank = is_blank(column).to_numpy()
                    raw = column.to_numpy(dtype=object)
                    values = np.full(len(raw), np.nan)
                    values[~blank] = to_floats(raw[~blank])
                    bad = ~blank & np.isnan(values)
                    if bad.any():
                        data.non_numeric += int(bad.sum())
                        for example in pd.unique(raw[bad]):
                            if len(data.examples) >= MAX_EXAMPLES:
                                break
                            if str(example) not in data.examples:
                                data.examples.append(str(example))
                    data.missing += int(blank.sum())
                data.chunks.append(values)
            else:
                blank = is_blank(column)
                data.missing += int(blank.sum())
                data.chunks.append(column[~blank].astype(str).to_numpy(dtype=object))

    def finish(self) -> None:
        """Parse whatever rows are still pending."""
        self.flush_csv()
        self.flush_lists()
        self.flush_keyed()


def read_capture(files: Iterable[str], collector: Collector) -> None:
    """Feed every line of ``files`` to ``collector``."""
    for path in files:
        try:
            # Text, not bytes: json.loads would otherwise detect the encoding of every
            # line. A byte that is not UTF-8 becomes U+FFFD and spoils only its line.
            with open(path, encoding="utf-8", errors="replace", newline="\n") as handle:
                for line in handle:
                    collector.add_line(line)
        except OSError as error:
            # An unreadable file is reported and skipped, like a malformed line.
            print(f"cannot read capture file {path}: {error}", file=sys.stderr)
    collector.finish()


# ---------------------------------------------------------------------------
# Statistics and verdicts


def psi(window: np.ndarray, baseline: np.ndarray) -> float:
    """Population stability index between two arrays of shares."""
    actual = np.maximum(window, PSI_EPSILON)
    expected = np.maximum(baseline, PSI_EPSILON)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def rounded(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(float(value), 6)


def significant(value: Optional[float]) -> Optional[float]:
    if value is None or not np.isfinite(value):
        return None
    return float(f"{value:.6g}")


def percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def analyse_feature(
    feature: Feature, data: FeatureData, rows: int, limits: Dict[str, float], min_rows: int
) -> Dict[str, Any]:
    """Statistics, verdict and reasons of one feature over the window's rows."""
    psi_value = ks_value = unseen_share = mean = None
    missing_rate = None
    unseen: List[Dict[str, Any]] = []
    values = data.values(feature.numeric)
    if feature.numeric:
        values = values[~np.isnan(values)]
    count = int(len(values))
    if rows:
        missing_rate = rounded(data.missing / rows)
    if count and feature.numeric:
        bins = np.searchsorted(feature.edges, values, side="right")
        shares = np.bincount(bins, minlength=len(feature.proportions)) / count
        psi_value = rounded(psi(shares, feature.proportions))
        # Imported here: scipy.stats takes a while to import, and an empty
        # window or a categorical-only baseline does not need it.
        from scipy.stats import ks_2samp

        ks_value = rounded(ks_2samp(values, feature.sample, method="asymp").statistic)
        finite = values[np.isfinite(values)]
        mean = significant(finite.mean()) if len(finite) else None
    elif count:
        counts = pd.Series(values).value_counts()
        listed = [name for name in feature.categories if name != OTHER_CATEGORY]
        seen = counts.reindex(listed, fill_value=0).to_numpy(dtype=float)
        unseen_counts = counts[~counts.index.isin(listed)]
        unseen_count = float(unseen_counts.sum())
        shares = np.append(seen, unseen_count) / count
        expected = np.array(
            [feature.categories[name] for name in listed]
            + [feature.categories.get(OTHER_CATEGORY, 0.0)]
        )
        psi_value = rounded(psi(shares, expected))
        unseen_share = rounded(unseen_count / count)
        top = sorted(unseen_counts.items(), key=lambda item: (-item[1], str(item[0])))
        unseen = [
            {"value": str(value), "share": rounded(number / count)}
            for value, number in top[:MAX_UNSEEN_LISTED]
        ]

    level = OK
    reasons: List[str] = []

    def flag(severity: int, reason: str) -> None:
        nonlocal level
        level = max(level, severity)
        reasons.append(reason)

    if rows == 0:
        reasons.append("no rows to check")
    elif data.provided == 0:
        flag(DRIFT, "no request sends this feature")
    if data.non_numeric:
        examples = ", ".join(repr(example) for example in data.examples)
        flag(
            DRIFT,
            f"{data.non_numeric} value(s) are not numbers "
            f"({percent(data.non_numeric / rows)} of rows), e.g. {examples}",
        )
    if 0 < rows < min_rows:
        reasons.append(f"only {rows} rows: too few (< {min_rows}) to judge the distribution")
    elif rows and data.provided:
        if psi_value is not None:
            if psi_value >= limits["psi_drift"]:
                flag(DRIFT, f"PSI {psi_value:.3f} >= drift threshold {limits['psi_drift']:g}")
            elif psi_value >= limits["psi_warn"]:
                flag(WARN, f"PSI {psi_value:.3f} >= warn threshold {limits['psi_warn']:g}")
        if ks_value is not None and ks_value >= limits["ks_drift"]:
            flag(DRIFT, f"KS {ks_value:.3f} >= drift threshold {limits['ks_drift']:g}")
        change = abs((missing_rate or 0.0) - feature.missing_rate)
        if round(change, 6) >= limits["missing_rate_change"]:
            flag(
                DRIFT,
                f"missing values {percent(feature.missing_rate)} in training, "
                f"{percent(missing_rate or 0.0)} now (change >= "
                f"{percent(limits['missing_rate_change'])})",
            )
        if unseen_share is not None:
            excess = unseen_share - feature.categories.get(OTHER_CATEGORY, 0.0)
            if round(excess, 6) >= limits["unseen_share"]:
                names = ", ".join(repr(item["value"]) for item in unseen)
                flag(
                    WARN,
                    f"{percent(unseen_share)} of values are categories the baseline does not "
                    f"have ({names}; threshold {percent(limits['unseen_share'])})",
                )

    return {
        "name": feature.name,
        "type": feature.kind,
        "count": count,
        "psi": psi_value,
        "ks": ks_value,
        "missing_rate": missing_rate,
        "baseline_missing_rate": rounded(feature.missing_rate),
        "unseen_share": unseen_share,
        "unseen_categories": unseen,
        "non_numeric": data.non_numeric,
        "mean": mean,
        "baseline_mean": significant(feature.mean),
        "verdict": LEVELS[level],
        "reasons": reasons,
    }


def find_schema_problems(collector: Collector, features: Sequence[Feature]) -> List[Dict[str, Any]]:
    """Missing and extra features, non-numeric values and rows of the wrong width."""
    problems: List[Dict[str, Any]] = []
    rows = collector.rows
    for feature in features:
        data = collector.data[feature.name]
        if rows and data.provided == 0:
            problems.append(
                {
                    "problem": "missing_feature",
                    "feature": feature.name,
                    "rows": rows,
                    "severity": "drift",
                    "message": f"no request sends '{feature.name}': none of the {rows} rows "
                    "names it",
                }
            )
    for name in sorted(collector.extra_fields):
        count = collector.extra_fields[name]
        problems.append(
            {
                "problem": "extra_feature",
                "feature": name,
                "rows": count,
                "severity": "warn",
                "message": f"{count} row(s) send '{name}', which is not a baseline feature",
            }
        )
    for feature in features:
        data = collector.data[feature.name]
        if data.non_numeric:
            problems.append(
                {
                    "problem": "non_numeric",
                    "feature": feature.name,
                    "rows": data.non_numeric,
                    "severity": "drift",
                    "examples": data.examples,
                    "message": f"numeric feature '{feature.name}' received {data.non_numeric} "
                    f"value(s) that are not numbers, e.g. "
                    f"{', '.join(repr(example) for example in data.examples)}",
                }
            )
    for fields in sorted(collector.wrong_width):
        count = collector.wrong_width[fields]
        problems.append(
            {
                "problem": "field_count",
                "feature": None,
                "rows": count,
                "severity": "drift",
                "fields": fields,
                "expected": collector.width,
                "message": f"{count} row(s) have {fields} field(s) but the baseline has "
                f"{collector.width} features, so they were left out",
            }
        )
    return problems


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def describe_features(entries: Sequence[Dict[str, Any]]) -> str:
    """The features of the summary, each with why it was flagged."""
    parts = []
    for entry in entries[:MAX_SUMMARY_FEATURES]:
        details = list(entry["reasons"])
        if entry["mean"] is not None and entry["baseline_mean"] is not None:
            details.append(f"mean {entry['baseline_mean']:g} in training, {entry['mean']:g} now")
        parts.append(f"{entry['name']} ({'; '.join(details)})")
    if len(entries) > MAX_SUMMARY_FEATURES:
        parts.append(f"and {len(entries) - MAX_SUMMARY_FEATURES} more")
    return ", ".join(parts)


def summarise(report: Dict[str, Any], report_location: str, min_rows: int) -> str:
    """One paragraph for a person: what drifted, by how much, and where the report is."""
    endpoint = f"endpoint {report['endpoint']}" if report["endpoint"] else "the endpoint"
    window = report["window"]
    span = f"{window['start']} to {window['end']}"
    if report["status"] == "empty":
        return (
            f"No requests were captured for {endpoint} from {span}, so there was nothing to "
            f"check. Report: {report_location}."
        )
    features = report["features"]
    drifted = [entry for entry in features if entry["verdict"] == "drift"]
    warned = [entry for entry in features if entry["verdict"] == "warn"]
    sentences = [
        f"Drift check of {endpoint} from {span}: {report['rows']} rows in "
        f"{report['records']} captured requests, status {report['status'].upper()}."
    ]
    if drifted:
        sentences.append(
            f"{len(drifted)} of {len(features)} features drifted: {describe_features(drifted)}."
        )
    if warned:
        sentences.append(f"Warnings for {len(warned)}: {describe_features(warned)}.")
    if report["schema_problems"]:
        messages = [problem["message"] for problem in report["schema_problems"]]
        shown = "; ".join(messages[:MAX_SUMMARY_FEATURES])
        if len(messages) > MAX_SUMMARY_FEATURES:
            shown += f"; and {len(messages) - MAX_SUMMARY_FEATURES} more"
        sentences.append(f"Schema problems: {shown}.")
    if report["rows"] == 0:
        sentences.append("No row could be checked.")
    elif report["rows"] < min_rows:
        sentences.append(
            f"With fewer than {min_rows} rows the distributions were not judged, only the schema."
        )
    elif not drifted and not warned:
        sentences.append(f"All {len(features)} features are within their thresholds.")
    if report["malformed_lines"]:
        sentences.append(f"{report['malformed_lines']} malformed capture line(s) were skipped.")
    sentences.append(f"Report: {report_location}.")
    return " ".join(sentences)


def metric_lines(report: Dict[str, Any]) -> List[str]:
    """The JSON lines that say in the job's log what the window's check found."""
    endpoint = report["endpoint"]
    lines = [
        json.dumps(
            {
                "mlops_drift": 1,
                "endpoint": endpoint,
                "feature": entry["name"],
                "psi": entry["psi"],
                "ks": entry["ks"],
                "missing_rate": entry["missing_rate"],
                "unseen_share": entry["unseen_share"],
                "verdict": entry["verdict"],
            }
        )
        for entry in report["features"]
    ]
    lines.append(
        json.dumps(
            {
                "mlops_drift_run": 1,
                "endpoint": endpoint,
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
    )
    return lines


def build_report(args: argparse.Namespace, features: Sequence[Feature]) -> Dict[str, Any]:
    """Read the window's capture files and check them against the baseline."""
    defaults, overrides, limits = resolve_thresholds(args, [f.name for f in features])
    start = args.window_start
    end = start + timedelta(hours=args.window_hours)
    files = find_capture_files(os.path.join(args.base_dir, "capture"), start, end)
    collector = Collector(features)
    read_capture(files.selected, collector)

    empty = collector.records == 0 and collector.malformed_lines == 0
    entries: List[Dict[str, Any]] = []
    problems: List[Dict[str, Any]] = []
    status = "empty"
    if not empty:
        entries = [
            analyse_feature(
                feature, collector.data[feature.name], collector.rows, limits[feature.name],
                args.min_rows,
            )
            for feature in features
        ]
        problems = find_schema_problems(collector, features)
        level = max(
            [LEVELS.index(entry["verdict"]) for entry in entries]
            + [LEVELS.index(problem["severity"]) for problem in problems]
            + [WARN if collector.rows == 0 else OK]
        )
        status = LEVELS[level]
    return {
        "version": REPORT_VERSION,
        "endpoint": args.endpoint,
        "window": {"start": iso(start), "end": iso(end)},
        "capture_files": {
            "read": len(files.selected),
            "outside_window": files.outside_window,
            "not_in_hour_directory": files.not_in_hour_directory,
        },
        "records": collector.records,
        "rows": collector.rows,
        "malformed_lines": collector.malformed_lines,
        "status": status,
        "thresholds": {**defaults, "min_rows": args.min_rows},
        "feature_thresholds": overrides,
        "features": entries,
        "schema_problems": problems,
        "drifted_features": [entry["name"] for entry in entries if entry["verdict"] == "drift"],
        "warned_features": [entry["name"] for entry in entries if entry["verdict"] == "warn"],
    }


def run(args: argparse.Namespace) -> None:
    """Check the window, write the report and the summary, print the metric lines."""
    features = load_baseline(os.path.join(args.base_dir, "baseline", "drift_baseline.json"))
    report = build_report(args, features)

    output_dir = os.path.join(args.base_dir, "report")
    report_path = os.path.join(output_dir, "drift_report.json")
    summary_path = os.path.join(output_dir, "drift_summary.txt")
    location = (
        f"{args.report_uri.rstrip('/')}/drift_report.json" if args.report_uri else report_path
    )
    report["summary"] = summarise(report, location, args.min_rows)

    os.makedirs(output_dir, exist_ok=True)
    with open(report_path, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2, allow_nan=False)
        handle.write("\n")
    with open(summary_path, "w", encoding="utf-8") as handle:
        handle.write(report["summary"] + "\n")

    for line in metric_lines(report):
        print(line)
    print(report["summary"])
    print(f"wrote {report_path} and {summary_path}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = parse_args(argv)
    try:
        run(args)
    except InputError as error:
        # Bad arguments or a bad baseline are not a defect in this script: a
        # traceback would only bury the one line that says what to fix.
        message = " ".join(str(error).split())
        print(f"{os.path.basename(sys.argv[0])}: error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
