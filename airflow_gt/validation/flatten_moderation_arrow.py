"""Rekognition moderation manifests read by Arrow: the same frames as ``ModerationFlattener``'s
``flatten`` gives, computed on whole columns.

The label values are declared objects of the keys the flatteners read, so a block where a label,
its ``ModerationLabels`` or one of their entries is not of its declared JSON type (a ground truth
that is a list, a prediction that is a string, a numeric model version...) is refused by Arrow
and flattened line by line. A testing line's two models are flattened model by model, then their
rows put in line order, the adapter's before the base model's (a stable sort on line and model).
"""

from __future__ import annotations

from typing import Any

import numpy
import pyarrow
import pyarrow.compute as pc

from airflow_gt.validation.arrow_columns import json_types, list_elements
from airflow_gt.validation.flatten_arrow import (
    NUMBER,
    STRING,
    child,
    numbers,
    present,
)
from airflow_gt.validation.frames import Array, ArrayFrames

GROUND_TRUTH = pyarrow.struct([
    ("ModerationLabels", pyarrow.list_(pyarrow.struct([("Name", STRING)]))),
])
PREDICTIONS = pyarrow.struct([
    ("ModerationLabels", pyarrow.list_(pyarrow.struct([
        ("Confidence", NUMBER), ("Name", STRING), ("ParentName", STRING),
    ]))),
    ("ModerationModelVersion", STRING),
    ("ProjectVersion", STRING),
])
S3_BUCKET = r"(?s)^s3://(?P<bucket>[^/]+)/."
"""What ``s3_bucket`` takes a bucket from: ``s3://``, a bucket, a slash and a key."""


def moderation_fields(labels: dict[str, Any]) -> list[Any]:
    """The fields of a moderation line: its sources and the label values ``labels`` names."""
    return [pyarrow.field("source-ref", STRING), pyarrow.field("source", STRING),
            *(pyarrow.field(key, kind) for key, kind in labels.items())]


def input_fields(attribute: str) -> list[Any]:
    return moderation_fields({attribute: GROUND_TRUTH})


def output_fields(attribute: str, keys: list[str]) -> list[Any]:
    return moderation_fields({key: PREDICTIONS for key in keys})


def moderation_lines(table: Any, first: int, attribute: str) -> tuple[ArrayFrames, Any]:
    """The ``lines`` frame, the ``labels`` frame's ``line`` column, and the table of the lines
    that have ``attribute`` (which are labeled: nothing fails in a moderation manifest)."""
    rows = table.num_rows
    line = numpy.arange(first, first + rows, dtype=numpy.int64)
    source_ref = table.column("source-ref").combine_chunks()
    source = table.column("source").combine_chunks()
    labeled = present(table.column(attribute).combine_chunks())
    lines = {
        "line": line,
        "source": pc.coalesce(source_ref, source),
        "source_keys": (present(source_ref).astype(numpy.float64)
                        + present(source).astype(numpy.float64)),
        "source_ref": source_ref,
        "labeled": labeled,
        "failed": numpy.zeros(rows),
    }
    frames: ArrayFrames = {"lines": lines, "labels": {"line": line[labeled]}}
    return frames, table.filter(pyarrow.array(labeled))


def buckets(source_ref: Any) -> Any:
    """The bucket of each ``s3://bucket/key`` source, null for any other."""
    return child(pc.extract_regex(source_ref, S3_BUCKET), "bucket")


def first_buckets(bucket: Any, known: str | None) -> tuple[Any, str | None]:
    """Each line's first bucket of the manifest so far, given the one ``known`` before the
    block; and, where none was known, the first bucket of the block (None if the block has none
    either)."""
    if known is not None:
        return pyarrow.repeat(pyarrow.scalar(known, STRING), len(bucket)), None
    rows = numpy.flatnonzero(present(bucket))
    if not len(rows):
        return pyarrow.nulls(len(bucket), STRING), None
    row = int(rows[0])
    found = bucket[row].as_py()
    return pyarrow.concat_arrays([
        pyarrow.nulls(row, STRING),
        pyarrow.repeat(pyarrow.scalar(found, STRING), len(bucket) - row),
    ]), found


