"""What a DescribeLabelingJob answer means: done or not, a result, or the error saying why not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from airflow_gt.exceptions import (
    EmptyLabelingJobError,
    LabelingJobFailedError,
    LabelingJobWaitError,
)
from airflow_gt.labeling.outcome import (
    LabelCounters,
    LabelingJobResult,
    finished_result,
    has_ended,
    job_summary,
)


def answer(status: str, labeled: int = 4, failed: int = 1, unlabeled: int = 0,
           **extra: Any) -> dict[str, Any]:
    description: dict[str, Any] = {
        "LabelingJobName": "boxes",
        "LabelingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/boxes",
        "LabelingJobStatus": status,
        "LabelAttributeName": "bounding-box",
        "OutputConfig": {"S3OutputPath": "s3://bucket/labels"},
        "LabelCounters": {"TotalLabeled": labeled, "HumanLabeled": labeled, "MachineLabeled": 0,
                          "FailedNonRetryableError": failed, "Unlabeled": unlabeled},
        "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
    }
    description.update(extra)
    return description


OUTPUT = "s3://bucket/labels/boxes/manifests/output/output.manifest"


@pytest.mark.parametrize(
    ("status", "ended"),
    [("Initializing", False), ("InProgress", False), ("Stopping", False),
     ("Completed", True), ("Failed", True), ("Stopped", True)],
)
def test_a_job_has_ended_when_its_waiter_says_so(status: str, ended: bool) -> None:
    assert has_ended(answer(status)) is ended


def test_a_completed_job_gives_its_output_counters_and_arn() -> None:
    done = answer("Completed", LabelingJobOutput={"OutputDatasetS3Uri": OUTPUT})
    result = finished_result(done)
    assert result.to_xcom() == {
        "job_name": "boxes",
        "job_arn": done["LabelingJobArn"],
        "status": "Completed",
        "output_manifest_uri": OUTPUT,
        "label_counters": done["LabelCounters"],
    }


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_failed_and_stopped_jobs_are_failures_with_the_aws_reason(status: str) -> None:
    with pytest.raises(LabelingJobFailedError, match=f"ended {status} with 4 of 5 objects "
                       "labeled, 1 failed: the role cannot read the manifest") as caught:
        finished_result(answer(status, FailureReason="the role cannot read the manifest"))
    assert caught.value.status == status


def test_a_stopped_job_without_a_reason_says_so() -> None:
    with pytest.raises(LabelingJobFailedError, match="AWS gave no reason"):
        finished_result(answer("Stopped"))


def test_a_completed_job_with_nothing_labeled_fails_unless_allowed() -> None:
    empty = answer("Completed", labeled=0, failed=3, unlabeled=2)
    with pytest.raises(EmptyLabelingJobError, match=r"3 failed, 2 unlabeled"):
        finished_result(empty)
    assert finished_result(empty, allow_empty=True).label_counters.objects == 5


def test_a_running_job_is_not_a_result_yet_but_says_where_its_output_will_be() -> None:
    with pytest.raises(LabelingJobWaitError, match="it is InProgress"):
        finished_result(answer("InProgress"))
    assert LabelingJobResult.from_description(answer("InProgress")).output_manifest_uri == OUTPUT


def test_the_summary_is_json_and_enough_to_decide() -> None:
    summary = job_summary(answer("Completed", LabelingJobOutput={"OutputDatasetS3Uri": OUTPUT}))
    assert "CreationTime" not in summary
    assert finished_result(orjson.loads(orjson.dumps(summary))).output_manifest_uri == OUTPUT


def test_counters_read_missing_fields_as_zero() -> None:
    counters = LabelCounters.from_description({"LabelCounters": {"TotalLabeled": 2}})
    assert (counters.objects, str(counters)) == (2, "2 of 2 objects labeled, 0 failed")
