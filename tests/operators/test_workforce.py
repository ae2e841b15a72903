"""The workforce operator on a stand-in with a planted poor worker: flags them alone, alerts
through SNS -> SQS, writes the reports, fails or warns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from airflow_gt.compat import AirflowFailException
from airflow_gt.exceptions import ConfigurationError, WorkforceCheckError
from airflow_gt.local import LocalAws, ManualClock
from airflow_gt.notifications.data_quality import sns_data_quality_notifier
from airflow_gt.operators.ground_truth import GroundTruthCreateLabelingJobOperator
from airflow_gt.operators.workforce import GroundTruthWorkforceOperator
from tests.airflow_support import (
    RunningClock,
    TaskInstanceStub,
    connect,
    make_inputs,
    task_context,
)
from tests.conftest import _dummy_credentials, client
from tests.notifications.topics import subscribed_topic

PLANTED = {"ann": 0.95, "bo": 0.92, "cy": 0.4}


@pytest.fixture(scope="module")
def planted() -> Iterator[tuple[LocalAws, dict[str, Any]]]:
    """One classification job of 50 images, 3 workers each, by ann, bo and the poor cy."""
    _dummy_credentials()
    with LocalAws(seed=0, clock=ManualClock(), workers=PLANTED) as stand_in, \
            pytest.MonkeyPatch.context() as patch:
        connect(stand_in, patch)
        inputs = make_inputs(client("s3", stand_in.endpoint_url), count=50)
        task = GroundTruthCreateLabelingJobOperator(
            task_id="classify", poll_interval=0.01, workers_per_object=3,
            **inputs.job_arguments(labeling_task_type="ImageMultiClass",
                                   label_attribute_name="animal"),
        )
        with RunningClock(stand_in):
            result = task.execute(task_context())
        yield stand_in, result


@pytest.fixture
def aws(planted: tuple[LocalAws, dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> LocalAws:
    return connect(planted[0], monkeypatch)


@pytest.fixture
def job(planted: tuple[LocalAws, dict[str, Any]]) -> dict[str, Any]:
    return planted[1]


def check(**options: Any) -> GroundTruthWorkforceOperator:
    return GroundTruthWorkforceOperator(task_id="check_workforce", **options)


def read_json(s3: Any, uri: str) -> Any:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return orjson.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def test_the_planted_worker_fails_the_task_alone_and_the_alert_names_them(
    aws: LocalAws, job: dict[str, Any]
) -> None:
    topic = subscribed_topic(aws.endpoint_url)
    context = task_context(TaskInstanceStub(task_id="check_workforce"))
    task = check(labeling_job=job, min_worker_accuracy=0.7,
                 notifier=sns_data_quality_notifier(topic.topic_arn))
    with pytest.raises(AirflowFailException) as caught:  # no retry: the answers won't change
        task.execute(context)
    error = caught.value.__cause__
    assert isinstance(error, WorkforceCheckError)
    assert error.workers == ["cy"]
    summary = context["ti"].xcoms["return_value"]
    assert summary["success"] is False
    assert (summary["objects"], summary["answers"], summary["workers"]) == (50, 150, 3)
    assert {w["worker_id"] for w in summary["per_worker"]} == set(PLANTED)
    assert [c["worker_id"] for c in summary["failed_checks"]] == ["cy"]
    folder = job["output_manifest_uri"].removesuffix("/manifests/output/output.manifest")
    assert summary["reports"]["html"] == f"{folder}/workforce-report.html" == error.report_uri
    written = read_json(client("s3", aws.endpoint_url), summary["reports"]["json"])
    assert {k: v for k, v in summary.items() if k != "reports"} == written
    (notification,) = topic.received()
    assert notification["Subject"] == (
        f"Workforce: worker cy below accuracy in {job['job_name']}")
    message = notification["Message"]
    assert "Workforce check failed in labeling.check_workforce" in message
    assert "worker cy: accuracy " in message and "below 0.7" in message
    assert f"Report: {folder}/workforce-report.html" in message


def test_by_job_name_with_warn_the_task_succeeds_with_the_failed_summary(
    aws: LocalAws, job: dict[str, Any]
) -> None:
    topic = subscribed_topic(aws.endpoint_url)
    context = task_context()
    context["params"] = {"topic": topic.topic_arn}
    bucket = job["output_manifest_uri"].removeprefix("s3://").split("/")[0]
    summary = check(
        labeling_job=job["job_name"], min_worker_accuracy="0.7", on_failure="warn",
        report_prefix=f"s3://{bucket}/quality", notifier=sns_data_quality_notifier(
            "{{ params.topic }}"),
    ).execute(context)
    assert summary["success"] is False
    assert summary["reports"]["json"] == f"s3://{bucket}/quality/workforce-report.json"
    (notification,) = topic.received()
    assert "cy" in notification["Subject"]


def test_a_workforce_above_its_thresholds_passes_without_an_alert(
    aws: LocalAws, job: dict[str, Any]
) -> None:
    topic = subscribed_topic(aws.endpoint_url)
    summary = check(labeling_job=job, min_worker_accuracy=0.2, min_agreement=0.5,
                    notifier=sns_data_quality_notifier(topic.topic_arn)).execute(task_context())
    assert summary["success"] is True
    assert summary["failed_checks"] == []
    assert topic.received(wait_seconds=0) == []


def test_a_result_without_an_output_manifest_is_refused(aws: LocalAws) -> None:
    with pytest.raises(ConfigurationError, match="labeling_job"):
        check(labeling_job={"manifest_uri": "s3://b/x.manifest"}).execute(task_context())
