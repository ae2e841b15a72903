"""Helpers that build CreateLabelingJob requests for the tests, with their files in S3."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import orjson

from airflow_gt.manifests.job_types import built_in_task

ROLE_ARN = "arn:aws:iam::123456789012:role/GroundTruthExecution"
WORKTEAM_ARN = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/labelers"
NER_INSTRUCTIONS = {
    "shortInstruction": "Mark people, places and organisations.",
    "fullInstruction": "Select each named entity and choose its type.",
}


def put_json_lines(s3: Any, bucket: str, key: str, records: Sequence[dict[str, Any]]) -> str:
    body = b"".join(orjson.dumps(record) + b"\n" for record in records)
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return f"s3://{bucket}/{key}"


def put_categories(
    s3: Any, bucket: str, labels: Sequence[str], *, audit: str | None = None,
    instructions: bool = False, key: str | None = None,
) -> str:
    document: dict[str, Any] = {
        "document-version": "2018-11-28",
        "labels": [{"label": label} for label in labels],
    }
    if audit is not None:
        document["auditLabelAttributeName"] = audit
    if instructions:
        document["instructions"] = NER_INSTRUCTIONS
    key = key or f"config/{uuid.uuid4().hex[:8]}/categories.json"
    s3.put_object(Bucket=bucket, Key=key, Body=orjson.dumps(document))
    return f"s3://{bucket}/{key}"


def labeling_request(
    s3: Any,
    bucket: str,
    *,
    task: str,
    manifest_uri: str,
    categories_uri: str,
    label_attribute: str,
    name: str | None = None,
    region: str = "us-east-1",
    workers: int = 3,
    **extra: Any,
) -> dict[str, Any]:
    """A complete CreateLabelingJob request for a built-in task; its UI template is uploaded."""
    s3.put_object(Bucket=bucket, Key="ui/template.liquid.html", Body=b"<crowd-form></crowd-form>")
    built_in = built_in_task(task)
    request: dict[str, Any] = {
        "LabelingJobName": name or f"job-{uuid.uuid4().hex[:10]}",
        "LabelAttributeName": label_attribute,
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": manifest_uri}}},
        "OutputConfig": {"S3OutputPath": f"s3://{bucket}/output"},
        "RoleArn": ROLE_ARN,
        "LabelCategoryConfigS3Uri": categories_uri,
        "HumanTaskConfig": {
            "WorkteamArn": WORKTEAM_ARN.replace("us-east-1", region),
            "UiConfig": {"UiTemplateS3Uri": f"s3://{bucket}/ui/template.liquid.html"},
            "PreHumanTaskLambdaArn": built_in.pre_lambda_arn(region),
            "TaskTitle": f"{task} task",
            "TaskDescription": "Label the data object",
            "NumberOfHumanWorkersPerDataObject": workers,
            "TaskTimeLimitInSeconds": 300,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": built_in.acs_lambda_arn(region)
            },
        },
    }
    for key, value in extra.items():
        if key in request["HumanTaskConfig"] or key in (
            "MaxConcurrentTaskCount", "TaskAvailabilityLifetimeInSeconds",
            "PublicWorkforceTaskPrice",
        ):
            request["HumanTaskConfig"][key] = value
        else:
            request[key] = value
    return request


def read_lines(s3: Any, uri: str) -> list[dict[str, Any]]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return [orjson.loads(line) for line in body.splitlines() if line.strip()]
