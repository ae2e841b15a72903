"""Adapter versions as data: names, the CreateProjectVersion request, differences, outcomes."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_gt.adapters import (
    AdapterVersionArguments,
    AdapterVersionResult,
    default_version_name,
    finished_result,
    has_ended,
    names_of_version_arn,
    validate_project_name,
    version_differences,
    version_summary,
)
from airflow_gt.exceptions import (
    AdapterTrainingFailedError,
    AdapterWaitError,
    ConfigurationError,
    NameRuleError,
)

PROJECT = "arn:aws:rekognition:us-east-1:123456789012:project/moderation/1767225600000"
VERSION = "arn:aws:rekognition:us-east-1:123456789012:project/moderation/version/v1/1767225601000"
ARGUMENTS = AdapterVersionArguments(
    "s3://data/train.manifest", "s3://data/adapters/", "s3://data/test.manifest",
    confidence_threshold=70, kms_key_id="alias/k", tags={"team": "trust"},
)


def described(request: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A DescribeProjectVersions entry of a version made from ``request``, as AWS writes one."""
    description: dict[str, Any] = {
        "ProjectVersionArn": VERSION,
        "CreationTimestamp": "2026-01-01T00:00:00Z",
        "Status": "TRAINING_IN_PROGRESS",
        "StatusMessage": "The adapter is being trained.",
        "OutputConfig": request["OutputConfig"],
        "TrainingDataResult": {"Input": request["TrainingData"]},
        "TestingDataResult": {"Input": request["TestingData"]},
        "FeatureConfig": {"ContentModeration": {"ConfidenceThreshold": 50.0}},
        "Feature": "CONTENT_MODERATION",
    }
    for key in ("KmsKeyId", "FeatureConfig"):
        if key in request:
            description[key] = request[key]
    description.update(changes)
    return description


def test_the_default_version_name_is_stable_per_run_and_valid() -> None:
    name = default_version_name("moderation", "train_adapter", "scheduled__2026-01-05")
    assert name == default_version_name("moderation", "train_adapter", "scheduled__2026-01-05")
    assert name != default_version_name("moderation", "train_adapter", "scheduled__2026-01-12")
    assert name.startswith("moderation-train-adapter-")
    assert name != default_version_name("moderation", "train_adapter", "scheduled__2026-01-05", 0)


def test_names_follow_rekognitions_pattern() -> None:
    assert validate_project_name("team_a.moderation-2") == "team_a.moderation-2"
    with pytest.raises(NameRuleError, match="contains ' ', '/'"):
        validate_project_name("a b/c")
    with pytest.raises(NameRuleError, match="256 characters long"):
        validate_project_name("x" * 256)
    assert names_of_version_arn(VERSION) == ("moderation", "v1")
    with pytest.raises(ValueError, match="not a Rekognition project version ARN"):
        names_of_version_arn(PROJECT)


def test_the_request_names_the_manifests_output_threshold_key_and_tags() -> None:
    request = ARGUMENTS.to_request(PROJECT, "v1")
    assert request == {
        "ProjectArn": PROJECT,
        "VersionName": "v1",
        "OutputConfig": {"S3Bucket": "data", "S3KeyPrefix": "adapters"},
        "TrainingData": {"Assets": [{"GroundTruthManifest": {
            "S3Object": {"Bucket": "data", "Name": "train.manifest"}}}]},
        "TestingData": {"Assets": [{"GroundTruthManifest": {
            "S3Object": {"Bucket": "data", "Name": "test.manifest"}}}]},
        "FeatureConfig": {"ContentModeration": {"ConfidenceThreshold": 70.0}},
        "KmsKeyId": "alias/k",
        "Tags": {"team": "trust"},
    }
    bare = AdapterVersionArguments("s3://data/train.manifest", "s3://data").to_request(PROJECT, "v")
    assert bare["TestingData"] == {"AutoCreate": True}
    assert bare["OutputConfig"] == {"S3Bucket": "data"}
    assert "FeatureConfig" not in bare


