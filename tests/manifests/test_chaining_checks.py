"""Chaining refuses what a follow-up job cannot be given: malformed labels, an attribute named
that no line has, a verification or adjustment task given labels of another job type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_gt.exceptions import (
    ConfigurationError,
    IncompatibleFollowUpError,
    LabelAttributeNameError,
    LabelAttributeNotFoundError,
    LabelFormatError,
    NestingTooDeepError,
)
from airflow_gt.manifests.chaining import Selection, chain_manifest, select_lines
from airflow_gt.manifests.job_types import built_in_task, job_type
from tests.malformed_support import lines_of, sample, write

BOXES = sample("object-detection.manifest")
MASKS = sample("semantic-segmentation-adjustment.manifest")
SPECIES = sample("image-classification.manifest")

SELECTIONS = [
    Selection(),
    Selection(status="labeled"),
    Selection(status="unlabeled"),
    Selection(confidence_below=0.95),
    Selection(lowest_quantile=0.5),
    Selection(sample_size=1),
]
SELECTION_IDS = ["all", "labeled", "unlabeled", "confidence", "quantile", "sample"]


def without(record: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != key}


MALFORMED = {
    "no-type": lambda r: {**r, "bounding-box-metadata": without(r["bounding-box-metadata"],
                                                                 "type")},
    "metadata-not-object": lambda r: {**r, "bounding-box-metadata": "object-detection"},
    "no-metadata": lambda r: without(r, "bounding-box-metadata"),
}


@pytest.mark.parametrize("selection", SELECTIONS, ids=SELECTION_IDS)
@pytest.mark.parametrize("malformed", list(MALFORMED))
@pytest.mark.parametrize("named", [None, "bounding-box"])
def test_a_malformed_label_is_refused_whatever_the_selection(
    tmp_path: Path, selection: Selection, malformed: str, named: str | None
) -> None:
    records = lines_of(BOXES)
    records[1] = MALFORMED[malformed](records[1])
    source = write(tmp_path / "output.manifest", records)
    out = tmp_path / "input.manifest"
    with pytest.raises(LabelFormatError) as caught:
        chain_manifest(source, out, new_label_attribute="verify", selection=selection,
                       label_attribute=named)
    assert (caught.value.source, caught.value.line) == (str(source), 2)
    assert not out.exists()


def test_failed_and_unlabeled_lines_are_not_malformed(tmp_path: Path) -> None:
    failed = {"source-ref": "s3://example-bucket/images/0009.jpg",
              "bounding-box-metadata": {"failure-reason": "ClientError: timed out"}}
    records = [*lines_of(BOXES), failed, {"source-ref": "s3://example-bucket/images/0010.jpg"}]
    source = write(tmp_path / "output.manifest", records)
    result = chain_manifest(source, tmp_path / "input.manifest", new_label_attribute="verify")
    assert (result.label_attribute, result.lines_written) == ("bounding-box", 5)


def test_a_deep_line_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    source = tmp_path / "output.manifest"
    deep = b'{"source-ref":"s3://example-bucket/images/0002.jpg","x":' + b"[" * 300 + b"]" * 300
    source.write_bytes(b'{"source-ref":"s3://example-bucket/images/0001.jpg"}\n' + deep + b"}\n")
    out = tmp_path / "input.manifest"
    with pytest.raises(NestingTooDeepError) as caught:
        chain_manifest(source, out, new_label_attribute="verify")
    assert (caught.value.line, caught.value.depth) == (2, 301)  # its object and 300 arrays
    assert not out.exists()


@pytest.mark.parametrize("selection", SELECTIONS, ids=SELECTION_IDS)
def test_an_attribute_no_line_has_is_refused(tmp_path: Path, selection: Selection) -> None:
    source = write(tmp_path / "output.manifest", lines_of(BOXES))
    out = tmp_path / "input.manifest"
    with pytest.raises(LabelAttributeNotFoundError) as caught:
        chain_manifest(source, out, new_label_attribute="verify", selection=selection,
                       label_attribute="species")
    assert str(caught.value) == (
        f"label_attribute: no line has label attribute 'species' in {source}"
    )
    assert isinstance(caught.value, ConfigurationError)
    assert not out.exists()
    with pytest.raises(LabelAttributeNotFoundError):
        list(select_lines(source, selection, label_attribute="species"))


def test_an_attribute_only_failed_lines_have_is_there(tmp_path: Path) -> None:
    failed = {"source-ref": "s3://example-bucket/images/0001.jpg",
              "species-metadata": {"failure-reason": "ClientError: timed out",
                                   "type": "groundtruth/image-classification"}}
    source = write(tmp_path / "output.manifest", [failed, *lines_of(BOXES)])
    result = chain_manifest(source, tmp_path / "input.manifest", new_label_attribute="verify",
                            label_attribute="species")
    assert result.lines_written == 4


def test_an_attribute_read_with_metadata_in_its_name_is_refused(tmp_path: Path) -> None:
    line = {"source-ref": "s3://example-bucket/images/0001.jpg",
            "boxes-metadata-v2": BOXES["bounding-box"],
            "boxes-metadata-v2-metadata": BOXES["bounding-box-metadata"]}
    source = write(tmp_path / "output.manifest", [{"source-ref": "s3://b/0.jpg"}, line])
    out = tmp_path / "input.manifest"
    with pytest.raises(LabelAttributeNameError) as caught:
        chain_manifest(source, out, new_label_attribute="verify")
    assert str(caught.value) == (
        f"{source}, line 2: label attribute 'boxes-metadata-v2': must not contain '-metadata'"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("record", "new", "follow_up"),
    [
        (BOXES, "verify", "VerificationSemanticSegmentation"),
        (BOXES, "adjusted-ref", "AdjustmentSemanticSegmentation"),
        (BOXES, "adjusted-ref", built_in_task("AdjustmentVideoObjectDetection")),
        (MASKS, "verify", "VerificationBoundingBox"),
        (SPECIES, "adjusted", "AdjustmentBoundingBox"),
        (SPECIES, "verify", "label-verification"),
        (SPECIES, "verify", job_type("label-verification")),
    ],
)
def test_a_follow_up_task_is_refused_labels_it_cannot_work_on(
    tmp_path: Path, record: dict[str, Any], new: str, follow_up: Any
) -> None:
    records = lines_of(record)
    source = write(tmp_path / "output.manifest", records)
    attribute = "city-streets-ref" if record is MASKS else None
    out = tmp_path / "input.manifest"
    with pytest.raises(IncompatibleFollowUpError) as caught:
        chain_manifest(source, out, new_label_attribute=new, follow_up=follow_up,
                       label_attribute=attribute)
    assert caught.value.parameter == "follow_up"
    assert caught.value.line == 1
    assert caught.value.found in ("object-detection", "semantic-segmentation",
                                  "image-classification")
    assert caught.value.found not in caught.value.accepted
    assert str(source) in str(caught.value)
    assert not out.exists()


def test_the_message_names_the_task_and_both_job_types(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", lines_of(BOXES))
    with pytest.raises(IncompatibleFollowUpError) as caught:
        chain_manifest(source, tmp_path / "input.manifest", new_label_attribute="verify",
                       follow_up="VerificationSemanticSegmentation")
    assert str(caught.value) == (
        "follow_up: VerificationSemanticSegmentation works on labels of job type "
        f"semantic-segmentation, but {source}, line 1 has label attribute 'bounding-box' of "
        "job type object-detection"
    )


@pytest.mark.parametrize(
    ("record", "new", "follow_up"),
    [
        (BOXES, "verify", "VerificationBoundingBox"),
        (BOXES, "adjusted", "AdjustmentBoundingBox"),
        (BOXES, "verify", "label-verification"),
        (MASKS, "verify", "VerificationSemanticSegmentation"),
        (MASKS, "again-ref", "AdjustmentSemanticSegmentation"),
        (SPECIES, "boxes", "BoundingBox"),  # a new job on the same images takes any labels
        (SPECIES, "boxes", "object-detection"),
    ],
)
def test_a_follow_up_task_takes_the_labels_it_works_on(
    tmp_path: Path, record: dict[str, Any], new: str, follow_up: str
) -> None:
    source = write(tmp_path / "output.manifest", lines_of(record))
    attribute = "city-streets-ref" if record is MASKS else None
    result = chain_manifest(source, tmp_path / "input.manifest", new_label_attribute=new,
                            follow_up=follow_up, label_attribute=attribute)
    assert result.lines_written == 3


def test_an_adjustment_takes_the_verdicts_of_a_verification_of_its_boxes(
    tmp_path: Path,
) -> None:
    # The chained example: the images a verification judged bad go to an adjustment of the
    # boxes it judged; the selection is on the verdict, the boxes are on the same lines.
    verified = sample("label-verification-bounding-box.manifest")
    source = write(tmp_path / "output.manifest", lines_of(verified))
    result = chain_manifest(
        source, tmp_path / "input.manifest", new_label_attribute="adjusted-bounding-box",
        follow_up="AdjustmentBoundingBox", label_attribute="verify-bounding-box",
        selection=Selection(class_names=frozenset({"bad"})),
    )
    assert result.lines_written == 3


def test_an_audit_follow_up_needs_the_attribute_when_lines_carry_several(
    tmp_path: Path,
) -> None:
    source = write(tmp_path / "output.manifest", lines_of(MASKS))
    with pytest.raises(ConfigurationError, match="carries the labels of several jobs"):
        chain_manifest(source, tmp_path / "input.manifest", new_label_attribute="verify",
                       follow_up="VerificationSemanticSegmentation")


def test_pass_through_keys_that_look_like_a_label_without_type_pass(tmp_path: Path) -> None:
    # "camera" and "camera-metadata" may be two keys of the input: without a type or a failure
    # they are not taken for a label attribute (validation does not take them for one either).
    records = [{**line, "camera": "x100", "camera-metadata": {"lens": "35mm"}}
               for line in lines_of(BOXES)]
    source = write(tmp_path / "output.manifest", records)
    result = chain_manifest(source, tmp_path / "input.manifest", new_label_attribute="verify")
    assert (result.label_attribute, result.lines_written) == ("bounding-box", 3)
