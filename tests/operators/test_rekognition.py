"""The moderation-manifest and create-adapter operators on the stand-in: convert, create, attach,
wait, defer, fail, kill."""

from __future__ import annotations

import threading
from typing import Any

import orjson
import pytest

from airflow_gt.adapters.names import default_version_name
from airflow_gt.compat import TaskDeferred
from airflow_gt.exceptions import (
    AdapterProjectError,
    AdapterTrainingFailedError,
    AdapterVersionConflictError,
    AdapterWaitError,
    ConfigurationError,
    NameRuleError,
)
from airflow_gt.links.rekognition import RekognitionAdapterLink
from airflow_gt.local import LocalAws
from airflow_gt.operators.rekognition import (
    RekognitionCreateAdapterOperator,
    RekognitionModerationManifestOperator,
)
from airflow_gt.triggers.rekognition import RekognitionAdapterTrainingTrigger
from tests.adapter_support import ATTRIBUTE, AdapterData, adapter_data
from tests.airflow_support import (
    RunningClock,
    TaskInstanceStub,
    run_trigger,
    task_context,
    wait_until,
)
from tests.conftest import client
from tests.local.adapters import TRAINING_SECONDS, read_lines

TI = TaskInstanceStub(dag_id="moderation", task_id="train_adapter")
VERSION = default_version_name(TI.dag_id, TI.task_id, TI.run_id)


@pytest.fixture(scope="module")
def data() -> AdapterData:
    return adapter_data()


def context(**changes: Any) -> Any:
    fields = {"dag_id": TI.dag_id, "task_id": TI.task_id, "run_id": TI.run_id, **changes}
    return task_context(TaskInstanceStub(**fields))


def operator(data: AdapterData, **overrides: Any) -> RekognitionCreateAdapterOperator:
    options: dict[str, Any] = {
        "task_id": TI.task_id,
        "project_name": "moderation",
        "training_manifest_uri": data.training_uri,
        "testing_manifest_uri": data.testing_uri,
        "output_path": data.output_path,
        "confidence_threshold": 60.0,
        "kms_key_id": "alias/adapters",
        "version_description": "weekly adapter",
        "tags": {"team": "trust"},
        "poll_interval": 0.01,
    }
    options.update(overrides)
    return RekognitionCreateAdapterOperator(**options)


def versions(aws: LocalAws) -> list[str]:
    """Every version name of the stand-in's ``moderation`` project."""
    rekognition = client("rekognition", aws.endpoint_url)
    projects = rekognition.describe_projects(
        ProjectNames=["moderation"], Features=["CONTENT_MODERATION"]
    )["ProjectDescriptions"]
    if not projects:
        return []
    described = rekognition.describe_project_versions(ProjectArn=projects[0]["ProjectArn"])
    return [v["ProjectVersionArn"].split("/")[-2] for v in described["ProjectVersionDescriptions"]]


# -- the moderation manifests --------------------------------------------------------------------


def test_the_manifest_operator_converts_splits_and_uploads(
    aws: LocalAws, data: AdapterData, aws_s3: Any
) -> None:
    prefix = f"s3://{data.bucket}/op-manifests"
    task = RekognitionModerationManifestOperator(
        task_id="convert", source_manifest_uri=data.labeling_output_uri,
        label_attribute_name=ATTRIBUTE, training_manifest_uri=f"{prefix}/train.manifest",
        testing_manifest_uri=f"{prefix}/test.manifest", test_fraction=0.25, seed=5,
    )
    summary = task.execute(task_context())
    training = read_lines(aws_s3, {"Bucket": data.bucket, "Name": "op-manifests/train.manifest"})
    testing = read_lines(aws_s3, {"Bucket": data.bucket, "Name": "op-manifests/test.manifest"})
    assert (summary["training_images"], summary["testing_images"]) == (len(training), len(testing))
    assert summary["images"] == len(training) + len(testing) == 40
    assert len(testing) == 10
    assert not {line["source-ref"] for line in training} & {line["source-ref"] for line in testing}
    with_labels = [line for line in training + testing
                   if line["content-moderation-groundtruth"]["ModerationLabels"]]
    assert summary["safe"] == 40 - len(with_labels)
    assert set(summary["labels"]) <= {"Rude Gesture", "Nudity", "Smoking"}
    assert sum(counts["testing"] for counts in summary["labels"].values()) == sum(
        len(line["content-moderation-groundtruth"]["ModerationLabels"]) for line in testing)
    orjson.dumps(summary)  # the XCom is JSON


