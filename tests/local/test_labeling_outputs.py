"""Every simulated task type, run to the end, compared with the seed document's examples.

Each output line is compared with the example line of its type in ``tests/sample/`` (the seed's
examples, made valid JSON): the same metadata keys in the same order, and values of the same JSON
types, down to the boxes, maps and color-map entries. Verification and adjustment jobs run on the
output of the job before them, as a chained workflow does.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest

from airflow_gt.local import LocalAws
from airflow_gt.local.datasets import (
    DEFAULT_ENTITY_LABELS,
    DEFAULT_TEXT_CLASSES,
    generate_image_dataset,
    generate_text_dataset,
)
from airflow_gt.manifests.attributes import find_label_attribute
from airflow_gt.manifests.label_parsing import parse_label
from tests.conftest import SAMPLES, client
from tests.local.labeling import labeling_request, put_categories, put_json_lines, read_lines

IMAGE_CLASSES = ("dog", "cat", "bone", "ball")
OPTIONAL_METADATA = {"worker-feedback"}


def skeleton(value: Any) -> Any:
    """The JSON types of a value, with maps keyed by class index reduced to one entry."""
    if isinstance(value, dict):
        if value and all(key.isdigit() for key in value):
            return {"<index>": skeleton(next(iter(value.values())))}
        return {key: skeleton(item) for key, item in value.items()}
    if isinstance(value, list):
        return [skeleton(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else "str"


def shape_matches(ours: Any, theirs: Any) -> bool:
    """Whether skeleton ``ours`` has the shape of ``theirs``; an empty list (no box drawn, no
    class chosen) fits any list, as Ground Truth writes empty lists for such objects."""
    if isinstance(ours, list) and isinstance(theirs, list):
        return not ours or (bool(theirs) and shape_matches(ours[0], theirs[0]))
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return list(ours) == list(theirs) and all(shape_matches(ours[k], theirs[k]) for k in ours)
    return bool(ours == theirs)


def seed_line(sample: str) -> dict[str, Any]:
    return orjson.loads((SAMPLES / sample).read_bytes().splitlines()[0])  # type: ignore[no-any-return]


def assert_like_seed(line: dict[str, Any], attribute: str, sample: str, seed_attribute: str,
                     class_index: bool = False) -> bool:
    """Assert ``line`` is shaped like the seed's example; True if it is so to the last list
    (no list left empty)."""
    metadata_key = attribute.removesuffix("-ref") + "-metadata"
    seed_metadata_key = seed_attribute.removesuffix("-ref") + "-metadata"
    example = seed_line(sample)
    ours, theirs = line[metadata_key], example[seed_metadata_key]
    expected_keys = [k for k in theirs if k not in OPTIONAL_METADATA or k in ours]
    assert list(ours) == expected_keys
    for key in expected_keys:
        assert shape_matches(skeleton(ours[key]), skeleton(theirs[key])), key
    if class_index:  # the seed writes the index as a string of digits: "species": "0"
        assert type(line[attribute]) is type(example[seed_attribute]) is str
        assert line[attribute].isdigit()
    else:
        assert shape_matches(skeleton(line[attribute]), skeleton(example[seed_attribute]))
    assert ours["job-name"].endswith(line[metadata_key]["job-name"].split("/")[-1])
    label = find_label_attribute(line, attribute)
    assert label is not None and label.is_labeled(line)
    assert parse_label(line, label, source="output", line=1) is not None
    return skeleton(ours) == skeleton({k: theirs[k] for k in expected_keys}) and (
        class_index or skeleton(line[attribute]) == skeleton(example[seed_attribute])
    )


class Chain:
    """Runs labeling jobs one after another on a manual-clock stand-in."""

    def __init__(self, stand_in: LocalAws) -> None:
        self.stand_in = stand_in
        self.sagemaker = client("sagemaker", stand_in.endpoint_url)
        self.s3 = client("s3", stand_in.endpoint_url)
        self.bucket = f"gt-{uuid.uuid4().hex[:12]}"
        self.s3.create_bucket(Bucket=self.bucket)

    def run(self, task: str, manifest_uri: str, attribute: str, labels: tuple[str, ...],
            audit: str | None = None, instructions: bool = False) -> list[dict[str, Any]]:
        request = labeling_request(
            self.s3, self.bucket, task=task, manifest_uri=manifest_uri,
            categories_uri=put_categories(self.s3, self.bucket, labels, audit=audit,
                                          instructions=instructions),
            label_attribute=attribute,
        )
        name = request["LabelingJobName"]
        self.sagemaker.create_labeling_job(**request)

        def done() -> bool:
            described = self.sagemaker.describe_labeling_job(LabelingJobName=name)
            return described["LabelingJobStatus"] in ("Completed", "Failed", "Stopped")

        self.stand_in.run_until(done)
        described = self.sagemaker.describe_labeling_job(LabelingJobName=name)
        assert described["LabelingJobStatus"] == "Completed", described.get("FailureReason")
        self.last_output = described["LabelingJobOutput"]["OutputDatasetS3Uri"]
        lines = read_lines(self.s3, self.last_output)
        assert described["LabelCounters"]["TotalLabeled"] == len(lines)
        return lines

    def images(self, count: int = 5) -> str:
        return generate_image_dataset(
            self.s3, f"s3://{self.bucket}/images", count=count, classes=IMAGE_CLASSES, seed=5
        ).manifest_uri

    def texts(self, count: int = 5) -> str:
        return generate_text_dataset(
            self.s3, f"s3://{self.bucket}/texts", count=count, seed=5
        ).manifest_uri


@pytest.fixture
def chain(manual_aws: LocalAws) -> Chain:
    return Chain(manual_aws)


@pytest.mark.parametrize(
    ("task", "attribute", "sample", "seed_attribute", "class_index"),
    [
        ("ImageMultiClass", "species", "image-classification.manifest", "species", True),
        ("ImageMultiClassMultiLabel", "image-label-attribute-name",
         "image-classification-multilabel.manifest", "image-label-attribute-name", False),
        ("BoundingBox", "bounding-box", "object-detection.manifest", "bounding-box", False),
        ("SemanticSegmentation", "city-streets-ref", "semantic-segmentation-verification.manifest",
         "city-streets-ref", False),
    ],
)
def test_image_tasks_write_lines_like_the_seed(
    chain: Chain, task: str, attribute: str, sample: str, seed_attribute: str, class_index: bool
) -> None:
    lines = chain.run(task, chain.images(), attribute, IMAGE_CLASSES)
    assert len(lines) == 5
    whole = [assert_like_seed(line, attribute, sample, seed_attribute, class_index)
             for line in lines]
    assert any(whole), "no line is shaped like the seed's to its last list"


@pytest.mark.parametrize(
    ("task", "attribute", "sample", "seed_attribute", "class_index"),
    [
        ("TextMultiClass", "mood", "text-classification.manifest", "mood", True),
        ("TextMultiClassMultiLabel", "text-label-attribute-name",
         "text-classification-multilabel.manifest", "text-label-attribute-name", False),
    ],
)
def test_text_tasks_write_lines_like_the_seed(
    chain: Chain, task: str, attribute: str, sample: str, seed_attribute: str, class_index: bool
) -> None:
    lines = chain.run(task, chain.texts(), attribute, DEFAULT_TEXT_CLASSES)
    for line in lines:
        assert_like_seed(line, attribute, sample, seed_attribute, class_index)
        assert isinstance(line["source"], str)


def test_named_entity_recognition_writes_text_spans(chain: Chain) -> None:
    lines = chain.run("NamedEntityRecognition", chain.texts(), "entities", DEFAULT_ENTITY_LABELS,
                      instructions=True)
    for line in lines:
        value, metadata = line["entities"], line["entities-metadata"]
        assert metadata["type"] == "groundtruth/text-span"
        entities = value["annotations"]["entities"]
        assert len(metadata["entities"]) == len(entities)
        for entity in entities:
            assert entity["label"] in DEFAULT_ENTITY_LABELS
            assert 0 <= entity["startOffset"] < entity["endOffset"] <= len(line["source"])
        assert [item["label"] for item in value["annotations"]["labels"]] == list(
            DEFAULT_ENTITY_LABELS)


def test_bounding_boxes_are_verified_then_adjusted_on_the_earlier_output(chain: Chain) -> None:
    boxes = chain.run("BoundingBox", chain.images(), "bounding-box", IMAGE_CLASSES)
    verified = chain.run("VerificationBoundingBox", chain.last_output, "verify-bounding-box",
                         ("good", "bad"), audit="bounding-box")
    for before, line in zip(boxes, verified, strict=True):
        assert line["bounding-box"] == before["bounding-box"]
        assert_like_seed(line, "verify-bounding-box", "label-verification-bounding-box.manifest",
                         "verify-bounding-box", class_index=True)
        assert line["verify-bounding-box-metadata"]["class-name"] in ("good", "bad")
    adjusted = chain.run("AdjustmentBoundingBox", chain.last_output, "adjusted-bounding-box",
                         IMAGE_CLASSES, audit="bounding-box")
    for line in adjusted:
        assert_like_seed(line, "adjusted-bounding-box", "object-detection-adjustment.manifest",
                         "adjusted-bounding-box")
        assert line["adjusted-bounding-box-metadata"]["adjustment-status"] in (
            "adjusted", "unadjusted")
        assert "verify-bounding-box" in line


def test_segmentation_masks_are_verified_then_adjusted(chain: Chain) -> None:
    masks = chain.run("SemanticSegmentation", chain.images(), "city-streets-ref", IMAGE_CLASSES)
    for line in masks:
        bucket, _, key = line["city-streets-ref"].removeprefix("s3://").partition("/")
        assert "/annotations/consolidated-annotation/output/" in f"/{key}"
        png = chain.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert png.startswith(b"\x89PNG")
        confidences = {entry["confidence"]
                       for entry in line["city-streets-metadata"]["internal-color-map"].values()}
        assert len(confidences) == 1, "one confidence per image, the same for every class"
    verified = chain.run("VerificationSemanticSegmentation", chain.last_output,
                         "verify-city-streets", ("good", "bad"), audit="city-streets-ref")
    for line in verified:
        assert_like_seed(line, "verify-city-streets", "semantic-segmentation-verification.manifest",
                         "verify-city-streets", class_index=True)
    adjusted = chain.run("AdjustmentSemanticSegmentation", chain.last_output,
                         "adjusted-city-streets-ref", IMAGE_CLASSES, audit="city-streets-ref")
    for line in adjusted:
        assert_like_seed(line, "adjusted-city-streets-ref",
                         "semantic-segmentation-adjustment.manifest", "adjusted-city-streets-ref")


def test_a_manifest_not_made_by_the_generator_is_labeled_from_hashes(chain: Chain) -> None:
    records = [{"source-ref": f"s3://{chain.bucket}/photos/{i}.jpg", "batch": i} for i in range(4)]
    manifest = put_json_lines(chain.s3, chain.bucket, "photos.manifest", records)
    first = chain.run("ImageMultiClass", manifest, "species", IMAGE_CLASSES)
    second = chain.run("ImageMultiClass", manifest, "species", IMAGE_CLASSES)
    assert [line["batch"] for line in first] == [0, 1, 2, 3]
    assert all(line["species-metadata"]["class-name"] in IMAGE_CLASSES for line in first)
    assert len(first) == len(second) == 4
