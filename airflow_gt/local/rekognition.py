"""The stand-in's Rekognition: Custom Moderation projects, adapter training, and inference.

Answers CreateProject, DescribeProjects, DeleteProject, CreateProjectVersion,
DescribeProjectVersions, StopProjectVersion, DeleteProjectVersion and DetectModerationLabels, as
the Rekognition API reference and Custom Moderation guide describe them; other Rekognition
operations go to moto. Only Custom Moderation (``Feature=CONTENT_MODERATION``) is emulated.

* A version trains for ``AdapterTrainingConfig.training_seconds`` of the stand-in's clock, then
  :meth:`RekognitionService.tick` trains it (``adapter_training.py``): TRAINING_COMPLETED with its
  output manifests and evaluation results written, or TRAINING_FAILED with a status message.
* DetectModerationLabels with ``ProjectVersion`` answers the adapter's simulated prediction, the
  same as the testing output manifest holds for a testing image; without it, the base model's
  prediction over the labels the image's truth record (if any) names.
* Errors are the documented ones: a taken name is ResourceInUseException (CreateProject lists no
  ResourceAlreadyExistsException), an unknown ARN ResourceNotFoundException, an adapter that is
  not trained ResourceNotReadyException, an unreadable image InvalidS3ObjectException.
* DescribeProjects filters on ``Features``, which defaults to CUSTOM_LABELS as documented: ask for
  ``Features=["CONTENT_MODERATION"]`` to see adapters' projects.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any, ClassVar

from airflow_gt.local.adapter_datasets import AdapterTrainingError
from airflow_gt.local.adapter_training import (
    ADAPTER,
    BASE_MODEL,
    DEFAULT_CONFIDENCE_THRESHOLD,
    MODERATION_MODEL_VERSION,
    AdapterTrainingConfig,
    TrainingRequest,
    predicted_labels,
    train_adapter,
)
from airflow_gt.local.errors import AwsError
from airflow_gt.local.pagination import page
from airflow_gt.local.rekognition_state import (
    CONTENT_MODERATION,
    CUSTOM_LABELS,
    DEFAULT_PAGE_SIZE,
    DELETING,
    TRAINING_COMPLETED,
    TRAINING_IN_PROGRESS,
    AdapterVersion,
    Project,
    RegionState,
)
from airflow_gt.local.service import Handler, LocalContext, Request, Service
from airflow_gt.local.truth import Truth, truth_key
from airflow_gt.manifests.moderation_taxonomy import (
    is_moderation_label,
    parent_name,
    taxonomy_level,
)

DEFAULT_MIN_CONFIDENCE = 50.0
MAX_S3_IMAGE_BYTES = 15 * 1024 * 1024
ONLY_CONTENT_MODERATION = (
    "The local stand-in emulates only Rekognition Custom Moderation adapters: "
    "create the project with Feature=CONTENT_MODERATION."
)


def invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterException", message)


def _manifest_uri(data: Mapping[str, Any], member: str) -> str:
    assets = data.get("Assets") or []
    s3_object = assets[0].get("GroundTruthManifest", {}).get("S3Object") if assets else None
    if len(assets) != 1 or not s3_object or "Bucket" not in s3_object or "Name" not in s3_object:
        raise invalid(f"{member}.Assets must hold one GroundTruthManifest with an S3Object.")
    return f"s3://{s3_object['Bucket']}/{s3_object['Name']}"


def _testing_manifest(params: Mapping[str, Any]) -> str | None:
    """The testing manifest's URI; None when the test set is split off automatically."""
    testing = params.get("TestingData")
    if testing is None:
        raise invalid("TestingData is required: give a testing manifest or AutoCreate=true.")
    if testing.get("AutoCreate"):
        if testing.get("Assets"):
            raise invalid("TestingData takes either Assets or AutoCreate=true, not both.")
        return None
    return _manifest_uri(testing, "TestingData")


