"""The simulated workforce: answer shapes, output lines, perfect workers, determinism."""

from __future__ import annotations

import base64
import itertools
import random
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.local import answers as ui
from airflow_gt.local.datasets import truth_mask
from airflow_gt.local.png import decode_png
from airflow_gt.local.tasks import (
    CommonMetadata,
    Consolidated,
    DataObject,
    WorkerSkill,
    simulated_tasks,
    simulator_for,
    synthetic_truth,
)
from airflow_gt.local.truth import Box, Span, Truth
from airflow_gt.manifests.categories import LabelCategoryConfig
from airflow_gt.manifests.label_parsing import parse_label
from airflow_gt.manifests.labels import (
    BoundingBoxLabel,
    ClassificationLabel,
    Label,
    MultiLabelClassification,
    SegmentationLabel,
    TextSpanLabel,
    VerificationLabel,
)

CLASSES = ("dog", "cat", "bone")
CATEGORIES = LabelCategoryConfig.from_labels(CLASSES)
PERFECT = WorkerSkill(accuracy=1.0, box_jitter=0.0, comment_rate=1.0)
SLOPPY = WorkerSkill(accuracy=0.6, box_jitter=0.2, comment_rate=0.5)
MASK_URI = "s3://bucket/job/annotations/consolidated-annotation/output/0_2024-01-01T00:00:00.png"
COMMON = CommonMetadata("job-1", "2024-01-01T00:00:00.000000", mask_uri=MASK_URI)
IMAGE = "s3://bucket/images/0.png"
TEXT = "Ada Lovelace met Charles Babbage in London."
IMAGE_TRUTH = Truth(
    classes=("cat", "dog"),
    boxes=(Box("dog", 10, 10, 50, 40), Box("cat", 80, 30, 30, 30), Box("zebra", 5, 90, 20, 20)),
    image_size=(160, 120, 3),
)
PLAIN_TRUTH = Truth(classes=("cat", "dog"), boxes=IMAGE_TRUTH.boxes[:2], image_size=(160, 120, 3))
"""The image truth without the zebra, which no prior job (with dog, cat, bone) can label."""
TEXT_TRUTH = Truth(
    classes=("cat",), entities=(Span("dog", 0, 12), Span("cat", 17, 32), Span("bone", 36, 42))
)

CLASS_KEYS = ["class-name", "confidence", "type", "job-name", "human-annotated", "creation-date"]
MULTI_KEYS = ["job-name", "class-map", "human-annotated", "creation-date", "confidence-map", "type"]
BOX_KEYS = ["objects", "class-map", "type", "human-annotated", "creation-date", "job-name"]
MASK_KEYS = ["internal-color-map", "type", "human-annotated", "creation-date", "job-name"]
SPAN_KEYS = ["entities", "type", "job-name", "human-annotated", "creation-date"]


def image_object(truth: Truth | None = IMAGE_TRUTH, record: Mapping[str, Any] | None = None,
                 prior_mask: np.ndarray[Any, Any] | None = None) -> DataObject:  # fmt: skip
    return DataObject(
        0, dict(record or {"source-ref": IMAGE}), IMAGE, truth, None, (160, 120, 3), prior_mask
    )


def text_object(truth: Truth | None = TEXT_TRUTH, text: str = TEXT) -> DataObject:
    return DataObject(3, {"source": text}, text, truth, None, None)


def run(
    task: str, obj: DataObject, skill: WorkerSkill = PERFECT, *, workers: int = 3,
    categories: LabelCategoryConfig = CATEGORIES, seed: int = 0,
) -> tuple[list[dict[str, Any]], Consolidated]:  # fmt: skip
    simulator = simulator_for(task, categories, "label", skill, "salt")
    answers = [
        simulator.answer(obj, worker, random.Random(seed * 1000 + worker))
        for worker in range(workers)
    ]
    return answers, simulator.consolidate(obj, answers, COMMON)


