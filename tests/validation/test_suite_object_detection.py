"""The object-detection suite: the seed's examples pass; each rule, broken once, fails alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_gt.validation.validator import validate_manifest
from tests.conftest import SAMPLES
from tests.validation.planting import (
    PLANTED_LINE,
    Record,
    common_violations,
    copies,
    plant,
    sample_record,
    write,
)

SAMPLE = "object-detection.manifest"


@pytest.mark.parametrize("sample", ["object-detection.manifest",
                                    "object-detection-adjustment.manifest"])
def test_the_seed_examples_pass(sample: str) -> None:
    result = validate_manifest(SAMPLES / sample)
    assert result.success, result.summary()
    assert {a.job_type for a in result.attributes} == {"object-detection"}


def test_the_adjustment_example_is_checked_for_both_labels() -> None:
    result = validate_manifest(SAMPLES / "object-detection-adjustment.manifest")
    assert [a.label_attribute for a in result.attributes] == [
        "bounding-box", "adjusted-bounding-box"]


def box(record: Record, index: int = 1) -> dict[str, Any]:
    return record["bounding-box"]["annotations"][index]  # type: ignore[no-any-return]


def meta(record: Record) -> dict[str, Any]:
    return record["bounding-box-metadata"]  # type: ignore[no-any-return]


VIOLATIONS = [
    *common_violations(meta, "groundtruth/image-classification"),
    ("two image sizes", lambda r: r["bounding-box"]["image_size"].append(
        {"width": 1, "height": 1, "depth": 1}),
     ("expect_column_values_to_be_in_set", "image_size_count")),
    ("zero width", lambda r: r["bounding-box"]["image_size"][0].update(width=0),
     ("expect_column_values_to_be_between", "image_width")),
    ("no height", lambda r: r["bounding-box"]["image_size"][0].pop("height"),
     ("expect_column_values_to_not_be_null", "image_height")),
    ("zero height", lambda r: r["bounding-box"]["image_size"][0].update(height=0),
     ("expect_column_values_to_be_between", "image_height")),
    ("string width", lambda r: r["bounding-box"]["image_size"][0].update(width="500"),
     ("expect_column_values_to_not_be_null", "image_width")),
    ("zero depth", lambda r: r["bounding-box"]["image_size"][0].update(depth=0),
     ("expect_column_values_to_be_between", "image_depth")),
    ("no depth", lambda r: r["bounding-box"]["image_size"][0].pop("depth"),
     ("expect_column_values_to_not_be_null", "image_depth")),
    ("missing confidence entry", lambda r: meta(r)["objects"].pop(),
     ("expect_column_pair_values_to_be_equal", "objects_count,box_count")),
    ("adjustment status", lambda r: meta(r).update({"adjustment-status": "fixed"}),
     ("expect_column_values_to_be_in_set", "adjustment_status")),
    ("string left", lambda r: box(r).update(left="161"),
     ("expect_column_values_to_be_in_set", "coordinates_are_numbers")),
    ("unknown class", lambda r: box(r).update(class_id=7),
     ("expect_column_values_to_not_be_null", "class_name")),
    ("negative left", lambda r: box(r).update(left=-1),
     ("expect_column_values_to_be_between", "left")),
    ("negative top", lambda r: box(r).update(top=-1),
     ("expect_column_values_to_be_between", "top")),
    ("zero box width", lambda r: box(r).update(width=0),
     ("expect_column_values_to_be_between", "width")),
    ("zero box height", lambda r: box(r).update(height=0),
     ("expect_column_values_to_be_between", "height")),
    ("past the right edge", lambda r: box(r).update(left=480),
     ("expect_column_pair_values_a_to_be_greater_than_b", "image_width,right")),
    ("past the bottom edge", lambda r: box(r).update(top=380),
     ("expect_column_pair_values_a_to_be_greater_than_b", "image_height,bottom")),
    ("no confidence", lambda r: meta(r)["objects"][1].pop("confidence"),
     ("expect_column_values_to_be_in_set", "confidence_type")),
    ("confidence above 1", lambda r: meta(r)["objects"][1].update(confidence=1.5),
     ("expect_column_values_to_be_between", "confidence")),
]


@pytest.mark.parametrize(("name", "change", "expected"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
def test_a_planted_violation_fails_its_expectation_alone(
    tmp_path: Path, name: str, change: Any, expected: tuple[str, str]
) -> None:
    assert plant(tmp_path, SAMPLE, change) == {expected: [PLANTED_LINE]}


def test_every_expectation_of_the_suite_is_planted() -> None:
    from airflow_gt.validation.suites import load_suite

    planted = {expected for _, _, expected in VIOLATIONS}
    planted.add(("expect_column_mean_to_be_between", "failed"))
    assert {(e.type, e.column) for e in load_suite("object-detection").expectations} == planted


def test_too_many_failed_lines_fail_the_share_expectation(tmp_path: Path) -> None:
    lines = copies(sample_record(SAMPLE))
    for line in lines[:2]:
        line.pop("bounding-box")
        line["bounding-box-metadata"] = {"failure-reason": "ClientError: x", "type":
                                         "groundtruth/object-detection"}
    result = validate_manifest(write(tmp_path, lines), chunk_lines=3, max_failed_fraction=0.25)
    [outcome] = result.attributes[0].failed_expectations
    assert (outcome.expectation, outcome.column) == ("expect_column_mean_to_be_between", "failed")
    assert outcome.observed_value == 0.5
    assert result.attributes[0].failed == 2
    assert validate_manifest(write(tmp_path, lines), max_failed_fraction=0.5).success


def test_a_worker_process_finds_the_same_as_this_process(tmp_path: Path) -> None:
    lines = copies(sample_record(SAMPLE), count=7)
    box(lines[4]).update(left=-3)
    path = write(tmp_path, lines)
    here = validate_manifest(path, chunk_lines=3)
    there = validate_manifest(path, chunk_lines=3, processes=1)
    assert here.summary() == there.summary()
    assert there.summary()["failed_expectations"][0]["sample_lines"] == [5]
