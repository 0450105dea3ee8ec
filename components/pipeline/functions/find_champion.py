# SPDX-License-Identifier: Apache-2.0
"""The FindChampion step of the model-build pipeline: the approved model a new one must beat.

The pipeline's Evaluate step scores the newly trained model (the challenger)
and the model it would replace (the champion) on the same test split, and
registers the challenger only when it is at most a margin less accurate
(``ml/evaluate.py``'s champion gate). The champion is the model of the model
package group's latest approved version. The Evaluate job is network-isolated
and cannot ask the registry for it, and each of its inputs must name S3
objects that exist (SageMaker refuses a job with "No S3 objects found under S3
URL ... given in input data source"), so this Lambda step runs first and
always answers with an S3 location for the job's ``champion`` input. A Lambda step passes its
``Arguments`` as the event and turns the keys of the returned object into its
output parameters ("Lambda step" in the SageMaker developer guide,
https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html#step-type-lambda).

Event::

    {"model_package_group_name": "mlops-staging-diagnosis",
     "placeholder_uri": "s3://<artifacts>/pipeline-work/<execution id>/FindChampion/none"}

The step lists the group's approved versions, newest first, and takes the
first (ListModelPackages with ``ModelApprovalStatus`` Approved, ``SortBy``
CreationTime, ``SortOrder`` Descending and ``MaxResults`` 1, SageMaker API
reference,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListModelPackages.html).
Versions awaiting approval or rejected are not champions, however new.

- With an approved version, it describes it (DescribeModelPackage) and
  returns the ``ModelDataUrl`` of its first inference container, the
  model.tar.gz the Train step of its own build wrote::

      {"ChampionModelUri": "s3://.../Train/model/<job>/output/model.tar.gz",
       "ChampionArn": "arn:aws:sagemaker:...:model-package/<group>/3"}

  The Evaluate input copies that object to ``champion/model.tar.gz``.
- Without one (the group's first build, or none approved yet), it writes an
  empty object ``NO_CHAMPION`` into ``placeholder_uri`` and returns that
  folder, with a trailing slash so that it names nothing else, and an empty
  ARN::

      {"ChampionModelUri": "s3://.../FindChampion/none/", "ChampionArn": ""}

  The Evaluate input copies the placeholder to ``champion/NO_CHAMPION``,
  which evaluate.py reads as no champion: the accuracy threshold alone
  decides. A retried step writes the same object again.

Errors and logs
---------------

Bad input (a missing or malformed group name, a placeholder URI that is not
an ``s3://`` folder) raises ``ValueError`` naming the key and the value. An
approved version without a model URL in its first container (a package that
points to uncompressed model data, say) raises ``ChampionError`` naming the
version: the step, and so the build, fails rather than compare with nothing.
Each invocation prints one line about what it found; the function's stdout
goes to its CloudWatch Logs log group.

The placeholder is written without an encryption header: the platform's
buckets encrypt every object with the stack key by default (SSE-KMS with S3
Bucket Keys).

AWS clients and error text come from ``aws_clients.py``, which the function's
package carries next to this file (components/shared/functions/aws_clients.py).
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from aws_clients import client, shown

APPROVED = "Approved"
PLACEHOLDER_NAME = "NO_CHAMPION"

S3_URI = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(.+)$")
# ModelPackageGroupName: 1 to 63 characters (CreateModelPackageGroup API reference).
GROUP_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


class ChampionError(Exception):
    """The latest approved version has no model that Evaluate could score."""


def group_name(event: Mapping[str, Any]) -> str:
    value = event.get("model_package_group_name")
    if not isinstance(value, str) or not GROUP_NAME.match(value):
        raise ValueError(
            f"model_package_group_name must be a model package group name, got {shown(value)}"
        )
    return value


def placeholder_folder(event: Mapping[str, Any]) -> tuple[str, str]:
    """The bucket and key prefix (without a trailing slash) of ``placeholder_uri``."""
    value = event.get("placeholder_uri")
    match = S3_URI.match(value.strip()) if isinstance(value, str) else None
    key = match.group(2).strip("/") if match else ""
    if match is None or not key:
        raise ValueError(
            f"placeholder_uri must be an S3 folder such as s3://bucket/prefix, got {shown(value)}"
        )
    return match.group(1), key


def latest_approved(group: str) -> str | None:
    """The ARN of the group's newest approved version, or None when none is approved."""
    answer = client("sagemaker").list_model_packages(
        ModelPackageGroupName=group,
        ModelApprovalStatus=APPROVED,
        SortBy="CreationTime",
        SortOrder="Descending",
        MaxResults=1,
    )
    summaries = answer.get("ModelPackageSummaryList") or []
    return summaries[0]["ModelPackageArn"] if summaries else None


def model_data_url(arn: str) -> str:
    """The S3 URI of the version's model.tar.gz: its first inference container's ModelDataUrl."""
    described = client("sagemaker").describe_model_package(ModelPackageName=arn)
    containers = (described.get("InferenceSpecification") or {}).get("Containers") or []
    url = containers[0].get("ModelDataUrl") if containers else None
    if not isinstance(url, str) or not S3_URI.match(url):
        raise ChampionError(
            f"the approved version {arn} has no model.tar.gz to compare with "
            f"(ModelDataUrl of its first container: {shown(url)})"
        )
    return url


def write_placeholder(bucket: str, folder: str) -> str:
    """Writes the empty ``NO_CHAMPION`` object into the folder; returns the folder's URI."""
    # No ServerSideEncryption: the bucket's default encryption applies (see the module docstring).
    client("s3").put_object(
        Bucket=bucket, Key=f"{folder}/{PLACEHOLDER_NAME}", Body=b"", ContentType="text/plain"
    )
    return f"s3://{bucket}/{folder}/"


def handler(event: Any, context: Any = None) -> dict[str, str]:
    """Lambda entry point (``find_champion.handler``): the champion's model, or the placeholder."""
    if not isinstance(event, dict):
        raise ValueError(f"the event must be a JSON object, got {shown(event)}")
    group = group_name(event)
    bucket, folder = placeholder_folder(event)
    arn = latest_approved(group)
    if arn is None:
        uri = write_placeholder(bucket, folder)
        print(f"find-champion: group {group} has no approved version; placeholder {uri}")
        return {"ChampionModelUri": uri, "ChampionArn": ""}
    url = model_data_url(arn)
    print(f"find-champion: group {group}'s latest approved version is {arn}, model {url}")
    return {"ChampionModelUri": url, "ChampionArn": arn}
