"""The triggers run as the triggerer runs them (``asyncio``, aiobotocore) against the stand-in."""

from __future__ import annotations

import asyncio
import importlib
import json
from typing import Any

import pytest

from airflow_gt.compat import deserialize, serialize
from airflow_gt.hooks.ground_truth import GroundTruthHook
from airflow_gt.labeling.outcome import finished_result
from airflow_gt.labeling.request import LabelingJobArguments
from airflow_gt.local import LocalAws
from airflow_gt.triggers.base import AwsPollingTrigger
from airflow_gt.triggers.ground_truth import (
    GroundTruthIntermediateManifestTrigger,
    GroundTruthLabelingJobTrigger,
)
from airflow_gt.triggers.rekognition import RekognitionAdapterTrainingTrigger
from tests.airflow_support import Inputs, RunningClock, run_trigger
from tests.local.labeling import read_lines

AWS_PARAMS: dict[str, Any] = {
    "aws_conn_id": "aws_default",
    "region_name": "us-east-1",
    "verify": False,
    "botocore_config": {"retries": {"total_max_attempts": 2}, "read_timeout": 20},
    "retry_budget": 30.0,
}
TRIGGERS: list[AwsPollingTrigger] = [
    GroundTruthLabelingJobTrigger(
        job_name="boxes", stop_on_kill=True, poll_interval=7, max_attempts=9, **AWS_PARAMS
    ),
    GroundTruthIntermediateManifestTrigger(
        job_name="boxes", min_labeled_fraction=0.4, poll_interval=3, max_attempts=5,
        **AWS_PARAMS,
    ),
    RekognitionAdapterTrainingTrigger(
        project_arn="arn:aws:rekognition:us-east-1:123456789012:project/moderation/1",
        version_name="v1", stop_on_kill=True, poll_interval=60, max_attempts=4,
        **AWS_PARAMS,
    ),
]


def create_job(inputs: Inputs, name: str, region: str = "us-east-1", **overrides: Any) -> None:
    arguments = dict(inputs.job_arguments(**overrides))
    arguments["task_type"] = arguments.pop("labeling_task_type")
    built = LabelingJobArguments(**arguments)
    hook = GroundTruthHook(region_name=region)
    request = built.to_request(name, region)
    categories = built.categories()
    assert categories is not None
    hook.upload_label_categories(categories, request["LabelCategoryConfigS3Uri"])
    hook.create_labeling_job(request)


