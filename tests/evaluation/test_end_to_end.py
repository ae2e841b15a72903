"""The whole Rekognition path on the local stand-in, through boto3 over HTTP.

Moderation images are labeled by a multi-label Ground Truth job (the simulated workforce makes
mistakes, and some objects fail), its output manifest is converted into training and testing
manifests in S3, an adapter is trained on them, and its real evaluation file and testing output
manifest are read back from S3 and evaluated. Every figure is recomputed here, independently,
from the testing output manifest's lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.cli import main
from airflow_gt.evaluation import (
    Evaluation,
    Gates,
    OutputManifestAnalysis,
    analyze_output_manifest,
    evaluate,
    read_evaluation_results,
)
from airflow_gt.local import LocalAws, ManualClock, WorkerSkill, WorkforceConfig
from airflow_gt.local.datasets import generate_moderation_dataset
from airflow_gt.manifests import ModerationResult, read_manifest, to_moderation
from tests.conftest import client
from tests.evaluation.documents import expected_block
from tests.local.adapters import (
    ADAPTER_COLUMN,
    BASE_MODEL_COLUMN,
    TRAINING_SECONDS,
    create_project,
    describe_version,
    ground_truth,
    output_objects,
    read_lines,
    version_request,
)
from tests.local.labeling import labeling_request, put_categories

ATTRIBUTE = "moderation"
THRESHOLD = 60.0
pytestmark = pytest.mark.integration


@dataclass
class Pipeline:
    stand_in: LocalAws
    s3: Any
    bucket: str
    labeled: list[dict[str, Any]]
    conversion: ModerationResult
    description: dict[str, Any]

    def uri(self, name: str) -> str:
        s3_object = output_objects(self.description)[name]
        return f"s3://{s3_object['Bucket']}/{s3_object['Name']}"


@pytest.fixture(scope="module")
def pipeline() -> Iterator[Pipeline]:
    workforce = WorkforceConfig(
        seconds_per_task=0.5, object_failure_rate=0.08, skill=WorkerSkill(accuracy=0.85)
    )
    with LocalAws(seed=3, clock=ManualClock(), workforce=workforce) as stand_in:
        s3 = client("s3", stand_in.endpoint_url)
        sagemaker = client("sagemaker", stand_in.endpoint_url)
        rekognition = client("rekognition", stand_in.endpoint_url)
        bucket = "moderation-pipeline"
        s3.create_bucket(Bucket=bucket)
        dataset = generate_moderation_dataset(s3, f"s3://{bucket}/data", count=120, seed=4)
        request = labeling_request(
            s3, bucket, task="ImageMultiClassMultiLabel", manifest_uri=dataset.manifest_uri,
            categories_uri=put_categories(s3, bucket, dataset.classes),
            label_attribute=ATTRIBUTE, name="label-moderation",
        )
        sagemaker.create_labeling_job(**request)

        def described() -> dict[str, Any]:
            return dict(sagemaker.describe_labeling_job(LabelingJobName="label-moderation"))

        stand_in.run_until(lambda: described()["LabelingJobStatus"] in ("Completed", "Failed"),
                           step=5.0)
        output = described()["LabelingJobOutput"]["OutputDatasetS3Uri"]
        labeled = [record for _, record in read_manifest(output, s3_client=s3)]
        # The classes are moderation labels and "safe": the identity map is enough.
        conversion = to_moderation(
            output, f"s3://{bucket}/adapter/train.manifest", label_attribute=ATTRIBUTE,
            testing=f"s3://{bucket}/adapter/test.manifest", test_fraction=0.25, seed=1,
            s3_client=s3,
        )
        project = create_project(rekognition)
        rekognition.create_project_version(**version_request(
            project, "v1", conversion.training, conversion.testing, bucket, threshold=THRESHOLD,
        ))
        stand_in.advance(TRAINING_SECONDS)
        description = describe_version(rekognition, project, "v1")
        yield Pipeline(stand_in, s3, bucket, labeled, conversion, description)


def test_the_labeling_output_was_converted_and_trained_on(pipeline: Pipeline) -> None:
    conversion = pipeline.conversion
    failed = sum("failure-reason" in r[f"{ATTRIBUTE}-metadata"] for r in pipeline.labeled)
    assert failed > 0
    assert (conversion.lines_read, conversion.failed, conversion.unlabeled) == (120, failed, 0)
    assert conversion.training_images + conversion.testing_images == 120 - failed
    assert pipeline.description["Status"] == "TRAINING_COMPLETED", (
        pipeline.description.get("StatusMessage")
    )
    training = pipeline.description["EvaluationResult"]
    assert training["Summary"]["S3Object"]["Bucket"] == pipeline.bucket


@pytest.fixture(scope="module")
def evaluated(pipeline: Pipeline) -> tuple[Evaluation, OutputManifestAnalysis, list[dict]]:
    results = read_evaluation_results(pipeline.uri("evaluation"), s3_client=pipeline.s3)
    evaluation = evaluate(results, Gates(require_improvement=True))
    analysis = analyze_output_manifest(pipeline.uri("testing"), results, s3_client=pipeline.s3)
    lines = read_lines(pipeline.s3, output_objects(pipeline.description)["testing"])
    return evaluation, analysis, lines


def _counts(lines: list[dict[str, Any]], label: str, column: str) -> dict[str, int]:
    found = {"TruePositive": 0, "TrueNegative": 0, "FalsePositive": 0, "FalseNegative": 0}
    for line in lines:
        present = label in ground_truth(line)
        predicted = any(p["Name"] == label and p["Confidence"] >= THRESHOLD
                        for p in line[column]["ModerationLabels"])
        key = ("True" if present == predicted else "False") + (
            "Positive" if predicted else "Negative")
        found[key] += 1
    return found


def test_the_real_evaluation_file_recomputed_from_the_testing_output(
    pipeline: Pipeline, evaluated: tuple[Evaluation, OutputManifestAnalysis, list[dict]]
) -> None:
    evaluation, _, lines = evaluated
    summary = evaluation.summary()
    assert summary["threshold"] == THRESHOLD
    assert summary["testing_images"] == len(lines) == pipeline.conversion.testing_images
    assert summary["f1"] == pytest.approx(pipeline.description["EvaluationResult"]["F1Score"])
    assert summary["labels"], "the adapter learnt no label"
    for item in summary["per_label"]:
        assert item["adapter"] == pytest.approx(
            expected_block(_counts(lines, item["label"], ADAPTER_COLUMN)))
        assert item["base_model"] == pytest.approx(
            expected_block(_counts(lines, item["label"], BASE_MODEL_COLUMN)))
    totals = {key: sum(_counts(lines, label, ADAPTER_COLUMN)[key] for label in summary["labels"])
              for key in ("TruePositive", "TrueNegative", "FalsePositive", "FalseNegative")}
    assert summary["adapter"] == pytest.approx(expected_block(totals))
    assert summary["f1"] == round(expected_block(totals)["f1"], 4)
    assert summary["gates"][0]["gate"] == "require_improvement"


def test_regressions_recomputed_from_the_testing_output(
    evaluated: tuple[Evaluation, OutputManifestAnalysis, list[dict]]
) -> None:
    _, analysis, lines = evaluated
    assert analysis.mismatched_labels == ()
    assert analysis.images == len(lines)
    for label in analysis.labels:
        expected: dict[str, list[str]] = {"regressions": [], "improvements": []}
        for line in lines:
            present = label.label in ground_truth(line)
            right = {
                column: present == any(
                    p["Name"] == label.label and p["Confidence"] >= THRESHOLD
                    for p in line[column]["ModerationLabels"])
                for column in (ADAPTER_COLUMN, BASE_MODEL_COLUMN)
            }
            if right[ADAPTER_COLUMN] != right[BASE_MODEL_COLUMN]:
                kind = "improvements" if right[ADAPTER_COLUMN] else "regressions"
                expected[kind].append(line["source-ref"])
        assert [d.source_ref for d in label.regressions] == expected["regressions"]
        assert [d.source_ref for d in label.improvements] == expected["improvements"]
    assert analysis.regressions + analysis.improvements > 0


def test_the_command_on_the_files_in_s3(
    pipeline: Pipeline, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", pipeline.stand_in.endpoint_url)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    plot = f"s3://{pipeline.bucket}/reports/evaluation.png"
    code = main([
        "evaluate", pipeline.uri("evaluation"), "--output-manifest", pipeline.uri("testing"),
        "--require-improvement", "--plot", plot, "--format", "json",
    ])
    summary = json.loads(capsys.readouterr().out)
    assert code == (0 if summary["passed"] else 1)
    assert summary["output_manifest"]["counts_match"] is True
    assert summary["plot"] == plot
    png = pipeline.s3.get_object(Bucket=pipeline.bucket, Key="reports/evaluation.png")["Body"]
    assert png.read()[:8] == b"\x89PNG\r\n\x1a\n"
