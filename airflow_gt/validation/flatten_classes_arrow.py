"""Single-label classification and label verification read by Arrow: the same ``labels`` (and
``feedback``) columns as ``ClassIndexFlattener.flatten_label`` gives, computed on whole columns.

The label value is left undeclared: a class index is written ``0`` in one manifest and ``"0"`` in
another, and Arrow infers the block's type (a block that mixes both fails to parse and is read
line by line). A block is read line by line too where the inferred type is one whose text
Python writes differently (a fraction, a list, an object), or a string of digits too long for
an int64. ``class-name`` is declared a string, so a block where it is not is read line by line.

The first class name of each class index is found per distinct index of the block (its first
named line), after which the flattener's ``first_class_names`` takes the block's new indexes.
"""

from __future__ import annotations

from typing import Any

import numpy
import pyarrow
import pyarrow.compute as pc
import pyarrow.types as kinds

from airflow_gt.validation.flatten_arrow import (
    STRING,
    child,
    column,
    field,
    numbers,
    present,
    top_level_fields,
)
from airflow_gt.validation.flatten_arrow_values import (
    is_date,
    is_number,
    json_types,
    list_parents,
)
from airflow_gt.validation.frames import ArrayFrames

METADATA = (("class-name", STRING),)
LONGEST_INDEX = 18
"""Digits of the longest class index read by Arrow: any 18-digit number fits an int64."""


def class_fields(attribute: str, metadata_key: str) -> list[Any]:
    """The declared fields: all but the label value, whose type Arrow infers."""
    return [found for found in top_level_fields(attribute, STRING, metadata_key, METADATA)
            if found.name != attribute]


def with_label_column(table: Any, attribute: str) -> Any:
    """The table with the label attribute's column, all null where no line has it."""
    if table.schema.get_field_index(attribute) >= 0:
        return table
    return table.append_column(attribute, column(table, attribute))


def label_texts_and_indexes(values: Any) -> tuple[Any, Any] | None:
    """Each label's text (``str(value)``) and class index (``class_index(value)``, null where
    not one), or None where the block's label type is one only Python writes right."""
    kind = values.type
    if kinds.is_integer(kind):
        return values.cast(STRING), pc.if_else(pc.greater_equal(values, 0), values, None)
    if kinds.is_string(kind):
        digits = pc.match_substring_regex(values, "^[0-9]+$")
        if pc.any(pc.and_(digits, pc.greater(pc.utf8_length(values), LONGEST_INDEX))).as_py():
            return None
        return values, pc.if_else(digits, values, None).cast(pyarrow.int64())
    if kinds.is_boolean(kind):
        return pc.if_else(values, "True", "False"), pyarrow.nulls(len(values), pyarrow.int64())
    if len(values) == 0:
        empty = pyarrow.nulls(len(values), STRING)
        return empty, empty.cast(pyarrow.int64())
    return None


def first_names(class_ids: Any, class_names: Any, known: dict[int, str]
                ) -> tuple[Any, dict[int, str]]:
    """Each line's first class name of its class index, and the indexes first named in these
    lines with their names, in line order; ``known`` holds those of the earlier lines.

    A line takes part where both its index and its name are valid, as in ``flatten_label``."""
    rows = numpy.flatnonzero(present(class_ids) & present(class_names))
    ids = pc.fill_null(class_ids, 0).to_numpy()[rows]
    distinct, firsts, positions = numpy.unique(ids, return_index=True, return_inverse=True)
    distinct_ids = distinct.tolist()
    block_names = class_names.take(pyarrow.array(rows[firsts])).to_pylist()
    chosen = [known.get(class_id, name)
              for class_id, name in zip(distinct_ids, block_names, strict=True)]
    new = {distinct_ids[i]: block_names[i] for i in numpy.argsort(firsts).tolist()
           if distinct_ids[i] not in known}
    per_row = numpy.full(len(class_ids), -1, dtype=numpy.int64)
    per_row[rows] = positions
    first_by_row = pyarrow.array(chosen, STRING).take(pyarrow.array(per_row, mask=per_row < 0))
    return first_by_row, new


def class_frames(labeled: Any, attribute: str, metadata_key: str, frames: ArrayFrames,
                 known: dict[int, str]) -> dict[int, str] | None:
    """Add the class columns of the labeled lines to ``frames``; return the class indexes they
    name first (for the flattener's state), or None where Arrow cannot tell what the line-by-line
    flattener would see."""
    read = label_texts_and_indexes(labeled.column(attribute).combine_chunks())
    if read is None:
        return None
    label_text, class_ids = read
    metadata = labeled.column(metadata_key).combine_chunks()
    class_names = child(metadata, "class-name")
    class_names = pc.if_else(pc.equal(class_names, ""), pyarrow.scalar(None, STRING),
                             class_names)
    first_class_name, new = first_names(class_ids, class_names, known)
    confidence = field(metadata, "confidence")
    labels = frames["labels"]
    labels["label_text"] = label_text
    labels["class_id"] = numbers(class_ids)
    labels["class_name"] = class_names
    labels["first_class_name"] = first_class_name
    labels["confidence"] = (numbers(confidence) if is_number(confidence.type)
                            else numpy.full(len(confidence), numpy.nan))
    labels["confidence_type"] = json_types(confidence, None)
    return new


def feedback_frames(labeled: Any, metadata_key: str, frames: ArrayFrames) -> bool:
    """Add the ``feedback_type`` column and the ``feedback`` frame of the labeled lines; False
    where a comment was read as a date, whose text only the line-by-line reader keeps."""
    metadata = labeled.column(metadata_key).combine_chunks()
    entries = field(metadata, "worker-feedback")
    frames["labels"]["feedback_type"] = json_types(entries, None)
    line = frames["labels"]["line"]
    if not kinds.is_list(entries.type):
        frames["feedback"] = {"line": line[:0], "comment": pyarrow.nulls(0, STRING)}
        return True
    comments = field(pc.list_flatten(entries), "comment")
    if is_date(comments.type):
        return False
    if not kinds.is_string(comments.type):
        comments = pyarrow.nulls(len(comments), STRING)
    frames["feedback"] = {"line": line[list_parents(entries)], "comment": comments}
    return True
