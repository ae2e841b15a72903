"""The label-verification suite: the seed's examples pass, each with the label it verifies; each
rule, broken once, fails alone."""

from __future__ import annotations

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
    suite_set,
)

SAMPLE = "label-verification-bounding-box.manifest"
ATTRIBUTE = "verify-bounding-box"


def meta(record: Record) -> dict[str, Any]:
    return record[f"{ATTRIBUTE}-metadata"]  # type: ignore[no-any-return]


def feedback(record: Record, index: int = 1) -> dict[str, Any]:
    return meta(record)["worker-feedback"][index]  # type: ignore[no-any-return]


VIOLATIONS: list[Violation] = [
    *common_violations(meta, "groundtruth/object-detection"),
    ("label not an index", lambda r: r.update({ATTRIBUTE: "bad"}),
     ("expect_column_values_to_match_regex", "label_text")),
    ("no class name", lambda r: meta(r).pop("class-name"),
     ("expect_column_values_to_not_be_null", "class_name")),
    ("empty class name", lambda r: meta(r).update({"class-name": ""}),
     ("expect_column_values_to_not_be_null", "class_name")),
    ("another class name for the index", lambda r: meta(r).update({"class-name": "good"}),
     ("expect_column_pair_values_to_be_equal", "class_name,first_class_name")),
    ("string confidence", lambda r: meta(r).update(confidence="0.93"),
     ("expect_column_values_to_be_in_set", "confidence_type")),
    ("confidence above 1", lambda r: meta(r).update(confidence=1.5),
     ("expect_column_values_to_be_between", "confidence")),
    ("feedback not a list", lambda r: meta(r).update({"worker-feedback": {"comment": "ok"}}),
     ("expect_column_values_to_be_in_set", "feedback_type")),
    ("feedback without a comment", lambda r: feedback(r).pop("comment"),
     ("expect_column_values_to_not_be_null", "comment")),
    ("feedback entry not an object", lambda r: meta(r)["worker-feedback"].append("too wide"),
     ("expect_column_values_to_not_be_null", "comment")),
    ("numeric comment", lambda r: feedback(r).update(comment=3),
     ("expect_column_values_to_not_be_null", "comment")),
    ("empty comment", lambda r: feedback(r).update(comment=""),
     ("expect_column_value_lengths_to_be_between", "comment")),
]


@pytest.mark.parametrize("categories", [None, ["good", "bad"]])
def test_the_seed_examples_pass_with_the_labels_they_verify(categories: list[str] | None
                                                             ) -> None:
    result = validate_manifest(SAMPLES / SAMPLE, label_categories=categories)
    assert result.success, result.summary()
    assert [(a.label_attribute, a.job_type) for a in result.attributes] == [
        ("bounding-box", "object-detection"), (ATTRIBUTE, "label-verification")]


def test_the_segmentation_verification_example_passes() -> None:
    result = validate_manifest(SAMPLES / "semantic-segmentation-verification.manifest",
                               label_attribute="verify-city-streets")
    assert result.success, result.summary()
    [checked] = result.attributes
    assert (checked.job_type, checked.labeled) == ("label-verification", 1)


@pytest.mark.parametrize(("name", "change", "expected"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
def test_a_planted_violation_fails_its_expectation_alone(
    tmp_path: Path, name: str, change: Any, expected: tuple[str, str]
) -> None:
    planted = plant(tmp_path, SAMPLE, change, label_attribute=ATTRIBUTE)
    assert planted == {expected: [PLANTED_LINE]}


def test_every_expectation_of_the_suite_is_planted() -> None:
    assert suite_set("label-verification") == planted_set(VIOLATIONS)


def test_a_verification_without_comments_passes(tmp_path: Path) -> None:
    lines = copies(sample_record(SAMPLE))
    meta(lines[0]).pop("worker-feedback")
    meta(lines[3])["worker-feedback"] = []
    result = validate_manifest(write(tmp_path, lines), chunk_lines=2, label_attribute=ATTRIBUTE)
    assert result.success, result.summary()


def test_the_verified_label_is_checked_by_its_own_suite(tmp_path: Path) -> None:
    lines = copies(sample_record(SAMPLE))
    lines[2]["bounding-box"]["annotations"][0]["left"] = -5
    result = validate_manifest(write(tmp_path, lines), chunk_lines=2)
    verified, verification = result.attributes
    assert [(o.column, [s.line for s in o.samples]) for o in verified.failed_expectations] == [
        ("left", [PLANTED_LINE])]
    assert verification.success


def test_the_stand_in_output_passes(manual_aws: LocalAws) -> None:
    chain = Chain(manual_aws)
    chain.run("BoundingBox", chain.images(count=8), "bounding-box", IMAGE_CLASSES)
    lines = chain.run("VerificationBoundingBox", chain.last_output, ATTRIBUTE, ("good", "bad"),
                      audit="bounding-box")
    result = validate_manifest(chain.last_output, s3_client=chain.s3, chunk_lines=3,
                               label_attribute=ATTRIBUTE, label_categories=["good", "bad"])
    assert result.success, result.summary()
    [checked] = result.attributes
    assert (checked.job_type, checked.labeled) == ("label-verification", len(lines))