def test_the_manifest_operator_maps_classes_through_a_label_map_file(
    aws: LocalAws, data: AdapterData, aws_s3: Any
) -> None:
    aws_s3.put_object(Bucket=data.bucket, Key="maps/smoke.json",
                      Body=b'{"Smoking": "Drugs & Tobacco", "Nudity": "safe"}')
    target = f"s3://{data.bucket}/op-mapped/train.manifest"
    summary = RekognitionModerationManifestOperator(
        task_id="convert", source_manifest_uri=data.labeling_output_uri,
        label_attribute_name=ATTRIBUTE, training_manifest_uri=target,
        label_map_uri=f"s3://{data.bucket}/maps/smoke.json",
    ).execute(task_context())
    assert summary["testing"] is None
    assert set(summary["labels"]) <= {"Rude Gesture", "Drugs & Tobacco"}
    assert "Drugs & Tobacco" in summary["labels"]
    inline = RekognitionModerationManifestOperator(
        task_id="convert", source_manifest_uri={"output_manifest_uri": data.labeling_output_uri},
        label_attribute_name=ATTRIBUTE, training_manifest_uri=target,
        label_map={"Rude Gesture": "safe"},
    ).execute(task_context())
    assert set(inline["labels"]) == {"Nudity", "Smoking"}  # the other images are safe now
    assert inline["images"] == 40
    with pytest.raises(ConfigurationError, match="either label_map or label_map_uri"):
        RekognitionModerationManifestOperator(
            task_id="x", source_manifest_uri="s3://b/o", label_attribute_name=ATTRIBUTE,
            training_manifest_uri="s3://b/t", label_map={}, label_map_uri="s3://b/m.json",
        )


# -- the adapter ---------------------------------------------------------------------------------


def test_create_without_waiting_makes_the_project_and_the_version(
    aws: LocalAws, data: AdapterData
) -> None:
    ctx = context()
    result = operator(data, wait_for_completion=False).execute(ctx)
    assert (result["project_name"], result["version_name"], result["status"]) == (
        "moderation", VERSION, "TRAINING_IN_PROGRESS"
    )
    assert result["evaluation_uri"] is None
    assert versions(aws) == [VERSION]
    rekognition = client("rekognition", aws.endpoint_url)
    (described,) = rekognition.describe_project_versions(
        ProjectArn=result["project_arn"], VersionNames=[VERSION]
    )["ProjectVersionDescriptions"]
    assert described["FeatureConfig"] == {"ContentModeration": {"ConfidenceThreshold": 60.0}}
    assert (described["KmsKeyId"], described["VersionDescription"]) == (
        "alias/adapters", "weekly adapter"
    )
    assert described["OutputConfig"] == {"S3Bucket": data.bucket, "S3KeyPrefix": "adapters"}
    assert described["TestingDataResult"]["Input"]["Assets"][0]["GroundTruthManifest"][
        "S3Object"]["Name"] == "adapter-data/test.manifest"
    link = ctx["ti"].xcoms[RekognitionAdapterLink.key]
    assert RekognitionAdapterLink().format_link(**link) == (
        "https://console.aws.amazon.com/rekognition/home?region=us-east-1"
        "#/custom-moderation/projects/moderation"
    )


def test_a_retry_attaches_to_the_version_of_its_first_try(
    aws: LocalAws, data: AdapterData
) -> None:
    first = operator(data, wait_for_completion=False).execute(context())
    aws.advance(3)
    retry = operator(data, wait_for_completion=False).execute(context(try_number=2))
    assert retry["version_arn"] == first["version_arn"]
    assert retry["project_arn"] == first["project_arn"]
    assert versions(aws) == [VERSION]
    other_run = operator(data, wait_for_completion=False).execute(context(run_id="manual__2"))
    assert sorted(versions(aws)) == sorted([VERSION, other_run["version_name"]])


