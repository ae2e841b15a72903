"""What the Rekognition-layer tests share: a moderation dataset with the Ground Truth output of a
multi-label job over it, and the training and testing manifests converted from that output.

The data is written once per test session (S3 lives in moto's in-process backend, which every
stand-in of the session shares), so each test's own stand-in trains on the same files.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson

from airflow_gt.compat import BaseNotifier
from airflow_gt.local.datasets import generate_moderation_dataset, read_truth
from airflow_gt.manifests.moderation import to_moderation
from tests.local.adapters import adapter_stand_in, s3_client

ATTRIBUTE = "moderation"
IMAGES = 40
CREATED = "2026-01-01T00:00:00.000000"


@dataclass(frozen=True)
class AdapterData:
    """A bucket with moderation images, a labeling output over them, and adapter manifests."""

    bucket: str
    classes: tuple[str, ...]
    labeling_output_uri: str
    training_uri: str
    testing_uri: str
    training_images: int
    testing_images: int

    @property
    def output_path(self) -> str:
        return f"s3://{self.bucket}/adapters"


def multilabel_line(source: str, class_names: tuple[str, ...]) -> dict[str, Any]:
    """A line of a multi-label image classification job's output, as Ground Truth writes it."""
    indexes = list(range(len(class_names)))
    return {
        "source-ref": source,
        ATTRIBUTE: indexes,
        f"{ATTRIBUTE}-metadata": {
            "class-map": {str(i): name for i, name in zip(indexes, class_names, strict=True)},
            "confidence-map": {str(i): 0.87 for i in indexes},
            "type": "groundtruth/image-classification-multilabel",
            "job-name": f"labeling-job/{ATTRIBUTE}",
            "human-annotated": "yes",
            "creation-date": CREATED,
        },
    }


@cache
def adapter_data() -> AdapterData:
    """Written on first use: 40 images, their labeling output (the true classes of each image,
    ``safe`` for safe ones) and a seeded 80/20 split of it into moderation manifests."""
    with adapter_stand_in() as stand_in:
        s3 = s3_client(stand_in)
        # A fixed name (this runs once per session): the stand-in's simulated predictions are
        # derived from the images' URIs, so the adapter's scores are the same in every run.
        bucket = "moderation-adapter-data"
        s3.create_bucket(Bucket=bucket)
        dataset = generate_moderation_dataset(s3, f"s3://{bucket}/data", count=IMAGES, seed=3)
        lines = []
        for source in dataset.sources:
            truth = read_truth(s3, bucket, source)
            assert truth is not None
            lines.append(multilabel_line(source, truth.classes))
        key = "labels/moderation/manifests/output/output.manifest"
        s3.put_object(Bucket=bucket, Key=key,
                      Body=b"".join(orjson.dumps(line) + b"\n" for line in lines))
        result = to_moderation(
            f"s3://{bucket}/{key}", f"s3://{bucket}/adapter-data/train.manifest",
            testing=f"s3://{bucket}/adapter-data/test.manifest", label_attribute=ATTRIBUTE,
            s3_client=s3,
        )
        assert result.testing is not None
        return AdapterData(
            bucket, dataset.classes, f"s3://{bucket}/{key}", result.training, result.testing,
            result.training_images, result.testing_images,
        )


class RecordingNotifier(BaseNotifier):
    """A notifier that keeps each alert it is asked to send (rendered), and its context."""

    template_fields = ("subject", "message")

    def __init__(self) -> None:
        super().__init__()
        self.subject = "{{ data_quality_alert.subject }}"
        self.message = "{{ data_quality_alert.message }}"
        self.sent: list[dict[str, Any]] = []

    def notify(self, context: Any) -> None:
        self.sent.append({"subject": self.subject, "message": self.message,
                          "alert": context["data_quality_alert"]})
