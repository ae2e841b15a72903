"""The image- and text-classification suites: the seed's examples pass; each rule, broken once,
fails alone; a class index names the same class on every line, across chunks.

"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.local import LocalAws
from airflow_gt.local.datasets import DEFAULT_TEXT_CLASSES
from airflow_gt.validation.suites import load_suite
from airflow_gt.validation.validator import validate_manifest
from tests.conftest import SAMPLES
from tests.local.test_labeling_outputs import IMAGE_CLASSES, Chain
from tests.validation.planting import (
    FAILED_SHARE,
    PLANTED_LINE,
    Record,
    Violation,
    common_violations,
    copies,
    failures,
    plant,
    planted_set,
    sample_record,
    write,
)

CATEGORIES = ["dog", "football", "sad", "other"]
"""The label categories the violations are planted with: the samples' classes and ``other``."""
SAMPLES_BY_TYPE = {
    "image-classification": "image-classification.manifest",
    "text-classification": "text-classification.manifest",
}


def suite_set(job_type: str) -> set[tuple[str, str]]:
    return {(e.type, e.column) for e in load_suite(job_type).expectations}


def attribute(record: Record) -> str:
    """The label attribute of a single-label line."""
    [name] = [key.removesuffix("-metadata") for key in record if key.endswith("-metadata")]
    return name


def meta(record: Record) -> dict[str, Any]:
    return record[attribute(record) + "-metadata"]  # type: ignore[no-any-return]


def set_label(value: Any, class_name: str | None = None) -> Callable[[Record], None]:
    def change(record: Record) -> None:
        record[attribute(record)] = value
        if class_name is not None:
            meta(record)["class-name"] = class_name
    return change


CLASS_VIOLATIONS: list[Violation] = [
    ("label not an index", set_label("dog"),
     ("expect_column_values_to_match_regex", "label_text")),
    ("negative index", set_label(-1),
     ("expect_column_values_to_match_regex", "label_text")),
    ("fractional index", set_label(0.5),
     ("expect_column_values_to_match_regex", "label_text")),
    ("index as a list", set_label([0]),
     ("expect_column_values_to_match_regex", "label_text")),
    ("no class name", lambda r: meta(r).pop("class-name"),
     ("expect_column_values_to_not_be_null", "class_name")),
    ("numeric class name", lambda r: meta(r).update({"class-name": 0}),
     ("expect_column_values_to_not_be_null", "class_name")),
    ("empty class name", lambda r: meta(r).update({"class-name": ""}),
     ("expect_column_values_to_not_be_null", "class_name")),
    ("another class name for the index", lambda r: meta(r).update({"class-name": "other"}),
     ("expect_column_pair_values_to_be_equal", "class_name,first_class_name")),
    ("class not in the categories", set_label("7", "wolf"),
     ("expect_column_values_to_be_in_set", "class_name")),
    ("string confidence", lambda r: meta(r).update(confidence="0.9"),
     ("expect_column_values_to_be_in_set", "confidence_type")),
    ("null confidence", lambda r: meta(r).update(confidence=None),
     ("expect_column_values_to_be_in_set", "confidence_type")),
    ("confidence above 1", lambda r: meta(r).update(confidence=1.5),
     ("expect_column_values_to_be_between", "confidence")),
    ("negative confidence", lambda r: meta(r).update(confidence=-0.1),
     ("expect_column_values_to_be_between", "confidence")),
]
VIOLATIONS: dict[str, list[Violation]] = {
    "image-classification": common_violations(meta, "groundtruth/text-classification")
    + CLASS_VIOLATIONS,
    "text-classification": common_violations(meta, "groundtruth/image-classification")
    + CLASS_VIOLATIONS,
}
PLANTS = [(job_type, *violation) for job_type, found in VIOLATIONS.items() for violation in found]


@pytest.mark.parametrize("sample", ["image-classification.manifest",
                                    "image-classification-sport.manifest",
                                    "text-classification.manifest"])
@pytest.mark.parametrize("categories", [None, CATEGORIES])
def test_the_seed_examples_pass(sample: str, categories: list[str] | None) -> None:
    result = validate_manifest(SAMPLES / sample, label_categories=categories)
    assert result.success, result.summary()
    [checked] = result.attributes
    assert checked.job_type == sample.removesuffix(".manifest").removesuffix("-sport")
    assert checked.labeled == 1


@pytest.mark.parametrize(("job_type", "name", "change", "expected"), PLANTS,
                         ids=[f"{p[0]}: {p[1]}" for p in PLANTS])
