"""Multi-label classification read by Arrow: the same ``labels`` and ``classes`` columns as
``MultiLabelFlattener.flatten_label`` gives, computed on whole columns.

The label is declared a list of integers, so a block where a label is anything else (a number,
a list holding a fraction, a string or a boolean) is read line by line. The ``class-map`` and
``confidence-map`` are keyed by class index, so Arrow infers each as an object whose fields are
the keys of the block's maps (null in a line without that key). Each class of a label is one
element of the flattened label lists; its line is its list's line, and its class name and
confidence are its line's value of the map field named after its index, looked up per distinct
index (a manifest has few).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy
import pyarrow
import pyarrow.compute as pc
import pyarrow.types as kinds

from airflow_gt.validation.flatten_arrow import (
    STRING,
    field,
    flags,
    numbers,
    present,
    top_level_fields,
)
from airflow_gt.validation.flatten_arrow_values import (
    in_order,
    is_date,
    json_type_name,
    json_types,
    list_parents,
    names,
    struct_children,
)
from airflow_gt.validation.frames import Array, ArrayFrames

LABEL = pyarrow.list_(pyarrow.int64())
NOT_INDEX_TO_NAME = "object, not class index to class name"
JSON_TYPES = ["number", "string", "boolean", "array", "object"]


def multilabel_fields(attribute: str, metadata_key: str) -> list[Any]:
    return top_level_fields(attribute, LABEL, metadata_key)


def is_class_index(key: str) -> bool:
    return key.isdecimal() and key.isascii()


def class_map_types(class_maps: Any, entries: dict[str, Any]) -> Any:
    """What ``class_map_type`` says of each line's class-map (whose ``entries`` are its
    children by key): ``object`` where it maps class indexes to class names, else what it is."""
    if not kinds.is_struct(class_maps.type):
        return json_types(class_maps, "null")
    wrong = numpy.zeros(len(class_maps), dtype=bool)
    for name, values in entries.items():
        if not (is_class_index(name) and json_type_name(values.type) == "string"):
            wrong |= present(values)
    return pc.if_else(present(class_maps),
                      pc.if_else(pyarrow.array(wrong), NOT_INDEX_TO_NAME, "object"),
                      pyarrow.scalar("null", STRING))


@dataclass
class Classes:
    """The ``classes`` columns of a block's labels, one row per class, filled in per distinct
    class index: ``count`` classes, the labels they are in (``parents``, rows of the block's
    labeled lines), and whether each labeled line has a class-map object."""

    count: int
    parents: Array
    has_class_map: Array

    def __post_init__(self) -> None:
        self.name_pieces: list[tuple[Array, Any]] = []
        self.in_class_map = numpy.zeros(self.count, dtype=bool)
        self.confidence = numpy.full(self.count, numpy.nan)
        self.confidence_type = numpy.zeros(self.count, dtype=numpy.int8)
        self.in_confidence_map = numpy.zeros(self.count, dtype=bool)

    def add_names(self, where: Array, entries: Any) -> None:
        """Name the classes at positions ``where`` (all of one index) from that index's entries
        of the class-maps (None where no class-map of the block has it)."""
        if entries is None:
            self.name_pieces.append((where, pyarrow.nulls(len(where), STRING)))
            return
        found = entries.take(pyarrow.array(self.parents[where]))
        self.in_class_map[where] = present(found)
        if not kinds.is_string(found.type):
            found = pyarrow.nulls(len(where), STRING)
        self.name_pieces.append((where, found))

    def add_confidences(self, where: Array, entries: Any) -> None:
        """Score the classes at positions ``where`` (all of one index) from that index's entries
        of the confidence-maps (None where no confidence-map of the block has it)."""
        kind = None if entries is None else json_type_name(entries.type)
        if kind is None:
            return
        found = entries.take(pyarrow.array(self.parents[where]))
        self.in_confidence_map[where] = present(found)
        self.confidence_type[where] = JSON_TYPES.index(kind)
        if kind == "number":
            self.confidence[where] = numbers(found)

    def frame(self, line: Array, class_ids: Any) -> dict[str, Any]:
        return {
            "line": line,
            "class_id": numbers(class_ids),
            "class_name": in_order(self.name_pieces, self.count, STRING),
            "in_class_map": flags(self.in_class_map, self.has_class_map[self.parents]),
            "confidence": self.confidence,
            "confidence_type": names(self.confidence_type, self.in_confidence_map, JSON_TYPES),
        }


def class_groups(ids: Array) -> list[tuple[int, Array]]:
    """Each distinct class index and the positions where it is."""
    if not len(ids):
        return []
    order = numpy.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    bounds = numpy.flatnonzero(numpy.r_[True, sorted_ids[1:] != sorted_ids[:-1], True])
    return [(int(sorted_ids[start]), order[start:end])
            for start, end in itertools.pairwise(bounds)]


def repeats(parents: Array, ids: Array, rows: int) -> Array:
    """How many classes of each label repeat an earlier class of the same label."""
    order = numpy.lexsort((ids, parents))
    same = (parents[order][1:] == parents[order][:-1]) & (ids[order][1:] == ids[order][:-1])
    return numpy.bincount(parents[order][1:][same], minlength=rows)


def keys_match(confidences: Any, entries: dict[str, Any], parents: Array, in_map: Array,
               distinct: Array) -> Any:
    """Whether each label's distinct classes are the keys of its confidence-map (whose
    ``entries`` are its children by key); None where it has no confidence-map object."""
    rows = len(confidences)
    if not kinds.is_struct(confidences.type):
        return flags(numpy.zeros(rows, dtype=bool), numpy.zeros(rows, dtype=bool))
    keys = numpy.zeros(rows, dtype=numpy.int64)
    for values in entries.values():
        keys += present(values)
    missing = numpy.bincount(parents[~in_map], minlength=rows)
    return flags((missing == 0) & (keys == distinct), present(confidences))


def multilabel_frames(labeled: Any, attribute: str, metadata_key: str,
                      frames: ArrayFrames) -> bool:
    """Add the multi-label columns of the labeled lines to ``frames``; False where a class name
    was read as a date, whose text only the line-by-line reader keeps."""
    value = labeled.column(attribute).combine_chunks()
    metadata = labeled.column(metadata_key).combine_chunks()
    class_maps = field(metadata, "class-map")
    confidences = field(metadata, "confidence-map")
    name_entries = struct_children(class_maps) if kinds.is_struct(class_maps.type) else {}
    if any(is_date(entries.type) for entries in name_entries.values()):
        return False
    confidence_entries = (struct_children(confidences) if kinds.is_struct(confidences.type)
                          else {})
    rows = labeled.num_rows
    parents = list_parents(value)
    class_ids = pc.list_flatten(value)
    ids = class_ids.to_numpy()
    classes = Classes(len(ids), parents,
                      present(class_maps) & kinds.is_struct(class_maps.type))
    for class_id, where in class_groups(ids):
        classes.add_names(where, name_entries.get(str(class_id)))
        classes.add_confidences(where, confidence_entries.get(str(class_id)))
    distinct = numpy.bincount(parents, minlength=rows) - repeats(parents, ids, rows)
    labels = frames["labels"]
    labels["label_type"] = json_types(value, "null")
    labels["labels_distinct"] = flags(
        distinct == numpy.bincount(parents, minlength=rows), numpy.ones(rows, dtype=bool))
    labels["class_map_type"] = class_map_types(class_maps, name_entries)
    labels["confidence_map_type"] = json_types(confidences, "null")
    labels["confidence_keys_match"] = keys_match(
        confidences, confidence_entries, parents, classes.in_confidence_map, distinct)
    frames["classes"] = classes.frame(labels["line"][parents], class_ids)
    return True