def test_a_version_of_that_name_with_another_request_is_not_attached_to(
    aws: LocalAws, data: AdapterData
) -> None:
    operator(data, wait_for_completion=False).execute(context())
    changed = operator(data, wait_for_completion=False, confidence_threshold=75,
                       testing_manifest_uri=None, tags={"team": "other"})
    with pytest.raises(AdapterVersionConflictError) as caught:
        changed.execute(context())
    assert caught.value.differences == [
        "TestingData.AutoCreate: the existing version has none, this task asks for True",
        "FeatureConfig.ContentModeration.ConfidenceThreshold: the existing version has 60.0, "
        "this task asks for 75.0",
    ]
    assert versions(aws) == [VERSION]


def test_a_lost_create_answer_retried_into_resource_in_use_attaches(
    aws: LocalAws, data: AdapterData
) -> None:
    from botocore.exceptions import ReadTimeoutError

    task = operator(data, wait_for_completion=False)
    lost: list[str] = []

    def drop_the_first_answer(**kwargs: Any) -> None:
        if not lost:
            lost.append("CreateProjectVersion")
            raise ReadTimeoutError(endpoint_url=aws.endpoint_url)

    task.hook.conn.meta.events.register(
        "after-call.rekognition.CreateProjectVersion", drop_the_first_answer
    )
    result = task.execute(context())
    assert lost == ["CreateProjectVersion"]
    assert versions(aws) == [VERSION] == [result["version_name"]]


