"""The labeling-job and intermediate-manifest sensors: poke, reschedule, defer, on the stand-in."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.sdk import PokeReturnValue

from airflow_gt.compat import AirflowRescheduleException, TaskDeferred
from airflow_gt.exceptions import (
    ConfigurationError,
    LabelingJobFailedError,
    LabelingJobWaitError,
    LabelingProgressError,
)
from airflow_gt.hooks.ground_truth import GroundTruthHook
from airflow_gt.labeling.request import LabelingJobArguments
from airflow_gt.local import LocalAws
from airflow_gt.sensors.ground_truth import (
    GroundTruthIntermediateManifestSensor,
    GroundTruthLabelingJobSensor,
)
from airflow_gt.triggers.ground_truth import (
    GroundTruthIntermediateManifestTrigger,
    GroundTruthLabelingJobTrigger,
)
from tests.airflow_support import Inputs, RunningClock, run_trigger, task_context
from tests.local.labeling import read_lines

JOB = "boxes"


def create_job(inputs: Inputs, **overrides: Any) -> GroundTruthHook:
    arguments = dict(inputs.job_arguments(**overrides))
    arguments["task_type"] = arguments.pop("labeling_task_type")
    built = LabelingJobArguments(**arguments)
    hook = GroundTruthHook()
    request = built.to_request(JOB, "us-east-1")
    categories = built.categories()
    assert categories is not None
    hook.upload_label_categories(categories, request["LabelCategoryConfigS3Uri"])
    hook.create_labeling_job(request)
    return hook


def status_is(hook: GroundTruthHook, *statuses: str) -> Any:
    return lambda: hook.describe_labeling_job(JOB)["LabelingJobStatus"] in statuses


def job_sensor(**options: Any) -> GroundTruthLabelingJobSensor:
    return GroundTruthLabelingJobSensor(task_id="wait", job_name=JOB, poke_interval=0.01, **options)


def progress_sensor(**options: Any) -> GroundTruthIntermediateManifestSensor:
    return GroundTruthIntermediateManifestSensor(
        task_id="half", job_name=JOB, poke_interval=0.01, **options
    )


def test_the_job_sensor_pokes_until_the_job_completes(aws: LocalAws, inputs: Inputs) -> None:
    hook = create_job(inputs)
    sensor = job_sensor()
    assert sensor.poke(task_context()) is False
    aws.run_until(status_is(hook, "Completed"))
    done = sensor.poke(task_context())
    assert isinstance(done, PokeReturnValue)
    result: dict[str, Any] = done.xcom_value or {}
    assert result["status"] == "Completed"
    assert result["label_counters"]["TotalLabeled"] == inputs.objects


def test_the_job_sensor_in_poke_mode_returns_the_result(aws: LocalAws, inputs: Inputs) -> None:
    create_job(inputs)
    with RunningClock(aws):
        result = job_sensor().execute(task_context())
    assert result["job_name"] == JOB
    assert result["output_manifest_uri"].endswith(f"/{JOB}/manifests/output/output.manifest")


def test_the_job_sensor_in_reschedule_mode_frees_the_worker(
    aws: LocalAws, inputs: Inputs
) -> None:
    create_job(inputs)
    with pytest.raises(AirflowRescheduleException):
        job_sensor(mode="reschedule").execute(task_context())


@pytest.mark.parametrize("how", ["failed", "stopped"])
def test_the_job_sensor_fails_on_failed_and_on_stopped_jobs(
    aws: LocalAws, inputs: Inputs, how: str
) -> None:
    if how == "failed":
        aws.faults.fail(JOB, "no access to the work team")
    hook = create_job(inputs)
    if how == "stopped":
        aws.advance(3)
        hook.stop_labeling_job(JOB)
    aws.run_until(status_is(hook, "Failed", "Stopped"))
    with pytest.raises(LabelingJobFailedError) as caught:
        job_sensor().poke(task_context())
    assert caught.value.status == how.capitalize()
    if how == "failed":
        assert caught.value.reason == "no access to the work team"


def test_the_job_sensor_defers_and_resumes_with_the_result(
    aws: LocalAws, inputs: Inputs
) -> None:
    create_job(inputs)
    sensor = job_sensor(deferrable=True, timeout=60)
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(task_context())
    trigger = deferred.value.trigger
    assert isinstance(trigger, GroundTruthLabelingJobTrigger)
    kwargs = trigger.serialize()[1]
    assert kwargs["stop_on_kill"] is False  # a sensor never stops a job it watches
    assert (kwargs["poll_interval"], kwargs["max_attempts"]) == (0.01, 6000)
    with RunningClock(aws):
        (event,) = run_trigger(trigger)
    result = sensor.execute_complete(task_context(), event.payload)
    assert result["label_counters"]["TotalLabeled"] == inputs.objects
    with pytest.raises(LabelingJobWaitError, match="gave up"):
        sensor.execute_complete(task_context(), {"status": "error", "message": "gave up"})


def test_a_deferrable_sensor_on_an_ended_job_returns_without_deferring(
    aws: LocalAws, inputs: Inputs
) -> None:
    hook = create_job(inputs)
    aws.run_until(status_is(hook, "Completed"))
    result = job_sensor(deferrable=True).execute(task_context())
    assert result["status"] == "Completed"


def test_the_intermediate_sensor_succeeds_at_the_share_before_the_job_ends(
    aws: LocalAws, inputs: Inputs, aws_s3: Any
) -> None:
    hook = create_job(inputs)
    sensor = progress_sensor(min_labeled_fraction=0.5)
    assert sensor.poke(task_context()) is False

    def half_labeled() -> bool:
        labeled = hook.label_counters(hook.describe_labeling_job(JOB)).total_labeled
        return labeled * 2 >= inputs.objects

    aws.run_until(half_labeled, step=0.25)
    assert hook.describe_labeling_job(JOB)["LabelingJobStatus"] == "InProgress"
    done = sensor.poke(task_context())
    assert isinstance(done, PokeReturnValue)
    progress: dict[str, Any] = done.xcom_value or {}
    lines = read_lines(aws_s3, progress["intermediate_manifest_uri"])
    assert progress["labeled"] == sum("bounding-box" in line for line in lines)
    assert progress["labeled"] * 2 >= progress["objects"] == len(lines)


def test_the_intermediate_sensor_fails_when_the_job_ends_short(
    aws: LocalAws, inputs: Inputs
) -> None:
    hook = create_job(inputs, max_labeled_objects=2)
    aws.run_until(status_is(hook, "Stopped"))
    with pytest.raises(LabelingJobFailedError, match="ended Stopped with 2 of"):
        progress_sensor(min_labeled_fraction=0.9).poke(task_context())


def test_the_intermediate_sensor_fails_when_a_completed_job_labeled_too_few(
    failing_workforce_aws: LocalAws,
) -> None:
    from tests.airflow_support import make_inputs
    from tests.conftest import client

    inputs = make_inputs(client("s3", failing_workforce_aws.endpoint_url))
    hook = create_job(inputs)
    failing_workforce_aws.run_until(status_is(hook, "Completed"))
    with pytest.raises(LabelingProgressError, match=f"ended Completed with 0 of {inputs.objects}"):
        progress_sensor(min_labeled_fraction=0.1).poke(task_context())


def test_the_intermediate_sensor_defers_and_resumes(aws: LocalAws, inputs: Inputs) -> None:
    create_job(inputs)
    sensor = progress_sensor(min_labeled_fraction=1.0, deferrable=True)
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(task_context())
    trigger = deferred.value.trigger
    assert isinstance(trigger, GroundTruthIntermediateManifestTrigger)
    assert trigger.min_labeled_fraction == 1.0
    with RunningClock(aws):
        (event,) = run_trigger(trigger)
    result = sensor.execute_complete(task_context(), event.payload)
    assert result["labeled"] == result["objects"] == inputs.objects


@pytest.mark.parametrize("fraction", [0, 1.5, -0.1])
def test_the_share_must_be_between_0_and_1(fraction: float) -> None:
    with pytest.raises(ConfigurationError, match="min_labeled_fraction"):
        progress_sensor(min_labeled_fraction=fraction)


def test_a_templated_share_is_checked_when_rendered(aws: LocalAws, inputs: Inputs) -> None:
    create_job(inputs)
    sensor = progress_sensor(min_labeled_fraction="{{ params.share }}")
    sensor.min_labeled_fraction = "lots"  # type: ignore[assignment]  # as rendered
    with pytest.raises(ConfigurationError, match="'lots'"):
        sensor.poke(task_context())
