# SPDX-License-Identifier: Apache-2.0
"""AWS clients and error text for the platform's Lambda functions.

Every function's deployment package carries this file next to its handler
(``lambdaCode`` in components/shared/lambdaPackage.ts), and the handler
imports it by name: Lambda puts the package's root on the import path. It
needs only the standard library and the boto3 and botocore of the Lambda
Python runtime.

AWS clients are created on first use and kept for later invocations of the
same execution environment, with the standard retry mode and up to 5
attempts. ``AWS_ENDPOINT_URL``, when set, is passed to them as their
endpoint: the tests point it at a local moto server, and boto3 before 1.28
would not read the variable itself. In Lambda it is not set.
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL"


@functools.lru_cache(maxsize=None)
def client(service: str) -> Any:
    """A client for ``service``, created on first use and kept for warm invocations."""
    options: dict[str, Any] = {"config": Config(retries={"mode": "standard", "max_attempts": 5})}
    endpoint = os.environ.get(ENDPOINT_VARIABLE)
    if endpoint:
        options["endpoint_url"] = endpoint
    return boto3.client(service, **options)


def aws_error(error: Exception) -> str:
    """``Code: message`` of a failed AWS call; the text of any other error."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'error')}: {details.get('Message', '')}".rstrip(": ")
    return str(error)


def shown(value: Any) -> str:
    """A value (of the event, of a setting) as it appears in an error message."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