def test_waiting_returns_the_trained_version_and_its_files(
    aws: LocalAws, data: AdapterData, aws_s3: Any
) -> None:
    with RunningClock(aws):
        result = operator(data).execute(context())
    assert result["status"] == "TRAINING_COMPLETED"
    assert result["confidence_threshold"] == 60.0
    bucket, _, key = result["evaluation_uri"].removeprefix("s3://").partition("/")
    evaluation = orjson.loads(aws_s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    assert evaluation["AggregatedEvaluationResults"]["F1Score"] == result["f1_score"]
    bucket, _, key = result["testing_output_uri"].removeprefix("s3://").partition("/")
    testing = read_lines(aws_s3, {"Bucket": bucket, "Name": key})
    assert len(testing) == data.testing_images
    assert all("detect-moderation-labels" in line for line in testing)
    assert result["training_output_uri"].endswith("/training_output.manifest")


def test_deferred_the_trigger_carries_the_aws_parameters_and_the_task_resumes(
    aws: LocalAws, data: AdapterData
) -> None:
    task = operator(data, deferrable=True, verify=False, max_attempts=5000,
                    botocore_config={"retries": {"mode": "standard"}})
    ctx = context()
    with pytest.raises(TaskDeferred) as deferred:
        task.execute(ctx)
    trigger = deferred.value.trigger
    assert isinstance(trigger, RekognitionAdapterTrainingTrigger)
    assert deferred.value.method_name == "execute_complete"
    kwargs = trigger.serialize()[1]
    assert (kwargs["version_name"], kwargs["stop_on_kill"], kwargs["region_name"]) == (
        VERSION, False, "us-east-1"
    )
    assert (kwargs["verify"], kwargs["botocore_config"], kwargs["max_attempts"]) == (
        False, {"retries": {"mode": "standard"}}, 5000
    )
    assert kwargs["project_arn"] == task.project_arn
    with RunningClock(aws):
        (event,) = run_trigger(trigger)
    result = operator(data, deferrable=True).execute_complete(ctx, event.payload)
    assert (result["status"], result["version_name"]) == ("TRAINING_COMPLETED", VERSION)
    assert result["evaluation_uri"] is not None


def test_a_trigger_error_or_a_vanished_version_fails_the_resumed_task(data: AdapterData) -> None:
    task = operator(data, deferrable=True)
    error = {"status": "error", "version_name": VERSION, "project_arn": "arn:p",
             "message": "not done after 3 checks", "error": "MaxAttemptsExceeded"}
    with pytest.raises(AdapterWaitError, match=f"'{VERSION}': not done after 3 checks"):
        task.execute_complete(context(), error)
    gone = {"status": "done", "version_name": VERSION, "project_arn": "arn:p", "version": None}
    with pytest.raises(AdapterWaitError, match="gone from project arn:p"):
        task.execute_complete(context(), gone)


def test_failed_training_fails_the_task_with_its_message_and_a_retry_fails_again(
    aws: LocalAws, data: AdapterData
) -> None:
    aws.faults.fail(VERSION, "The testing manifest has images in two buckets.")
    with RunningClock(aws), pytest.raises(AdapterTrainingFailedError) as caught:
        operator(data).execute(context())
    assert (caught.value.status, caught.value.message) == (
        "TRAINING_FAILED", "The testing manifest has images in two buckets."
    )
    with pytest.raises(AdapterTrainingFailedError, match="ended TRAINING_FAILED"):
        operator(data, deferrable=True).execute(context(try_number=2))
    assert versions(aws) == [VERSION]


def test_killing_the_task_asks_rekognition_which_cannot_stop_an_adapter(
    aws: LocalAws, data: AdapterData, capsys: pytest.CaptureFixture[str]
) -> None:
    task = operator(data, max_attempts=100_000, stop_on_kill=True)
    outcome: list[BaseException] = []
    result: list[dict[str, Any]] = []

    def run() -> None:
        try:
            result.append(task.execute(context()))
        except BaseException as error:  # checked below
            outcome.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    try:
        wait_until(lambda: task.adapter_version_name is not None and versions(aws) == [VERSION])
        capsys.readouterr()
        task.on_kill()
        killed = capsys.readouterr().out
    finally:
        aws.advance(TRAINING_SECONDS)
        worker.join(timeout=30)
    assert "Rekognition cannot stop adapter version" in killed
    assert outcome == []
    assert result[0]["status"] == "TRAINING_COMPLETED"  # training went on to its end


def test_killing_a_task_before_or_after_training_stops_nothing(
    aws: LocalAws, data: AdapterData, capsys: pytest.CaptureFixture[str]
) -> None:
    task = operator(data, stop_on_kill=True)
    task.on_kill()  # killed before it named a version
    with RunningClock(aws):
        task.execute(context())
    capsys.readouterr()
    task.on_kill()
    assert "is not training, nothing to stop" in capsys.readouterr().out
    task.stop_on_kill = False
    task.on_kill()
    assert "goes on training; a retry attaches" in capsys.readouterr().out


def test_an_existing_project_is_used_and_a_missing_one_can_be_required(
    aws: LocalAws, data: AdapterData
) -> None:
    with pytest.raises(AdapterProjectError, match="no Custom Moderation project of that name"):
        operator(data, create_project=False).execute(context())
    assert versions(aws) == []
    rekognition = client("rekognition", aws.endpoint_url)
    arn = rekognition.create_project(
        ProjectName="moderation", Feature="CONTENT_MODERATION", AutoUpdate="ENABLED"
    )["ProjectArn"]
    result = operator(data, create_project=False, wait_for_completion=False).execute(context())
    assert result["project_arn"] == arn


def test_arguments_are_checked_before_anything_is_created(
    aws: LocalAws, data: AdapterData
) -> None:
    with pytest.raises(ConfigurationError, match="confidence_threshold: must be a number from 0"):
        operator(data, confidence_threshold=150).execute(context())
    with pytest.raises(ConfigurationError, match="training_manifest_uri"):
        operator(data, training_manifest_uri="train.manifest").execute(context())
    with pytest.raises(NameRuleError, match="Rekognition project name 'my project'"):
        operator(data, project_name="my project").execute(context())
    with pytest.raises(NameRuleError, match="adapter version name"):
        operator(data, version_name="v/1").execute(context())
    assert versions(aws) == []


def test_templated_values_rendered_as_text_are_read_as_numbers(
    aws: LocalAws, data: AdapterData
) -> None:
    result = operator(data, confidence_threshold="70", kms_key_id="", version_description="",
                      wait_for_completion=False, version_name="from-params").execute(context())
    assert (result["version_name"], result["confidence_threshold"]) == ("from-params", 70.0)
