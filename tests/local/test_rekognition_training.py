"""Adapter training in the Rekognition stand-in, checked through boto3 over HTTP.

A generated dataset of 100 images (with truth records) is trained on; the output manifests and the
evaluation results are read back from S3 and every count is recomputed here, independently, from
the testing output manifest's predictions and ground truth.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from airflow_gt.local import LocalAws
from airflow_gt.local.adapter_training import AdapterTrainingConfig
from airflow_gt.local.datasets import read_truth
from airflow_gt.manifests.moderation_taxonomy import parent_name, taxonomy_level
from tests.conftest import SAMPLES
from tests.local.adapters import (
    ADAPTER_COLUMN,
    BASE_MODEL_COLUMN,
    TRAINING_SECONDS,
    ModerationData,
    adapter_stand_in,
    create_project,
    describe_version,
    generated_dataset,
    ground_truth,
    new_bucket,
    output_objects,
    put_manifest,
    read_lines,
    read_object,
    rekognition,
    s3_client,
    version_request,
)

THRESHOLDS = [float(t) for t in range(5, 101, 5)]
ISO_MILLISECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture(scope="module")
def dataset() -> ModerationData:
    """100 generated images, their truth records and a manifest, in the session's moto S3."""
    with adapter_stand_in() as stand_in:
        s3 = s3_client(stand_in)
        return generated_dataset(s3, new_bucket(s3), "images", 100)


@dataclass
class Trained:
    stand_in: LocalAws
    s3: Any
    rekognition: Any
    project_arn: str
    training_uri: str
    training_manifest: bytes
    while_training: dict[str, Any]
    done: dict[str, Any]


@pytest.fixture(scope="module")
def trained(dataset: ModerationData) -> Iterator[Trained]:
    """An adapter trained on 80 lines and tested on the other 20, at threshold 70."""
    with adapter_stand_in() as stand_in:
        s3, client = s3_client(stand_in), rekognition(stand_in)
        training_uri = put_manifest(s3, dataset.bucket, "split/train.manifest", dataset.lines[:80])
        testing_uri = put_manifest(s3, dataset.bucket, "split/test.manifest", dataset.lines[80:])
        project = create_project(client)
        client.create_project_version(
            **version_request(
                project,
                "v1",
                training_uri,
                testing_uri,
                dataset.bucket,
                threshold=70.0,
                KmsKeyId="alias/adapters",
                VersionDescription="first adapter",
            )
        )
        while_training = describe_version(client, project, "v1")
        stand_in.advance(TRAINING_SECONDS)
        done = describe_version(client, project, "v1")
        raw = s3.get_object(Bucket=dataset.bucket, Key="split/train.manifest")["Body"].read()
        yield Trained(stand_in, s3, client, project, training_uri, raw, while_training, done)


def outputs(trained: Trained) -> dict[str, Any]:
    objects = output_objects(trained.done)
    return {
        "training": read_object(trained.s3, objects["training"]),
        "testing": read_lines(trained.s3, objects["testing"]),
        "evaluation": orjson.loads(read_object(trained.s3, objects["evaluation"])),
    }