def parsed(obj: DataObject, result: Consolidated, attribute: str = "label") -> Label:
    """The consolidated label written into the object's line, read back by the manifest parser."""
    value_key = attribute + "-ref" if "internal-color-map" in result.metadata else attribute
    line = {**obj.record, value_key: result.value, attribute + "-metadata": result.metadata}
    label = parse_label(line, attribute)
    assert label is not None
    return label


def boxes_of(label: Label) -> list[Box]:
    assert isinstance(label, BoundingBoxLabel)
    return [
        Box(str(b.class_name), int(b.left), int(b.top), int(b.width), int(b.height))
        for b in label.boxes
    ]


def box_record(boxes: Sequence[Box], attribute: str = "bb") -> dict[str, Any]:
    """A line carrying ``boxes`` as a prior bounding box label, made by perfect workers."""
    truth = Truth(boxes=tuple(boxes), image_size=(160, 120, 3))
    _, result = run("BoundingBox", image_object(truth))
    return {"source-ref": IMAGE, attribute: result.value, attribute + "-metadata": result.metadata}


def mask_record(truth: Truth, attribute: str = "ss") -> tuple[dict[str, Any], np.ndarray[Any, Any]]:
    """A line carrying a prior segmentation label of ``truth``, and the prior mask's pixels."""
    _, result = run("SemanticSegmentation", image_object(truth))
    record = {
        "source-ref": IMAGE,
        attribute + "-ref": result.value,
        attribute + "-metadata": result.metadata,
    }
    return record, decode_png(result.files[MASK_URI])


def modified(answer: Mapping[str, Any]) -> bool:
    flag = answer["crowd-semantic-segmentation"]["initialValueModified"]
    assert isinstance(flag, bool)
    return flag


def audit(labels: Sequence[str], attribute: str) -> LabelCategoryConfig:
    return LabelCategoryConfig.from_labels(labels, audit_label_attribute_name=attribute)


# --- answer shapes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "element", "key"),
    [
        ("ImageMultiClass", "crowd-image-classifier", "label"),
        ("TextMultiClass", "crowd-classifier", "label"),
        ("ImageMultiClassMultiLabel", "crowd-image-classifier-multi-select", "labels"),
        ("TextMultiClassMultiLabel", "crowd-classifier-multi-select", "labels"),
    ],
)
def test_classifier_answers_have_the_crowd_element_shape(task: str, element: str, key: str) -> None:
    answers, _ = run(task, image_object())
    for answer in answers:
        assert list(answer) == [element]
        assert list(answer[element]) == [key]
    assert answers[0][element][key] in ("cat", ["dog", "cat"])


def test_bounding_box_answers_have_the_acs_payload_shape() -> None:
    answers, _ = run("BoundingBox", image_object())
    assert answers[0] == {"boundingBox": {
        "boundingBoxes": [
            {"height": 40, "label": "dog", "left": 10, "top": 10, "width": 50},
            {"height": 30, "label": "cat", "left": 80, "top": 30, "width": 30},
        ],
        "inputImageProperties": {"height": 120, "width": 160},
    }}  # fmt: skip


def test_segmentation_answers_have_the_acs_payload_shape() -> None:
    answers, _ = run("SemanticSegmentation", image_object())
    answer = answers[0]["crowd-semantic-segmentation"]
    assert list(answers[0]) == ["crowd-semantic-segmentation"]
    assert list(answer) == ["inputImageProperties", "labelMappings", "labeledImage"]
    assert answer["inputImageProperties"] == {"height": 120, "width": 160}
    assert answer["labelMappings"] == {"dog": {"color": "#1f77b4"}, "cat": {"color": "#ff7f0e"}}
    pixels = decode_png(base64.b64decode(answer["labeledImage"]["pngImageData"]))
    assert pixels.shape == (120, 160, 3)
    assert pixels[0, 0].tolist() == [255, 255, 255]
    assert pixels[20, 20].tolist() == [0x1F, 0x77, 0xB4]


def test_entity_answers_have_the_acs_payload_shape() -> None:
    answers, _ = run("NamedEntityRecognition", text_object())
    assert answers[0] == {"crowd-entity-annotation": {"entities": [
        {"endOffset": 12, "label": "dog", "startOffset": 0},
        {"endOffset": 32, "label": "cat", "startOffset": 17},
        {"endOffset": 42, "label": "bone", "startOffset": 36},
    ]}}  # fmt: skip


