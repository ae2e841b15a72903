"""The Rekognition hook against the local stand-in, through an Airflow connection, over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, WaiterError

from airflow_gt.adapters.request import AdapterVersionArguments
from airflow_gt.exceptions import AdapterWaitError, RetryBudgetExhaustedError
from airflow_gt.hooks.rekognition import RekognitionHook
from airflow_gt.local import LocalAws
from tests.adapter_support import AdapterData, adapter_data
from tests.local.adapters import TRAINING_SECONDS

NO_BOTOCORE_RETRIES = {"retries": {"total_max_attempts": 1}}


@pytest.fixture(scope="module")
def data() -> AdapterData:
    return adapter_data()


def start_training(hook: RekognitionHook, data: AdapterData, version: str) -> str:
    """Create the project and start training ``version``; returns the project's ARN."""
    project = hook.find_project("moderation")
    arn = str(project["ProjectArn"]) if project else hook.create_project("moderation")
    arguments = AdapterVersionArguments(
        data.training_uri, data.output_path, data.testing_uri, confidence_threshold=60.0
    )
    hook.create_project_version(arguments.to_request(arn, version))
    return arn


def test_projects_are_found_by_name_and_created_for_content_moderation(
    aws: LocalAws, data: AdapterData
) -> None:
    hook = RekognitionHook()
    assert hook.conn.meta.endpoint_url == aws.endpoint_url
    assert hook.find_project("moderation") is None
    arn = hook.create_project("moderation", tags={"team": "trust"})
    found = hook.find_project("moderation")
    assert found is not None
    assert (found["ProjectArn"], found["Feature"], found["AutoUpdate"]) == (
        arn, "CONTENT_MODERATION", "DISABLED"
    )
    assert RekognitionHook(region_name="eu-west-1").find_project("moderation") is None


def test_waiting_returns_the_trained_version_on_the_manual_clock(
    aws: LocalAws, data: AdapterData
) -> None:
    hook = RekognitionHook()
    project_arn = start_training(hook, data, "v1")
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        aws.advance(seconds)

    final = hook.wait_for_project_version(project_arn, "v1", poll_interval=5, sleep=sleep)
    assert final["Status"] == "TRAINING_COMPLETED"
    assert sum(slept) == TRAINING_SECONDS
    evaluation = final["EvaluationResult"]["Summary"]["S3Object"]
    document = hook.read_json_object(f"s3://{evaluation['Bucket']}/{evaluation['Name']}")
    assert document["AggregatedEvaluationResults"]["F1Score"] == final["EvaluationResult"][
        "F1Score"]
    assert document["EvaluationDetails"]["NumberOfTrainingImages"] == data.training_images


def test_waiting_gives_up_after_its_attempts_and_says_training_goes_on(
    aws: LocalAws, data: AdapterData
) -> None:
    hook = RekognitionHook()
    project_arn = start_training(hook, data, "v2")
    with pytest.raises(AdapterWaitError, match="still TRAINING_IN_PROGRESS after 3 checks 1 s"):
        hook.wait_for_project_version(project_arn, "v2", poll_interval=1, max_attempts=3,
                                      sleep=lambda seconds: None)
    with pytest.raises(AdapterWaitError, match="no such version"):
        hook.describe_project_version(project_arn, "v-none")


def test_rekognition_refuses_to_stop_an_adapter_and_the_hook_says_so(
    aws: LocalAws, data: AdapterData
) -> None:
    hook = RekognitionHook()
    project_arn = start_training(hook, data, "v3")
    version = hook.describe_project_version(project_arn, "v3")
    assert hook.stop_project_version(version["ProjectVersionArn"]) is False
    assert hook.describe_project_version(project_arn, "v3")["Status"] == "TRAINING_IN_PROGRESS"
    with pytest.raises(ClientError) as caught:
        hook.stop_project_version(version["ProjectVersionArn"] + "0")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_the_waiter_file_is_a_working_botocore_waiter(aws: LocalAws, data: AdapterData) -> None:
    hook = RekognitionHook()
    project_arn = start_training(hook, data, "v4")
    waiter = hook.get_waiter("AdapterTrainingCompleted")
    once = {"Delay": 1, "MaxAttempts": 1}
    with pytest.raises(WaiterError):
        waiter.wait(ProjectArn=project_arn, VersionNames=["v4"], WaiterConfig=once)
    aws.advance(TRAINING_SECONDS)
    waiter.wait(ProjectArn=project_arn, VersionNames=["v4"], WaiterConfig=once)
    aws.faults.fail("v5", "The training manifest could not be read.")
    start_training(hook, data, "v5")
    aws.advance(TRAINING_SECONDS)
    with pytest.raises(WaiterError, match="failure state"):
        waiter.wait(ProjectArn=project_arn, VersionNames=["v5"], WaiterConfig=once)
    assert "project_version_training_completed" in hook.list_waiters()  # botocore's own too


def test_sustained_throttling_fails_at_the_budget(aws: LocalAws, data: AdapterData) -> None:
    hook = RekognitionHook(config=NO_BOTOCORE_RETRIES, retry_budget=1.0)
    project_arn = start_training(hook, data, "v6")
    aws.faults.set("DescribeProjectVersions", throttle_rate=1.0)
    with pytest.raises(RetryBudgetExhaustedError) as caught:
        hook.find_project_version(project_arn, "v6")
    assert (caught.value.operation, caught.value.last_error) == (
        "DescribeProjectVersions", "ThrottlingException"
    )
    assert caught.value.retries >= 1


def test_s3_files_are_read_on_the_same_connection(aws: LocalAws, data: AdapterData) -> None:
    hook = RekognitionHook()
    assert hook.s3_client.meta.endpoint_url == aws.endpoint_url
    raw: Any = hook.s3_client.get_object(
        Bucket=data.bucket, Key=data.training_uri.split("/", 3)[3]
    )["Body"].read()
    assert raw.count(b"\n") == data.training_images
    assert hook.read_json_object(f"s3://{data.bucket}/missing.json") is None


def test_s3_calls_are_retried_in_standard_mode_unless_configured(aws: LocalAws) -> None:
    retries = RekognitionHook().s3_client.meta.config.retries
    assert (retries["mode"], retries["total_max_attempts"]) == ("standard", 10)
    own = Config(retries={"mode": "adaptive", "total_max_attempts": 3}, read_timeout=7)
    configured = RekognitionHook(config=own).s3_client.meta.config
    assert (configured.retries["mode"], configured.read_timeout) == ("adaptive", 7)
    timeouts = RekognitionHook(config=Config(read_timeout=9)).s3_client.meta.config
    assert (timeouts.retries["mode"], timeouts.read_timeout) == ("standard", 9)
