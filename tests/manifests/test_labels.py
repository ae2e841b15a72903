from __future__ import annotations

from typing import Any

import pytest

from airflow_gt.exceptions import LabelFormatError
from airflow_gt.manifests.label_parsing import parse_label
from airflow_gt.manifests.labels import (
    BoundingBoxLabel,
    ClassificationLabel,
    MultiLabelClassification,
    ReferenceLabel,
    SegmentationLabel,
    TextSpanLabel,
    VerificationLabel,
)
from airflow_gt.manifests.reader import read_manifest
from tests.conftest import BAD_SAMPLES, SAMPLES

NER_LINE: dict[str, Any] = {
    "source": "Diego Ramirez is an engineer in the high tech industry.",
    "people": {"annotations": {
        "entities": [{"endOffset": 13, "startOffset": 0, "label": "ENGINEER"}],
        "labels": [{"label": "ENGINEER", "shortDisplayName": "eng"}, {"label": "OTHER"}],
    }},
    "people-metadata": {
        "entities": [{"confidence": 0.92}], "job-name": "labeling-job/people",
        "type": "groundtruth/text-span", "creation-date": "2020-05-14T21:45:27.175903",
        "human-annotated": "yes",
    },
}


def only_record(sample: str) -> dict[str, Any]:
    ((_, record),) = list(read_manifest(SAMPLES / sample))
    return record


def test_classification_with_int_or_string_index() -> None:
    sport = parse_label(only_record("image-classification-sport.manifest"), "sport")
    species = parse_label(only_record("image-classification.manifest"), "species")
    assert isinstance(sport, ClassificationLabel) and isinstance(species, ClassificationLabel)
    assert (sport.class_id, sport.class_name, sport.confidences) == (0, "football", (0.8,))
    assert (species.class_id, species.class_name) == (0, "dog")
    assert species.value == "0"  # the raw value is kept as written
    assert species.metadata.job_name == "identify-animal-species"
    assert species.metadata.human_annotated is True
    assert species.metadata.creation_date == "2018-10-18T22:18:13.527256"


def test_multilabel() -> None:
    label = parse_label(
        only_record("image-classification-multilabel.manifest"), "image-label-attribute-name"
    )
    assert isinstance(label, MultiLabelClassification)
    assert label.class_ids == (1, 0, 8)
    assert dict(label.class_map) == {1: "bicycle", 0: "person", 8: "clothing"}
    assert dict(label.confidence_map) == {1: 0.95, 0: 0.77, 8: 0.2}
    assert label.class_names == {"bicycle", "person", "clothing"}
    assert label.metadata.job_name == "image-label-attribute-name"  # "labeling-job/" dropped
    assert label.metadata.raw["job-name"] == "labeling-job/image-label-attribute-name"


def test_bounding_boxes_and_adjustment_status() -> None:
    record = only_record("object-detection-adjustment.manifest")
    original = parse_label(record, "bounding-box")
    adjusted = parse_label(record, "adjusted-bounding-box")
    assert isinstance(original, BoundingBoxLabel) and isinstance(adjusted, BoundingBoxLabel)
    assert (original.image_size.width, original.image_size.height) == (500, 400)
    assert [(b.class_name, b.left, b.top, b.confidence) for b in adjusted.boxes] == [
        ("dog", 110, 135, 0.8), ("bone", 161, 250, 0.9), ("bone", 10, 10, 0.9),
    ]
    assert original.adjustment_status is None
    assert adjusted.adjustment_status == "adjusted"
    assert original.confidences == (0.8, 0.9, 0.9)


def test_verification_with_feedback() -> None:
    record = only_record("label-verification-bounding-box.manifest")
    label = parse_label(record, "verify-bounding-box")
    assert isinstance(label, VerificationLabel)
    assert (label.class_id, label.class_name) == (1, "bad")
    assert label.worker_feedback == (
        "The bounding box on the bird is too wide on the right side.",
        "The bird on the upper right is not labeled.",
    )


