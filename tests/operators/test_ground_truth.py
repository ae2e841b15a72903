"""The create-labeling-job operator on the stand-in: create, attach, wait, defer, fail, kill."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from airflow.sdk import DAG, Asset

from airflow_gt.assets.ground_truth import labeling_output_asset
from airflow_gt.compat import TaskDeferred
from airflow_gt.exceptions import (
    ConfigurationError,
    EmptyLabelingJobError,
    LabelingJobConflictError,
    LabelingJobFailedError,
    LabelingJobWaitError,
    NameRuleError,
)
from airflow_gt.labeling.names import default_job_name
from airflow_gt.links.ground_truth import GroundTruthLabelingJobLink
from airflow_gt.local import LocalAws
from airflow_gt.manifests.job_types import LAMBDA_ACCOUNTS
from airflow_gt.operators.ground_truth import GroundTruthCreateLabelingJobOperator
from airflow_gt.triggers.ground_truth import GroundTruthLabelingJobTrigger
from tests.airflow_support import (
    Inputs,
    RunningClock,
    TaskInstanceStub,
    labeling_job_names,
    make_inputs,
    run_trigger,
    task_context,
    wait_until,
)
from tests.conftest import client
from tests.local.labeling import labeling_request, put_categories, read_lines

TI = TaskInstanceStub()
JOB_NAME = default_job_name(TI.dag_id, TI.task_id, TI.run_id)


def operator(inputs: Inputs, **overrides: Any) -> GroundTruthCreateLabelingJobOperator:
    options: dict[str, Any] = {"task_id": TI.task_id, "poll_interval": 0.01}
    options.update(inputs.job_arguments())
    options.update(overrides)
    return GroundTruthCreateLabelingJobOperator(**options)


def test_create_without_waiting_returns_the_job_and_uploads_the_categories(
    aws: LocalAws, inputs: Inputs, aws_sagemaker: Any, aws_s3: Any
) -> None:
    context = task_context()
    result = operator(inputs, wait_for_completion=False).execute(context)
    assert result["job_name"] == JOB_NAME
    assert result["status"] == "Initializing"
    assert result["output_manifest_uri"] == (
        f"{inputs.output_path}/{JOB_NAME}/manifests/output/output.manifest"
    )
    assert labeling_job_names(aws_sagemaker) == [JOB_NAME]
    described = aws_sagemaker.describe_labeling_job(LabelingJobName=JOB_NAME)
    assert result["job_arn"] == described["LabelingJobArn"]
    account = LAMBDA_ACCOUNTS["us-east-1"]
    assert described["HumanTaskConfig"]["PreHumanTaskLambdaArn"] == (
        f"arn:aws:lambda:us-east-1:{account}:function:PRE-BoundingBox"
    )
    categories = aws_s3.get_object(
        Bucket=inputs.bucket, Key=f"labels/{JOB_NAME}/label-categories.json"
    )["Body"].read()
    assert b'"label": "bone"' in categories
    link = context["ti"].xcoms[GroundTruthLabelingJobLink.key]
    assert GroundTruthLabelingJobLink().format_link(**link) == (
        "https://console.aws.amazon.com/sagemaker/groundtruth?region=us-east-1"
        f"#/labeling-jobs/details/{JOB_NAME}"
    )


def test_a_retry_attaches_to_the_job_of_its_first_try(
    aws: LocalAws, inputs: Inputs, aws_sagemaker: Any
) -> None:
    first = operator(inputs, wait_for_completion=False).execute(task_context())
    aws.advance(3)
    retry = operator(inputs, wait_for_completion=False).execute(
        task_context(TaskInstanceStub(try_number=2))
    )
    assert retry["job_arn"] == first["job_arn"]
    assert retry["status"] == "InProgress"
    assert labeling_job_names(aws_sagemaker) == [JOB_NAME]


def test_another_run_creates_another_job(
    aws: LocalAws, inputs: Inputs, aws_sagemaker: Any
) -> None:
    operator(inputs, wait_for_completion=False).execute(task_context())
    operator(inputs, wait_for_completion=False).execute(
        task_context(TaskInstanceStub(run_id="manual__2026-01-02"))
    )
    assert len(set(labeling_job_names(aws_sagemaker))) == 2


def test_a_job_of_that_name_with_another_request_is_not_attached_to(
    aws: LocalAws, inputs: Inputs, aws_sagemaker: Any
) -> None:
    operator(inputs, wait_for_completion=False).execute(task_context())
    changed = operator(inputs, wait_for_completion=False, workers_per_object=3,
                       label_categories=["dog", "cat"])
    with pytest.raises(LabelingJobConflictError) as caught:
        changed.execute(task_context())
    assert caught.value.differences == [
        "HumanTaskConfig.NumberOfHumanWorkersPerDataObject: the existing job has 1, this task "
        "asks for 3",
        "label categories: the existing job has ['dog', 'cat', 'bone', 'ball'], this task asks "
        "for ['dog', 'cat']",
    ]
    assert labeling_job_names(aws_sagemaker) == [JOB_NAME]


def test_a_lost_create_answer_retried_into_resource_in_use_attaches(
    aws: LocalAws, inputs: Inputs, aws_sagemaker: Any
) -> None:
    """The job is created, but the answer never reaches the task (a dropped connection): the
    retried request gets ResourceInUse, and the task attaches to the job it did create."""
    from botocore.exceptions import ReadTimeoutError

    task = operator(inputs, wait_for_completion=False)
    lost: list[str] = []

    def drop_the_first_answer(**kwargs: Any) -> None:
        if not lost:
            lost.append("CreateLabelingJob")
            raise ReadTimeoutError(endpoint_url=aws.endpoint_url)

    task.hook.conn.meta.events.register(
        "after-call.sagemaker.CreateLabelingJob", drop_the_first_answer
    )
    result = task.execute(task_context())
    assert lost == ["CreateLabelingJob"]
    assert labeling_job_names(aws_sagemaker) == [JOB_NAME] == [result["job_name"]]


def test_waiting_returns_the_output_counters_and_arn_and_publishes_the_asset(
    aws: LocalAws, inputs: Inputs, aws_s3: Any
) -> None:
    task = operator(inputs)
    assert task.outlets == [labeling_output_asset(inputs.output_path, "bounding-box")]
    context = task_context()
    with RunningClock(aws):
        result = task.execute(context)
    assert result["status"] == "Completed"
    lines = read_lines(aws_s3, result["output_manifest_uri"])
    assert result["label_counters"]["TotalLabeled"] == len(lines) == inputs.objects
    assert all("bounding-box" in line for line in lines)
    event = context["outlet_events"][task.outlets[0]]
    assert event.extra == {
        "output_manifest_uri": result["output_manifest_uri"],
        "job_name": JOB_NAME,
        "job_arn": result["job_arn"],
        "label_counters": result["label_counters"],
    }


def test_deferred_the_trigger_carries_the_aws_parameters_and_the_task_resumes(
    aws: LocalAws, inputs: Inputs
) -> None:
    task = operator(inputs, deferrable=True, verify=False,
                    botocore_config={"retries": {"mode": "standard"}})
    context = task_context()
    with pytest.raises(TaskDeferred) as deferred:
        task.execute(context)
    trigger = deferred.value.trigger
    assert isinstance(trigger, GroundTruthLabelingJobTrigger)
    assert deferred.value.method_name == "execute_complete"
    kwargs = trigger.serialize()[1]
    assert (kwargs["job_name"], kwargs["stop_on_kill"], kwargs["region_name"]) == (
        JOB_NAME, False, "us-east-1"
    )
    assert (kwargs["verify"], kwargs["botocore_config"]) == (
        False, {"retries": {"mode": "standard"}}
    )
    with RunningClock(aws):
        (event,) = run_trigger(trigger)
    resumed = operator(inputs, deferrable=True)
    result = resumed.execute_complete(context, event.payload)
    assert result["status"] == "Completed"
    assert result["label_counters"]["TotalLabeled"] == inputs.objects
    assert context["outlet_events"][resumed.outlets[0]].extra["job_name"] == JOB_NAME


def test_a_deferred_task_in_another_region_polls_that_region(aws: LocalAws) -> None:
    inputs = make_inputs(client("s3", aws.endpoint_url))
    task = operator(inputs, deferrable=True, region_name="eu-west-1",
                    workteam_arn="arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/t")
    with pytest.raises(TaskDeferred) as deferred:
        task.execute(task_context())
    assert deferred.value.trigger.serialize()[1]["region_name"] == "eu-west-1"
    described = client("sagemaker", aws.endpoint_url, region="eu-west-1").describe_labeling_job(
        LabelingJobName=JOB_NAME)
    assert ":eu-west-1:" in described["HumanTaskConfig"]["PreHumanTaskLambdaArn"]


def test_the_trigger_error_fails_the_resumed_task_with_its_message(inputs: Inputs) -> None:
    event = {"status": "error", "job_name": JOB_NAME, "message": "not done after 3 checks",
             "error": "MaxAttemptsExceeded"}
    with pytest.raises(LabelingJobWaitError, match=f"'{JOB_NAME}': not done after 3 checks"):
        operator(inputs, deferrable=True).execute_complete(task_context(), event)


def test_a_failed_job_fails_the_task_with_the_aws_reason(aws: LocalAws, inputs: Inputs) -> None:
    aws.faults.fail(JOB_NAME, "the role cannot read s3://x/input.manifest")
    with RunningClock(aws), pytest.raises(LabelingJobFailedError) as caught:
        operator(inputs).execute(task_context())
    assert caught.value.status == "Failed"
    assert caught.value.reason == "the role cannot read s3://x/input.manifest"


def test_a_job_stopped_by_its_stopping_condition_is_a_failure_not_a_success(
    aws: LocalAws, inputs: Inputs
) -> None:
    with RunningClock(aws), pytest.raises(LabelingJobFailedError) as caught:
        operator(inputs, max_labeled_objects=2).execute(task_context())
    assert caught.value.status == "Stopped"
    assert "objects labeled" in str(caught.value)


def test_a_retry_of_a_failed_job_fails_again_instead_of_creating_another(
    aws: LocalAws, inputs: Inputs, aws_sagemaker: Any
) -> None:
    aws.faults.fail(JOB_NAME)
    with RunningClock(aws), pytest.raises(LabelingJobFailedError):
        operator(inputs).execute(task_context())
    with pytest.raises(LabelingJobFailedError, match="ended Failed"):
        operator(inputs, deferrable=True).execute(task_context(TaskInstanceStub(try_number=2)))
    assert labeling_job_names(aws_sagemaker) == [JOB_NAME]


def test_killing_the_task_leaves_the_job_to_its_retry(
    aws: LocalAws, inputs: Inputs, aws_sagemaker: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # A worker shutdown kills the waiting task (on_kill), and Airflow retries it elsewhere.
    task = operator(inputs)
    results: list[dict[str, Any]] = []
    with RunningClock(aws, step=0.05):
        worker = threading.Thread(target=lambda: results.append(task.execute(task_context())))
        worker.start()
        wait_until(lambda: task.labeling_job_name is not None
                   and task.hook.find_labeling_job(JOB_NAME) is not None)
        capsys.readouterr()
        task.on_kill()
        killed = capsys.readouterr().out
        status = aws_sagemaker.describe_labeling_job(LabelingJobName=JOB_NAME)["LabelingJobStatus"]
        retry = operator(inputs).execute(task_context(TaskInstanceStub(try_number=2)))
        worker.join(timeout=30)
    assert "goes on; a retry attaches to it" in killed
    assert status in ("Initializing", "InProgress")
    assert (retry["job_name"], retry["status"]) == (JOB_NAME, "Completed")
    assert labeling_job_names(aws_sagemaker) == [JOB_NAME]


def test_with_stop_on_kill_killing_the_task_stops_the_job(aws: LocalAws, inputs: Inputs) -> None:
    task = operator(inputs, stop_on_kill=True)
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            task.execute(task_context())
        except BaseException as error:  # the task's failure, checked below
            outcome.append(error)

    with RunningClock(aws, step=0.2):
        worker = threading.Thread(target=run)
        worker.start()
        wait_until(lambda: task.labeling_job_name is not None
                   and task.hook.find_labeling_job(JOB_NAME) is not None)
        task.on_kill()
        worker.join(timeout=30)
    (error,) = outcome
    assert isinstance(error, LabelingJobFailedError)
    assert error.status == "Stopped"


def test_a_completed_job_with_nothing_labeled_fails_unless_allowed(
    failing_workforce_aws: LocalAws,
) -> None:
    inputs = make_inputs(client("s3", failing_workforce_aws.endpoint_url))
    with RunningClock(failing_workforce_aws), pytest.raises(EmptyLabelingJobError) as caught:
        operator(inputs).execute(task_context())
    assert caught.value.failed == inputs.objects
    allowed = operator(inputs, allow_empty_output=True).execute(
        task_context(TaskInstanceStub(try_number=2))
    )
    assert allowed["label_counters"]["TotalLabeled"] == 0


def test_throttling_on_30_percent_of_calls_still_makes_exactly_one_job(
    aws: LocalAws, inputs: Inputs, aws_sagemaker: Any
) -> None:
    aws.faults.set("*", throttle_rate=0.3)
    task = operator(inputs, botocore_config={"retries": {"total_max_attempts": 1}})
    with RunningClock(aws, step=2.0):
        result = task.execute(task_context())
    aws.faults.clear()
    assert result["status"] == "Completed"
    assert labeling_job_names(aws_sagemaker) == [JOB_NAME]


def test_a_raw_request_is_sent_as_given_with_the_default_name(
    aws: LocalAws, inputs: Inputs, aws_s3: Any, aws_sagemaker: Any
) -> None:
    request = labeling_request(
        aws_s3, inputs.bucket, task="ImageMultiClass", manifest_uri=inputs.manifest_uri,
        categories_uri=put_categories(aws_s3, inputs.bucket, ["dog", "cat"]),
        label_attribute="animal",
    )
    del request["LabelingJobName"]
    task = GroundTruthCreateLabelingJobOperator(
        task_id=TI.task_id, create_job_request=request, wait_for_completion=False
    )
    assert task.outlets == []  # a task that does not wait publishes no output
    result = task.execute(task_context())
    assert result["job_name"] == JOB_NAME
    described = aws_sagemaker.describe_labeling_job(LabelingJobName=JOB_NAME)
    assert described["LabelAttributeName"] == "animal"
    assert described["LabelCategoryConfigS3Uri"] == request["LabelCategoryConfigS3Uri"]


def test_a_job_name_given_is_used_and_checked(aws: LocalAws, inputs: Inputs) -> None:
    result = operator(inputs, wait_for_completion=False, job_name="Nightly-Boxes-7").execute(
        task_context())
    assert result["job_name"] == "Nightly-Boxes-7"
    with pytest.raises(NameRuleError, match="only ASCII letters, digits and hyphens"):
        operator(inputs, job_name="nightly_boxes").execute(task_context())


def test_arguments_are_checked_before_anything_is_created(
    aws: LocalAws, inputs: Inputs, aws_sagemaker: Any
) -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        operator(inputs, create_job_request={"LabelingJobName": "x"})
    with pytest.raises(ConfigurationError, match="missing: role_arn, workteam_arn"):
        operator(inputs, role_arn=None, workteam_arn=None)
    with pytest.raises(NameRuleError, match="must not contain '-metadata'"):
        operator(inputs, label_attribute_name="boxes-metadata").execute(task_context())
    assert labeling_job_names(aws_sagemaker) == []


def test_the_output_asset_is_derived_given_or_left_out() -> None:
    arguments = Inputs("b", "s3://b/in.manifest", "s3://b/ui.html", 1).job_arguments()
    given = Asset(name="boxes", uri="s3://b/boxes/")
    assert GroundTruthCreateLabelingJobOperator(
        task_id="a", output_asset=given, **arguments).outlets == [given]
    assert GroundTruthCreateLabelingJobOperator(
        task_id="b", output_asset=False, **arguments).outlets == []
    templated = {**arguments, "output_path": "s3://b/{{ ds }}/labels"}
    assert GroundTruthCreateLabelingJobOperator(task_id="c", **templated).outlets == []
    asset = labeling_output_asset("s3://b/labels/", "bounding-box")
    assert (asset.uri, asset.name) == (
        "s3://b/labels?label-attribute=bounding-box", "s3://b/labels#bounding-box"
    )
    # Airflow keeps one active Asset per URI: two attributes in one folder need two URIs.
    other = labeling_output_asset("s3://b/labels", "verify-bounding-box")
    assert other.uri != asset.uri and other.name != asset.name


def test_aws_parameters_come_from_default_args_too() -> None:
    arguments = Inputs("b", "s3://b/in.manifest", "s3://b/ui.html", 1).job_arguments()
    with DAG("defaults", default_args={"aws_conn_id": "labeling_aws", "region_name": "eu-west-1",
                                       "retry_budget": 60.0}):
        task = GroundTruthCreateLabelingJobOperator(task_id="label", **arguments)
    assert (task.aws_conn_id, task.region_name, task.retry_budget) == (
        "labeling_aws", "eu-west-1", 60.0
    )
    assert task.hook.aws_conn_id == "labeling_aws"
    assert task.hook.retry_budget.seconds == 60.0


def test_killing_a_task_whose_job_is_not_running_stops_nothing(
    aws: LocalAws, inputs: Inputs
) -> None:
    task = operator(inputs)
    task.on_kill()  # killed before it named a job
    task.labeling_job_name = JOB_NAME
    task.on_kill()  # killed before the job was created
    with RunningClock(aws):
        result = task.execute(task_context())
    task.on_kill()  # killed after the job completed
    assert task.hook.describe_labeling_job(JOB_NAME)["LabelingJobStatus"] == result["status"] == (
        "Completed"
    )
