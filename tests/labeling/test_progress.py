"""Counting a labeling job's intermediate manifest, and deciding when enough is labeled."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_gt.exceptions import LabelingJobFailedError, LabelingProgressError
from airflow_gt.labeling.progress import (
    LabelingProgress,
    count_progress,
    latest_intermediate_manifest,
    layout_of,
    progress_reached,
)
from airflow_gt.manifests.layout import LabelingJobOutputLayout
from airflow_gt.manifests.reader import read_manifest
from tests.conftest import SAMPLES

LAYOUT = LabelingJobOutputLayout("s3://bucket/labels", "boxes")


def test_labeled_failed_and_unlabeled_lines_are_counted_under_the_attribute() -> None:
    lines: list[tuple[int, dict[str, Any]]] = [
        (1, {"source-ref": "s3://b/1.png", "boxes": {"annotations": []},
             "boxes-metadata": {"type": "groundtruth/object-detection"}}),
        (2, {"source-ref": "s3://b/2.png",
             "boxes-metadata": {"failure-reason": "timeout", "type":
                                "groundtruth/object-detection"}}),
        (3, {"source-ref": "s3://b/3.png"}),
        (4, {"source-ref": "s3://b/4.png", "other": 1, "other-metadata": {
            "type": "groundtruth/image-classification"}}),
    ]
    progress = count_progress(lines, "boxes", "s3://m")
    assert (progress.objects, progress.labeled, progress.failed) == (4, 1, 1)
    assert progress.fraction == 0.25


def test_segmentation_labels_are_found_under_their_ref_attribute() -> None:
    sample = SAMPLES / "semantic-segmentation-verification.manifest"
    progress = count_progress(read_manifest(sample), "city-streets-ref", str(sample))
    assert progress.labeled == progress.objects > 0


def test_the_latest_iteration_folder_gives_the_manifest() -> None:
    root = "labels/boxes/annotations/intermediate/"
    found = latest_intermediate_manifest(LAYOUT, [root + "2/", root + "10/", root + "tmp/"])
    assert found == "s3://bucket/labels/boxes/annotations/intermediate/10/annotations.manifest"
    assert latest_intermediate_manifest(LAYOUT, []) is None


def job(status: str, **extra: Any) -> dict[str, Any]:
    return {"LabelingJobName": "boxes", "LabelingJobStatus": status,
            "OutputConfig": {"S3OutputPath": "s3://bucket/labels"}, **extra}


def test_layout_of_a_description() -> None:
    assert layout_of(job("InProgress")) == LAYOUT


def test_progress_is_reached_at_the_share_whatever_the_status() -> None:
    half = LabelingProgress("s3://m", objects=10, labeled=5, failed=0)
    assert progress_reached(job("InProgress"), half, 0.5)
    assert not progress_reached(job("InProgress"), half, 0.6)
    assert not progress_reached(job("Initializing"), None, 0.1)
    assert progress_reached(job("Stopped"), half, 0.5)


def test_a_job_that_ends_short_of_the_share_is_an_error() -> None:
    few = LabelingProgress("s3://m", objects=10, labeled=3, failed=7)
    with pytest.raises(LabelingProgressError, match="ended Completed with 3 of 10"):
        progress_reached(job("Completed"), few, 0.5)
    with pytest.raises(LabelingJobFailedError, match="ended Failed with 0 of 0 labeled: boom"):
        progress_reached(job("Failed", FailureReason="boom"), None, 0.5)


def test_progress_survives_xcom() -> None:
    progress = LabelingProgress("s3://m", objects=8, labeled=6, failed=1)
    assert LabelingProgress.from_xcom(progress.to_xcom()) == progress
    assert progress.to_xcom()["fraction"] == 0.75
