"""The semantic-segmentation suite: the seed's examples pass; each rule, broken once, fails
alone."""

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
    failures,
    plant,
    sample_record,
    write,
)

SAMPLE = "semantic-segmentation-verification.manifest"
JOB_TYPE = "semantic-segmentation"
REGEX = "expect_column_values_to_match_regex"
IN_SET = "expect_column_values_to_be_in_set"
NOT_NULL = "expect_column_values_to_not_be_null"
BETWEEN = "expect_column_values_to_be_between"
LENGTH = "expect_column_value_lengths_to_be_between"


def test_the_seed_examples_pass() -> None:
    # The verification example also has a label-verification label: only the mask is checked here.
    result = validate_manifest(SAMPLES / SAMPLE, job_type=JOB_TYPE)
    assert result.success, result.summary()
    assert [(a.label_attribute, a.job_type) for a in result.attributes] == [
        ("city-streets-ref", JOB_TYPE)]


def test_the_adjustment_example_is_checked_for_both_masks() -> None:
    result = validate_manifest(SAMPLES / "semantic-segmentation-adjustment.manifest")
    assert result.success, result.summary()
    assert [(a.label_attribute, a.job_type, a.labeled) for a in result.attributes] == [
        ("city-streets-ref", JOB_TYPE, 1), ("adjusted-city-streets-ref", JOB_TYPE, 1)]


def meta(record: Record) -> dict[str, Any]:
    return record["city-streets-metadata"]  # type: ignore[no-any-return]


def colors(record: Record) -> dict[str, Any]:
    return meta(record)["internal-color-map"]  # type: ignore[no-any-return]


def entry(record: Record, key: str = "2") -> dict[str, Any]:
    return colors(record)[key]  # type: ignore[no-any-return]


VIOLATIONS = [
    *common_violations(meta, "groundtruth/object-detection"),
    ("mask not a png", lambda r: r.update({"city-streets-ref": "s3://example-bucket/m.jpg"}),
     (REGEX, "mask_ref")),
    ("mask not in s3", lambda r: r.update({"city-streets-ref": "output/0.png"}),
     (REGEX, "mask_ref")),
    ("mask not a string", lambda r: r.update({"city-streets-ref": ["s3://example-bucket/m.png"]}),
     (REGEX, "mask_ref")),
    ("no color map", lambda r: meta(r).pop("internal-color-map"), (IN_SET, "color_map_type")),
    ("color map a list", lambda r: meta(r).update({"internal-color-map": []}),
     (IN_SET, "color_map_type")),
    ("empty color map", lambda r: meta(r).update({"internal-color-map": {}}),
     (BETWEEN, "color_count")),
    ("entry not an object", lambda r: colors(r).update({"3": "#000000"}),
     (IN_SET, "non_object_entries")),
    ("same color twice", lambda r: entry(r).update({"hex-color": "#2ACF59"}),
     ("expect_column_pair_values_to_be_equal", "colored_entries,distinct_colors")),
    ("two confidences", lambda r: entry(r).update(confidence=0.8),
     (BETWEEN, "distinct_confidences")),
    ("key not a class index", lambda r: colors(r).update(road=colors(r).pop("2")),
     (REGEX, "key")),
    ("no class name", lambda r: entry(r).pop("class-name"), (NOT_NULL, "class_name")),
    ("class name not a string", lambda r: entry(r).update({"class-name": 2}),
     (NOT_NULL, "class_name")),
    ("empty class name", lambda r: entry(r).update({"class-name": ""}), (LENGTH, "class_name")),
    ("no confidence", lambda r: entry(r).pop("confidence"), (NOT_NULL, "confidence")),
    ("string confidence", lambda r: entry(r).update(confidence="0.9"),
     (NOT_NULL, "confidence")),
    ("confidence above 1", lambda r: entry(r).update(confidence=1.5), (BETWEEN, "confidence")),
    ("no color", lambda r: entry(r).pop("hex-color"), (NOT_NULL, "hex_color")),
    ("short color", lambda r: entry(r).update({"hex-color": "#f83"}), (REGEX, "hex_color")),
    ("color name", lambda r: entry(r).update({"hex-color": "orange"}), (REGEX, "hex_color")),
]


@pytest.mark.parametrize(("name", "change", "expected"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
def test_a_planted_violation_fails_its_expectation_alone(
    tmp_path: Path, name: str, change: Any, expected: tuple[str, str]
) -> None:
    assert plant(tmp_path, SAMPLE, change, job_type=JOB_TYPE) == {expected: [PLANTED_LINE]}


ATTRIBUTE_NAME = (REGEX, "attribute_name")


def test_a_mask_attribute_without_ref_fails_on_each_of_its_lines(tmp_path: Path) -> None:
    # The name is the attribute's, not a line's: a line that differs is simply another attribute.
    lines = copies(sample_record(SAMPLE))
    for line in lines:
        line["city-streets"] = line.pop("city-streets-ref")
    result = validate_manifest(write(tmp_path, lines), job_type=JOB_TYPE, chunk_lines=2)
    assert [a.label_attribute for a in result.attributes] == ["city-streets"]
    assert failures(result) == {ATTRIBUTE_NAME: [1, 2, 3, 4]}


def test_colors_differing_only_in_case_are_the_same_color(tmp_path: Path) -> None:
    lines = copies(sample_record(SAMPLE))
    for line in lines:
        entry(line)["hex-color"] = "#F28333"
    assert validate_manifest(write(tmp_path, lines), job_type=JOB_TYPE).success


def test_every_expectation_of_the_suite_is_planted() -> None:
    from airflow_gt.validation.suites import load_suite

    planted = {expected for _, _, expected in VIOLATIONS}
    planted |= {ATTRIBUTE_NAME, ("expect_column_mean_to_be_between", "failed")}
    assert {(e.type, e.column) for e in load_suite(JOB_TYPE).expectations} == planted


def test_the_suite_starts_with_the_common_block() -> None:
    from airflow_gt.validation.suites import load_suite

    common = load_suite("object-detection").document["expectations"][:9]
    own = load_suite(JOB_TYPE).document["expectations"][:9]
    for mine, reference in zip(own, common, strict=True):
        if mine["kwargs"].get("column") == "metadata_type":
            assert mine["kwargs"]["value_set"] == ["groundtruth/semantic-segmentation"]
            continue
        assert mine == reference


def test_too_many_failed_lines_fail_the_share_expectation(tmp_path: Path) -> None:
    lines = copies(sample_record(SAMPLE))
    for line in lines[:2]:
        line.pop("city-streets-ref")
        line["city-streets-metadata"] = {"failure-reason": "ClientError: x",
                                         "type": "groundtruth/semantic-segmentation"}
    result = validate_manifest(write(tmp_path, lines), job_type=JOB_TYPE, chunk_lines=3,
                               max_failed_fraction=0.25)
    assert failures(result) == {("expect_column_mean_to_be_between", "failed"): []}
    assert result.attributes[0].failed == 2
