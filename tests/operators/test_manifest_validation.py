"""The validate operator on the stand-in: reports beside the manifest, XCom, fail or warn, alert."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import orjson
import pytest

from airflow_gt.compat import AirflowFailException
from airflow_gt.exceptions import (
    ConfigurationError,
    ManifestNotFoundError,
    ManifestValidationError,
)
from airflow_gt.local import LocalAws
from airflow_gt.notifications.data_quality import sns_data_quality_notifier
from airflow_gt.operators.manifest import ManifestValidateOperator
from tests.airflow_support import Inputs, TaskInstanceStub, task_context
from tests.local.labeling import read_lines
from tests.notifications.topics import subscribed_topic
from tests.operators.labeled import label_boxes, plant_bad_box


@pytest.fixture
def labeled(aws: LocalAws, inputs: Inputs) -> dict[str, Any]:
    """The result of a completed bounding-box job over ``inputs``."""
    return label_boxes(aws, inputs)


def validate(**options: Any) -> ManifestValidateOperator:
    return ManifestValidateOperator(task_id="validate_boxes", **options)


def read_json(s3: Any, uri: str) -> Any:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return orjson.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def test_a_good_output_passes_and_its_reports_are_written_beside_it(
    labeled: dict[str, Any], inputs: Inputs, aws_s3: Any
) -> None:
    output = labeled["output_manifest_uri"]
    summary = validate(
        manifest=labeled, input_manifest=inputs.manifest_uri,
        label_categories=["dog", "cat", "bone", "ball"],
    ).execute(task_context())
    assert summary["success"] is True
    assert (summary["source"], summary["objects"]) == (output, inputs.objects)
    assert summary["label_attribute"] == "bounding-box"
    assert summary["labeled"] == labeled["label_counters"]["TotalLabeled"]
    folder = output.rsplit("/", 1)[0]
    assert summary["reports"] == {"json": f"{folder}/validation-report.json",
                                  "html": f"{folder}/validation-report.html"}
    written = read_json(aws_s3, summary["reports"]["json"])
    assert {key: value for key, value in summary.items() if key != "reports"} == written
    bucket, _, key = summary["reports"]["html"].removeprefix("s3://").partition("/")
    html = aws_s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert html.startswith(b"<!DOCTYPE html>")
    attributes = [item["label_attribute"] for item in summary["label_attributes"]]
    assert attributes == ["bounding-box", "(pass-through)"]


def test_a_job_is_named_by_its_name_and_output_path_and_its_categories_file(
    labeled: dict[str, Any], inputs: Inputs
) -> None:
    job = labeled["job_name"]
    summary = validate(
        job_name=job, output_path=inputs.output_path,
        label_categories=f"{inputs.output_path}/{job}/label-categories.json",
    ).execute(task_context())
    assert (summary["success"], summary["source"]) == (True, labeled["output_manifest_uri"])
    missing = validate(job_name=job, output_path=inputs.output_path,
                       label_categories=f"{inputs.output_path}/no-such-categories.json")
    with pytest.raises(ManifestNotFoundError, match=r"no-such-categories\.json"):
        missing.execute(task_context())


def test_the_intermediate_manifest_of_a_job_is_the_latest_one(
    labeled: dict[str, Any], inputs: Inputs
) -> None:
    summary = validate(
        job_name=labeled["job_name"], output_path=inputs.output_path, intermediate=True,
        report_prefix=f"s3://{inputs.bucket}/reports/intermediate/",
    ).execute(task_context())
    assert "/annotations/intermediate/" in summary["source"]
    assert summary["source"].endswith("/annotations.manifest")
    assert summary["reports"]["json"] == (
        f"s3://{inputs.bucket}/reports/intermediate/validation-report.json"
    )
    with pytest.raises(ConfigurationError, match="no intermediate manifest"):
        validate(job_name="never-ran", output_path=inputs.output_path,
                 intermediate=True).execute(task_context())


def test_a_planted_bad_line_fails_the_task_and_alerts_through_sns(
    aws: LocalAws, labeled: dict[str, Any], inputs: Inputs, aws_s3: Any
) -> None:
    bad, line = plant_bad_box(aws_s3, labeled["output_manifest_uri"],
                              f"s3://{inputs.bucket}/planted/bad.manifest")
    topic = subscribed_topic(aws.endpoint_url)
    context = task_context(TaskInstanceStub(task_id="validate_boxes"))
    task = validate(manifest=bad, notifier=sns_data_quality_notifier(topic.topic_arn))
    with pytest.raises(AirflowFailException) as caught:  # no retry: the manifest won't change
        task.execute(context)
    assert isinstance(caught.value.__cause__, ManifestValidationError)
    summary = context["ti"].xcoms["return_value"]
    assert summary["success"] is False
    (failure,) = summary["failed_expectations"]
    assert (failure["column"], failure["unexpected_count"], failure["sample_lines"]) == (
        "width", 1, [line]
    )
    report = f"s3://{inputs.bucket}/planted/validation-report.html"
    assert caught.value.__cause__.report_uri == report == summary["reports"]["html"]
    assert str(caught.value).startswith(f"{bad}: 1 of ")
    (notification,) = topic.received()
    assert notification["Subject"] == (
        "Data quality: bounding-box failed 1 expectation in labeling.validate_boxes"
    )
    message = notification["Message"]
    assert f"Manifest: {bad}" in message
    assert f"Objects: {inputs.objects} lines" in message
    assert f"a box has a positive width [expect_column_values_to_be_between on width]: " \
           f"1 unexpected; sample lines {line}" in message
    assert f"Report: {report}" in message


def test_warn_alerts_a_templated_topic_and_succeeds_with_the_failed_summary(
    aws: LocalAws, labeled: dict[str, Any], inputs: Inputs, aws_s3: Any
) -> None:
    bad, _ = plant_bad_box(aws_s3, labeled["output_manifest_uri"],
                           f"s3://{inputs.bucket}/planted/bad.manifest")
    topic = subscribed_topic(aws.endpoint_url)
    context = task_context()
    context["params"] = {"alert_topic_arn": topic.topic_arn}
    notifier = sns_data_quality_notifier("{{ params.alert_topic_arn }}")
    summary = validate(
        manifest=bad, on_failure="warn", notifier=notifier,
        report_prefix=f"s3://{inputs.bucket}/reports",
    ).execute(context)
    assert summary["success"] is False
    assert summary["reports"]["html"] == f"s3://{inputs.bucket}/reports/validation-report.html"
    (notification,) = topic.received()
    assert f"Report: {summary['reports']['html']}" in notification["Message"]


def test_an_alert_that_cannot_be_sent_fails_the_task_in_both_modes(
    aws: LocalAws, labeled: dict[str, Any], inputs: Inputs, aws_s3: Any
) -> None:
    from botocore.exceptions import ClientError

    bad, _ = plant_bad_box(aws_s3, labeled["output_manifest_uri"],
                           f"s3://{inputs.bucket}/planted/bad.manifest")
    nowhere = sns_data_quality_notifier("arn:aws:sns:us-east-1:123456789012:no-such-topic")
    with pytest.raises(ClientError):
        validate(manifest=bad, on_failure="warn", notifier=nowhere).execute(task_context())
    with pytest.raises(ManifestValidationError) as caught:
        validate(manifest=bad, notifier=nowhere).execute(task_context())
    assert isinstance(caught.value.__cause__, ClientError)


def test_a_passing_manifest_sends_no_alert(
    aws: LocalAws, labeled: dict[str, Any]
) -> None:
    topic = subscribed_topic(aws.endpoint_url)
    validate(manifest=labeled["output_manifest_uri"],
             notifier=sns_data_quality_notifier(topic.topic_arn)).execute(task_context())
    assert topic.received(wait_seconds=0) == []


def test_a_bad_line_of_json_fails_with_its_file_and_line(
    aws: LocalAws, inputs: Inputs, aws_s3: Any
) -> None:
    from airflow_gt.exceptions import InvalidJsonError

    lines = read_lines(aws_s3, inputs.manifest_uri)
    body = orjson.dumps(lines[0]) + b"\n{not json\n"
    aws_s3.put_object(Bucket=inputs.bucket, Key="broken.manifest", Body=body)
    with pytest.raises(InvalidJsonError, match=r"broken\.manifest, line 2"):
        validate(manifest=f"s3://{inputs.bucket}/broken.manifest").execute(task_context())


@pytest.mark.parametrize(
    ("options", "parameter"),
    [
        ({}, "manifest"),
        ({"manifest": "s3://b/m", "job_name": "j", "output_path": "s3://b"}, "manifest"),
        ({"job_name": "j"}, "output_path"),
        ({"manifest": "s3://b/m", "on_failure": "ignore"}, "on_failure"),
    ],
)
def test_arguments_are_checked_when_the_dag_is_parsed(
    options: dict[str, Any], parameter: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        validate(**options)
    assert caught.value.parameter == parameter


def test_a_result_without_a_manifest_is_refused_when_the_task_runs() -> None:
    task = validate(manifest={"job_name": "x"})
    with pytest.raises(ConfigurationError, match="expected an s3:// URI or a task result"):
        task.execute(task_context())
    rendered = validate(manifest="{'job_name': 'x', 'output_manifest_uri': 's3://b/o'}")
    with pytest.raises(ConfigurationError, match=r"pass the result itself \(task.output\)"):
        rendered.execute(task_context())


def test_importing_the_operators_imports_no_great_expectations() -> None:
    code = (
        "import sys, airflow_gt.operators.manifest;"
        "print(sorted(m for m in ('great_expectations', 'pandas') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=120)
    assert result.stdout.strip() == "[]"
