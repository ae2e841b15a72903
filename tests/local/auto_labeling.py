"""Helpers for automated-labeling jobs on a manual-clock stand-in, at AWS's minimum size."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_gt.local import LocalAws
from airflow_gt.local.png import encode_png
from airflow_gt.manifests.auto_labeling import MINIMUM_OBJECTS, algorithm_arn
from tests.conftest import client
from tests.local.labeling import labeling_request, put_categories, put_json_lines, read_lines

CLASSES = ("dog", "cat", "bone", "ball")
PHOTOS = "photos-of-the-shop"
BATCH = 200
"""MaxConcurrentTaskCount: the workers' objects per iteration, as in AWS's example."""


def sources(task: str, count: int = MINIMUM_OBJECTS) -> list[dict[str, Any]]:
    """Input lines labeled from hashes (no truth record), the same in every test: texts for text
    tasks, image keys for the others (in a bucket that need not exist: a 640 x 480 image is
    assumed)."""
    if task.startswith("Text"):
        return [{"source": f"review number {i} of the shop", "row": i} for i in range(count)]
    return [{"source-ref": f"s3://{PHOTOS}/photos/{i:05d}.png", "row": i} for i in range(count)]


def small_images(s3: Any, count: int = MINIMUM_OBJECTS) -> list[dict[str, Any]]:
    """Input lines of ``count`` real 16 x 16 PNG images (a segmentation job paints masks of the
    image's size: small images keep it quick), at the same URIs in every test."""
    import numpy as np
    from botocore.exceptions import ClientError

    bucket = f"tiny-{PHOTOS}"
    with contextlib.suppress(ClientError):  # made already: a process's stand-ins share S3
        s3.create_bucket(Bucket=bucket)
    png = encode_png(np.full((16, 16, 3), 200, dtype=np.uint8))
    lines = []
    for i in range(count):
        key = f"tiny/{i:05d}.png"
        s3.put_object(Bucket=bucket, Key=key, Body=png)
        lines.append({"source-ref": f"s3://{bucket}/{key}", "row": i})
    return lines


@dataclass
class AutoJob:
    """One job with automated labeling, run to its end on a manual-clock stand-in."""

    stand_in: LocalAws
    task: str = "ImageMultiClass"
    attribute: str = "species"
    workers: int = 3
    bucket: str = field(default_factory=lambda: f"al-{uuid.uuid4().hex[:12]}")

    def __post_init__(self) -> None:
        self.jobs = 0
        self.sagemaker = client("sagemaker", self.stand_in.endpoint_url)
        self.s3 = client("s3", self.stand_in.endpoint_url)
        self.s3.create_bucket(Bucket=self.bucket)

    def request(self, lines: Sequence[dict[str, Any]] | None = None, **extra: Any
                ) -> dict[str, Any]:
        manifest = put_json_lines(self.s3, self.bucket, f"in/{uuid.uuid4().hex[:6]}.manifest",
                                  lines if lines is not None else sources(self.task))
        if "LabelingJobAlgorithmsConfig" not in extra:
            extra["LabelingJobAlgorithmsConfig"] = {
                "LabelingJobAlgorithmSpecificationArn": algorithm_arn(self.task, "us-east-1")}
        extra.setdefault("MaxConcurrentTaskCount", BATCH)
        self.jobs += 1  # names fixed too: a job's simulated answers follow from its name
        return labeling_request(
            self.s3, self.bucket, task=self.task, manifest_uri=manifest,
            name=f"auto-{self.task.lower()}-{self.jobs}",
            categories_uri=put_categories(self.s3, self.bucket, CLASSES),
            label_attribute=self.attribute, workers=self.workers, **extra,
        )

    def describe(self, name: str) -> dict[str, Any]:
        return self.sagemaker.describe_labeling_job(LabelingJobName=name)  # type: ignore[no-any-return]

    def run(self, request: dict[str, Any], step: float = 2.0) -> dict[str, Any]:
        name = request["LabelingJobName"]
        self.sagemaker.create_labeling_job(**request)
        self.stand_in.run_until(
            lambda: self.describe(name)["LabelingJobStatus"] in ("Completed", "Failed", "Stopped"),
            step=step,
        )
        return self.describe(name)

    def lines(self, uri: str) -> list[dict[str, Any]]:
        return read_lines(self.s3, uri)

    def keys(self, name: str) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"output/{name}/")
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def json(self, key: str) -> Any:
        import orjson

        return orjson.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def metadata(self, line: dict[str, Any]) -> dict[str, Any]:
        return line[self.attribute.removesuffix("-ref") + "-metadata"]  # type: ignore[no-any-return]