def test_adjustment_answers_say_whether_the_initial_value_was_modified() -> None:
    prior = [Box("dog", 10, 10, 50, 40), Box("cat", 80, 30, 30, 30)]
    obj = image_object(record=box_record(prior))
    answers, _ = run("AdjustmentBoundingBox", obj, categories=audit(CLASSES, "bb"))
    assert answers[0]["boundingBox"]["initialValueModified"] is False
    record, pixels = mask_record(IMAGE_TRUTH)
    obj = image_object(record=record, prior_mask=pixels)
    answers, _ = run("AdjustmentSemanticSegmentation", obj, categories=audit(CLASSES, "ss"))
    assert answers[0]["crowd-semantic-segmentation"]["initialValueModified"] is False


def test_verification_answers_are_a_classifier_label_and_an_optional_comment() -> None:
    obj = image_object(PLAIN_TRUTH, box_record([Box("dog", 10, 10, 50, 40)]))
    answers, _ = run("VerificationBoundingBox", obj, categories=audit(["good", "bad"], "bb"))
    assert answers[0] == {"crowd-image-classifier": {
        "label": "bad", "workerComment": "The cat at (80, 30) is not labeled.",
    }}  # fmt: skip
    quiet = WorkerSkill(accuracy=1.0, box_jitter=0.0, comment_rate=0.0)
    answers, _ = run("VerificationBoundingBox", obj, quiet, categories=audit(["good", "bad"], "bb"))
    assert answers[0] == {"crowd-image-classifier": {"label": "bad"}}


# --- consolidated output lines ------------------------------------------------------------------


@pytest.mark.parametrize("task", ["ImageMultiClass", "TextMultiClass"])
def test_classification_output_matches_the_seed(task: str) -> None:
    obj = image_object()
    _, result = run(task, obj)
    assert result.value == "1"  # a string, as the seed's "species": "0" and "mood": "1"
    assert list(result.metadata) == CLASS_KEYS
    media = "image" if task.startswith("Image") else "text"
    assert result.metadata["type"] == f"groundtruth/{media}-classification"
    assert result.metadata["class-name"] == "cat"
    assert result.metadata["confidence"] == 0.83  # three of three workers, three classes
    assert result.metadata["job-name"] == "job-1"
    assert result.metadata["human-annotated"] == "yes"
    assert result.metadata["creation-date"] == "2024-01-01T00:00:00.000000"
    label = parsed(obj, result)
    assert type(label) is ClassificationLabel
    assert (label.class_id, label.class_name) == (1, "cat")


@pytest.mark.parametrize("task", ["ImageMultiClassMultiLabel", "TextMultiClassMultiLabel"])
def test_multilabel_output_matches_the_seed(task: str) -> None:
    obj = image_object()
    _, result = run(task, obj)
    assert sorted(result.value) == [0, 1]
    assert all(type(i) is int for i in result.value)
    assert list(result.metadata) == MULTI_KEYS
    assert result.metadata["job-name"] == "labeling-job/job-1"
    assert result.metadata["class-map"] == {"0": "dog", "1": "cat"}
    assert result.metadata["confidence-map"] == {"0": 0.88, "1": 0.88}
    media = "image" if task.startswith("Image") else "text"
    assert result.metadata["type"] == f"groundtruth/{media}-classification-multilabel"
    label = parsed(obj, result)
    assert type(label) is MultiLabelClassification
    assert label.class_names == {"dog", "cat"}
    assert label.metadata.job_name == "job-1"


