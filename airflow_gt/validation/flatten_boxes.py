"""Bounding boxes (``object-detection``, and its adjustment jobs): the label value is
``{"image_size": [{width, height, depth}], "annotations": [{class_id, left, top, width, height}]}``
and the metadata has one ``objects`` confidence per box and a ``class-map``.

The box loop runs for every box of a million-line manifest, so it checks types inline
(``type(x) in NUMBER_TYPES``) instead of calling a helper per value.
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
    number,
)

if TYPE_CHECKING:
    from airflow_gt.validation.frames import ArrayFrames

BOX_COLUMNS = (
    "class_id", "class_name", "left", "top", "width", "height", "right", "bottom",
    "image_width", "image_height", "confidence", "confidence_type", "coordinates_are_numbers",
)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if type(value) is dict else {}


def _list(value: Any) -> list[Any]:
    return value if type(value) is list else []


class BoundingBoxFlattener(Flattener):
    job_type = "object-detection"
    part_columns = (("boxes", BOX_COLUMNS),)
    label_columns = (
        "image_size_count", "image_width", "image_height", "image_depth", "box_count",
        "objects_count", "adjustment_status",
    )

    def arrow_fields(self) -> list[Any]:
        from airflow_gt.validation.flatten_boxes_arrow import box_fields

        return box_fields(self.attribute, self.metadata_key)

    def flatten_table(self, table: Any, first: int) -> ArrayFrames | None:
        from airflow_gt.validation.flatten_arrow import common_frames
        from airflow_gt.validation.flatten_boxes_arrow import box_frames

        common = common_frames(table, first, self.attribute, self.metadata_key)
        if common is None:
            return None
        frames, labeled = common
        return frames if box_frames(labeled, self.attribute, self.metadata_key, frames) else None

    def flatten_label(self, number_: int, record: Mapping[str, Any], value: Any,
                      metadata: Mapping[str, Any], frames: Frames) -> None:
        labels = frames["labels"]
        value = _mapping(value)
        sizes = value.get("image_size")
        size = _mapping(sizes[0]) if type(sizes) is list and sizes else {}
        width, height = number(size.get("width")), number(size.get("height"))
        annotations = _list(value.get("annotations"))
        objects = _list(metadata.get("objects"))
        labels["image_size_count"].append(len(sizes) if type(sizes) is list else 0)
        labels["image_width"].append(width)
        labels["image_height"].append(height)
        labels["image_depth"].append(number(size.get("depth")))
        labels["box_count"].append(len(annotations))
        labels["objects_count"].append(len(objects))
        labels["adjustment_status"].append(metadata.get("adjustment-status"))
        # Boxes are checked against the image only where the image size itself is valid: a bad
        # image size is its own failure, not one more per box.
        self._boxes(
            number_, annotations, objects, _mapping(metadata.get("class-map")),
            width if width is not None and width >= 1 else None,
            height if height is not None and height >= 1 else None,
            frames["boxes"],
        )

    @staticmethod
    def _boxes(line: int, annotations: list[Any], objects: list[Any],
               class_map: Mapping[str, Any], image_width: float | None,
               image_height: float | None, boxes: Columns) -> None:
        numbers = NUMBER_TYPES
        (add_line, add_class_id, add_class_name, add_left, add_top, add_width, add_height,
         add_right, add_bottom, add_image_width, add_image_height, add_confidence,
         add_confidence_type, add_numbers) = (boxes[name].append for name in ("line", *BOX_COLUMNS))
        count = len(objects)
        for i, box in enumerate(annotations):
            box = box if type(box) is dict else {}
            left, top = box.get("left"), box.get("top")
            width, height = box.get("width"), box.get("height")
            left = left if type(left) in numbers else None
            top = top if type(top) in numbers else None
            width = width if type(width) in numbers else None
            height = height if type(height) in numbers else None
            class_id = box.get("class_id")
            entry = objects[i] if i < count and type(objects[i]) is dict else {}
            confidence = entry.get("confidence")
            add_line(line)
            add_class_id(class_id if type(class_id) in numbers else None)
            class_name = class_map.get(str(class_id))
            add_class_name(class_name if type(class_name) is str else None)
            add_left(left)
            add_top(top)
            add_width(width)
            add_height(height)
            add_right(None if left is None or width is None else left + width)
            add_bottom(None if top is None or height is None else top + height)
            add_image_width(image_width)
            add_image_height(image_height)
            add_confidence(confidence if type(confidence) in numbers else None)
            add_confidence_type(json_type(confidence) if i < count else None)
            add_numbers(None not in (left, top, width, height))