def event_round_trip(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the resumed task gets it (serde, as JSON, and back)."""
    result = deserialize(json.loads(json.dumps(serialize(payload))))
    assert isinstance(result, dict)
    return result


def test_every_registered_trigger_is_in_the_round_trip_list() -> None:
    import inspect

    from airflow_gt.provider_info import get_provider_info

    registered = set()
    for entry in get_provider_info()["triggers"]:
        for module_name in entry["python-modules"]:
            module = importlib.import_module(module_name)
            registered |= {
                value for value in vars(module).values()
                if inspect.isclass(value) and issubclass(value, AwsPollingTrigger)
                and value.__module__ == module_name
            }
    assert registered == {type(trigger) for trigger in TRIGGERS}


@pytest.mark.parametrize("trigger", TRIGGERS, ids=lambda t: type(t).__name__)
def test_every_trigger_round_trips_through_airflows_trigger_storage(
    trigger: AwsPollingTrigger,
) -> None:
    from airflow.models.trigger import Trigger

    row = Trigger.from_object(trigger)
    module, _, name = row.classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module), name)(**row.kwargs)
    assert type(rebuilt) is type(trigger)
    assert rebuilt.serialize() == trigger.serialize()
    kwargs = trigger.serialize()[1]
    for key, value in AWS_PARAMS.items():
        assert kwargs[key] == value, key
    assert rebuilt.aws_hook("sagemaker").conn_config.botocore_config is not None


def test_the_trigger_fires_once_the_job_completes(aws: LocalAws, inputs: Inputs) -> None:
    create_job(inputs, "boxes-1")
    trigger = GroundTruthLabelingJobTrigger(
        job_name="boxes-1", poll_interval=0.01, max_attempts=10_000
    )
    with RunningClock(aws):
        (event,) = run_trigger(trigger)
    payload = event_round_trip(event.payload)
    assert payload["status"] == "done"
    assert payload["job"]["LabelingJobStatus"] == "Completed"
    result = finished_result(payload["job"])
    assert result.label_counters.total_labeled == inputs.objects


def test_a_failed_job_is_reported_with_its_reason_for_the_task_to_decide(
    aws: LocalAws, inputs: Inputs
) -> None:
    aws.faults.fail("boxes-2", "the role cannot read the input manifest")
    create_job(inputs, "boxes-2")
    trigger = GroundTruthLabelingJobTrigger(
        job_name="boxes-2", poll_interval=0.01, max_attempts=10_000
    )
    with RunningClock(aws):
        (event,) = run_trigger(trigger)
    job = event.payload["job"]
    assert (job["LabelingJobStatus"], job["FailureReason"]) == (
        "Failed", "the role cannot read the input manifest"
    )


def test_the_trigger_polls_the_region_it_was_given(aws: LocalAws, inputs: Inputs) -> None:
    create_job(inputs, "boxes-eu", region="eu-west-1")
    eu = GroundTruthHook(region_name="eu-west-1")
    aws.run_until(
        lambda: eu.describe_labeling_job("boxes-eu")["LabelingJobStatus"] == "Completed", step=5
    )
    (found,) = run_trigger(GroundTruthLabelingJobTrigger(
        job_name="boxes-eu", region_name="eu-west-1", poll_interval=0.01, max_attempts=1
    ))
    assert found.payload["status"] == "done"
    # the connection's region (us-east-1) has no such job
    (missing,) = run_trigger(GroundTruthLabelingJobTrigger(
        job_name="boxes-eu", poll_interval=0.01, max_attempts=1
    ))
    assert missing.payload["status"] == "error"
    assert missing.payload["error"] == "ResourceNotFound"  # botocore's class for the code
    assert "ResourceNotFound" in missing.payload["message"]
    assert missing.payload["job_name"] == "boxes-eu"


def test_the_trigger_gives_up_after_its_attempts_with_what_it_saw(
    aws: LocalAws, inputs: Inputs
) -> None:
    create_job(inputs, "boxes-3")
    (event,) = run_trigger(GroundTruthLabelingJobTrigger(
        job_name="boxes-3", poll_interval=0.01, max_attempts=3
    ))
    assert event.payload["status"] == "error"
    assert event.payload["message"] == (
        "not done after 3 checks 0.01 s apart (last seen: Initializing)"
    )


def test_sustained_throttling_ends_in_an_error_event_at_the_budget(
    aws: LocalAws, inputs: Inputs
) -> None:
    create_job(inputs, "boxes-4")
    aws.faults.set("DescribeLabelingJob", throttle_rate=1.0)
    trigger = GroundTruthLabelingJobTrigger(
        job_name="boxes-4", poll_interval=0.01, max_attempts=100, retry_budget=1.0,
        botocore_config={"retries": {"total_max_attempts": 1}},
    )
    (event,) = run_trigger(trigger, timeout=10)
    assert event.payload["error"] == "RetryBudgetExhaustedError"
    assert event.payload["message"].startswith(
        "DescribeLabelingJob: still failing with ThrottlingException after "
    )


def test_throttling_on_30_percent_of_calls_is_ridden_out(aws: LocalAws, inputs: Inputs) -> None:
    create_job(inputs, "boxes-5")
    aws.faults.set("*", throttle_rate=0.3)
    trigger = GroundTruthLabelingJobTrigger(
        job_name="boxes-5", poll_interval=0.01, max_attempts=10_000,
        botocore_config={"retries": {"total_max_attempts": 1}},
    )
    with RunningClock(aws, step=2.0):
        (event,) = run_trigger(trigger)
    assert event.payload["job"]["LabelingJobStatus"] == "Completed"


def test_on_kill_stops_the_job_only_for_the_task_that_owns_it(
    aws: LocalAws, inputs: Inputs
) -> None:
    create_job(inputs, "boxes-6")
    hook = GroundTruthHook()
    watcher = GroundTruthLabelingJobTrigger(job_name="boxes-6", poll_interval=1, max_attempts=1)
    asyncio.run(watcher.on_kill())
    assert hook.describe_labeling_job("boxes-6")["LabelingJobStatus"] == "Initializing"
    owner = GroundTruthLabelingJobTrigger(
        job_name="boxes-6", stop_on_kill=True, poll_interval=1, max_attempts=1
    )
    asyncio.run(owner.on_kill())
    assert hook.describe_labeling_job("boxes-6")["LabelingJobStatus"] == "Stopping"


def test_the_intermediate_trigger_fires_when_the_share_is_labeled_before_the_end(
    aws: LocalAws, inputs: Inputs, aws_s3: Any
) -> None:
    create_job(inputs, "boxes-7")
    hook = GroundTruthHook()

    def labeled() -> int:
        return hook.label_counters(hook.describe_labeling_job("boxes-7")).total_labeled

    trigger = GroundTruthIntermediateManifestTrigger(
        job_name="boxes-7", min_labeled_fraction=0.5, poll_interval=0.01, max_attempts=1
    )
    (early,) = run_trigger(trigger)
    assert early.payload["status"] == "error"  # nothing labeled yet: one check was not enough
    # stop the clock half way (not in a thread, so the file stays as the trigger read it)
    aws.run_until(lambda: labeled() * 2 >= inputs.objects, step=0.25)
    assert labeled() < inputs.objects
    (event,) = run_trigger(trigger)
    payload = event_round_trip(event.payload)
    progress = payload["progress"]
    assert progress["fraction"] >= 0.5
    lines = read_lines(aws_s3, progress["intermediate_manifest_uri"])
    assert progress["labeled"] == sum("bounding-box" in line for line in lines)
    assert progress["objects"] == len(lines) == inputs.objects
    assert payload["job"]["LabelingJobStatus"] == "InProgress"


def test_the_intermediate_trigger_reports_a_job_that_ends_short(
    aws: LocalAws, inputs: Inputs
) -> None:
    aws.faults.fail("boxes-8")
    create_job(inputs, "boxes-8")
    trigger = GroundTruthIntermediateManifestTrigger(
        job_name="boxes-8", min_labeled_fraction=0.5, poll_interval=0.01, max_attempts=10_000
    )
    with RunningClock(aws):
        (event,) = run_trigger(trigger)
    assert event.payload["job"]["LabelingJobStatus"] == "Failed"
    assert event.payload["progress"] is None