def test_bounding_box_output_matches_the_seed() -> None:
    obj = image_object()
    _, result = run("BoundingBox", obj)
    assert result.value == {
        "image_size": [{"width": 160, "height": 120, "depth": 3}],
        "annotations": [
            {"class_id": 0, "left": 10, "top": 10, "width": 50, "height": 40},
            {"class_id": 1, "left": 80, "top": 30, "width": 30, "height": 30},
        ],
    }
    assert list(result.metadata) == BOX_KEYS
    assert result.metadata["objects"] == [{"confidence": 0.88}, {"confidence": 0.88}]
    assert result.metadata["class-map"] == {"0": "dog", "1": "cat"}  # "zebra" is no category
    assert result.metadata["type"] == "groundtruth/object-detection"
    assert result.files == {}
    assert boxes_of(parsed(obj, result)) == list(IMAGE_TRUTH.boxes[:2])


def test_class_map_holds_only_the_classes_that_appear() -> None:
    truth = Truth(boxes=(Box("bone", 0, 0, 10, 10),), image_size=(160, 120, 3))
    _, result = run("BoundingBox", image_object(truth))
    assert result.metadata["class-map"] == {"2": "bone"}
    assert result.value["annotations"][0]["class_id"] == 2


def test_segmentation_output_matches_the_seed_and_writes_the_mask() -> None:
    obj = image_object()
    _, result = run("SemanticSegmentation", obj)
    assert result.value == MASK_URI
    assert list(result.metadata) == MASK_KEYS
    assert result.metadata["internal-color-map"] == {
        "0": {"class-name": "BACKGROUND", "confidence": 0.88, "hex-color": "#ffffff"},
        "1": {"class-name": "dog", "confidence": 0.88, "hex-color": "#1f77b4"},
        "2": {"class-name": "cat", "confidence": 0.88, "hex-color": "#ff7f0e"},
    }
    assert result.metadata["type"] == "groundtruth/semantic-segmentation"
    assert list(result.files) == [MASK_URI]
    expected = ui.paint(truth_mask(IMAGE_TRUTH, CLASSES), ui.label_colors(3))
    assert np.array_equal(decode_png(result.files[MASK_URI]), expected)
    label = parsed(obj, result)
    assert type(label) is SegmentationLabel
    assert label.mask_ref == MASK_URI
    assert label.class_names == {"BACKGROUND", "dog", "cat"}


def test_segmentation_needs_a_mask_uri() -> None:
    simulator = simulator_for("SemanticSegmentation", CATEGORIES, "label-ref", PERFECT, "salt")
    answer = simulator.answer(image_object(), 0, random.Random(0))
    with pytest.raises(ValueError, match="mask_uri"):
        simulator.consolidate(image_object(), [answer], CommonMetadata("job-1", "now"))


def test_entity_output_matches_the_documented_shape() -> None:
    obj = text_object()
    _, result = run("NamedEntityRecognition", obj)
    assert result.value == {"annotations": {
        "entities": [s.to_json() for s in TEXT_TRUTH.entities],
        "labels": [{"label": "dog"}, {"label": "cat"}, {"label": "bone"}],
    }}  # fmt: skip
    assert list(result.metadata) == SPAN_KEYS
    assert result.metadata["entities"] == [{"confidence": 0.88}] * 3
    assert result.metadata["type"] == "groundtruth/text-span"
    label = parsed(obj, result)
    assert type(label) is TextSpanLabel
    assert [(e.label, e.start_offset, e.end_offset) for e in label.entities] == [
        ("dog", 0, 12), ("cat", 17, 32), ("bone", 36, 42),
    ]  # fmt: skip


# --- adjustment ---------------------------------------------------------------------------------


def test_box_adjustment_of_a_right_label_is_unadjusted() -> None:
    prior = [Box("dog", 10, 10, 50, 40), Box("cat", 80, 30, 30, 30)]
    obj = image_object(record=box_record(prior))
    _, result = run("AdjustmentBoundingBox", obj, categories=audit(CLASSES, "bb"))
    assert list(result.metadata) == [*BOX_KEYS, "adjustment-status"]
    assert result.metadata["adjustment-status"] == "unadjusted"
    label = parsed(obj, result, "adjusted")
    assert isinstance(label, BoundingBoxLabel)
    assert label.adjustment_status == "unadjusted"
    assert boxes_of(label) == prior


