"""A line under a label attribute is labeled, failed or unlabeled; anything else is malformed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from airflow_gt.exceptions import LabelFormatError
from airflow_gt.manifests.attributes import label_attributes
from airflow_gt.manifests.label_parsing import parse_label
from airflow_gt.manifests.label_state import LabelState, label_state
from airflow_gt.manifests.reader import read_manifest
from tests.conftest import SAMPLES

BOXES = next(record for _, record in read_manifest(SAMPLES / "object-detection.manifest"))
MASKS = next(
    record for _, record in read_manifest(SAMPLES / "semantic-segmentation-adjustment.manifest")
)


def changed(record: dict[str, Any], **keys: Any) -> dict[str, Any]:
    """A copy of ``record`` with keys set (to ``...``: removed)."""
    result = copy.deepcopy(record)
    for key, value in keys.items():
        key = key.replace("_", "-")
        if value is ...:
            del result[key]
        else:
            result[key] = value
    return result


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.manifest")))
def test_every_label_of_the_seed_samples_is_labeled(sample: str) -> None:
    for line, record in read_manifest(SAMPLES / sample):
        for attribute in label_attributes(record):
            state, found = label_state(record, attribute.name, source=sample, line=line)
            assert (state, found) == (LabelState.LABELED, attribute)


def test_failed_lines_need_no_label_and_no_type() -> None:
    failed = {"source-ref": "s3://b/1.jpg", "boxes-metadata": {"failure-reason": "timeout"}}
    assert label_state(failed, "boxes")[0] is LabelState.FAILED
    typed = {"source-ref": "s3://b/1.jpg", "masks-metadata": {
        "failure-reason": "timeout", "type": "groundtruth/semantic-segmentation"}}
    assert label_state(typed, "masks-ref")[0] is LabelState.FAILED
    assert label_state(typed, "masks")[0] is LabelState.FAILED


def test_unlabeled_lines_have_neither_label_nor_metadata() -> None:
    assert label_state({"source-ref": "s3://b/1.jpg"}, "bounding-box") == (
        LabelState.UNLABELED, None
    )
    # Another job's label is no label of this attribute.
    assert label_state(BOXES, "species") == (LabelState.UNLABELED, None)
    # Metadata with neither a label nor a failure-reason is read as unlabeled, as before.
    metadata_only = changed(BOXES, bounding_box=...)
    assert label_state(metadata_only, "bounding-box")[0] is LabelState.UNLABELED


@pytest.mark.parametrize(
    ("record", "attribute", "message"),
    [
        (changed(BOXES, bounding_box_metadata=...), "bounding-box",
         "the line has a label but no metadata 'bounding-box-metadata'"),
        (changed(MASKS, city_streets_metadata=...), "city-streets",
         "the line has a label under 'city-streets-ref' but no metadata 'city-streets-metadata'"),
        (changed(BOXES, bounding_box_metadata="groundtruth/object-detection"), "bounding-box",
         "its metadata 'bounding-box-metadata' must be an object, found a string"),
        (changed(BOXES, bounding_box_metadata=[{"type": "groundtruth/object-detection"}]),
         "bounding-box", "its metadata 'bounding-box-metadata' must be an object, found an array"),
        (changed(BOXES, bounding_box_metadata=None), "bounding-box",
         "its metadata 'bounding-box-metadata' must be an object, found null"),
        (changed(BOXES, bounding_box_metadata={"job-name": "x", "class-map": {"0": "dog"}}),
         "bounding-box", "its metadata 'bounding-box-metadata' has no 'type' string"),
        (changed(BOXES, bounding_box_metadata={**BOXES["bounding-box-metadata"], "type": 7}),
         "bounding-box", "its metadata 'bounding-box-metadata' has no 'type' string"),
    ],
    ids=["no-metadata", "no-metadata-ref", "metadata-string", "metadata-array", "metadata-null",
         "no-type", "type-not-string"],
)
def test_malformed_lines_name_the_file_line_and_what_is_wrong(
    record: dict[str, Any], attribute: str, message: str
) -> None:
    with pytest.raises(LabelFormatError) as caught:
        label_state(record, attribute, source="out.manifest", line=7)
    assert (caught.value.source, caught.value.line) == ("out.manifest", 7)
    assert str(caught.value).startswith(f"out.manifest, line 7: label attribute {attribute!r}: ")
    assert message in str(caught.value)
    with pytest.raises(LabelFormatError):  # the typed view refuses them too
        parse_label(record, attribute, source="out.manifest", line=7)
