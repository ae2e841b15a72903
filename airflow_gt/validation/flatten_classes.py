"""Single-label classification (``image-classification``, ``text-classification``) and label
verification (``label-verification``): the label value is a class index, written as a number or
a string of digits (``0`` or ``"0"``), and the metadata names its ``class-name`` and may give a
``confidence``::

    "species": "0",
    "species-metadata": {"class-name": "dog", "confidence": 0.93,
                         "type": "groundtruth/image-classification", ...}

A verification line judges an earlier label of the same line the same way (``"1"``,
``"class-name": "bad"``) and adds the workers' comments, ``"worker-feedback": [{"comment": ...}]``,
which become the ``feedback`` frame.

Within a manifest the same class index always names the same class: the flattener keeps the first
class name seen for each index, across chunks, and gives every line that first name in
``first_class_name``, for the suite to compare with the line's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_gt.validation.flatten import Flattener, Frames, json_type, number

if TYPE_CHECKING:
    from airflow_gt.validation.frames import ArrayFrames

CLASS_COLUMNS: tuple[str, ...] = (
    "label_text", "class_id", "class_name", "first_class_name", "confidence", "confidence_type",
)


def class_index(value: Any) -> int | None:
    """A class index written as a non-negative integer or a string of ASCII digits; else None."""
    kind = type(value)
    if kind is int:
        return value if value >= 0 else None
    if kind is str and value.isascii() and value.isdigit():
        return int(value)
    return None


class ClassIndexFlattener(Flattener):
    """The ``labels`` columns of a class index label; each job type names its own subclass."""

    label_columns = CLASS_COLUMNS

    def __init__(self, attribute: str, metadata_key: str) -> None:
        super().__init__(attribute, metadata_key)
        self.first_class_names: dict[int, str] = {}
        """The first class name seen for each class index, over every chunk so far."""

    def arrow_fields(self) -> list[Any]:
        from airflow_gt.validation.flatten_classes_arrow import class_fields

        return class_fields(self.attribute, self.metadata_key)

    def flatten_table(self, table: Any, first: int) -> ArrayFrames | None:
        from airflow_gt.validation.flatten_arrow import common_frames
        from airflow_gt.validation.flatten_classes_arrow import class_frames, with_label_column

        common = common_frames(with_label_column(table, self.attribute), first, self.attribute,
                               self.metadata_key)
        if common is None:
            return None
        frames, labeled = common
        new = class_frames(labeled, self.attribute, self.metadata_key, frames,
                           self.first_class_names)
        if new is None or not self.part_frames_from_table(labeled, frames):
            return None
        self.first_class_names.update(new)
        return frames

    def saved_state(self) -> dict[int, str]:
        return dict(self.first_class_names)

    def restore_state(self, state: Any) -> None:
        self.first_class_names = state

    def part_frames_from_table(self, labeled: Any, frames: ArrayFrames) -> bool:
        """Add the type's columns beyond the class index ones from the labeled lines that Arrow
        read; False where only ``flatten`` reads them right."""
        return True

    def flatten_label(self, number_: int, record: Mapping[str, Any], value: Any,
                      metadata: Mapping[str, Any], frames: Frames) -> None:
        labels = frames["labels"]
        class_id = class_index(value)
        class_name = metadata.get("class-name")
        if type(class_name) is not str or not class_name:
            class_name = None  # missing, empty or not a string: the one failure of that line
        first = None
        if class_id is not None and class_name is not None:
            first = self.first_class_names.setdefault(class_id, class_name)
        confidence = metadata.get("confidence")
        labels["label_text"].append(str(value))
        labels["class_id"].append(class_id)
        labels["class_name"].append(class_name)
        labels["first_class_name"].append(first)
        labels["confidence"].append(number(confidence))
        labels["confidence_type"].append(
            json_type(confidence) if "confidence" in metadata else None)


class ImageClassificationFlattener(ClassIndexFlattener):
    job_type = "image-classification"


class TextClassificationFlattener(ClassIndexFlattener):
    job_type = "text-classification"


class LabelVerificationFlattener(ClassIndexFlattener):
    """A verification's judgment is a class index, and its ``worker-feedback`` comments are the
    ``feedback`` frame, one row per entry."""

    job_type = "label-verification"
    part_columns = (("feedback", ("comment",)),)
    label_columns = (*CLASS_COLUMNS, "feedback_type")

    def saved_state(self) -> dict[int, str]:
        return dict(self.first_class_names)

    def restore_state(self, state: Any) -> None:
        self.first_class_names = state

    def part_frames_from_table(self, labeled: Any, frames: ArrayFrames) -> bool:
        from airflow_gt.validation.flatten_classes_arrow import feedback_frames

        return feedback_frames(labeled, self.metadata_key, frames)

    def flatten_label(self, number_: int, record: Mapping[str, Any], value: Any,
                      metadata: Mapping[str, Any], frames: Frames) -> None:
        super().flatten_label(number_, record, value, metadata, frames)
        present = "worker-feedback" in metadata
        entries = metadata.get("worker-feedback")
        frames["labels"]["feedback_type"].append(json_type(entries) if present else None)
        if type(entries) is not list:
            return
        feedback = frames["feedback"]
        add_line, add_comment = feedback["line"].append, feedback["comment"].append
        for entry in entries:
            comment = entry.get("comment") if type(entry) is dict else None
            add_line(number_)
            add_comment(comment if type(comment) is str else None)