def test_a_planted_violation_fails_its_expectation_alone(
    tmp_path: Path, job_type: str, name: str, change: Any, expected: tuple[str, str]
) -> None:
    planted = plant(tmp_path, SAMPLES_BY_TYPE[job_type], change, label_categories=CATEGORIES)
    assert planted == {expected: [PLANTED_LINE]}


@pytest.mark.parametrize("job_type", list(VIOLATIONS))
def test_every_expectation_of_the_suite_is_planted(job_type: str) -> None:
    assert suite_set(job_type) == planted_set(VIOLATIONS[job_type])


def test_failed_lines_count_only_towards_the_failed_share(tmp_path: Path) -> None:
    lines = copies(sample_record(SAMPLES_BY_TYPE["text-classification"]))
    for line in lines[1:3]:
        line.pop("mood")
        line["mood-metadata"] = {"failure-reason": "ClientError: x",
                                 "type": "groundtruth/text-classification"}
    result = validate_manifest(write(tmp_path, lines), chunk_lines=2, max_failed_fraction=0.25)
    [outcome] = result.attributes[0].failed_expectations
    assert (outcome.expectation, outcome.column, outcome.observed_value) == (*FAILED_SHARE, 0.5)
    assert (result.attributes[0].labeled, result.attributes[0].failed) == (2, 2)


def test_the_categories_are_checked_only_when_given(tmp_path: Path) -> None:
    change = set_label("7", "wolf")
    assert plant(tmp_path, SAMPLES_BY_TYPE["image-classification"], change) == {}


def test_a_missing_confidence_is_allowed(tmp_path: Path) -> None:
    lines = copies(sample_record(SAMPLES_BY_TYPE["image-classification"]))
    for line in lines:
        meta(line).pop("confidence")
    result = validate_manifest(write(tmp_path, lines), chunk_lines=2)
    assert result.success, result.summary()


def test_an_index_written_as_a_number_or_a_string_is_one_class(tmp_path: Path) -> None:
    lines = copies(sample_record(SAMPLES_BY_TYPE["image-classification"]))
    lines[1]["species"] = 0
    assert validate_manifest(write(tmp_path, lines), chunk_lines=2).success
    meta(lines[3])["class-name"] = "cat"
    found = failures(validate_manifest(write(tmp_path, lines), chunk_lines=2))
    assert found == {("expect_column_pair_values_to_be_equal", "class_name,first_class_name"): [4]}


@pytest.mark.parametrize("processes", [0, 1])
def test_a_class_name_is_compared_with_the_first_across_chunks(
    tmp_path: Path, processes: int
) -> None:
    lines = copies(sample_record(SAMPLES_BY_TYPE["text-classification"]), count=7)
    for line in lines[4:]:
        meta(line)["class-name"] = "happy"
    lines[2]["mood"] = "2"
    meta(lines[2])["class-name"] = "angry"
    meta(lines[5])["class-name"] = "angry"
    result = validate_manifest(write(tmp_path, lines), chunk_lines=2, processes=processes)
    [outcome] = result.attributes[0].failed_expectations
    assert outcome.column == "class_name,first_class_name"
    assert outcome.unexpected_count == 3
    assert [(s.line, s.value) for s in outcome.samples] == [
        (5, {"class_name": "happy", "first_class_name": "sad"}),
        (6, {"class_name": "angry", "first_class_name": "sad"}),
        (7, {"class_name": "happy", "first_class_name": "sad"}),
    ]
    assert outcome.samples[0].source == "a bad day (4)"


def test_each_validation_starts_with_no_class_names(tmp_path: Path) -> None:
    lines = copies(sample_record(SAMPLES_BY_TYPE["image-classification"]), count=2)
    first = write(tmp_path, lines, "first.manifest")
    for line in lines:
        meta(line)["class-name"] = "cat"
    second = write(tmp_path, lines, "second.manifest")
    assert validate_manifest(first).success
    assert validate_manifest(second).success


@pytest.mark.parametrize(("task", "job_type"), [("ImageMultiClass", "image-classification"),
                                                ("TextMultiClass", "text-classification")])
def test_the_stand_in_output_passes(manual_aws: LocalAws, task: str, job_type: str) -> None:
    chain = Chain(manual_aws)
    classes: tuple[str, ...]
    if job_type == "image-classification":
        manifest, classes = chain.images(count=8), IMAGE_CLASSES
    else:
        manifest, classes = chain.texts(count=8), DEFAULT_TEXT_CLASSES
    lines = chain.run(task, manifest, "category", classes)
    result = validate_manifest(chain.last_output, s3_client=chain.s3, chunk_lines=3,
                               label_categories=classes)
    assert result.success, result.summary()
    [checked] = result.attributes
    assert (checked.job_type, checked.labeled) == (job_type, len(lines))
