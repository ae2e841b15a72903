"""The Ground Truth hook against the local stand-in, through an Airflow connection, over HTTP."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError

from airflow_gt.exceptions import LabelingJobWaitError, RetryBudgetExhaustedError
from airflow_gt.hooks.ground_truth import GroundTruthHook
from airflow_gt.labeling.request import LabelingJobArguments
from airflow_gt.local import LocalAws
from tests.airflow_support import Inputs, labeling_job_names
from tests.conftest import client
from tests.local.labeling import read_lines

NO_BOTOCORE_RETRIES = {"retries": {"total_max_attempts": 1}}


def request_for(inputs: Inputs, name: str, region: str = "us-east-1") -> dict[str, Any]:
    arguments = dict(inputs.job_arguments())
    arguments["task_type"] = arguments.pop("labeling_task_type")
    return LabelingJobArguments(**arguments).to_request(name, region)


def created(hook: GroundTruthHook, inputs: Inputs, name: str) -> dict[str, Any]:
    """Create a job with its category file, as the operator does."""
    arguments = dict(inputs.job_arguments())
    arguments["task_type"] = arguments.pop("labeling_task_type")
    built = LabelingJobArguments(**arguments)
    request = built.to_request(name, hook.conn_region_name)
    categories = built.categories()
    assert categories is not None
    hook.upload_label_categories(categories, request["LabelCategoryConfigS3Uri"])
    hook.create_labeling_job(request)
    return request


def test_the_hook_reaches_the_stand_in_through_the_airflow_connection(
    aws: LocalAws, inputs: Inputs, aws_sagemaker: Any
) -> None:
    hook = GroundTruthHook()
    assert hook.conn.meta.endpoint_url == aws.endpoint_url
    assert hook.conn_region_name == "us-east-1"
    created(hook, inputs, "boxes-1")
    assert labeling_job_names(aws_sagemaker) == ["boxes-1"]
    described = hook.describe_labeling_job("boxes-1")
    assert described["LabelingJobStatus"] == "Initializing"
    assert hook.label_counters(described).objects == 0


def test_region_name_overrides_the_connections_region(aws: LocalAws, inputs: Inputs) -> None:
    hook = GroundTruthHook(region_name="eu-west-1")
    created(hook, inputs, "boxes-eu")
    assert hook.conn_region_name == "eu-west-1"
    assert GroundTruthHook().find_labeling_job("boxes-eu") is None
    eu = client("sagemaker", aws.endpoint_url, region="eu-west-1")
    assert labeling_job_names(eu) == ["boxes-eu"]


def test_find_answers_none_for_a_missing_job_and_raises_other_errors(aws: LocalAws) -> None:
    hook = GroundTruthHook()
    assert hook.find_labeling_job("no-such-job") is None
    with pytest.raises(ClientError) as caught:
        hook.find_labeling_job("not a valid name")
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_the_label_category_file_is_written_and_read_back(aws: LocalAws, inputs: Inputs) -> None:
    hook = GroundTruthHook()
    request = created(hook, inputs, "boxes-2")
    document = hook.read_json_object(request["LabelCategoryConfigS3Uri"])
    assert [entry["label"] for entry in document["labels"]] == list(inputs.job_arguments()[
        "label_categories"])
    assert hook.read_json_object(f"s3://{inputs.bucket}/missing.json") is None


def test_waiting_returns_the_final_answer_on_the_manual_clock(
    aws: LocalAws, inputs: Inputs, aws_s3: Any
) -> None:
    hook = GroundTruthHook()
    created(hook, inputs, "boxes-3")
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        aws.advance(seconds)

    final = hook.wait_for_labeling_job("boxes-3", poll_interval=5, sleep=sleep)
    assert final["LabelingJobStatus"] == "Completed"
    assert set(slept) == {5}
    lines = read_lines(aws_s3, final["LabelingJobOutput"]["OutputDatasetS3Uri"])
    assert final["LabelCounters"]["TotalLabeled"] == len(lines) == inputs.objects


def test_waiting_gives_up_after_its_attempts_and_says_the_job_goes_on(
    aws: LocalAws, inputs: Inputs
) -> None:
    hook = GroundTruthHook()
    created(hook, inputs, "boxes-4")
    with pytest.raises(LabelingJobWaitError, match="still Initializing after 3 checks 1 s apart"):
        hook.wait_for_labeling_job("boxes-4", poll_interval=1, max_attempts=3,
                                   sleep=lambda seconds: None)


def test_stop_makes_the_job_stop(aws: LocalAws, inputs: Inputs) -> None:
    hook = GroundTruthHook()
    created(hook, inputs, "boxes-5")
    aws.advance(3)
    hook.stop_labeling_job("boxes-5")
    assert hook.describe_labeling_job("boxes-5")["LabelingJobStatus"] == "Stopping"
    aws.advance(5)
    assert hook.describe_labeling_job("boxes-5")["LabelingJobStatus"] == "Stopped"


def test_the_waiter_file_is_a_working_botocore_waiter(aws: LocalAws, inputs: Inputs) -> None:
    hook = GroundTruthHook()
    created(hook, inputs, "boxes-6")
    waiter = hook.get_waiter("LabelingJobCompleted")
    with pytest.raises(WaiterError):
        waiter.wait(LabelingJobName="boxes-6", WaiterConfig={"Delay": 1, "MaxAttempts": 1})
    aws.run_until(lambda: hook.describe_labeling_job("boxes-6")["LabelingJobStatus"] == (
        "Completed"))
    waiter.wait(LabelingJobName="boxes-6", WaiterConfig={"Delay": 1, "MaxAttempts": 1})
    waiters = hook.list_waiters()
    assert "LabelingJobCompleted" in waiters
    assert "training_job_completed_or_stopped" in waiters  # sagemaker's own are still there


def test_intermediate_progress_counts_the_latest_intermediate_manifest(
    aws: LocalAws, inputs: Inputs, aws_s3: Any
) -> None:
    hook = GroundTruthHook()
    created(hook, inputs, "boxes-7")
    assert hook.intermediate_progress(hook.describe_labeling_job("boxes-7")) is None
    aws.run_until(lambda: 0 < hook.label_counters(
        hook.describe_labeling_job("boxes-7")).total_labeled < inputs.objects, step=0.5)
    description = hook.describe_labeling_job("boxes-7")
    progress = hook.intermediate_progress(description)
    assert progress is not None
    lines = read_lines(aws_s3, progress.manifest_uri)
    labeled = sum("bounding-box" in line for line in lines)
    assert (progress.objects, progress.labeled) == (len(lines), labeled)
    assert progress.labeled == description["LabelCounters"]["TotalLabeled"]
    assert "/annotations/intermediate/" in progress.manifest_uri


def test_throttled_calls_are_retried_counted_and_logged(
    aws: LocalAws, inputs: Inputs, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = GroundTruthHook(config=NO_BOTOCORE_RETRIES, retry_budget=30)
    created(hook, inputs, "boxes-8")
    aws.faults.set("DescribeLabelingJob", throttle_rate=0.5)
    capsys.readouterr()
    statuses = {hook.describe_labeling_job("boxes-8")["LabelingJobStatus"] for _ in range(8)}
    assert statuses == {"Initializing"}
    # Airflow's task logging writes to the console; each retry says which one it is
    retries = re.findall(r"DescribeLabelingJob: ThrottlingException; retry (\d+) in",
                         capsys.readouterr().out)
    assert retries, "with half the calls throttled and botocore not retrying, ours must have"
    assert "1" in retries


def answered_calls(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, the operation of every call the stand-in answers."""
    calls: list[str] = []
    draw = aws.faults.draw

    def recorded(operation: str, *args: Any) -> Any:
        calls.append(operation)
        return draw(operation, *args)

    monkeypatch.setattr(aws.faults, "draw", recorded)
    return calls