def test_box_adjustment_moves_wrong_boxes_onto_the_truth() -> None:
    prior = [Box("dog", 20, 15, 50, 40), Box("bone", 120, 90, 20, 20)]  # moved, and one extra
    obj = image_object(record=box_record(prior))
    answers, result = run("AdjustmentBoundingBox", obj, categories=audit(CLASSES, "bb"))
    assert all(a["boundingBox"]["initialValueModified"] for a in answers)
    assert result.metadata["adjustment-status"] == "adjusted"
    assert sorted(boxes_of(parsed(obj, result)), key=str) == sorted(IMAGE_TRUTH.boxes[:2], key=str)


def test_accurate_adjusters_leave_a_box_that_is_right_but_not_exact() -> None:
    prior = [Box("dog", 11, 10, 50, 40), Box("cat", 80, 31, 30, 30)]  # IoU 0.96 and 0.94
    obj = image_object(record=box_record(prior))
    answers, result = run("AdjustmentBoundingBox", obj, categories=audit(CLASSES, "bb"))
    assert [a["boundingBox"]["initialValueModified"] for a in answers] == [False] * 3
    assert result.metadata["adjustment-status"] == "unadjusted"
    assert boxes_of(parsed(obj, result)) == prior  # left as it was, not moved onto the truth


def test_inaccurate_adjusters_nudge_a_right_box_and_leave_a_wrong_one() -> None:
    prior = [Box("dog", 11, 10, 50, 40), Box("cat", 90, 30, 30, 30)]  # right, and wrong
    obj = image_object(record=box_record(prior))
    careless = WorkerSkill(accuracy=0.0, box_jitter=0.2)
    simulator = simulator_for("AdjustmentBoundingBox", audit(CLASSES, "bb"), "adj", careless, "s")
    nudged = 0
    for seed in range(20):
        answer = ui.read_box_answer(simulator.answer(obj, 0, random.Random(seed)))
        assert answer.modified is (list(answer.boxes) != prior)
        assert len(answer.boxes) == 2
        assert answer.boxes[1] == prior[1]  # the wrong box stays wrong
        nudged += answer.boxes[0] != prior[0]
    assert nudged >= 18  # a jitter can round back to the same pixels, rarely


def test_adjustment_status_is_read_from_the_boxes_when_the_flag_is_missing() -> None:
    prior = [Box("dog", 10, 10, 50, 40)]
    obj = image_object(record=box_record(prior))
    simulator = simulator_for("AdjustmentBoundingBox", audit(CLASSES, "bb"), "adj", PERFECT, "s")
    same = ui.box_answer(prior, 160, 120)
    moved = ui.box_answer([Box("dog", 11, 10, 50, 40)], 160, 120)
    assert simulator.consolidate(obj, [same], COMMON).metadata["adjustment-status"] == "unadjusted"
    assert simulator.consolidate(obj, [same, moved], COMMON).metadata["adjustment-status"] == (
        "adjusted"
    )


def test_mask_adjustment_keeps_a_right_mask_and_repaints_a_wrong_one() -> None:
    categories = audit(CLASSES, "ss")
    record, pixels = mask_record(IMAGE_TRUTH)
    answers, result = run(
        "AdjustmentSemanticSegmentation", image_object(record=record, prior_mask=pixels),
        categories=categories,
    )  # fmt: skip
    assert [modified(a) for a in answers] == [False] * 3
    assert list(result.metadata) == MASK_KEYS  # the seed shows no adjustment-status here
    assert np.array_equal(decode_png(result.files[MASK_URI]), pixels)

    wrong = Truth(boxes=(Box("dog", 10, 10, 50, 40),), image_size=(160, 120, 3))
    record, pixels = mask_record(wrong)
    answers, result = run(
        "AdjustmentSemanticSegmentation", image_object(record=record, prior_mask=pixels),
        categories=categories,
    )  # fmt: skip
    assert [modified(a) for a in answers] == [True] * 3
    expected = ui.paint(truth_mask(IMAGE_TRUTH, CLASSES), ui.label_colors(3))
    assert np.array_equal(decode_png(result.files[MASK_URI]), expected)
    assert isinstance(parsed(image_object(record=record), result, "adjusted"), SegmentationLabel)


