"""The video and 3D point cloud suites: only the common block, each with its metadata type. Lines
of each type pass; each common rule, broken once, fails alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_gt.manifests.job_types import JOB_TYPES
from airflow_gt.validation.suites import load_suite
from airflow_gt.validation.validator import validate_manifest
from tests.validation.planting import (
    PLANTED_LINE,
    Record,
    common_violations,
    copies,
    failures,
    write,
)

COMMON_ONLY = sorted(kind.name for kind in JOB_TYPES.values() if not kind.validated)
METADATA = {"job-name": "labeling-job", "human-annotated": "yes",
            "creation-date": "2024-03-01T10:20:30.123456"}
LABELS: dict[str, tuple[str, Any, dict[str, Any]]] = {
    # job type: (label attribute, label value, the metadata's own keys)
    "video-classification": ("activity", "dancing", {"class-name": "dancing",
                                                     "confidence": 0.9}),
    "video-object-detection": ("vehicles-ref", "s3://bucket/out/vehicles/SeqLabel.json",
                               {"class-map": {"0": "car"}}),
    "video-object-tracking": ("tracks-ref", "s3://bucket/out/tracks/SeqLabel.json",
                              {"class-map": {"0": "car"}}),
    "point_cloud_object_detection": ("cuboids", {"annotations": [{
        "label": "car", "center-x": 1.5, "center-y": 2.5, "center-z": 0.5, "length": 4.0,
        "width": 2.0, "height": 1.5, "roll": 0.0, "pitch": 0.0, "yaw": 0.1, "class-id": 0}]},
        {"class-map": {"0": "car"}}),
    "point_cloud_object_tracking": ("tracks-ref", "s3://bucket/out/tracks/SeqLabel.json",
                                    {"class-map": {"0": "car"}}),
    "point_cloud_single_frame_semantic_segmentation": (
        "segments-ref", "s3://bucket/out/segments/frame.zlib",
        {"color-map": {"0": {"class-name": "road", "hex-color": "#f28333"}}}),
}


def line_of(job_type: str) -> Record:
    attribute, value, own = LABELS[job_type]
    metadata = {**own, **METADATA, "type": f"groundtruth/{job_type}"}
    return {"source-ref": "s3://bucket/input/frames/0001.json", attribute: value,
            attribute.removesuffix("-ref") + "-metadata": metadata}


def meta(record: Record) -> dict[str, Any]:
    return next(v for k, v in record.items() if k.endswith("-metadata"))


def test_a_label_of_each_type_is_known() -> None:
    assert set(LABELS) == set(COMMON_ONLY)


@pytest.mark.parametrize("job_type", COMMON_ONLY)
def test_lines_of_each_type_pass(tmp_path: Path, job_type: str) -> None:
    result = validate_manifest(write(tmp_path, copies(line_of(job_type))))
    assert result.success, result.summary()
    [attribute] = result.attributes
    assert (attribute.label_attribute, attribute.job_type, attribute.labeled) == (
        LABELS[job_type][0], job_type, 4)
    assert len(attribute.outcomes) == 9


VIOLATIONS = common_violations(meta, "groundtruth/object-detection")
FAILED_SHARE = ("expect_column_mean_to_be_between", "failed")


@pytest.mark.parametrize("job_type", COMMON_ONLY)
@pytest.mark.parametrize(("name", "change", "expected"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
def test_a_planted_violation_fails_its_expectation_alone(
    tmp_path: Path, job_type: str, name: str, change: Any, expected: tuple[str, str]
) -> None:
    lines = copies(line_of(job_type))
    change(lines[PLANTED_LINE - 1])
    result = validate_manifest(write(tmp_path, lines), chunk_lines=2)
    assert failures(result) == {expected: [PLANTED_LINE]}


@pytest.mark.parametrize("job_type", COMMON_ONLY)
def test_too_many_failed_lines_fail_the_share_expectation(tmp_path: Path, job_type: str) -> None:
    lines = copies(line_of(job_type))
    attribute = LABELS[job_type][0]
    for line in lines[:2]:
        line.pop(attribute)
        meta(line)["failure-reason"] = "ClientError: x"
    result = validate_manifest(write(tmp_path, lines), chunk_lines=3, max_failed_fraction=0.25)
    assert failures(result) == {FAILED_SHARE: []}
    assert result.attributes[0].failed == 2


@pytest.mark.parametrize("job_type", COMMON_ONLY)
def test_every_expectation_of_the_suite_is_planted(job_type: str) -> None:
    planted = {expected for _, _, expected in VIOLATIONS} | {FAILED_SHARE}
    assert {(e.type, e.column) for e in load_suite(job_type).expectations} == planted


@pytest.mark.parametrize("job_type", COMMON_ONLY)
def test_the_suite_is_the_common_block_with_its_type(job_type: str) -> None:
    common = load_suite("object-detection").document["expectations"][:9]
    suite = load_suite(job_type)
    assert (suite.name, suite.job_type) == (job_type, job_type)
    assert suite.document["meta"]["frames"] == ["lines", "labels"]
    for mine, reference in zip(suite.document["expectations"], common, strict=True):
        if mine["kwargs"].get("column") == "metadata_type":
            assert mine["kwargs"]["value_set"] == [f"groundtruth/{job_type}"]
            continue
        assert mine == reference
