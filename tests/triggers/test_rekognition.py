"""The adapter training trigger run as the triggerer runs it (``asyncio``, aiobotocore) against the
stand-in. Its serialization round trip is checked with every trigger's in ``test_ground_truth``."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from airflow_gt.adapters.outcome import finished_result
from airflow_gt.adapters.request import AdapterVersionArguments
from airflow_gt.compat import deserialize, serialize
from airflow_gt.exceptions import AdapterTrainingFailedError
from airflow_gt.hooks.rekognition import RekognitionHook
from airflow_gt.local import LocalAws
from airflow_gt.triggers.rekognition import RekognitionAdapterTrainingTrigger
from tests.adapter_support import AdapterData, adapter_data
from tests.airflow_support import RunningClock, run_trigger


@pytest.fixture(scope="module")
def data() -> AdapterData:
    return adapter_data()


def start_training(data: AdapterData, version: str, region: str = "us-east-1") -> str:
    hook = RekognitionHook(region_name=region)
    project = hook.find_project("moderation")
    arn = str(project["ProjectArn"]) if project else hook.create_project("moderation")
    arguments = AdapterVersionArguments(data.training_uri, data.output_path, data.testing_uri)
    hook.create_project_version(arguments.to_request(arn, version))
    return arn


def trigger(project_arn: str, version: str, **overrides: Any) -> RekognitionAdapterTrainingTrigger:
    options: dict[str, Any] = {"poll_interval": 0.01, "max_attempts": 10_000}
    options.update(overrides)
    return RekognitionAdapterTrainingTrigger(
        project_arn=project_arn, version_name=version, **options
    )


def event_round_trip(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the resumed task gets it (serde, as JSON, and back)."""
    result = deserialize(json.loads(json.dumps(serialize(payload))))
    assert isinstance(result, dict)
    return result


def test_the_trigger_fires_once_training_completes(aws: LocalAws, data: AdapterData) -> None:
    project_arn = start_training(data, "v1")
    with RunningClock(aws):
        (event,) = run_trigger(trigger(project_arn, "v1"))
    payload = event_round_trip(event.payload)
    assert (payload["status"], payload["project_arn"], payload["version_name"]) == (
        "done", project_arn, "v1"
    )
    assert payload["version"]["Status"] == "TRAINING_COMPLETED"
    result = finished_result(payload["project_arn"], payload["version"])
    assert result.evaluation_uri is not None
    assert result.evaluation_uri.endswith("/EvaluationResultSummary-moderation-v1.json")
    assert result.testing_output_uri is not None
    assert result.testing_output_uri.endswith("/moderation/v1/manifests/output/"
                                              "testing_output.manifest")


def test_failed_training_is_reported_with_its_message_for_the_task_to_decide(
    aws: LocalAws, data: AdapterData
) -> None:
    aws.faults.fail("v2", "The training manifest has no labeled image.")
    project_arn = start_training(data, "v2")
    with RunningClock(aws):
        (event,) = run_trigger(trigger(project_arn, "v2"))
    version = event_round_trip(event.payload)["version"]
    assert (version["Status"], version["StatusMessage"]) == (
        "TRAINING_FAILED", "The training manifest has no labeled image."
    )
    with pytest.raises(AdapterTrainingFailedError, match="ended TRAINING_FAILED: The training"):
        finished_result(project_arn, version)


def test_a_version_that_is_not_there_ends_the_wait(aws: LocalAws, data: AdapterData) -> None:
    project_arn = start_training(data, "v3")
    (event,) = run_trigger(trigger(project_arn, "v-missing", max_attempts=1))
    assert (event.payload["status"], event.payload["version"]) == ("done", None)


def test_the_trigger_polls_the_region_it_was_given(aws: LocalAws, data: AdapterData) -> None:
    project_arn = start_training(data, "v-eu", region="eu-west-1")
    aws.advance(60)
    (found,) = run_trigger(trigger(project_arn, "v-eu", region_name="eu-west-1", max_attempts=1))
    assert found.payload["version"]["Status"] == "TRAINING_COMPLETED"
    (missing,) = run_trigger(trigger(project_arn, "v-eu", max_attempts=1))  # us-east-1
    assert missing.payload["status"] == "error"
    assert missing.payload["error"] == "ResourceNotFoundException"
    assert (missing.payload["project_arn"], missing.payload["version_name"]) == (
        project_arn, "v-eu"
    )


def test_the_trigger_gives_up_after_its_attempts_with_what_it_saw(
    aws: LocalAws, data: AdapterData
) -> None:
    project_arn = start_training(data, "v4")
    (event,) = run_trigger(trigger(project_arn, "v4", max_attempts=3))
    assert event.payload["status"] == "error"
    assert event.payload["message"] == (
        "not done after 3 checks 0.01 s apart (last seen: TRAINING_IN_PROGRESS)"
    )


def test_sustained_throttling_ends_in_an_error_event_at_the_budget(
    aws: LocalAws, data: AdapterData
) -> None:
    project_arn = start_training(data, "v5")
    aws.faults.set("DescribeProjectVersions", throttle_rate=1.0)
    (event,) = run_trigger(trigger(
        project_arn, "v5", retry_budget=1.0,
        botocore_config={"retries": {"total_max_attempts": 1}},
    ), timeout=10)
    assert event.payload["error"] == "RetryBudgetExhaustedError"
    assert event.payload["message"].startswith(
        "DescribeProjectVersions: still failing with ThrottlingException after "
    )


def test_throttling_on_30_percent_of_calls_is_ridden_out(aws: LocalAws, data: AdapterData) -> None:
    project_arn = start_training(data, "v6")
    aws.faults.set("*", throttle_rate=0.3)
    with RunningClock(aws, step=0.5):
        (event,) = run_trigger(trigger(
            project_arn, "v6", botocore_config={"retries": {"total_max_attempts": 1}}
        ))
    assert event.payload["version"]["Status"] == "TRAINING_COMPLETED"


def test_on_kill_asks_to_stop_only_for_the_owner_and_logs_rekognitions_refusal(
    aws: LocalAws, data: AdapterData, capsys: pytest.CaptureFixture[str]
) -> None:
    project_arn = start_training(data, "v7")
    capsys.readouterr()
    asyncio.run(trigger(project_arn, "v7").on_kill())
    assert capsys.readouterr().out == ""  # a watcher does not even look
    asyncio.run(trigger(project_arn, "v7", stop_on_kill=True).on_kill())
    # Airflow's logging writes to the console
    assert "Rekognition cannot stop adapter version v7" in capsys.readouterr().out
    status = RekognitionHook().describe_project_version(project_arn, "v7")["Status"]
    assert status == "TRAINING_IN_PROGRESS"
