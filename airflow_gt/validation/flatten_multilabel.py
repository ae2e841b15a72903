"""Multi-label classification (``image-classification-multilabel``,
``text-classification-multilabel``): the label value is a list of distinct integer class indexes,
the keys of the metadata ``class-map`` (index to class name) and ``confidence-map`` (index to
confidence), both keyed by the index as a string::

    "image-label-attribute-name": [1, 0, 8],
    "image-label-attribute-name-metadata": {
        "class-map": {"1": "bicycle", "0": "person", "8": "clothing"},
        "confidence-map": {"1": 0.95, "0": 0.77, "8": 0.2},
        "type": "groundtruth/image-classification-multilabel", ...}

Each class of a label is a row of the ``classes`` frame. A line whose label, class-map or
confidence-map is not of the right JSON type (a class-map maps class indexes to class names)
fails that rule alone: the columns that need it are
left empty (None) there, and the suite skips empty values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_gt.validation.flatten import (
    NUMBER_TYPES,
    Columns,
    Flattener,
    Frames,
    json_type,
)

if TYPE_CHECKING:
    from airflow_gt.validation.frames import ArrayFrames

CLASS_COLUMNS = ("class_id", "class_name", "in_class_map", "confidence", "confidence_type")


class MultiLabelFlattener(Flattener):
    """The ``labels`` columns of a list of class indexes, and its ``classes`` frame."""

    part_columns = (("classes", CLASS_COLUMNS),)
    label_columns = (
        "label_type", "labels_distinct", "class_map_type", "confidence_map_type",
        "confidence_keys_match",
    )

    def arrow_fields(self) -> list[Any]:
        from airflow_gt.validation.flatten_multilabel_arrow import multilabel_fields

        return multilabel_fields(self.attribute, self.metadata_key)

    def flatten_table(self, table: Any, first: int) -> ArrayFrames | None:
        from airflow_gt.validation.flatten_arrow import common_frames
        from airflow_gt.validation.flatten_multilabel_arrow import multilabel_frames

        common = common_frames(table, first, self.attribute, self.metadata_key)
        if common is None:
            return None
        frames, labeled = common
        if not multilabel_frames(labeled, self.attribute, self.metadata_key, frames):
            return None
        return frames

    def flatten_label(self, number_: int, record: Mapping[str, Any], value: Any,
                      metadata: Mapping[str, Any], frames: Frames) -> None:
        labels = frames["labels"]
        class_map = metadata.get("class-map")
        confidences = metadata.get("confidence-map")
        labels["label_type"].append(json_type(value))
        labels["class_map_type"].append(
            "object" if _is_class_map(class_map) else _not_a_class_map(class_map)
        )
        labels["confidence_map_type"].append(json_type(confidences))
        class_map = class_map if type(class_map) is dict else None
        confidences = confidences if type(confidences) is dict else None
        if type(value) is not list:
            labels["labels_distinct"].append(None)
            labels["confidence_keys_match"].append(None)
            return
        keys = self._classes(number_, value, class_map, confidences, frames["classes"])
        labels["labels_distinct"].append(len(set(keys)) == len(keys))
        # The keys are compared only where every class index is an integer: a bad index is its
        # own failure, not a confidence-map mismatch as well.
        labels["confidence_keys_match"].append(
            set(keys) == confidences.keys()
            if confidences is not None and len(keys) == len(value) else None
        )

    @staticmethod
    def _classes(line: int, value: list[Any], class_map: dict[str, Any] | None,
                 confidences: dict[str, Any] | None, classes: Columns) -> list[str]:
        """Add a row per class of the label; return the integer class indexes, as map keys."""
        numbers = NUMBER_TYPES
        (add_line, add_class_id, add_class_name, add_in_class_map, add_confidence,
         add_confidence_type) = (classes[name].append for name in ("line", *CLASS_COLUMNS))
        keys = []
        for class_id in value:
            add_line(line)
            if type(class_id) is not int:
                add_class_id(None)
                add_class_name(None)
                add_in_class_map(None)
                add_confidence(None)
                add_confidence_type(None)
                continue
            key = str(class_id)
            keys.append(key)
            add_class_id(class_id)
            class_name = None if class_map is None else class_map.get(key)
            add_class_name(class_name if type(class_name) is str else None)
            add_in_class_map(None if class_map is None else key in class_map)
            confidence = None if confidences is None else confidences.get(key)
            if type(confidence) in numbers:
                add_confidence(confidence)
                add_confidence_type("number")
            else:
                add_confidence(None)
                add_confidence_type(
                    json_type(confidence) if confidences is not None and key in confidences
                    else None)
        return keys


def _is_class_map(value: Any) -> bool:
    """An object of class index (``"0"``, ``"12"``) to class name."""
    return type(value) is dict and all(
        key.isdecimal() and key.isascii() and type(name) is str for key, name in value.items()
    )


def _not_a_class_map(value: Any) -> str:
    """What ``class_map_type`` says of a class-map that is not index to name."""
    if type(value) is not dict:
        return json_type(value)
    return "object, not class index to class name"


class ImageMultiLabelFlattener(MultiLabelFlattener):
    job_type = "image-classification-multilabel"


class TextMultiLabelFlattener(MultiLabelFlattener):
    job_type = "text-classification-multilabel"
