"""What an adapter version's DescribeProjectVersions entry means for the task that waits on it.

One place decides, for the operator and the deferred path alike: training has ended when the
``AdapterTrainingCompleted`` waiter's acceptors say so; ``TRAINING_COMPLETED`` is a result, every
other end (``TRAINING_FAILED``, a version deleted or expired while waited for) a failure carrying
Rekognition's ``StatusMessage``. The result names the files training wrote: the evaluation
results (``EvaluationResult.Summary.S3Object``) and the training and testing output manifests
(``TrainingDataResult`` / ``TestingDataResult.Output.Assets[0].GroundTruthManifest.S3Object``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from airflow_gt.adapters.names import names_of_version_arn
from airflow_gt.exceptions import AdapterTrainingFailedError, AdapterWaitError
from airflow_gt.waiters import ADAPTER_TRAINING_COMPLETED, ENDING_STATES, waiter_state

SUMMARY_FIELDS = (
    "ProjectVersionArn",
    "Status",
    "StatusMessage",
    "OutputConfig",
    "TrainingDataResult",
    "TestingDataResult",
    "EvaluationResult",
    "FeatureConfig",
    "KmsKeyId",
    "VersionDescription",
    "BillableTrainingTimeInSeconds",
    "BaseModelVersion",
    "Feature",
)
"""The fields of a version's description that the outcome depends on (all JSON-safe)."""


def version_summary(description: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a version's description the outcome needs, JSON-safe (no datetimes)."""
    return {key: description[key] for key in SUMMARY_FIELDS if key in description}


def training_state(description: Mapping[str, Any] | None) -> str | None:
    """``success``, ``failure`` or ``retry`` by the waiter's acceptors; None for no version."""
    versions = [] if description is None else [dict(description)]
    return waiter_state(ADAPTER_TRAINING_COMPLETED, {"ProjectVersionDescriptions": versions})


def has_ended(description: Mapping[str, Any]) -> bool:
    """True when the version's waiter acceptors end the wait (success or failure)."""
    return training_state(description) in ENDING_STATES


def _s3_uri(s3_object: Any) -> str | None:
    if not isinstance(s3_object, Mapping) or "Bucket" not in s3_object:
        return None
    return f"s3://{s3_object['Bucket']}/{s3_object.get('Name', '')}"


def _output_manifest(result: Any) -> str | None:
    assets = ((result or {}).get("Output") or {}).get("Assets") or []
    return _s3_uri(assets[0].get("GroundTruthManifest", {}).get("S3Object")) if assets else None


@dataclass(frozen=True)
class AdapterVersionResult:
    """What a task returns about an adapter version (pushed to XCom as :meth:`to_xcom`).

    The file locations and ``f1_score`` are None until training has completed.
    """

    project_name: str
    project_arn: str
    version_name: str
    version_arn: str
    status: str
    status_message: str | None
    f1_score: float | None
    confidence_threshold: float | None
    evaluation_uri: str | None
    training_output_uri: str | None
    testing_output_uri: str | None

    @classmethod
    def from_description(
        cls, project_arn: str, description: Mapping[str, Any]
    ) -> AdapterVersionResult:
        arn = str(description["ProjectVersionArn"])
        project_name, version_name = names_of_version_arn(arn)
        evaluation = description.get("EvaluationResult") or {}
        threshold = (
            (description.get("FeatureConfig") or {}).get("ContentModeration") or {}
        ).get("ConfidenceThreshold")
        f1 = evaluation.get("F1Score")
        return cls(
            project_name=project_name,
            project_arn=project_arn,
            version_name=version_name,
            version_arn=arn,
            status=str(description.get("Status", "")),
            status_message=description.get("StatusMessage"),
            f1_score=None if f1 is None else float(f1),
            confidence_threshold=None if threshold is None else float(threshold),
            evaluation_uri=_s3_uri((evaluation.get("Summary") or {}).get("S3Object")),
            training_output_uri=_output_manifest(description.get("TrainingDataResult")),
            testing_output_uri=_output_manifest(description.get("TestingDataResult")),
        )

    def to_xcom(self) -> dict[str, Any]:
        return asdict(self)


def finished_result(project_arn: str, description: Mapping[str, Any]) -> AdapterVersionResult:
    """The result of a version whose training has ended, or the error that says why it is none."""
    result = AdapterVersionResult.from_description(project_arn, description)
    state = training_state(description)
    if state == "failure":
        raise AdapterTrainingFailedError(result.version_name, result.status, result.status_message)
    if state != "success":
        raise AdapterWaitError(
            result.version_name, f"training has not ended, it is {result.status}"
        )
    return result
