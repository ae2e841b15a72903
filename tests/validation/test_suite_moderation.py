"""The moderation-input and moderation-output suites: the seed's examples and the stand-in's real
output manifests pass; each rule, broken once, fails alone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.manifests.moderation_taxonomy import MODERATION_LABELS
from airflow_gt.validation.suites import load_suite
from airflow_gt.validation.validator import validate_manifest
from tests.conftest import SAMPLES
from tests.local.adapters import (
    ADAPTER_COLUMN,
    BASE_MODEL_COLUMN,
    GROUND_TRUTH,
    TRAINING_SECONDS,
    adapter_stand_in,
    create_project,
    describe_version,
    generated_dataset,
    new_bucket,
    output_objects,
    put_manifest,
    read_lines,
    rekognition,
    s3_client,
    version_request,
)
from tests.validation.planting import (
    PLANTED_LINE,
    Record,
    copies,
    failures,
    plant,
    sample_record,
    write,
)

INPUT_SAMPLE = "moderation-input.manifest"
OUTPUT_SAMPLE = "moderation-output.manifest"
REGEX = "expect_column_values_to_match_regex"
IN_SET = "expect_column_values_to_be_in_set"
NOT_NULL = "expect_column_values_to_not_be_null"
BETWEEN = "expect_column_values_to_be_between"
LENGTH = "expect_column_value_lengths_to_be_between"
PAIR_EQUAL = "expect_column_pair_values_to_be_equal"


def test_the_seed_input_examples_pass() -> None:
    result = validate_manifest(SAMPLES / INPUT_SAMPLE)
    assert result.success, result.summary()
    assert [(a.label_attribute, a.job_type, a.labeled) for a in result.attributes] == [
        (GROUND_TRUTH, "moderation-input", 3)]


def test_the_seed_output_example_is_checked_for_ground_truth_and_predictions() -> None:
    result = validate_manifest(SAMPLES / OUTPUT_SAMPLE)
    assert result.success, result.summary()
    assert [(a.label_attribute, a.job_type, a.labeled) for a in result.attributes] == [
        (GROUND_TRUTH, "moderation-input", 3), (ADAPTER_COLUMN, "moderation-output", 3)]


def test_the_suite_names_are_the_taxonomy() -> None:
    (names,) = [e.kwargs["value_set"] for e in load_suite("moderation-input").expectations
                if e.column == "name" and e.type == IN_SET]
    assert names == sorted(MODERATION_LABELS)
    assert {"Rude Gesture", "Nudity"} <= set(names)


def truth(record: Record) -> dict[str, Any]:
    return record[GROUND_TRUTH]  # type: ignore[no-any-return]


INPUT_VIOLATIONS = [
    ("two sources", lambda r: r.update(source="text too"), (IN_SET, "source_keys")),
    ("text source", lambda r: r.update(source=r.pop("source-ref")), (NOT_NULL, "source_ref")),
    ("no s3 uri", lambda r: r.update({"source-ref": "foo/bar/1.jpg"}), (REGEX, "source_ref")),
    ("no ground truth", lambda r: r.pop(GROUND_TRUTH), (IN_SET, "labeled")),
    ("another bucket", lambda r: r.update({"source-ref": "s3://other-bucket/1.jpg"}),
     (PAIR_EQUAL, "bucket,first_bucket")),
    ("ground truth a list", lambda r: r.update({GROUND_TRUTH: []}),
     (IN_SET, "ground_truth_type")),
    ("no label list", lambda r: truth(r).pop("ModerationLabels"), (IN_SET, "labels_type")),
    ("label list an object", lambda r: truth(r).update(ModerationLabels={"Name": "Nudity"}),
     (IN_SET, "labels_type")),
    ("label without a name", lambda r: truth(r)["ModerationLabels"].append({"name": "Nudity"}),
     (NOT_NULL, "name")),
    ("label a string", lambda r: truth(r)["ModerationLabels"].append("Nudity"),
     (NOT_NULL, "name")),
    ("name not in the taxonomy", lambda r: truth(r)["ModerationLabels"].append(
        {"Name": "Rude gesture"}), (IN_SET, "name")),
]


@pytest.mark.parametrize(("name", "change", "expected"), INPUT_VIOLATIONS,
                         ids=[v[0] for v in INPUT_VIOLATIONS])
def test_a_planted_input_violation_fails_its_expectation_alone(
    tmp_path: Path, name: str, change: Any, expected: tuple[str, str]
) -> None:
    assert plant(tmp_path, INPUT_SAMPLE, change) == {expected: [PLANTED_LINE]}


def test_the_one_bucket_rule_holds_across_chunks(tmp_path: Path) -> None:
    lines = copies(sample_record(INPUT_SAMPLE))
    for line in lines[2:]:
        line["source-ref"] = line["source-ref"].replace("s3://foo/", "s3://bar/")
    result = validate_manifest(write(tmp_path, lines), chunk_lines=2)
    assert failures(result) == {(PAIR_EQUAL, "bucket,first_bucket"): [3, 4]}


def test_the_first_bucket_is_the_first_valid_one(tmp_path: Path) -> None:
    lines = copies(sample_record(INPUT_SAMPLE))
    lines[0]["source-ref"] = "not a uri"
    lines[3]["source-ref"] = "s3://bar/4.jpg"
    result = validate_manifest(write(tmp_path, lines), chunk_lines=2)
    assert failures(result) == {
        (REGEX, "source_ref"): [1], (PAIR_EQUAL, "bucket,first_bucket"): [4]}


def adapter(record: Record) -> dict[str, Any]:
    return record[ADAPTER_COLUMN]  # type: ignore[no-any-return]


def base_model(record: Record) -> dict[str, Any]:
    return record[BASE_MODEL_COLUMN]  # type: ignore[no-any-return]


def prediction(record: Record) -> dict[str, Any]:
    return adapter(record)["ModerationLabels"][0]  # type: ignore[no-any-return]


OUTPUT_VIOLATIONS = [
    ("two sources", lambda r: r.update(source="text too"), (IN_SET, "source_keys")),
    ("text source", lambda r: r.update(source=r.pop("source-ref")), (NOT_NULL, "source_ref")),
    ("no s3 uri", lambda r: r.update({"source-ref": "foo/bar/1.jpg"}), (REGEX, "source_ref")),
    ("no adapter predictions", lambda r: r.pop(ADAPTER_COLUMN), (IN_SET, "labeled")),
    ("adapter predictions a list", lambda r: r.update({ADAPTER_COLUMN: []}),
     (IN_SET, "adapter_type")),
    ("no base model predictions", lambda r: r.pop(BASE_MODEL_COLUMN),
     (IN_SET, "base_model_type")),
    ("no label list", lambda r: adapter(r).update(ModerationLabels=None), (IN_SET, "labels_type")),
    ("a prediction not an object", lambda r: base_model(r)["ModerationLabels"].append("Nudity"),
     (IN_SET, "non_object_labels")),
    ("no model version", lambda r: base_model(r).pop("ModerationModelVersion"),
     (NOT_NULL, "model_version")),
    ("numeric model version", lambda r: adapter(r).update(ModerationModelVersion=7.0),
     (NOT_NULL, "model_version")),
    ("empty model version", lambda r: adapter(r).update(ModerationModelVersion=""),
     (LENGTH, "model_version")),
    ("no base model project version", lambda r: base_model(r).pop("ProjectVersion"),
     (NOT_NULL, "project_version")),
    ("empty adapter project version", lambda r: adapter(r).update(ProjectVersion=""),
     (REGEX, "adapter_project_version")),
    ("no confidence", lambda r: prediction(r).pop("Confidence"), (NOT_NULL, "confidence")),
    ("confidence above 100", lambda r: prediction(r).update(Confidence=150.0),
     (BETWEEN, "confidence")),
    ("negative confidence", lambda r: prediction(r).update(Confidence=-1),
     (BETWEEN, "confidence")),
    ("no name", lambda r: prediction(r).pop("Name"), (NOT_NULL, "name")),
    ("empty name", lambda r: prediction(r).update(Name=""), (LENGTH, "name")),
    ("no parent name", lambda r: prediction(r).pop("ParentName"), (NOT_NULL, "parent_name")),
]


@pytest.mark.parametrize(("name", "change", "expected"), OUTPUT_VIOLATIONS,
                         ids=[v[0] for v in OUTPUT_VIOLATIONS])
def test_a_planted_output_violation_fails_its_expectation_alone(
    tmp_path: Path, name: str, change: Any, expected: tuple[str, str]
) -> None:
    # Only the predictions are checked: source rules are in both suites.
    found = plant(tmp_path, OUTPUT_SAMPLE, change, label_attribute=ADAPTER_COLUMN)
    assert found == {expected: [PLANTED_LINE]}


@pytest.mark.parametrize(("job_type", "violations"), [
    ("moderation-input", INPUT_VIOLATIONS), ("moderation-output", OUTPUT_VIOLATIONS)])
def test_every_expectation_of_the_suites_is_planted(job_type: str, violations: list[Any]) -> None:
    planted = {expected for _, _, expected in violations}
    assert {(e.type, e.column) for e in load_suite(job_type).expectations} == planted


@dataclass(frozen=True)
class Trained:
    s3: Any
    training_input: str
    testing_input: str
    outputs: dict[str, dict[str, str]]
    """The S3 objects of the training and testing output manifests (and evaluation)."""

    def uri(self, kind: str) -> str:
        return f"s3://{self.outputs[kind]['Bucket']}/{self.outputs[kind]['Name']}"


@pytest.fixture(scope="module")
def trained() -> Iterator[Trained]:
    """An adapter trained by the stand-in on 30 generated images and tested on 10 more."""
    with adapter_stand_in() as stand_in:
        s3, client = s3_client(stand_in), rekognition(stand_in)
        bucket = new_bucket(s3)
        dataset = generated_dataset(s3, bucket, "images", 40)
        training = put_manifest(s3, bucket, "split/train.manifest", dataset.lines[:30])
        testing = put_manifest(s3, bucket, "split/test.manifest", dataset.lines[30:])
        project = create_project(client)
        client.create_project_version(
            **version_request(project, "v1", training, testing, bucket))
        stand_in.advance(TRAINING_SECONDS)
        outputs = output_objects(describe_version(client, project, "v1"))
        yield Trained(s3, training, testing, outputs)


def test_the_stand_in_testing_output_passes_both_suites(trained: Trained) -> None:
    lines = read_lines(trained.s3, trained.outputs["testing"])
    assert len(lines) == 10
    assert all(ADAPTER_COLUMN in line and BASE_MODEL_COLUMN in line for line in lines)
    result = validate_manifest(trained.uri("testing"), s3_client=trained.s3,
                               input_manifest=trained.testing_input)
    assert result.success, result.summary()
    assert [(a.label_attribute, a.job_type, a.labeled) for a in result.attributes] == [
        (GROUND_TRUTH, "moderation-input", 10), (ADAPTER_COLUMN, "moderation-output", 10),
        ("(pass-through)", "passthrough", 10)]


def test_the_stand_in_training_output_passes_the_input_suite(trained: Trained) -> None:
    result = validate_manifest(trained.uri("training"), s3_client=trained.s3,
                               input_manifest=trained.training_input)
    assert result.success, result.summary()
    assert [(a.label_attribute, a.job_type, a.labeled) for a in result.attributes] == [
        (GROUND_TRUTH, "moderation-input", 30), ("(pass-through)", "passthrough", 30)]
