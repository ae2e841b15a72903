"""Bounding boxes read by Arrow: the same ``labels`` and ``boxes`` columns as
``BoundingBoxFlattener.flatten_label`` gives, computed on whole columns.

Each box is one element of the flattened ``annotations`` lists; its line is its list's line, its
position in the list pairs it with the ``objects`` entry of the same position, and its class name
is looked up in its line's ``class-map`` with a join on (labeled line, class id as text).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy
import pyarrow
import pyarrow.compute as pc

from airflow_gt.validation.flatten_arrow import (
    NUMBER,
    STRING,
    child,
    lengths,
    numbers,
    present,
    top_level_fields,
)
from airflow_gt.validation.frames import Array, ArrayFrames

SIZE = pyarrow.struct([("width", NUMBER), ("height", NUMBER), ("depth", NUMBER)])
BOX = pyarrow.struct([
    ("class_id", pyarrow.int64()), ("left", NUMBER), ("top", NUMBER), ("width", NUMBER),
    ("height", NUMBER),
])
VALUE = pyarrow.struct([
    ("image_size", pyarrow.list_(SIZE)), ("annotations", pyarrow.list_(BOX)),
])
METADATA = (
    ("objects", pyarrow.list_(pyarrow.struct([("confidence", NUMBER)]))),
    ("adjustment-status", STRING),
)
_CONFIDENCE_TYPES = pyarrow.array(["number", "null"])


def box_fields(attribute: str, metadata_key: str) -> list[Any]:
    return top_level_fields(attribute, VALUE, metadata_key, METADATA)


def _class_maps_are_text(metadata: Any) -> bool:
    """Whether every line's ``class-map`` is an object of strings (where there is one)."""
    if metadata.type.get_field_index("class-map") < 0:
        return True
    kind = metadata.type.field("class-map").type
    return (pyarrow.types.is_struct(kind)
            and all(kind.field(i).type.equals(STRING) for i in range(kind.num_fields))
            # A box without class_id is looked up as "None" by the line-by-line flattener.
            and kind.get_field_index("None") < 0)


def _first_values(lists: Any, rows: int, name: str) -> Array:
    """``lists[i][0][name]`` for each row, NaN where the list is empty."""
    result = numpy.full(rows, numpy.nan)
    parents = pc.list_parent_indices(lists).to_numpy()
    if len(parents):
        firsts = numpy.flatnonzero(numpy.r_[True, parents[1:] != parents[:-1]])
        result[parents[firsts]] = numbers(child(pc.list_flatten(lists), name))[firsts]
    return result


def _positions(lists: Any, parents: Array) -> Array:
    """Each flattened element's position in its own list."""
    offsets = lists.offsets.to_numpy()
    starts = offsets[:-1] - offsets[0]
    result: Array = numpy.arange(len(parents), dtype=numpy.int64) - starts[parents]
    return result


def _class_names(metadata: Any, parents: Array, class_ids: Any) -> Any:
    """The class-map entry of each box's class id in its line's class-map (null if none).

    Boxes are grouped by class id (a manifest has few): the boxes of id 5 take their names from
    the class-map's ``"5"`` child at their lines; boxes whose id has no child get null."""
    if metadata.type.get_field_index("class-map") < 0 or not len(parents):
        return pyarrow.nulls(len(parents), STRING)
    class_maps = child(metadata, "class-map")
    children = dict(zip((field.name for field in class_maps.type), class_maps.flatten(),
                        strict=True))
    has_id = present(class_ids)
    ids = pc.fill_null(class_ids, 0).to_numpy()
    order = numpy.lexsort((ids, ~has_id))
    sorted_ids, sorted_has = ids[order], has_id[order]
    changes = (sorted_ids[1:] != sorted_ids[:-1]) | (sorted_has[1:] != sorted_has[:-1])
    bounds = numpy.flatnonzero(numpy.r_[True, changes, True])
    pieces = []
    for start, end in itertools.pairwise(bounds):
        names = children.get(str(int(sorted_ids[start]))) if sorted_has[start] else None
        boxes = order[start:end]
        pieces.append(pyarrow.nulls(len(boxes), STRING) if names is None
                      else names.take(pyarrow.array(parents[boxes])))
    return pyarrow.concat_arrays(pieces).take(pyarrow.array(numpy.argsort(order)))


def box_frames(labeled: Any, attribute: str, metadata_key: str, frames: ArrayFrames) -> bool:
    """Add the bounding-box columns of the labeled lines to ``frames``; False if the lines hold
    something only the line-by-line flattener reads right (a class-map of non-strings)."""
    value = labeled.column(attribute).combine_chunks()
    metadata = labeled.column(metadata_key).combine_chunks()
    if not _class_maps_are_text(metadata):
        return False
    rows = labeled.num_rows
    sizes = child(value, "image_size")
    annotations = child(value, "annotations")
    objects = child(metadata, "objects")
    image_width = _first_values(sizes, rows, "width")
    image_height = _first_values(sizes, rows, "height")
    labels = frames["labels"]
    labels["image_size_count"] = lengths(sizes)
    labels["image_width"] = image_width
    labels["image_height"] = image_height
    labels["image_depth"] = _first_values(sizes, rows, "depth")
    labels["box_count"] = lengths(annotations)
    labels["objects_count"] = object_counts = lengths(objects)
    labels["adjustment_status"] = child(metadata, "adjustment-status")

    parents = pc.list_parent_indices(annotations).to_numpy().astype(numpy.int64)
    boxes = pc.list_flatten(annotations)
    position = _positions(annotations, parents)
    paired = position < object_counts[parents]
    object_starts = objects.offsets.to_numpy()[:-1] - objects.offsets.to_numpy()[0]
    confidences = numbers(child(pc.list_flatten(objects), "confidence"))
    confidence = numpy.full(len(parents), numpy.nan)
    if len(confidences):
        confidence[paired] = confidences[object_starts[parents[paired]] + position[paired]]
    left, top = numbers(child(boxes, "left")), numbers(child(boxes, "top"))
    width, height = numbers(child(boxes, "width")), numbers(child(boxes, "height"))
    class_ids = child(boxes, "class_id")
    with numpy.errstate(invalid="ignore"):
        valid_width = numpy.where(image_width >= 1, image_width, numpy.nan)
        valid_height = numpy.where(image_height >= 1, image_height, numpy.nan)
    kind = numpy.where(numpy.isnan(confidence), 1, 0).astype(numpy.int8)
    frames["boxes"] = {
        "line": frames["labels"]["line"][parents],
        "class_id": numbers(class_ids),
        "class_name": _class_names(metadata, parents, class_ids),
        "left": left,
        "top": top,
        "width": width,
        "height": height,
        "right": left + width,
        "bottom": top + height,
        "image_width": valid_width[parents],
        "image_height": valid_height[parents],
        "confidence": confidence,
        "confidence_type": pyarrow.DictionaryArray.from_arrays(
            pyarrow.array(kind, mask=~paired), _CONFIDENCE_TYPES
        ).cast(STRING),
        "coordinates_are_numbers": ~(numpy.isnan(left) | numpy.isnan(top)
                                     | numpy.isnan(width) | numpy.isnan(height)),
    }
    return True