# --- verification -------------------------------------------------------------------------------


def test_box_verification_of_a_right_label_is_category_zero_without_feedback() -> None:
    obj = image_object(PLAIN_TRUTH, box_record(PLAIN_TRUTH.boxes))
    _, result = run("VerificationBoundingBox", obj, categories=audit(["good", "bad"], "bb"))
    assert result.value == "0"  # a string, as the seed's "verify-bounding-box": "1"
    assert list(result.metadata) == CLASS_KEYS
    assert result.metadata["class-name"] == "good"
    assert result.metadata["type"] == "groundtruth/label-verification"
    label = parsed(obj, result, "verified")
    assert type(label) is VerificationLabel
    assert label.worker_feedback == ()


def test_box_verification_of_a_wrong_label_says_what_is_wrong() -> None:
    prior = [Box("dog", 22, 10, 50, 40), Box("bone", 80, 30, 30, 30), Box("zebra", 5, 90, 20, 20)]
    obj = image_object(record=box_record(prior, "bb"))
    # The prior was made with categories dog/cat/bone: zebra is dropped, so it is missing.
    _, result = run("VerificationBoundingBox", obj, workers=8,
                    categories=audit(["good", "bad"], "bb"))  # fmt: skip
    assert result.value == "1"
    assert list(result.metadata) == [*CLASS_KEYS, "worker-feedback"]
    comments = {entry["comment"] for entry in result.metadata["worker-feedback"]}
    assert comments <= {
        "The dog box at (22, 10) is too narrow on the left side.",
        "The box at (80, 30) is labeled bone but shows a cat.",
        "The zebra at (5, 90) is not labeled.",
    }
    assert len(comments) >= 2
    label = parsed(obj, result, "verified")
    assert isinstance(label, VerificationLabel)
    assert len(label.worker_feedback) == 8


def test_every_worker_who_finds_a_label_wrong_picks_the_same_wrong_category() -> None:
    obj = image_object(record=box_record([Box("dog", 10, 10, 50, 40)]))
    categories = audit(["correct", "too loose", "missing objects"], "bb")
    answers, result = run("VerificationBoundingBox", obj, workers=5, categories=categories)
    chosen = {a["crowd-image-classifier"]["label"] for a in answers}
    assert len(chosen) == 1
    assert chosen != {"correct"}
    assert result.value in ("1", "2")


def test_mask_verification_judges_the_prior_mask() -> None:
    categories = audit(["good", "bad"], "ss")
    record, pixels = mask_record(PLAIN_TRUTH)
    _, result = run("VerificationSemanticSegmentation",
                    image_object(PLAIN_TRUTH, record, pixels), categories=categories)  # fmt: skip
    assert (result.value, list(result.metadata)) == ("0", CLASS_KEYS)

    wrong = Truth(boxes=(Box("dog", 10, 10, 50, 40),), image_size=(160, 120, 3))
    record, pixels = mask_record(wrong)
    obj = image_object(PLAIN_TRUTH, record, pixels)
    _, result = run("VerificationSemanticSegmentation", obj, categories=categories)
    assert result.value == "1"
    assert result.metadata["worker-feedback"] == [
        {"comment": "The cat around (94, 44) is not labeled."}
    ] * 3
    assert isinstance(parsed(obj, result, "verified"), VerificationLabel)


def test_mask_verification_without_the_prior_pixels_finds_no_mask() -> None:
    record, _pixels = mask_record(IMAGE_TRUTH)
    _, result = run("VerificationSemanticSegmentation", image_object(record=record),
                    categories=audit(["good", "bad"], "ss"))  # fmt: skip
    assert result.value == "1"
    assert result.metadata["worker-feedback"][0] == {"comment": "No mask is shown over the image."}


# --- perfect workers and mistakes ---------------------------------------------------------------


def test_truth_classes_outside_the_categories_map_to_a_stable_category() -> None:
    truth = Truth(classes=("zebra",), image_size=(160, 120, 3))
    first = run("ImageMultiClass", image_object(truth))[1].value
    assert first in ("0", "1", "2")
    assert run("ImageMultiClass", image_object(truth), SLOPPY, workers=1)[0]  # still answers
    assert run("ImageMultiClass", image_object(truth))[1].value == first


