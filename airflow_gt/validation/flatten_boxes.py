"""Bounding boxes (``object-detection``, and its adjustment jobs): the label value is
``{"image_size": [{width, height, depth}], "annotations": [{class_id, left, top, width, height}]}``
and the metadata has one ``objects`` confidence per box and a ``class-map``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_gt.validation.flatten import (
    Columns,
    Flattener,
    Frames,
    json_type,
    new_frame,
    number,
)

_COORDINATES = ("left", "top", "width", "height")


class BoundingBoxFlattener(Flattener):
    job_type = "object-detection"
    frames = ("lines", "labels", "boxes")
    label_columns = (
        "image_size_count", "image_width", "image_height", "image_depth", "box_count",
        "objects_count", "adjustment_status",
    )

    def new_part_frame(self, name: str) -> Columns:
        return new_frame(
            "class_id", "class_name", "left", "top", "width", "height", "right", "bottom",
            "image_width", "image_height", "confidence", "confidence_type",
            "coordinates_are_numbers",
        )

    def flatten_label(self, number_: int, record: Mapping[str, Any], value: Any,
                      metadata: Mapping[str, Any], frames: Frames) -> None:
        labels, boxes = frames["labels"], frames["boxes"]
        value = value if isinstance(value, Mapping) else {}
        sizes = value.get("image_size")
        size = sizes[0] if isinstance(sizes, list) and sizes and isinstance(sizes[0], Mapping) \
            else {}
        width, height = number(size.get("width")), number(size.get("height"))
        # Boxes are checked against the image only where the image size itself is valid: a bad
        # image size is its own failure, not one more per box.
        box_bound_width = width if width is not None and width >= 1 else None
        box_bound_height = height if height is not None and height >= 1 else None
        annotations = value.get("annotations")
        annotations = annotations if isinstance(annotations, list) else []
        objects = metadata.get("objects")
        objects = objects if isinstance(objects, list) else []
        class_map = metadata.get("class-map")
        class_map = class_map if isinstance(class_map, Mapping) else {}
        labels["image_size_count"].append(len(sizes) if isinstance(sizes, list) else 0)
        labels["image_width"].append(width)
        labels["image_height"].append(height)
        labels["image_depth"].append(number(size.get("depth")))
        labels["box_count"].append(len(annotations))
        labels["objects_count"].append(len(objects))
        labels["adjustment_status"].append(metadata.get("adjustment-status"))
        for i, box in enumerate(annotations):
            box = box if isinstance(box, Mapping) else {}
            left, top = number(box.get("left")), number(box.get("top"))
            box_width, box_height = number(box.get("width")), number(box.get("height"))
            has_entry = i < len(objects)
            entry = objects[i] if has_entry and isinstance(objects[i], Mapping) else {}
            class_id = box.get("class_id")
            boxes["line"].append(number_)
            boxes["class_id"].append(number(class_id))
            boxes["class_name"].append(class_map.get(str(class_id)))
            boxes["left"].append(left)
            boxes["top"].append(top)
            boxes["width"].append(box_width)
            boxes["height"].append(box_height)
            boxes["right"].append(None if left is None or box_width is None else left + box_width)
            boxes["bottom"].append(
                None if top is None or box_height is None else top + box_height)
            boxes["image_width"].append(box_bound_width)
            boxes["image_height"].append(box_bound_height)
            boxes["confidence"].append(number(entry.get("confidence")))
            boxes["confidence_type"].append(json_type(entry.get("confidence")) if has_entry else None)
            boxes["coordinates_are_numbers"].append(
                all(number(box.get(key)) is not None for key in _COORDINATES))
