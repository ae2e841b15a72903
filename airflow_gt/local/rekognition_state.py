"""What the Rekognition stand-in remembers: projects and adapter versions, per region.

Each region has its own projects, as in AWS: a project made in us-east-1 is not seen from
eu-west-1. A project holds its adapter versions. The classes here also say how DescribeProjects
and DescribeProjectVersions describe them, and how their answers are paged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from airflow_gt.local.adapter_training import (
    MODERATION_MODEL_VERSION,
    TrainedAdapter,
    TrainingRequest,
)
from airflow_gt.local.errors import AwsError
from airflow_gt.manifests.storage import S3Location

CONTENT_MODERATION = "CONTENT_MODERATION"
CUSTOM_LABELS = "CUSTOM_LABELS"

PROJECT_CREATED = "CREATED"
DELETING = "DELETING"
TRAINING_IN_PROGRESS = "TRAINING_IN_PROGRESS"
TRAINING_COMPLETED = "TRAINING_COMPLETED"
TRAINING_FAILED = "TRAINING_FAILED"

DEFAULT_PAGE_SIZE = 100

Item = TypeVar("Item")


def s3_object(location: S3Location) -> dict[str, str]:
    return {"Bucket": location.bucket, "Name": location.key}


def _assets(location: S3Location) -> list[dict[str, Any]]:
    return [{"GroundTruthManifest": {"S3Object": s3_object(location)}}]


@dataclass
class AdapterVersion:
    """One version of a Custom Moderation project: an adapter, training or trained."""

    name: str
    arn: str
    created_at: float
    ends_at: float
    request: TrainingRequest
    parameters: dict[str, Any]
    """The CreateProjectVersion parameters, as given."""
    status: str = TRAINING_IN_PROGRESS
    status_message: str = "The adapter is being trained."
    ended_at: float | None = None
    deleted_at: float | None = None
    adapter: TrainedAdapter | None = None

    def complete(self, adapter: TrainedAdapter, now: float) -> None:
        self.status, self.adapter, self.ended_at = TRAINING_COMPLETED, adapter, now
        self.status_message = "The adapter has been trained."

    def fail(self, reason: str, now: float) -> None:
        self.status, self.status_message, self.ended_at = TRAINING_FAILED, reason, now

    def feature_config(self) -> dict[str, Any]:
        """The configuration training applied: the threshold given, or the default 50."""
        threshold = self.request.confidence_threshold
        return {"ContentModeration": {"ConfidenceThreshold": threshold}}

    def _data_results(self) -> dict[str, Any]:
        training: dict[str, Any] = {"Input": self.parameters["TrainingData"]}
        testing: dict[str, Any] = {"Input": self.parameters["TestingData"]}
        if self.adapter is not None:
            outputs = self.adapter.outputs
            training["Output"] = {"Assets": _assets(outputs.training_manifest)}
            testing["Output"] = {
                "Assets": _assets(outputs.testing_manifest),
                "AutoCreate": self.request.testing_manifest is None,
            }
        return {"TrainingDataResult": training, "TestingDataResult": testing}

    def describe(self) -> dict[str, Any]:
        """The version as DescribeProjectVersions describes it (timestamps in epoch seconds)."""
        description: dict[str, Any] = {
            "ProjectVersionArn": self.arn,
            "CreationTimestamp": self.created_at,
            "Status": self.status,
            "StatusMessage": self.status_message,
        }
        if self.adapter is not None and self.ended_at is not None:
            description["BillableTrainingTimeInSeconds"] = round(self.ended_at - self.created_at)
        if self.ended_at is not None:
            description["TrainingEndTimestamp"] = self.ended_at
        description["OutputConfig"] = self.parameters["OutputConfig"]
        description.update(self._data_results())
        if self.adapter is not None:
            description["EvaluationResult"] = {
                "F1Score": self.adapter.f1_score,
                "Summary": {"S3Object": s3_object(self.adapter.outputs.evaluation_results)},
            }
        for key in ("KmsKeyId", "VersionDescription"):
            if key in self.parameters:
                description[key] = self.parameters[key]
        description["Feature"] = CONTENT_MODERATION
        description["BaseModelVersion"] = MODERATION_MODEL_VERSION
        description["FeatureConfig"] = self.feature_config()
        return description


@dataclass
class Project:
    """A Custom Moderation project and its adapter versions (oldest first)."""

    name: str
    arn: str
    created_at: float
    auto_update: str
    tags: dict[str, str] = field(default_factory=dict)
    status: str = PROJECT_CREATED
    deleted_at: float | None = None
    versions: dict[str, AdapterVersion] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            "ProjectArn": self.arn,
            "CreationTimestamp": self.created_at,
            "Status": self.status,
            "Datasets": [],
            "Feature": CONTENT_MODERATION,
            "AutoUpdate": self.auto_update,
        }


@dataclass
class RegionState:
    """The projects of one region, by name, oldest first."""

    projects: dict[str, Project] = field(default_factory=dict)

    def project(self, arn: str) -> Project:
        """The project of that ARN, or ResourceNotFoundException."""
        name = arn.split(":project/", 1)[-1].split("/", 1)[0]
        project = self.projects.get(name)
        if project is None or project.arn != arn:
            raise AwsError("ResourceNotFoundException", f"The project {arn} was not found.")
        return project

    def version(self, arn: str) -> tuple[Project, AdapterVersion]:
        """The version of that ARN and its project, or ResourceNotFoundException."""
        parts = arn.split(":project/", 1)[-1].split("/")
        project = self.projects.get(parts[0])
        found = project.versions.get(parts[2]) if project and len(parts) == 4 else None
        if project is None or found is None or found.arn != arn:
            raise AwsError("ResourceNotFoundException", f"The project version {arn} was not found.")
        return project, found

    def training(self) -> int:
        """How many versions of the region are training."""
        return sum(
            version.status == TRAINING_IN_PROGRESS
            for project in self.projects.values()
            for version in project.versions.values()
        )
