"""What a worker answered and what the job consolidated, as values that can be compared.

A worker's ``answerContent`` is keyed by the name of the task UI's element
(``crowd-image-classifier``, ``boundingBox``, ``crowd-entity-annotation``...); what is under that
key has the same shape whatever the element is called, so the reader looks for the shape, not the
name:

- single-label classification and label verification: ``{"label": "cat"}`` -> ``"cat"``;
- multi-label classification: ``{"labels": ["cat", "dog"]}`` -> ``frozenset({"cat", "dog"})``;
- bounding boxes: ``{"boundingBoxes": [{"label", "left", "top", "width", "height"}]}`` -> a tuple
  of :class:`Box`;
- named entities: ``{"entities": [{"label", "startOffset", "endOffset"}]}`` -> a frozenset of
  :class:`Span`.

The consolidated label of the output manifest becomes the same kind of value
(:func:`consolidated_value`), so an answer and the label are compared like with like.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_gt.manifests.labels import (
    BoundingBoxLabel,
    ClassificationLabel,
    Label,
    MultiLabelClassification,
    TextSpanLabel,
)


class AnswerKind(enum.Enum):
    """How the answers of a job type are compared."""

    SINGLE = "single"
    """One class (classification, label verification): agreement is equality."""
    MULTI = "multi"
    """A set of classes (multi-label): agreement is Jaccard similarity."""
    BOXES = "boxes"
    """Boxes (object detection, adjustment): F1 of boxes matched at IoU 0.5."""
    SPANS = "spans"
    """Entity spans (named entity recognition): F1 of exactly matching spans."""


ANSWER_KINDS = {
    "image-classification": AnswerKind.SINGLE,
    "text-classification": AnswerKind.SINGLE,
    "label-verification": AnswerKind.SINGLE,
    "image-classification-multilabel": AnswerKind.MULTI,
    "text-classification-multilabel": AnswerKind.MULTI,
    "object-detection": AnswerKind.BOXES,
    "text-span": AnswerKind.SPANS,
}
"""The job types whose answers are compared, and how."""

UNMEASURED_JOB_TYPES = {
    "semantic-segmentation": "its answers are painted masks (PNG), which are not compared",
}
"""Job types whose workers are counted and timed, but whose answers are not compared."""


@dataclass(frozen=True, order=True)
class Box:
    label: str
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True, order=True)
class Span:
    label: str
    start: int
    end: int


class UnreadableAnswer(ValueError):
    """The answerContent has no part of the shape the job type's answers have."""


def _parts(content: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The answerContent itself and every object directly under it."""
    return [content, *(value for value in content.values() if isinstance(value, Mapping))]


def _find(content: Mapping[str, Any], key: str, kind: type) -> Any:
    for part in _parts(content):
        value = part.get(key)
        if isinstance(value, kind) and not isinstance(value, bool):
            return value
    raise UnreadableAnswer(f"answerContent has no {key!r} {kind.__name__}")


def _number(entry: Mapping[str, Any], key: str, what: str) -> float:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise UnreadableAnswer(f"{what}.{key} must be a number, found {value!r}")
    return float(value)


def _text(entry: Mapping[str, Any], key: str, what: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str):
        raise UnreadableAnswer(f"{what}.{key} must be text, found {value!r}")
    return value


def _objects(values: list[Any], what: str) -> list[Mapping[str, Any]]:
    for i, value in enumerate(values):
        if not isinstance(value, Mapping):
            raise UnreadableAnswer(f"{what}[{i}] must be an object")
    return values


def read_answer(content: Mapping[str, Any], kind: AnswerKind) -> Any:
    """The comparable value of one worker's ``answerContent``.

    :raises UnreadableAnswer: when the content lacks the shape of ``kind``'s answers.
    """
    if kind is AnswerKind.SINGLE:
        return _find(content, "label", str)
    if kind is AnswerKind.MULTI:
        labels = _find(content, "labels", list)
        if not all(isinstance(label, str) for label in labels):
            raise UnreadableAnswer("every entry of 'labels' must be text")
        return frozenset(labels)
    if kind is AnswerKind.BOXES:
        boxes = _objects(_find(content, "boundingBoxes", list), "boundingBoxes")
        return tuple(sorted(
            Box(_text(box, "label", f"boundingBoxes[{i}]"),
                *(_number(box, key, f"boundingBoxes[{i}]")
                  for key in ("left", "top", "width", "height")))
            for i, box in enumerate(boxes)
        ))
    entities = _objects(_find(content, "entities", list), "entities")
    return frozenset(
        Span(_text(entity, "label", f"entities[{i}]"),
             int(_number(entity, "startOffset", f"entities[{i}]")),
             int(_number(entity, "endOffset", f"entities[{i}]")))
        for i, entity in enumerate(entities)
    )


def consolidated_value(label: Label, kind: AnswerKind) -> Any:
    """The comparable value of the job's consolidated label (from the output manifest)."""
    if kind is AnswerKind.SINGLE and isinstance(label, ClassificationLabel):
        return label.class_name
    if kind is AnswerKind.MULTI and isinstance(label, MultiLabelClassification):
        return label.class_names
    if kind is AnswerKind.BOXES and isinstance(label, BoundingBoxLabel):
        return tuple(sorted(
            Box(box.class_name if box.class_name is not None else str(box.class_id),
                box.left, box.top, box.width, box.height)
            for box in label.boxes
        ))
    if kind is AnswerKind.SPANS and isinstance(label, TextSpanLabel):
        return frozenset(Span(e.label, e.start_offset, e.end_offset) for e in label.entities)
    raise UnreadableAnswer(f"the consolidated label is a {type(label).__name__}, "
                           f"not a {kind.value} label")
