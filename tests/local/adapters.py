"""Helpers for the Rekognition stand-in tests: a stand-in of one's own, datasets, requests.

Each test runs a stand-in with only the Rekognition service, on a manual clock. S3 objects live in
moto's in-process backend, which every stand-in of the test session shares, so a dataset written
once (``generated_dataset``) can be trained on by many stand-ins.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson

from airflow_gt.local import LocalAws, ManualClock
from airflow_gt.local.adapter_training import AdapterTrainingConfig
from airflow_gt.local.datasets import generate_moderation_dataset, read_truth
from airflow_gt.local.rekognition import RekognitionService
from tests.conftest import client

GROUND_TRUTH = "content-moderation-groundtruth"
ADAPTER_COLUMN = "detect-moderation-labels"
BASE_MODEL_COLUMN = "detect-moderation-labels-base-model"
TRAINING_SECONDS = AdapterTrainingConfig().training_seconds


@contextmanager
def adapter_stand_in(
    seed: int = 0, config: AdapterTrainingConfig | None = None
) -> Iterator[LocalAws]:
    """A stand-in with only the Rekognition service, whose clock moves when the test says."""
    factory = partial(RekognitionService, config=config) if config else RekognitionService
    with LocalAws(seed=seed, clock=ManualClock(), services=[factory]) as stand_in:
        yield stand_in


def new_bucket(s3: Any) -> str:
    name = f"adapters-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


def labeled_line(source: str, labels: Sequence[str]) -> dict[str, Any]:
    return {"source-ref": source, GROUND_TRUTH: {"ModerationLabels": [{"Name": n} for n in labels]}}


def put_manifest(s3: Any, bucket: str, key: str, lines: Sequence[dict[str, Any]]) -> str:
    s3.put_object(Bucket=bucket, Key=key, Body=b"".join(orjson.dumps(x) + b"\n" for x in lines))
    return f"s3://{bucket}/{key}"


@dataclass(frozen=True)
class ModerationData:
    """Images in S3 and the Custom Moderation manifest that labels them."""

    bucket: str
    manifest_uri: str
    lines: list[dict[str, Any]]


def generated_dataset(
    s3: Any, bucket: str, prefix: str, count: int, seed: int = 0
) -> ModerationData:
    """Generated PNG images with truth records; every 10th line's annotator missed its labels."""
    dataset = generate_moderation_dataset(s3, f"s3://{bucket}/{prefix}", count=count, seed=seed)
    lines = []
    for number, source in enumerate(dataset.sources):
        truth = read_truth(s3, bucket, source)
        assert truth is not None
        labels = () if number % 10 == 9 else truth.moderation_labels
        lines.append(labeled_line(source, labels))
    uri = put_manifest(s3, bucket, f"{prefix}/moderation.manifest", lines)
    return ModerationData(bucket, uri, lines)


def plain_images(
    s3: Any, bucket: str, prefix: str, labels: Sequence[Sequence[str]]
) -> list[dict[str, Any]]:
    """Small images with no truth record, and their manifest lines."""
    lines = []
    for number, names in enumerate(labels):
        key = f"{prefix}/{number:04d}.png"
        s3.put_object(Bucket=bucket, Key=key, Body=b"\x89PNG fake image " + key.encode())
        lines.append(labeled_line(f"s3://{bucket}/{key}", names))
    return lines


def rekognition(stand_in: LocalAws, region: str = "us-east-1") -> Any:
    return client("rekognition", stand_in.endpoint_url, region)


def s3_client(stand_in: LocalAws) -> Any:
    return client("s3", stand_in.endpoint_url)


def create_project(rekognition_client: Any, name: str = "moderation", **extra: Any) -> str:
    answer = rekognition_client.create_project(
        ProjectName=name, Feature="CONTENT_MODERATION", AutoUpdate="DISABLED", **extra
    )
    return str(answer["ProjectArn"])


def manifest_assets(uri: str) -> dict[str, Any]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return {"Assets": [{"GroundTruthManifest": {"S3Object": {"Bucket": bucket, "Name": key}}}]}


def version_request(
    project_arn: str,
    name: str,
    training_uri: str,
    testing_uri: str | None,
    output_bucket: str,
    *,
    prefix: str = "adapter-output",
    threshold: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """CreateProjectVersion's parameters; ``testing_uri=None`` asks for AutoCreate."""
    request: dict[str, Any] = {
        "ProjectArn": project_arn,
        "VersionName": name,
        "OutputConfig": {"S3Bucket": output_bucket, "S3KeyPrefix": prefix},
        "TrainingData": manifest_assets(training_uri),
        "TestingData": manifest_assets(testing_uri) if testing_uri else {"AutoCreate": True},
        **extra,
    }
    if threshold is not None:
        request["FeatureConfig"] = {"ContentModeration": {"ConfidenceThreshold": threshold}}
    return request


def describe_version(rekognition_client: Any, project_arn: str, name: str) -> dict[str, Any]:
    answer = rekognition_client.describe_project_versions(
        ProjectArn=project_arn, VersionNames=[name]
    )
    (description,) = answer["ProjectVersionDescriptions"]
    return dict(description)


def read_object(s3: Any, s3_object: dict[str, str]) -> bytes:
    body = s3.get_object(Bucket=s3_object["Bucket"], Key=s3_object["Name"])["Body"]
    return bytes(body.read())


def read_lines(s3: Any, s3_object: dict[str, str]) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in read_object(s3, s3_object).splitlines()]


def output_objects(description: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The S3 objects of a trained version's training and testing output and evaluation."""

    def first_asset(result: dict[str, Any]) -> dict[str, str]:
        return dict(result["Output"]["Assets"][0]["GroundTruthManifest"]["S3Object"])

    return {
        "training": first_asset(description["TrainingDataResult"]),
        "testing": first_asset(description["TestingDataResult"]),
        "evaluation": dict(description["EvaluationResult"]["Summary"]["S3Object"]),
    }


def ground_truth(line: dict[str, Any]) -> set[str]:
    return {label["Name"] for label in line[GROUND_TRUTH]["ModerationLabels"]}