@pytest.mark.parametrize(
    ("changes", "parameter"),
    [
        ({"training_manifest_uri": "train.manifest"}, "training_manifest_uri"),
        ({"testing_manifest_uri": "s3://data/train.manifest"}, "testing_manifest_uri"),
        ({"output_path": "data/adapters"}, "output_path"),
        ({"confidence_threshold": 100.5}, "confidence_threshold"),
        ({"confidence_threshold": True}, "confidence_threshold"),
        ({"version_description": "weekly/adapter"}, "version_description"),
        ({"tags": {"team": 7}}, "tags"),
    ],
)
def test_arguments_are_checked_when_made(changes: dict[str, Any], parameter: str) -> None:
    fields = {"training_manifest_uri": "s3://data/train.manifest", "output_path": "s3://data"}
    with pytest.raises(ConfigurationError) as caught:
        AdapterVersionArguments(**{**fields, **changes})
    assert caught.value.parameter == parameter


def test_a_version_from_the_same_request_has_no_differences_whatever_its_tags() -> None:
    request = ARGUMENTS.to_request(PROJECT, "v1")
    assert version_differences(request, described(request)) == []
    retagged = {**request, "Tags": {"team": "other"}}
    assert version_differences(retagged, described(request)) == []


def test_differences_name_each_field_by_its_request_path() -> None:
    request = ARGUMENTS.to_request(PROJECT, "v1")
    other = AdapterVersionArguments(
        "s3://data/train-2.manifest", "s3://data/adapters", confidence_threshold=70,
    ).to_request(PROJECT, "v1")
    found = version_differences(other, described(request))
    assert found == [
        "TrainingData.Assets: the existing version has [{'GroundTruthManifest': {'S3Object': "
        "{'Bucket': 'data', 'Name': 'train.manifest'}}}], this task asks for "
        "[{'GroundTruthManifest': {'S3Object': {'Bucket': 'data', 'Name': "
        "'train-2.manifest'}}}]",
        "TestingData.AutoCreate: the existing version has none, this task asks for True",
    ]


@pytest.mark.parametrize(
    ("status", "ended"),
    [("TRAINING_IN_PROGRESS", False), ("TRAINING_COMPLETED", True), ("TRAINING_FAILED", True),
     ("DELETING", True), ("DEPRECATED", True), ("EXPIRED", True), ("SOMETHING_NEW", False)],
)
def test_training_ends_as_the_waiter_says(status: str, ended: bool) -> None:
    assert has_ended({"Status": status}) is ended


def test_a_completed_version_is_a_result_with_its_files() -> None:
    def assets(key: str) -> dict[str, Any]:
        return {"Assets": [{"GroundTruthManifest": {"S3Object": {"Bucket": "out", "Name": key}}}]}

    request = ARGUMENTS.to_request(PROJECT, "v1")
    description = described(
        request, Status="TRAINING_COMPLETED", StatusMessage="The adapter has been trained.",
        EvaluationResult={"F1Score": 0.81, "Summary": {"S3Object": {
            "Bucket": "out", "Name": "a/EvaluationResultSummary-moderation-v1.json"}}},
        TrainingDataResult={"Input": request["TrainingData"], "Output": assets("a/train.out")},
        TestingDataResult={"Input": request["TestingData"], "Output": assets("a/test.out")},
    )
    result = finished_result(PROJECT, description)
    assert result == AdapterVersionResult(
        project_name="moderation", project_arn=PROJECT, version_name="v1", version_arn=VERSION,
        status="TRAINING_COMPLETED", status_message="The adapter has been trained.",
        f1_score=0.81, confidence_threshold=70.0,
        evaluation_uri="s3://out/a/EvaluationResultSummary-moderation-v1.json",
        training_output_uri="s3://out/a/train.out", testing_output_uri="s3://out/a/test.out",
    )
    assert "CreationTimestamp" not in version_summary(description)


def test_other_ends_are_failures_with_rekognitions_message() -> None:
    request = ARGUMENTS.to_request(PROJECT, "v1")
    failed = described(request, Status="TRAINING_FAILED", StatusMessage="Too few images.")
    with pytest.raises(AdapterTrainingFailedError, match="'v1' ended TRAINING_FAILED: Too few"):
        finished_result(PROJECT, failed)
    with pytest.raises(AdapterTrainingFailedError, match="Rekognition gave no status message"):
        finished_result(PROJECT, described(request, Status="DELETING", StatusMessage=None))
    with pytest.raises(AdapterWaitError, match="training has not ended, it is TRAINING_IN"):
        finished_result(PROJECT, described(request))