def test_sloppy_workers_err_about_as_often_as_their_accuracy_says() -> None:
    skill = WorkerSkill(accuracy=0.7)
    simulator = simulator_for("ImageMultiClass", CATEGORIES, "label", skill, "salt")
    answers = [simulator.answer(image_object(), 0, random.Random(i)) for i in range(2000)]
    right = sum(a["crowd-image-classifier"]["label"] == "cat" for a in answers)
    assert 0.65 < right / 2000 < 0.75


def test_sloppy_boxes_stay_inside_the_image_and_at_least_one_pixel() -> None:
    skill = WorkerSkill(accuracy=0.5, box_jitter=0.8)
    simulator = simulator_for("BoundingBox", CATEGORIES, "label", skill, "salt")
    answers = [simulator.answer(image_object(), 0, random.Random(seed)) for seed in range(300)]
    boxes = [box for answer in answers for box in ui.read_box_answer(answer).boxes]
    assert len({(b.left, b.top, b.width, b.height) for b in boxes}) > 100
    for box in boxes:
        assert box.width >= 1 and box.height >= 1
        assert box.left >= 0 and box.left + box.width <= 160
        assert box.top >= 0 and box.top + box.height <= 120


def test_sloppy_masks_differ_from_the_truth_only_a_little() -> None:
    simulator = simulator_for("SemanticSegmentation", CATEGORIES, "label", SLOPPY, "salt")
    truth = truth_mask(IMAGE_TRUTH, CLASSES)
    for seed in range(10):
        answer = simulator.answer(image_object(), 0, random.Random(seed))
        mask, _ = ui.read_mask_answer(answer, CLASSES)
        assert mask is not None
        assert 0.5 < float((mask == truth).mean()) < 1


def test_sloppy_entities_shift_an_offset_but_stay_in_the_text() -> None:
    skill = WorkerSkill(accuracy=0.0)
    simulator = simulator_for("NamedEntityRecognition", CATEGORIES, "label", skill, "salt")
    for seed in range(50):
        spans = ui.read_entity_answer(simulator.answer(text_object(), 0, random.Random(seed)))
        assert len(spans) == 3
        assert spans != list(TEXT_TRUTH.entities)
        assert all(0 <= s.start < s.end <= len(TEXT) for s in spans)
        assert all(a.end <= b.start for a, b in itertools.pairwise(spans))


def test_sloppy_workers_still_consolidate_to_lines_that_parse() -> None:
    for task in ("ImageMultiClass", "ImageMultiClassMultiLabel", "BoundingBox",
                 "SemanticSegmentation"):  # fmt: skip
        for seed in range(3):
            _, result = run(task, image_object(), SLOPPY, workers=5, seed=seed)
            assert parsed(image_object(), result) is not None
    _, result = run("NamedEntityRecognition", text_object(), SLOPPY, workers=5)
    assert isinstance(parsed(text_object(), result), TextSpanLabel)


# --- determinism and synthetic truth ------------------------------------------------------------


@pytest.mark.parametrize("task", ["ImageMultiClassMultiLabel", "BoundingBox",
                                  "SemanticSegmentation", "NamedEntityRecognition"])  # fmt: skip
def test_the_same_rng_seed_gives_the_same_answers(task: str) -> None:
    obj = text_object() if task == "NamedEntityRecognition" else image_object()
    first, _ = run(task, obj, SLOPPY, workers=4, seed=7)
    again, _ = run(task, obj, SLOPPY, workers=4, seed=7)
    other = [run(task, obj, SLOPPY, workers=4, seed=seed)[0] for seed in range(8, 12)]
    assert first == again
    assert any(answers != first for answers in other)


