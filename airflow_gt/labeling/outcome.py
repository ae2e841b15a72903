"""What a labeling job's DescribeLabelingJob answer means for the task that waits on it.

One place decides, for the operator, the sensor and the deferred path alike: a job is done when
the ``LabelingJobCompleted`` waiter's acceptors say so; ``Failed`` and ``Stopped`` are failures
carrying AWS's ``FailureReason`` (a stopped job's partial output is not a result); ``Completed``
with no object labeled is a failure unless an empty output is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_gt.exceptions import (
    EmptyLabelingJobError,
    LabelingJobFailedError,
    LabelingJobWaitError,
)
from airflow_gt.manifests.layout import LabelingJobOutputLayout
from airflow_gt.waiters import ENDING_STATES, LABELING_JOB_COMPLETED, waiter_state

SUMMARY_FIELDS = (
    "LabelingJobName",
    "LabelingJobArn",
    "LabelingJobStatus",
    "FailureReason",
    "LabelCounters",
    "LabelAttributeName",
    "OutputConfig",
    "LabelingJobOutput",
)
"""The fields of a DescribeLabelingJob answer that the outcome depends on (all JSON-safe)."""


@dataclass(frozen=True)
class LabelCounters:
    """A job's ``LabelCounters``: how many data objects are labeled, failed, still unlabeled."""

    total_labeled: int = 0
    human_labeled: int = 0
    machine_labeled: int = 0
    failed: int = 0
    unlabeled: int = 0

    @classmethod
    def from_description(cls, description: Mapping[str, Any]) -> LabelCounters:
        counters = description.get("LabelCounters") or {}
        return cls(
            total_labeled=int(counters.get("TotalLabeled", 0)),
            human_labeled=int(counters.get("HumanLabeled", 0)),
            machine_labeled=int(counters.get("MachineLabeled", 0)),
            failed=int(counters.get("FailedNonRetryableError", 0)),
            unlabeled=int(counters.get("Unlabeled", 0)),
        )

    @property
    def objects(self) -> int:
        return self.total_labeled + self.failed + self.unlabeled

    def __str__(self) -> str:
        return f"{self.total_labeled} of {self.objects} objects labeled, {self.failed} failed"

    def to_json(self) -> dict[str, int]:
        """In AWS's own key names."""
        return {
            "TotalLabeled": self.total_labeled,
            "HumanLabeled": self.human_labeled,
            "MachineLabeled": self.machine_labeled,
            "FailedNonRetryableError": self.failed,
            "Unlabeled": self.unlabeled,
        }


@dataclass(frozen=True)
class LabelingJobResult:
    """What a task returns about a labeling job (pushed to XCom as :meth:`to_xcom`)."""

    job_name: str
    job_arn: str
    status: str
    output_manifest_uri: str
    label_counters: LabelCounters
    final_active_learning_model_arn: str | None = None
    """With automated data labeling, the last model it trained (for a later job to start from)."""

    @classmethod
    def from_description(cls, description: Mapping[str, Any]) -> LabelingJobResult:
        """The result as of this answer; before the job ends, ``output_manifest_uri`` is where
        Ground Truth will write the output manifest."""
        name = str(description["LabelingJobName"])
        output = description.get("LabelingJobOutput") or {}
        written = output.get("OutputDatasetS3Uri")
        if written is None:
            output_path = description["OutputConfig"]["S3OutputPath"]
            written = LabelingJobOutputLayout(output_path, name).output_manifest
        return cls(
            job_name=name,
            job_arn=str(description.get("LabelingJobArn", "")),
            status=str(description.get("LabelingJobStatus", "")),
            output_manifest_uri=str(written),
            label_counters=LabelCounters.from_description(description),
            final_active_learning_model_arn=output.get("FinalActiveLearningModelArn"),
        )

    def to_xcom(self) -> dict[str, Any]:
        """The result as XCom; ``final_active_learning_model_arn`` only when the job has one."""
        value = {
            "job_name": self.job_name,
            "job_arn": self.job_arn,
            "status": self.status,
            "output_manifest_uri": self.output_manifest_uri,
            "label_counters": self.label_counters.to_json(),
        }
        if self.final_active_learning_model_arn is not None:
            value["final_active_learning_model_arn"] = self.final_active_learning_model_arn
        return value


def job_summary(description: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a DescribeLabelingJob answer the outcome needs, JSON-safe (no datetimes)."""
    return {key: description[key] for key in SUMMARY_FIELDS if key in description}


def has_ended(description: Mapping[str, Any]) -> bool:
    """True when the job's waiter acceptors end the wait (success or failure)."""
    return waiter_state(LABELING_JOB_COMPLETED, dict(description)) in ENDING_STATES


def finished_result(
    description: Mapping[str, Any], *, allow_empty: bool = False
) -> LabelingJobResult:
    """The result of a job that has ended, or the error that says why it is not a result."""
    result = LabelingJobResult.from_description(description)
    counters = result.label_counters
    state = waiter_state(LABELING_JOB_COMPLETED, dict(description))
    if state == "failure":
        raise LabelingJobFailedError(
            result.job_name, result.status, description.get("FailureReason"), str(counters)
        )
    if state != "success":
        raise LabelingJobWaitError(result.job_name, f"has not ended, it is {result.status}")
    if counters.total_labeled == 0 and not allow_empty:
        raise EmptyLabelingJobError(result.job_name, counters.failed, counters.unlabeled)
    return result