def test_sustained_throttling_fails_at_the_budget_instead_of_retrying_forever(
    aws: LocalAws, inputs: Inputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = GroundTruthHook(config=NO_BOTOCORE_RETRIES, retry_budget=1.5)
    created(hook, inputs, "boxes-9")
    aws.faults.set("DescribeLabelingJob", throttle_rate=1.0)
    calls = answered_calls(aws, monkeypatch)
    with pytest.raises(RetryBudgetExhaustedError) as caught:
        hook.describe_labeling_job("boxes-9")
    assert caught.value.last_error == "ThrottlingException"
    assert caught.value.retries >= 1
    assert caught.value.operation == "DescribeLabelingJob"
    # The first try and each retry, then no more: the budget stopped the hook.
    assert calls.count("DescribeLabelingJob") == caught.value.retries + 1
    assert isinstance(caught.value.__cause__, ClientError)


def test_errors_that_are_not_transient_are_not_retried(
    aws: LocalAws, inputs: Inputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = GroundTruthHook(config=NO_BOTOCORE_RETRIES, retry_budget=60)
    request = request_for(inputs, "boxes-10")
    request["HumanTaskConfig"]["PreHumanTaskLambdaArn"] = "arn:aws:lambda:us-east-1:1:function:x"
    calls = answered_calls(aws, monkeypatch)
    with pytest.raises(ClientError) as caught:
        hook.create_labeling_job(request)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert calls.count("CreateLabelingJob") == 1
