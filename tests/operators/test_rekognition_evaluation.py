"""The evaluate-adapter operator on what the stand-in's training wrote: gates, files, XCom,
alerts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from airflow_gt.adapters.request import AdapterVersionArguments
from airflow_gt.compat import AirflowFailException
from airflow_gt.exceptions import AdapterGateError, ConfigurationError
from airflow_gt.local import LocalAws
from airflow_gt.operators.rekognition import RekognitionCreateAdapterOperator
from airflow_gt.operators.rekognition_evaluation import (
    RekognitionEvaluateAdapterOperator,
    report_locations,
)
from tests.adapter_support import RecordingNotifier, adapter_data
from tests.airflow_support import RunningClock, TaskInstanceStub, task_context
from tests.local.adapters import (
    TRAINING_SECONDS,
    adapter_stand_in,
    create_project,
    describe_version,
    output_objects,
    rekognition,
    s3_client,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Trained:
    """An adapter the stand-in trained, and what its evaluation file says."""

    evaluation_uri: str
    testing_output_uri: str
    document: dict[str, Any]

    @property
    def f1(self) -> float:
        return float(self.document["AggregatedEvaluationResults"]["F1Score"])

    def aggregated(self, model: str) -> dict[str, int]:
        at_input = self.document["ContentModeration"]["InputConfidenceThresholdEvalResults"]
        return dict(at_input["AggregatedEvaluationResults"][model])


def uri(s3_object: dict[str, str]) -> str:
    return f"s3://{s3_object['Bucket']}/{s3_object['Name']}"


@pytest.fixture(scope="module")
def trained() -> Trained:
    """Trained once in a stand-in of the module's own; its files stay in the session's S3."""
    data = adapter_data()
    with adapter_stand_in() as stand_in:
        client = rekognition(stand_in)
        project = create_project(client)
        request = AdapterVersionArguments(
            data.training_uri, f"s3://{data.bucket}/evaluated", data.testing_uri,
            confidence_threshold=55.0,
        ).to_request(project, "v1")
        client.create_project_version(**request)
        stand_in.advance(TRAINING_SECONDS)
        objects = output_objects(describe_version(client, project, "v1"))
        s3 = s3_client(stand_in)
        evaluation = objects["evaluation"]
        body = s3.get_object(Bucket=evaluation["Bucket"], Key=evaluation["Name"])["Body"].read()
        return Trained(uri(evaluation), uri(objects["testing"]), orjson.loads(body))


def f1(counts: dict[str, int]) -> float:
    denominator = 2 * counts["TruePositive"] + counts["FalsePositive"] + counts["FalseNegative"]
    return 2 * counts["TruePositive"] / denominator if denominator else 0.0


def evaluate(trained: Trained, **overrides: Any) -> RekognitionEvaluateAdapterOperator:
    options: dict[str, Any] = {
        "task_id": "evaluate",
        "evaluation_uri": trained.evaluation_uri,
        "testing_output_uri": trained.testing_output_uri,
    }
    options.update(overrides)
    return RekognitionEvaluateAdapterOperator(**options)


def read(s3: Any, location: str) -> bytes:
    bucket, _, key = location.removeprefix("s3://").partition("/")
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def test_passing_gates_return_the_metrics_and_write_the_plot_and_report_beside_the_file(
    aws: LocalAws, trained: Trained, aws_s3: Any
) -> None:
    adapter, base = trained.aggregated("Adapter"), trained.aggregated("BaseModel")
    assert f1(adapter) >= f1(base)  # the stand-in's adapter is never worse than its base model
    notifier = RecordingNotifier()
    task = evaluate(trained, min_f1=trained.f1, require_improvement=True, notifier=notifier)
    metrics = task.execute(task_context())
    assert metrics["passed"] is True
    assert metrics["f1"] == trained.f1
    assert metrics["threshold"] == 55.0
    assert metrics["adapter"]["tp"] == adapter["TruePositive"]
    assert metrics["base_model"]["fn"] == base["FalseNegative"]
    assert [gate["gate"] for gate in metrics["gates"]] == ["min_f1", "require_improvement"]
    assert metrics["output_manifest"]["counts_match"] is True
    assert metrics["output_manifest"]["images"] == adapter_data().testing_images
    folder = trained.evaluation_uri.rpartition("/")[0]
    assert metrics["plot_uri"] == f"{folder}/EvaluationResultSummary-moderation-v1.png"
    assert metrics["report_uri"] == f"{folder}/EvaluationResultSummary-moderation-v1.txt"
    assert read(aws_s3, metrics["plot_uri"]).startswith(PNG_SIGNATURE)
    report = read(aws_s3, metrics["report_uri"]).decode()
    assert report.endswith("result: passed")
    assert f"plot: {metrics['plot_uri']}" in report
    assert notifier.sent == []
    orjson.dumps(metrics)  # the XCom is JSON


def test_a_failing_gate_fails_the_task_by_name_alerts_and_still_pushes_the_metrics(
    aws: LocalAws, trained: Trained, aws_s3: Any
) -> None:
    assert trained.f1 < 0.999, "the fixture's adapter must be imperfect for min_f1 to fail"
    notifier = RecordingNotifier()
    context = task_context(TaskInstanceStub(task_id="evaluate"))
    label = trained.document["EvaluationDetails"]["Labels"][0]
    task = evaluate(trained, min_f1=0.999, require_improvement=True,
                    min_recall={label: 0.0}, notifier=notifier)
    with pytest.raises(AirflowFailException) as caught:  # no retry: the gate won't change
        task.execute(context)
    gate_error = caught.value.__cause__
    assert isinstance(gate_error, AdapterGateError)
    assert [gate for gate, _ in gate_error.failed] == ["min_f1"]
    assert "failed gate(s) min_f1 (F1Score " in str(caught.value)
    assert "at least 0.9990 required" in str(caught.value)
    metrics = context["ti"].xcoms["return_value"]
    assert metrics["passed"] is False
    assert gate_error.report_uri == metrics["report_uri"]
    assert read(aws_s3, metrics["report_uri"]).decode().endswith("result: FAILED")
    (sent,) = notifier.sent
    assert sent["subject"] == "Adapter v1 failed gate(s): min_f1"
    assert sent["message"].startswith("Adapter v1 failed 1 of 3 gate(s) on ")
    assert f"- min_f1: F1Score {trained.f1:.4f}, at least 0.9990 required" in sent["message"]
    assert f"Report: {metrics['report_uri']}" in sent["message"]
    assert sent["alert"]["report_uri"] == metrics["report_uri"]
    assert sent["alert"]["summary"]["f1"] == trained.f1


def test_the_files_go_under_a_given_prefix_and_the_plot_can_be_left_out(
    aws: LocalAws, trained: Trained, aws_s3: Any
) -> None:
    bucket = trained.evaluation_uri.removeprefix("s3://").partition("/")[0]
    metrics = evaluate(trained, report_prefix=f"s3://{bucket}/reports/weekly", plot=False,
                       testing_output_uri=None).execute(task_context())
    assert metrics["plot_uri"] is None
    assert metrics["report_uri"] == (
        f"s3://{bucket}/reports/weekly/EvaluationResultSummary-moderation-v1.txt"
    )
    assert "output_manifest" not in metrics
    assert "testing output manifest" not in read(aws_s3, metrics["report_uri"]).decode()
    assert report_locations("s3://b/EvaluationResultSummary-p-v.json", None) == (
        "s3://b/EvaluationResultSummary-p-v.png", "s3://b/EvaluationResultSummary-p-v.txt"
    )


def test_the_files_are_found_by_project_and_version_name(
    aws: LocalAws, aws_s3: Any
) -> None:
    data = adapter_data()
    with RunningClock(aws):
        trained = RekognitionCreateAdapterOperator(
            task_id="train", project_name="weekly", training_manifest_uri=data.training_uri,
            testing_manifest_uri=data.testing_uri, output_path=f"s3://{data.bucket}/by-name",
            version_name="v7", poll_interval=0.01,
        ).execute(task_context())
    metrics = RekognitionEvaluateAdapterOperator(
        task_id="evaluate", project_name="weekly", version_name="v7", min_f1="0.0",
    ).execute(task_context())
    assert metrics["f1"] == trained["f1_score"]
    assert metrics["project_version_arn"] == trained["version_arn"]
    assert metrics["output_manifest"]["source"] == trained["testing_output_uri"]


def test_gate_values_rendered_from_templates_are_numbers_and_bad_ones_say_which(
    aws: LocalAws, trained: Trained
) -> None:
    label = trained.document["EvaluationDetails"]["Labels"][0]
    metrics = evaluate(trained, min_f1="None", min_recall={label: "0"}, plot=False).execute(
        task_context())
    assert [gate["gate"] for gate in metrics["gates"]] == [f"min_recall {label}"]
    with pytest.raises(ConfigurationError, match="min_f1: must be a number, got 'high'"):
        evaluate(trained, min_f1="high").execute(task_context())
    with pytest.raises(ConfigurationError, match="not among the evaluated labels"):
        evaluate(trained, min_recall={"Graphic Violence": 0.5}).execute(task_context())


def test_the_files_are_named_one_way_or_the_other() -> None:
    with pytest.raises(ConfigurationError, match="either evaluation_uri or project_name"):
        RekognitionEvaluateAdapterOperator(task_id="e")
    with pytest.raises(ConfigurationError, match="either evaluation_uri or project_name"):
        RekognitionEvaluateAdapterOperator(task_id="e", evaluation_uri="s3://b/e.json",
                                           project_name="p", version_name="v")
    with pytest.raises(ConfigurationError, match="both project_name and version_name"):
        RekognitionEvaluateAdapterOperator(task_id="e", project_name="p")


class BrokenNotifier(RecordingNotifier):
    def notify(self, context: Any) -> None:
        raise ConnectionError("the SNS endpoint is unreachable")


def test_a_notifier_that_cannot_send_still_fails_the_task_with_the_gate(
    aws: LocalAws, trained: Trained
) -> None:
    with pytest.raises(AdapterGateError, match="failed gate") as caught:
        evaluate(trained, min_f1=0.999, notifier=BrokenNotifier(), plot=False).execute(
            task_context())
    assert isinstance(caught.value.__cause__, ConnectionError)