def structure(value: Any) -> Any:
    """Keys in order and value types, lists by their first item: what two files share."""
    if isinstance(value, dict):
        return [(key, structure(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [structure(value[0])] if value else []
    return "number" if isinstance(value, int | float) else type(value).__name__


def recount(
    lines: list[dict[str, Any]], label: str, threshold: float, column: str
) -> dict[str, int]:
    tp = tn = fp = fn = 0
    for line in lines:
        present = label in ground_truth(line)
        predicted = any(
            p["Name"] == label and p["Confidence"] >= threshold
            for p in line[column]["ModerationLabels"]
        )
        tp += present and predicted
        fn += present and not predicted
        fp += predicted and not present
        tn += not present and not predicted
    return {"TruePositive": tp, "TrueNegative": tn, "FalsePositive": fp, "FalseNegative": fn}


def recount_threshold(lines: list[dict[str, Any]], labels: list[str], threshold: float) -> Any:
    per_label: list[dict[str, Any]] = [
        {
            "Label": label,
            "BaseModel": recount(lines, label, threshold, BASE_MODEL_COLUMN),
            "Adapter": recount(lines, label, threshold, ADAPTER_COLUMN),
        }
        for label in labels
    ]

    def total(model: str) -> dict[str, int]:
        keys = ("TruePositive", "TrueNegative", "FalsePositive", "FalseNegative")
        return {key: sum(item[model][key] for item in per_label) for key in keys}

    return {
        "ConfidenceThreshold": threshold,
        "AggregatedEvaluationResults": {
            "BaseModel": total("BaseModel"),
            "Adapter": total("Adapter"),
        },
        "LabelEvaluationResults": per_label,
    }


def f1(counts: dict[str, int]) -> float:
    denominator = 2 * counts["TruePositive"] + counts["FalsePositive"] + counts["FalseNegative"]
    return round(2 * counts["TruePositive"] / denominator, 4) if denominator else 0.0


def test_version_trains_for_the_configured_time(trained: Trained) -> None:
    training = trained.while_training
    assert training["Status"] == "TRAINING_IN_PROGRESS"
    for absent in ("EvaluationResult", "TrainingEndTimestamp", "BillableTrainingTimeInSeconds"):
        assert absent not in training
    assert "Output" not in training["TrainingDataResult"]
    done = trained.done
    assert done["Status"] == "TRAINING_COMPLETED"
    assert (done["TrainingEndTimestamp"] - done["CreationTimestamp"]).total_seconds() == (
        TRAINING_SECONDS
    )
    assert done["BillableTrainingTimeInSeconds"] == TRAINING_SECONDS
    assert done["Feature"] == "CONTENT_MODERATION"
    assert done["BaseModelVersion"] == "7.0"
    assert done["FeatureConfig"] == {"ContentModeration": {"ConfidenceThreshold": 70.0}}
    assert done["KmsKeyId"] == "alias/adapters"
    assert done["VersionDescription"] == "first adapter"
    assert (
        done["TrainingDataResult"]["Input"]["Assets"][0]["GroundTruthManifest"]["S3Object"]["Name"]
        == "split/train.manifest"
    )
    arn = done["ProjectVersionArn"]
    assert re.fullmatch(
        r"arn:aws:rekognition:us-east-1:\d{12}:project/moderation/version/v1/\d{13}", arn
    )


def test_output_files_are_under_the_output_prefix(trained: Trained) -> None:
    objects = output_objects(trained.done)
    assert objects["training"]["Name"] == (
        "adapter-output/moderation/v1/manifests/output/training_output.manifest"
    )
    assert objects["testing"]["Name"] == (
        "adapter-output/moderation/v1/manifests/output/testing_output.manifest"
    )
    assert (
        objects["evaluation"]["Name"] == "adapter-output/EvaluationResultSummary-moderation-v1.json"
    )
    assert {o["Bucket"] for o in objects.values()} == {trained.done["OutputConfig"]["S3Bucket"]}


def test_training_output_holds_the_training_lines_as_given(trained: Trained) -> None:
    assert outputs(trained)["training"] == trained.training_manifest


def test_testing_output_lines_have_the_guides_structure(trained: Trained) -> None:
    sample = [
        orjson.loads(x) for x in (SAMPLES / "moderation-output.manifest").read_bytes().splitlines()
    ]
    lines = outputs(trained)["testing"]
    assert len(lines) == 20
    arn = trained.done["ProjectVersionArn"]
    for line in lines:
        assert list(line) == list(sample[0])
        for column, version in ((ADAPTER_COLUMN, arn), (BASE_MODEL_COLUMN, "")):
            prediction = line[column]
            assert list(prediction) == [
                "ModerationLabels",
                "ModerationModelVersion",
                "ProjectVersion",
            ]
            assert (prediction["ModerationModelVersion"], prediction["ProjectVersion"]) == (
                "7.0",
                version,
            )
            confidences = [p["Confidence"] for p in prediction["ModerationLabels"]]
            assert confidences == sorted(confidences, reverse=True)
            for item in prediction["ModerationLabels"]:
                assert list(item) == ["Confidence", "Name", "ParentName"]
                assert 5.0 <= item["Confidence"] <= 100.0
                assert len(repr(item["Confidence"]).split(".")[1]) <= 3
                assert item["ParentName"] == parent_name(item["Name"])


def test_evaluation_file_has_the_guides_structure_and_key_order(trained: Trained) -> None:
    sample = orjson.loads((SAMPLES / "evaluation-results.json").read_bytes())
    evaluation = outputs(trained)["evaluation"]
    assert structure(evaluation) == structure(sample)
    details = evaluation["EvaluationDetails"]
    assert ISO_MILLISECONDS.fullmatch(details["EvaluationEndTimestamp"])
    assert details["ProjectVersionArn"] == trained.done["ProjectVersionArn"]
    assert (details["NumberOfTrainingImages"], details["NumberOfTestingImages"]) == (80, 20)
    moderation = evaluation["ContentModeration"]
    assert moderation["InputConfidenceThresholdEvalResults"]["ConfidenceThreshold"] == 70.0
    assert [r["ConfidenceThreshold"] for r in moderation["AllConfidenceThresholdsEvalResults"]] == (
        THRESHOLDS
    )


def test_labels_are_those_of_the_training_data_in_order_of_appearance(trained: Trained) -> None:
    labels: list[str] = []
    for raw in trained.training_manifest.splitlines():
        for name in orjson.loads(raw)["content-moderation-groundtruth"]["ModerationLabels"]:
            if name["Name"] not in labels:
                labels.append(name["Name"])
    assert outputs(trained)["evaluation"]["EvaluationDetails"]["Labels"] == labels
    assert set(labels) == {"Rude Gesture", "Nudity", "Smoking"}


def test_every_count_is_recomputed_from_the_testing_output(trained: Trained) -> None:
    files = outputs(trained)
    evaluation, lines = files["evaluation"], files["testing"]
    labels = evaluation["EvaluationDetails"]["Labels"]
    moderation = evaluation["ContentModeration"]
    assert moderation["InputConfidenceThresholdEvalResults"] == recount_threshold(
        lines, labels, 70.0
    )
    for found, threshold in zip(
        moderation["AllConfidenceThresholdsEvalResults"], THRESHOLDS, strict=True
    ):
        assert found == recount_threshold(lines, labels, threshold)


def test_f1_score_is_the_adapters_at_the_input_threshold(trained: Trained) -> None:
    files = outputs(trained)
    labels = files["evaluation"]["EvaluationDetails"]["Labels"]
    adapter = recount_threshold(files["testing"], labels, 70.0)["AggregatedEvaluationResults"][
        "Adapter"
    ]
    expected = f1(adapter)
    assert files["evaluation"]["AggregatedEvaluationResults"]["F1Score"] == expected
    assert trained.done["EvaluationResult"]["F1Score"] == pytest.approx(expected)


def test_the_adapter_is_better_than_the_base_model(trained: Trained) -> None:
    files = outputs(trained)
    labels = files["evaluation"]["EvaluationDetails"]["Labels"]
    totals = recount_threshold(files["testing"], labels, 50.0)["AggregatedEvaluationResults"]
    assert f1(totals["Adapter"]) > f1(totals["BaseModel"])


def test_detect_with_the_adapter_agrees_with_the_testing_output(trained: Trained) -> None:
    arn = trained.done["ProjectVersionArn"]
    for line in outputs(trained)["testing"][:8]:
        bucket, _, key = line["source-ref"].removeprefix("s3://").partition("/")
        expected = [
            {**item, "TaxonomyLevel": taxonomy_level(item["Name"])}
            for item in line[ADAPTER_COLUMN]["ModerationLabels"]
        ]
        by_reference = trained.rekognition.detect_moderation_labels(
            Image={"S3Object": {"Bucket": bucket, "Name": key}}, ProjectVersion=arn, MinConfidence=5
        )
        assert by_reference["ModerationLabels"] == expected
        assert (by_reference["ProjectVersion"], by_reference["ModerationModelVersion"]) == (
            arn,
            "7.0",
        )
        image = trained.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        by_bytes = trained.rekognition.detect_moderation_labels(
            Image={"Bytes": image}, ProjectVersion=arn, MinConfidence=5
        )
        assert by_bytes["ModerationLabels"] == expected
        default = trained.rekognition.detect_moderation_labels(
            Image={"S3Object": {"Bucket": bucket, "Name": key}}, ProjectVersion=arn
        )
        assert default["ModerationLabels"] == [x for x in expected if x["Confidence"] >= 50]


def test_auto_create_splits_a_stratified_fifth_off(dataset: ModerationData) -> None:
    with adapter_stand_in() as stand_in:
        s3, client = s3_client(stand_in), rekognition(stand_in)
        project = create_project(client)
        client.create_project_version(
            **version_request(
                project, "auto", dataset.manifest_uri, None, dataset.bucket, prefix="auto"
            )
        )
        stand_in.advance(TRAINING_SECONDS)
        done = describe_version(client, project, "auto")
        assert done["Status"] == "TRAINING_COMPLETED", done["StatusMessage"]
        assert done["TestingDataResult"]["Input"] == {"AutoCreate": True}
        assert done["TestingDataResult"]["Output"]["AutoCreate"] is True
        objects = output_objects(done)
        training = [orjson.loads(x) for x in read_object(s3, objects["training"]).splitlines()]
        testing = read_lines(s3, objects["testing"])
    training_refs = {line["source-ref"] for line in training}
    testing_refs = {line["source-ref"] for line in testing}
    assert not training_refs & testing_refs
    assert training_refs | testing_refs == {line["source-ref"] for line in dataset.lines}
    assert len(testing) == 20
    for label_set in {frozenset(ground_truth(line)) for line in dataset.lines}:
        total = sum(frozenset(ground_truth(line)) == label_set for line in dataset.lines)
        tested = sum(frozenset(ground_truth(line)) == label_set for line in testing)
        assert abs(tested - 0.2 * total) < 1, (sorted(label_set), tested, total)


def train_once(dataset: ModerationData, seed: int, prefix: str) -> tuple[bytes, bytes]:
    with adapter_stand_in(seed=seed) as stand_in:
        s3, client = s3_client(stand_in), rekognition(stand_in)
        project = create_project(client)
        client.create_project_version(
            **version_request(
                project, "v1", dataset.manifest_uri, None, dataset.bucket, prefix=prefix
            )
        )
        stand_in.advance(TRAINING_SECONDS)
        objects = output_objects(describe_version(client, project, "v1"))
        return read_object(s3, objects["testing"]), read_object(s3, objects["evaluation"])


def test_the_same_seed_writes_the_same_bytes(dataset: ModerationData) -> None:
    first = train_once(dataset, seed=3, prefix="seed-3-first")
    assert train_once(dataset, seed=3, prefix="seed-3-again") == first
    other = train_once(dataset, seed=4, prefix="seed-4")
    assert other[0] != first[0]


def test_a_truth_record_outranks_the_manifest_ground_truth(dataset: ModerationData) -> None:
    with adapter_stand_in(config=AdapterTrainingConfig(adapter_accuracy=1.0)) as stand_in:
        s3, client = s3_client(stand_in), rekognition(stand_in)
        project = create_project(client)
        client.create_project_version(
            **version_request(project, "v1", dataset.manifest_uri, None, dataset.bucket, prefix="p")
        )
        stand_in.advance(TRAINING_SECONDS)
        arn = describe_version(client, project, "v1")["ProjectVersionArn"]
        shown = 0
        for line in dataset.lines[9::10]:  # the annotator missed these images' labels
            assert ground_truth(line) == set()
            truth = read_truth(s3, dataset.bucket, line["source-ref"])
            assert truth is not None
            key = line["source-ref"].removeprefix(f"s3://{dataset.bucket}/")
            found = client.detect_moderation_labels(
                Image={"S3Object": {"Bucket": dataset.bucket, "Name": key}}, ProjectVersion=arn
            )["ModerationLabels"]
            assert {label["Name"] for label in found} == set(truth.moderation_labels)
            shown += bool(truth.moderation_labels)
        assert shown
