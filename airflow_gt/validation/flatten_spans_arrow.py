"""Text spans read by Arrow: the same ``labels`` and ``entities`` columns as
``TextSpanFlattener.flatten_label`` gives, computed on whole columns.

Each entity is one element of the flattened ``entities`` lists; its position in its list pairs it
with the metadata's confidence entry of the same position, and whether its label is one its line
offers is a membership test of (line, label) keys, labels numbered by one dictionary.

The offsets are declared integers, so a line with a fractional or string offset (which the
line-by-line flattener reads as no offset) makes Arrow refuse the block; so does a label value,
annotations, entity or confidence entry that is not an object.
"""

from __future__ import annotations

from typing import Any

import numpy
import pyarrow
import pyarrow.compute as pc

from airflow_gt.validation.arrow_columns import (
    json_types,
    list_elements,
    list_starts,
    nonempty_text,
)
from airflow_gt.validation.flatten_arrow import (
    NUMBER,
    STRING,
    child,
    flags,
    lengths,
    numbers,
    present,
    top_level_fields,
)
from airflow_gt.validation.frames import Array, ArrayFrames

OFFSET = pyarrow.int64()
ENTITY = pyarrow.struct([("label", STRING), ("startOffset", OFFSET), ("endOffset", OFFSET)])
ANNOTATIONS = pyarrow.struct([
    ("entities", pyarrow.list_(ENTITY)),
    ("labels", pyarrow.list_(pyarrow.struct([("label", STRING)]))),
])
VALUE = pyarrow.struct([("annotations", ANNOTATIONS)])
METADATA = (("entities", pyarrow.list_(pyarrow.struct([("confidence", NUMBER)]))),)


def span_fields(attribute: str, metadata_key: str) -> list[Any]:
    return top_level_fields(attribute, VALUE, metadata_key, METADATA)


def span_frames(labeled: Any, attribute: str, metadata_key: str, frames: ArrayFrames) -> None:
    """Add the text-span columns of the labeled lines to ``frames``."""
    value = labeled.column(attribute).combine_chunks()
    metadata = labeled.column(metadata_key).combine_chunks()
    annotations = child(value, "annotations")
    entities = child(annotations, "entities")
    offered = child(annotations, "labels")
    confidences = child(metadata, "entities")
    has_annotations = present(annotations)
    has_entities = present(entities)
    labels = frames["labels"]
    labels["annotations_type"] = json_types(has_annotations, "object")
    labels["entity_list_type"] = json_types(has_entities, "array", has_annotations)
    labels["label_list_type"] = json_types(present(offered), "array", has_annotations)
    labels["entity_count"] = numpy.where(has_entities, lengths(entities), numpy.nan)
    labels["confidence_count"] = confidence_count = lengths(confidences)
    text_length = numbers(pc.utf8_length(labeled.column("source").combine_chunks()))
    frames["entities"] = _entity_rows(
        labels["line"], entities, offered, confidences, confidence_count, text_length)


def _entity_rows(lines: Array, entities: Any, offered: Any, confidences: Any,
                 confidence_count: Array, text_length: Array) -> dict[str, Any]:
    """The ``entities`` frame: one row per entity of the labeled lines."""
    parents, flat, position = list_elements(entities)
    label = nonempty_text(child(flat, "label"))
    paired = position < confidence_count[parents]
    confidence = numpy.full(len(parents), numpy.nan)
    if paired.any():
        values = numbers(child(pc.list_flatten(confidences), "confidence"))
        confidence[paired] = values[list_starts(confidences)[parents[paired]] + position[paired]]
    return {
        "line": lines[parents],
        "label": label,
        "declared": _declared(parents, label, offered),
        "start": numbers(child(flat, "startOffset")),
        "end": numbers(child(flat, "endOffset")),
        "text_length": text_length[parents],
        "confidence": confidence,
        "confidence_type": json_types(~numpy.isnan(confidence), "number", paired),
    }


def _declared(parents: Array, label: Any, offered: Any) -> Array:
    """Whether each entity's label is among its line's offered labels; None where the entity
    has no label or its line no list of labels."""
    offered_parents, offered_flat, _ = list_elements(offered)
    offered_names = child(offered_flat, "label")
    codes = pc.dictionary_encode(pyarrow.concat_arrays([label, offered_names]))
    indices = pc.fill_null(codes.indices, -1).to_numpy().astype(numpy.int64)
    size = len(codes.dictionary) + 1
    entity_codes, offered_codes = indices[:len(label)], indices[len(label):]
    named = offered_codes >= 0
    member = numpy.isin(parents * size + entity_codes,
                        offered_parents[named] * size + offered_codes[named])
    return flags(member, present(label) & present(offered)[parents])
