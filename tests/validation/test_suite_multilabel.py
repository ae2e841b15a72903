"""The multi-label classification suites (image and text): the seed's examples pass; each rule,
broken once, fails alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.local import LocalAws
from airflow_gt.validation.validator import validate_manifest
from tests.conftest import SAMPLES
from tests.local.test_labeling_outputs import IMAGE_CLASSES, Chain
from tests.validation.planting import (
    PLANTED_LINE,
    Record,
    Violation,
    common_violations,
    copies,
    plant,
    planted_set,
    sample_record,
    write,
)
from tests.validation.test_suite_classification import (
    attribute,
    meta,
    suite_set,
)

SAMPLES_BY_TYPE = {
    "image-classification-multilabel": "image-classification-multilabel.manifest",
    "text-classification-multilabel": "text-classification-multilabel.manifest",
}
CATEGORIES = ["bicycle", "person", "clothing", "approving", "sad", "critical"]


def label(record: Record) -> list[Any]:
    return record[attribute(record)]  # type: ignore[no-any-return]


def class_map(record: Record) -> dict[str, Any]:
    return meta(record)["class-map"]  # type: ignore[no-any-return]


def confidences(record: Record) -> dict[str, Any]:
    return meta(record)["confidence-map"]  # type: ignore[no-any-return]


def add_class(index: int, name: str | None) -> Callable[[Record], None]:
    """Add a class to the label with its confidence, and to the class-map when named."""
    def change(record: Record) -> None:
        label(record).append(index)
        confidences(record)[str(index)] = 0.5
        if name is not None:
            class_map(record)[str(index)] = name
    return change


def set_index(position: int, index: Any) -> Callable[[Record], None]:
    def change(record: Record) -> None:
        label(record)[position] = index
    return change


MULTILABEL_VIOLATIONS: list[Violation] = [
    ("label not a list", lambda r: r.update({attribute(r): 1}),
     ("expect_column_values_to_be_in_set", "label_type")),
    ("repeated index", lambda r: label(r).append(label(r)[0]),
     ("expect_column_values_to_be_in_set", "labels_distinct")),
    ("no class-map", lambda r: meta(r).pop("class-map"),
     ("expect_column_values_to_be_in_set", "class_map_type")),
    ("class-map a list", lambda r: meta(r).update({"class-map": ["bicycle"]}),
     ("expect_column_values_to_be_in_set", "class_map_type")),
    ("no confidence-map", lambda r: meta(r).pop("confidence-map"),
     ("expect_column_values_to_be_in_set", "confidence_map_type")),
    ("extra confidence", lambda r: confidences(r).update({"5": 0.5}),
     ("expect_column_values_to_be_in_set", "confidence_keys_match")),
    ("missing confidence", lambda r: confidences(r).pop(str(label(r)[-1])),
     ("expect_column_values_to_be_in_set", "confidence_keys_match")),
    ("string index", lambda r: set_index(1, str(label(r)[1]))(r),
     ("expect_column_values_to_not_be_null", "class_id")),
    ("fractional index", set_index(1, 0.5),
     ("expect_column_values_to_not_be_null", "class_id")),
    ("boolean index", set_index(1, True),
     ("expect_column_values_to_not_be_null", "class_id")),
    ("index not in the class-map", add_class(5, None),
     ("expect_column_values_to_be_in_set", "in_class_map")),
    ("class not in the categories", add_class(5, "unicorn"),
     ("expect_column_values_to_be_in_set", "class_name")),
    ("string confidence", lambda r: confidences(r).update({str(label(r)[0]): "0.9"}),
     ("expect_column_values_to_be_in_set", "confidence_type")),
    ("confidence above 1", lambda r: confidences(r).update({str(label(r)[0]): 1.5}),
     ("expect_column_values_to_be_between", "confidence")),
]
VIOLATIONS: dict[str, list[Violation]] = {
    # Single-label classification is the wrong type: its name does not end in -multilabel.
    "image-classification-multilabel":
        common_violations(meta, "groundtruth/image-classification") + MULTILABEL_VIOLATIONS,
    "text-classification-multilabel":
        common_violations(meta, "groundtruth/text-classification") + MULTILABEL_VIOLATIONS,
}
PLANTS = [(job_type, *violation) for job_type, found in VIOLATIONS.items() for violation in found]


@pytest.mark.parametrize("job_type", list(SAMPLES_BY_TYPE))
@pytest.mark.parametrize("categories", [None, CATEGORIES])
def test_the_seed_examples_pass(job_type: str, categories: list[str] | None) -> None:
    result = validate_manifest(SAMPLES / SAMPLES_BY_TYPE[job_type], label_categories=categories)
    assert result.success, result.summary()
    [checked] = result.attributes
    assert (checked.job_type, checked.labeled) == (job_type, 1)


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


def test_an_empty_label_passes(tmp_path: Path) -> None:
    lines = copies(sample_record(SAMPLES_BY_TYPE["image-classification-multilabel"]))
    label(lines[1]).clear()
    confidences(lines[1]).clear()
    result = validate_manifest(write(tmp_path, lines), chunk_lines=2)
    assert result.success, result.summary()


def test_a_class_in_the_class_map_but_not_in_the_label_passes(tmp_path: Path) -> None:
    lines = copies(sample_record(SAMPLES_BY_TYPE["text-classification-multilabel"]))
    class_map(lines[2])["7"] = "sad"
    result = validate_manifest(write(tmp_path, lines), chunk_lines=2, label_categories=CATEGORIES)
    assert result.success, result.summary()


def test_the_stand_in_output_passes(manual_aws: LocalAws) -> None:
    chain = Chain(manual_aws)
    lines = chain.run("ImageMultiClassMultiLabel", chain.images(count=8), "objects", IMAGE_CLASSES)
    result = validate_manifest(chain.last_output, s3_client=chain.s3, chunk_lines=3,
                               label_categories=IMAGE_CLASSES)
    assert result.success, result.summary()
    [checked] = result.attributes
    assert (checked.job_type, checked.labeled) == ("image-classification-multilabel", len(lines))
