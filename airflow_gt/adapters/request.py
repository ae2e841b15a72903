"""A CreateProjectVersion request for a Custom Moderation adapter, and how it differs from a
version that exists.

:class:`AdapterVersionArguments` holds what a user says (manifests and an output folder as
``s3://`` URIs, a threshold, a key, tags) and turns it into the request Rekognition wants, after
checking what can be known before calling AWS. A testing manifest left out asks Rekognition to
split one off the training data (``TestingData.AutoCreate``).

A task that finds a version of its name already there may attach to it only if the version was
created from the same request. DescribeProjectVersions repeats most of the request (the data
under ``TrainingDataResult.Input`` and ``TestingDataResult.Input``), so :func:`version_differences`
compares each field the task would send with that, as labeling jobs are compared
(:func:`airflow_gt.labeling.request_differences`). Tags are not compared (Rekognition does not
describe them, and they change nothing about the adapter); neither are the project and version
names, which are how the version was found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_gt.adapters.names import validate_version_name
from airflow_gt.exceptions import ConfigurationError
from airflow_gt.labeling.differences import request_differences
from airflow_gt.manifests.storage import S3Location

IGNORED_FIELDS = frozenset({"ProjectArn", "VersionName", "Tags"})
MAX_TAGS = 200
DESCRIPTION_CHARACTERS = frozenset("-_. ()':,;?")


def s3_location(parameter: str, uri: str, *, key_required: bool = True) -> S3Location:
    """``uri`` parsed, or ConfigurationError naming ``parameter``."""
    try:
        location = S3Location.parse(uri) if isinstance(uri, str) else None
    except ConfigurationError as error:
        raise ConfigurationError(parameter, error.detail) from None
    if location is None or (key_required and not location.key.strip("/")):
        raise ConfigurationError(parameter, f"{uri!r} is not an s3://bucket/key URI")
    return location


def manifest_assets(location: S3Location) -> dict[str, Any]:
    """A manifest as CreateProjectVersion's ``TrainingData`` or ``TestingData`` takes it."""
    return {
        "Assets": [
            {"GroundTruthManifest": {"S3Object": {"Bucket": location.bucket, "Name": location.key}}}
        ]
    }


@dataclass(frozen=True)
class AdapterVersionArguments:
    """The friendly form of a CreateProjectVersion request; checks itself when made.

    :param training_manifest_uri: the training manifest (``s3://``).
    :param output_path: the ``s3://bucket/prefix`` Rekognition writes the output manifests and
        evaluation results under.
    :param testing_manifest_uri: the testing manifest; None lets Rekognition split one off.
    :param confidence_threshold: ``FeatureConfig.ContentModeration.ConfidenceThreshold`` (0 to
        100); None leaves Rekognition's default.
    :param kms_key_id: the KMS key training encrypts its output and copied images with.
    :param version_description: the version's description.
    :param tags: the version's tags.
    """

    training_manifest_uri: str
    output_path: str
    testing_manifest_uri: str | None = None
    confidence_threshold: float | None = None
    kms_key_id: str | None = None
    version_description: str | None = None
    tags: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        s3_location("training_manifest_uri", self.training_manifest_uri)
        if self.testing_manifest_uri is not None:
            s3_location("testing_manifest_uri", self.testing_manifest_uri)
            if self.testing_manifest_uri == self.training_manifest_uri:
                raise ConfigurationError(
                    "testing_manifest_uri", "must not be the training manifest"
                )
        s3_location("output_path", self.output_path, key_required=False)
        threshold = self.confidence_threshold
        if threshold is not None and (
            isinstance(threshold, bool) or not isinstance(threshold, int | float)
            or not 0 <= threshold <= 100
        ):
            raise ConfigurationError(
                "confidence_threshold", f"must be a number from 0 to 100, got {threshold!r}"
            )
        if self.kms_key_id is not None and not self.kms_key_id:
            raise ConfigurationError("kms_key_id", "must not be empty")
        description = self.version_description
        if description is not None and (
            not 1 <= len(description) <= 255
            or any(not (c.isascii() and c.isalnum()) and c not in DESCRIPTION_CHARACTERS
                   for c in description)
        ):
            raise ConfigurationError(
                "version_description",
                "must be 1 to 255 ASCII letters, digits, spaces and -_.()':,;? characters",
            )
        tags = self.tags or {}
        if len(tags) > MAX_TAGS or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in tags.items()
        ):
            raise ConfigurationError(
                "tags", f"must map at most {MAX_TAGS} string keys to string values"
            )

    def to_request(self, project_arn: str, version_name: str) -> dict[str, Any]:
        """The CreateProjectVersion request for ``version_name`` of the project."""
        validate_version_name(version_name)
        output = S3Location.parse(self.output_path)
        output_config = {"S3Bucket": output.bucket}
        if output.key.strip("/"):
            output_config["S3KeyPrefix"] = output.key.strip("/")
        testing = (
            manifest_assets(S3Location.parse(self.testing_manifest_uri))
            if self.testing_manifest_uri is not None
            else {"AutoCreate": True}
        )
        request: dict[str, Any] = {
            "ProjectArn": project_arn,
            "VersionName": version_name,
            "OutputConfig": output_config,
            "TrainingData": manifest_assets(S3Location.parse(self.training_manifest_uri)),
            "TestingData": testing,
        }
        if self.confidence_threshold is not None:
            request["FeatureConfig"] = {
                "ContentModeration": {"ConfidenceThreshold": float(self.confidence_threshold)}
            }
        optional = {
            "KmsKeyId": self.kms_key_id,
            "VersionDescription": self.version_description,
            "Tags": dict(self.tags) if self.tags else None,
        }
        request.update({key: value for key, value in optional.items() if value is not None})
        return request


def _as_requested(description: Mapping[str, Any]) -> dict[str, Any]:
    """A DescribeProjectVersions entry rearranged under the request's own field names."""
    view = {
        key: description[key]
        for key in ("OutputConfig", "FeatureConfig", "KmsKeyId", "VersionDescription")
        if key in description
    }
    for field, result in (("TrainingData", "TrainingDataResult"),
                          ("TestingData", "TestingDataResult")):
        given = (description.get(result) or {}).get("Input")
        if given is not None:
            view[field] = given
    return view


def version_differences(request: Mapping[str, Any], description: Mapping[str, Any]) -> list[str]:
    """Each field of ``request`` that the existing version lacks or holds another value for."""
    return request_differences(
        request, _as_requested(description), ignored=IGNORED_FIELDS, what="the existing version"
    )