def ground_truth_frames(labeled: Any, attribute: str, frames: ArrayFrames) -> None:
    """Add the ``labels`` columns and ``moderation_labels`` rows of the ground truths."""
    value = labeled.column(attribute).combine_chunks()
    entries = child(value, "ModerationLabels")
    labels = frames["labels"]
    labels["ground_truth_type"] = json_types(present(value), "object")
    labels["labels_type"] = json_types(present(entries), "array")
    parents, flat, _ = list_elements(entries)
    frames["moderation_labels"] = {
        "line": labels["line"][parents],
        "name": child(flat, "Name"),
    }


def prediction_frames(labeled: Any, models: list[tuple[str, str, str]],
                      frames: ArrayFrames) -> None:
    """Add the ``labels`` columns and ``models`` and ``predictions`` rows of each line's models
    (name, key, ``labels`` column)."""
    lines = frames["labels"]["line"]
    model_rows: list[dict[str, Any]] = []
    prediction_rows: list[dict[str, Any]] = []
    for rank, (model, key, column) in enumerate(models):
        value = labeled.column(key).combine_chunks()
        frames["labels"][column] = json_types(present(value), "object")
        model_rows.append(_model_rows(value, model, rank))
        prediction_rows.append(_prediction_rows(value, model, rank))
    frames["models"] = _in_line_order(model_rows, lines)
    frames["predictions"] = _in_line_order(prediction_rows, lines)


def _model_rows(value: Any, model: str, rank: int) -> dict[str, Any]:
    """One row per line that has the model's predictions (``row`` and ``rank`` to order them)."""
    found = pyarrow.array(numpy.flatnonzero(present(value)))
    value = value.take(found)
    entries = child(value, "ModerationLabels")
    has_entries = present(entries)
    project = child(value, "ProjectVersion")
    return {
        "row": found.to_numpy(),
        "rank": rank,
        "model": pyarrow.repeat(pyarrow.scalar(model, STRING), len(value)),
        "labels_type": json_types(has_entries, "array"),
        "non_object_labels": numpy.where(has_entries, 0.0, numpy.nan),
        "model_version": child(value, "ModerationModelVersion"),
        "project_version": project,
        "adapter_project_version": project if rank == 0 else pyarrow.nulls(len(value), STRING),
    }


def _prediction_rows(value: Any, model: str, rank: int) -> dict[str, Any]:
    """One row per predicted label of the model (``row`` and ``rank`` to order them)."""
    parents, flat, _ = list_elements(child(value, "ModerationLabels"))
    return {
        "row": parents,
        "rank": rank,
        "model": pyarrow.repeat(pyarrow.scalar(model, STRING), len(parents)),
        "confidence": numbers(child(flat, "Confidence")),
        "name": child(flat, "Name"),
        "parent_name": child(flat, "ParentName"),
    }


def _in_line_order(pieces: list[dict[str, Any]], lines: Array) -> dict[str, Any]:
    """The models' rows as one frame, in line order, a line's models in their order and each
    model's rows in theirs."""
    rows = numpy.concatenate([piece["row"] for piece in pieces])
    ranks = numpy.concatenate([numpy.full(len(piece["row"]), piece["rank"]) for piece in pieces])
    order = numpy.lexsort((ranks, rows))
    take = pyarrow.array(order)
    frame: dict[str, Any] = {"line": lines[rows[order]]}
    for name in pieces[0]:
        if name in ("row", "rank"):
            continue
        columns = [piece[name] for piece in pieces]
        if isinstance(columns[0], numpy.ndarray):
            frame[name] = numpy.concatenate(columns)[order]
        else:
            frame[name] = pyarrow.concat_arrays(columns).take(take)
    return frame