def test_synthetic_truth_is_stable_for_a_source_and_salt() -> None:
    size = (320, 200, 3)
    truth = synthetic_truth(TEXT, "salt", CLASSES, size)
    assert truth == synthetic_truth(TEXT, "salt", CLASSES, size)
    assert 1 <= len(truth.classes) <= 3 and set(truth.classes) <= set(CLASSES)
    assert 1 <= len(truth.boxes) <= 3
    for box in truth.boxes:
        assert box.left + box.width <= 320 and box.top + box.height <= 200
    assert len(truth.entities) <= 2
    for span in truth.entities:  # whole words
        assert TEXT[span.start : span.end].isalnum()
    others = [synthetic_truth(TEXT, f"salt-{i}", CLASSES, size) for i in range(5)]
    assert any(other != truth for other in others)


@pytest.mark.parametrize("task", ["TextMultiClass", "ImageMultiClassMultiLabel", "BoundingBox",
                                  "SemanticSegmentation", "NamedEntityRecognition"])  # fmt: skip
def test_objects_without_truth_get_the_same_label_every_time(task: str) -> None:
    obj = text_object(None) if task in ("TextMultiClass", "NamedEntityRecognition") else (
        image_object(None))  # fmt: skip
    _, first = run(task, obj)
    _, again = run(task, obj, seed=5)
    assert first.value == again.value
    assert first.files == again.files
    assert parsed(obj, first) is not None


def test_without_truth_three_priors_in_four_are_judged_right() -> None:
    categories = audit(["good", "bad"], "bb")
    record = box_record([Box("dog", 10, 10, 50, 40), Box("cat", 80, 30, 30, 30)])
    verdicts = []
    for i in range(200):
        source = f"s3://bucket/images/{i}.png"
        obj = DataObject(i, {**record, "source-ref": source}, source, None, None, (160, 120, 3))
        verdicts.append(run("VerificationBoundingBox", obj, workers=1, categories=categories)[1])
    right = sum(result.value == "0" for result in verdicts)
    assert 0.65 < right / 200 < 0.85
    wrong = [result for result in verdicts if result.value == "1"]
    assert all(result.metadata["worker-feedback"] for result in wrong)


def test_without_truth_adjusters_fix_the_perturbed_priors() -> None:
    categories = audit(CLASSES, "bb")
    prior = [Box("dog", 10, 10, 50, 40), Box("cat", 80, 30, 30, 30)]
    record = box_record(prior)
    statuses = set()
    for i in range(40):
        source = f"s3://bucket/images/{i}.png"
        obj = DataObject(i, {**record, "source-ref": source}, source, None, None, (160, 120, 3))
        _, result = run("AdjustmentBoundingBox", obj, categories=categories)
        status = result.metadata["adjustment-status"]
        statuses.add(status)
        assert (boxes_of(parsed(obj, result, "adjusted")) == prior) == (status == "unadjusted")
    assert statuses == {"adjusted", "unadjusted"}


# --- the factory --------------------------------------------------------------------------------


def test_simulator_for_takes_lambda_names_and_refuses_what_it_cannot_simulate() -> None:
    assert len(simulated_tasks()) == 11
    simulator = simulator_for("ACS-BoundingBox", CATEGORIES, "label", PERFECT, "salt")
    assert "boundingBox" in simulator.answer(image_object(), 0, random.Random(0))
    with pytest.raises(ConfigurationError, match="does not simulate VideoObjectDetection"):
        simulator_for("VideoObjectDetection", CATEGORIES, "label", PERFECT, "salt")
    with pytest.raises(ConfigurationError, match="unknown built-in task"):
        simulator_for("Painting", CATEGORIES, "label", PERFECT, "salt")


@pytest.mark.parametrize(
    "arguments", [{"accuracy": 1.5}, {"accuracy": -0.1}, {"comment_rate": 2}, {"box_jitter": -1}]
)
def test_worker_skill_is_checked(arguments: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        WorkerSkill(**arguments)


def test_consolidating_no_usable_answers_is_an_error() -> None:
    simulator = simulator_for("ImageMultiClass", CATEGORIES, "label", PERFECT, "salt")
    with pytest.raises(ValueError, match="no answer names"):
        simulator.consolidate(image_object(), [{"crowd-image-classifier": {"label": "x"}}], COMMON)