def test_segmentation_color_map() -> None:
    label = parse_label(
        only_record("semantic-segmentation-verification.manifest"), "city-streets"
    )
    assert isinstance(label, SegmentationLabel)
    assert label.attribute == "city-streets-ref"
    assert label.mask_ref.startswith("s3://example-bucket/") and label.mask_ref.endswith(".png")
    assert [(e.class_id, e.class_name, e.hex_color) for e in label.color_map] == [
        (0, "BACKGROUND", "#ffffff"), (1, "buildings", "#2acf59"), (2, "road", "#f28333"),
    ]
    assert label.confidences == (0.9, 0.9, 0.9)


def test_text_spans() -> None:
    label = parse_label(NER_LINE, "people")
    assert isinstance(label, TextSpanLabel)
    assert [(e.label, e.start_offset, e.end_offset, e.confidence) for e in label.entities] == [
        ("ENGINEER", 0, 13, 0.92)
    ]
    assert label.labels == ("ENGINEER", "OTHER")
    assert label.class_names == {"ENGINEER"}


def test_sequence_reference() -> None:
    record = {
        "source-ref": "s3://b/seq.json",
        "cars-ref": "s3://b/job/annotations/consolidated-annotation/output/0/SeqLabel.json",
        "cars-metadata": {"type": "groundtruth/video-object-tracking", "job-name": "cars"},
    }
    label = parse_label(record, "cars")
    assert isinstance(label, ReferenceLabel)
    assert label.ref.endswith("SeqLabel.json")


def test_views_lose_no_key() -> None:
    record = only_record("object-detection-adjustment.manifest")
    label = parse_label(record, "adjusted-bounding-box")
    assert label is not None
    assert label.value == record["adjusted-bounding-box"]
    assert dict(label.metadata.raw) == record["adjusted-bounding-box-metadata"]
    with pytest.raises(TypeError):
        label.metadata.raw["type"] = "changed"  # type: ignore[index]


def test_failed_and_unlabeled_give_none() -> None:
    failed = {"source-ref": "s3://b/1.jpg",
              "animal-metadata": {"failure-reason": "no worker",
                                  "type": "groundtruth/image-classification"}}
    assert parse_label(failed, "animal") is None
    assert parse_label({"source-ref": "s3://b/1.jpg"}, "animal") is None


@pytest.mark.parametrize(
    ("attribute", "label", "metadata", "detail"),
    [
        ("animal", "cat", {"class-name": "cat"}, "the label must be a class index, found 'cat'"),
        ("animal", 1, {}, "metadata class-name must be a string, found None"),
        ("animal", True, {"class-name": "x"}, "the label must be a class index, found True"),
    ],
)
def test_malformed_classification(attribute: str, label: Any, metadata: dict[str, Any],
                                  detail: str) -> None:
    record = {attribute: label,
              f"{attribute}-metadata": {"type": "groundtruth/image-classification", **metadata}}
    with pytest.raises(LabelFormatError) as caught:
        parse_label(record, attribute, source="m.manifest", line=7)
    assert str(caught.value) == f"m.manifest, line 7: label attribute {attribute!r}: {detail}"


def test_malformed_boxes_name_the_field() -> None:
    ((_, record),) = list(read_manifest(BAD_SAMPLES / "malformed-bounding-box.manifest"))
    with pytest.raises(LabelFormatError, match="image_size must hold one entry, found 0"):
        parse_label(record, "bounding-box")
    record["bounding-box"] = {"image_size": [{"width": 1, "height": 1, "depth": 3}],
                              "annotations": [{"class_id": 0, "left": "x"}]}
    record["bounding-box-metadata"]["class-map"] = {"0": "dog"}
    with pytest.raises(LabelFormatError, match=r"annotations\[0\]\.left must be a number"):
        parse_label(record, "bounding-box")


def test_unknown_type_is_a_format_error() -> None:
    record = {"x": 1, "x-metadata": {"type": "groundtruth/hologram"}}
    with pytest.raises(LabelFormatError, match="'groundtruth/hologram' is not a Ground Truth"):
        parse_label(record, "x")