def _confidence_threshold(params: Mapping[str, Any]) -> float:
    config = params.get("FeatureConfig", {}).get("ContentModeration", {})
    return float(config.get("ConfidenceThreshold", DEFAULT_CONFIDENCE_THRESHOLD))


def bad_token() -> AwsError:
    return AwsError("InvalidPaginationTokenException", "Invalid pagination token")


class RekognitionService(Service):
    """Rekognition Custom Moderation, per region, on the stand-in's clock and S3."""

    service_name: ClassVar[str] = "rekognition"
    server_error_code: ClassVar[str] = "InternalServerError"

    def __init__(self, context: LocalContext, config: AdapterTrainingConfig | None = None) -> None:
        super().__init__(context)
        self.config = config or AdapterTrainingConfig()
        self.regions: dict[str, RegionState] = {}

    def handlers(self) -> Mapping[str, Handler]:
        return {
            "CreateProject": self.create_project,
            "DescribeProjects": self.describe_projects,
            "DeleteProject": self.delete_project,
            "CreateProjectVersion": self.create_project_version,
            "DescribeProjectVersions": self.describe_project_versions,
            "StopProjectVersion": self.stop_project_version,
            "DeleteProjectVersion": self.delete_project_version,
            "DetectModerationLabels": self.detect_moderation_labels,
        }

    def region(self, request: Request) -> RegionState:
        return self.regions.setdefault(request.region, RegionState())

    # -- time ----------------------------------------------------------------------------------

    def tick(self) -> None:
        now = self.context.clock.now()
        for state in self.regions.values():
            for project in list(state.projects.values()):
                self._advance_versions(project, now)
                if self._gone(project.deleted_at, now) and not project.versions:
                    del state.projects[project.name]

    def _gone(self, deleted_at: float | None, now: float) -> bool:
        return deleted_at is not None and now >= deleted_at + self.config.deletion_seconds

    def _advance_versions(self, project: Project, now: float) -> None:
        for version in list(project.versions.values()):
            if version.status == TRAINING_IN_PROGRESS and now >= version.ends_at:
                self._finish_training(version)
            elif self._gone(version.deleted_at, now):
                del project.versions[version.name]

    def _finish_training(self, version: AdapterVersion) -> None:
        """End training at its scheduled time, so the outcome never depends on tick timing."""
        ended = version.ends_at
        reason = self.context.faults.forced_failure(version.name)
        if reason is not None:
            version.fail(reason, ended)
            return
        try:
            adapter = train_adapter(self.context.s3, version.request, self.config, ended)
        except AdapterTrainingError as error:
            version.fail(str(error), ended)
            return
        version.complete(adapter, ended)

    # -- projects ------------------------------------------------------------------------------

    def create_project(self, request: Request, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ProjectName"]
        if params.get("Feature", CUSTOM_LABELS) != CONTENT_MODERATION:
            raise invalid(ONLY_CONTENT_MODERATION)
        if "AutoUpdate" not in params:
            raise invalid("AutoUpdate (ENABLED or DISABLED) is required for CONTENT_MODERATION.")
        state = self.region(request)
        if name in state.projects:
            raise AwsError("ResourceInUseException", f"A project named {name} already exists.")
        now = self.context.clock.now()
        arn = self.arn(request, f"project/{name}/{int(now * 1000)}")
        state.projects[name] = Project(
            name, arn, now, params["AutoUpdate"], dict(params.get("Tags", {}))
        )
        return {"ProjectArn": arn}

    def describe_projects(self, request: Request, params: dict[str, Any]) -> dict[str, Any]:
        names = params.get("ProjectNames")
        features = params.get("Features") or [CUSTOM_LABELS]
        matching = [
            project
            for project in self.region(request).projects.values()
            if CONTENT_MODERATION in features and (names is None or project.name in names)
        ]
        found, token = page(
            matching, params, default_size=DEFAULT_PAGE_SIZE, invalid_token=bad_token
        )
        answer: dict[str, Any] = {"ProjectDescriptions": [p.describe() for p in found]}
        if token is not None:
            answer["NextToken"] = token
        return answer

    def delete_project(self, request: Request, params: dict[str, Any]) -> dict[str, Any]:
        project = self.region(request).project(params["ProjectArn"])
        if project.versions:
            raise AwsError(
                "ResourceInUseException",
                f"The project {project.name} still has {len(project.versions)} adapter "
                "version(s); delete them with DeleteProjectVersion first.",
            )
        if project.deleted_at is None:
            project.status, project.deleted_at = DELETING, self.context.clock.now()
        return {"Status": DELETING}

    # -- versions ------------------------------------------------------------------------------

    def create_project_version(self, request: Request, params: dict[str, Any]) -> dict[str, Any]:
        state = self.region(request)
        project = state.project(params["ProjectArn"])
        name = params["VersionName"]
        if project.status == DELETING:
            raise AwsError("ResourceInUseException", f"The project {project.name} is deleting.")
        if name in project.versions:
            raise AwsError(
                "ResourceInUseException",
                f"The project {project.name} already has a version named {name}.",
            )
        training_request = self._training_request(request, project, params)
        limit = self.config.max_concurrent_trainings
        if limit is not None and state.training() >= limit:
            raise AwsError(
                "LimitExceededException",
                f"{limit} adapter version(s) are already training in {request.region}.",
            )
        now = self.context.clock.now()
        project.versions[name] = AdapterVersion(
            name=name,
            arn=training_request.version_arn,
            created_at=now,
            ends_at=now + self.config.training_seconds,
            request=training_request,
            parameters=params,
        )
        return {"ProjectVersionArn": training_request.version_arn}

    def _training_request(
        self, request: Request, project: Project, params: dict[str, Any]
    ) -> TrainingRequest:
        """Check CreateProjectVersion's data and output parameters; what training will do."""
        if params.get("TrainingData") is None:
            raise invalid("TrainingData is required: give the training manifest in its Assets.")
        training_manifest = _manifest_uri(params["TrainingData"], "TrainingData")
        testing_manifest = _testing_manifest(params)
        for uri in (training_manifest, testing_manifest):
            if uri is not None and not self.context.s3.exists_uri(uri):
                raise invalid(f"The manifest {uri} does not exist or cannot be read.")
        output = params["OutputConfig"]
        bucket = output.get("S3Bucket")
        if not bucket or not self.context.s3.bucket_exists(bucket):
            raise invalid(f"OutputConfig.S3Bucket {bucket!r} is not an existing bucket.")
        name = params["VersionName"]
        milliseconds = int(self.context.clock.now() * 1000)
        return TrainingRequest(
            project_name=project.name,
            version_name=name,
            version_arn=self.arn(request, f"project/{project.name}/version/{name}/{milliseconds}"),
            training_manifest=training_manifest,
            testing_manifest=testing_manifest,
            output_bucket=bucket,
            output_prefix=output.get("S3KeyPrefix", ""),
            confidence_threshold=_confidence_threshold(params),
            seed=self.context.seed,
        )

    def describe_project_versions(
        self, request: Request, params: dict[str, Any]
    ) -> dict[str, Any]:
        project = self.region(request).project(params["ProjectArn"])
        names = params.get("VersionNames")
        newest_first = [
            version
            for version in reversed(project.versions.values())
            if names is None or version.name in names
        ]
        found, token = page(
            newest_first, params, default_size=DEFAULT_PAGE_SIZE, invalid_token=bad_token
        )
        answer: dict[str, Any] = {"ProjectVersionDescriptions": [v.describe() for v in found]}
        if token is not None:
            answer["NextToken"] = token
        return answer

    def stop_project_version(self, request: Request, params: dict[str, Any]) -> dict[str, Any]:
        self.region(request).version(params["ProjectVersionArn"])
        raise invalid(
            "StopProjectVersion applies only to Rekognition Custom Labels models. An adapter is "
            "never started, so there is nothing to stop; wait for training to end, then use or "
            "delete it."
        )

    def delete_project_version(self, request: Request, params: dict[str, Any]) -> dict[str, Any]:
        _, version = self.region(request).version(params["ProjectVersionArn"])
        if version.status == TRAINING_IN_PROGRESS:
            raise AwsError(
                "ResourceInUseException",
                f"The adapter version {version.name} is training; wait until training ends.",
            )
        if version.deleted_at is None:
            version.status, version.deleted_at = DELETING, self.context.clock.now()
        return {"Status": DELETING}

    # -- inference -----------------------------------------------------------------------------

    def detect_moderation_labels(
        self, request: Request, params: dict[str, Any]
    ) -> dict[str, Any]:
        data, source_ref, bucket = self._image(params["Image"])
        min_confidence = float(params.get("MinConfidence", DEFAULT_MIN_CONFIDENCE))
        arn = params.get("ProjectVersion")
        if arn is None:
            ref = source_ref or f"sha256:{hashlib.sha256(data).hexdigest()}"
            truth = self._recorded_truth(bucket, ref)
            found = predicted_labels(
                self.context.seed, BASE_MODEL, ref, truth, sorted(truth),
                self.config.base_model_accuracy, minimum=min_confidence,
            )
            return self._detection(found, None)
        _, version = self.region(request).version(arn)
        adapter = version.adapter
        if version.status != TRAINING_COMPLETED or adapter is None:
            raise AwsError(
                "ResourceNotReadyException",
                f"The adapter {arn} is {version.status}; only a TRAINING_COMPLETED adapter can "
                "be used.",
            )
        digest = hashlib.sha256(data).hexdigest()
        ref = source_ref or adapter.digests.get(digest) or f"sha256:{digest}"
        truth = adapter.truths[ref] if ref in adapter.truths else self._recorded_truth(bucket, ref)
        found = predicted_labels(
            self.context.seed, ADAPTER, ref, truth, adapter.labels,
            self.config.adapter_accuracy, minimum=min_confidence,
        )
        return self._detection(found, arn)

    def _image(self, image: Mapping[str, Any]) -> tuple[bytes, str | None, str | None]:
        """The image's bytes, and its S3 URI and bucket when it is an S3 object."""
        s3_object, encoded = image.get("S3Object"), image.get("Bytes")
        if encoded is not None and s3_object is None:
            return base64.b64decode(encoded), None, None
        if encoded is not None or not isinstance(s3_object, dict):
            raise invalid("Image takes exactly one of Bytes and S3Object.")
        bucket, key = s3_object.get("Bucket"), s3_object.get("Name")
        data = self.context.s3.get(bucket, key) if bucket and key else None
        if data is None:
            raise AwsError(
                "InvalidS3ObjectException",
                "Unable to get object metadata from S3. Check object key, region and/or access "
                "permissions.",
            )
        if len(data) > MAX_S3_IMAGE_BYTES:
            raise AwsError("ImageTooLargeException", "Image size is too large.")
        return data, f"s3://{bucket}/{key}", bucket

    def _recorded_truth(self, bucket: str | None, source_ref: str) -> frozenset[str]:
        """The labels of the image's truth record in its bucket; none without a record."""
        recorded = self.context.s3.get(bucket, truth_key(source_ref)) if bucket else None
        if recorded is None:
            return frozenset()
        labels = Truth.loads(recorded).moderation_labels
        return frozenset(name for name in labels if is_moderation_label(name))

    @staticmethod
    def _detection(found: list[tuple[str, float]], project_version: str | None) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "ModerationLabels": [
                {
                    "Confidence": confidence,
                    "Name": name,
                    "ParentName": parent_name(name),
                    "TaxonomyLevel": taxonomy_level(name),
                }
                for name, confidence in found
            ],
            "ModerationModelVersion": MODERATION_MODEL_VERSION,
        }
        if project_version is not None:
            answer["ProjectVersion"] = project_version
        return answer
