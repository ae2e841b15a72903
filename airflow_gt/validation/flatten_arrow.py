"""Flatten a block read by Arrow (``arrow_blocks.read_block``) into the frames a flattener makes.

The frames have the same columns and values as ``Flattener.flatten`` gives for the same lines;
only their arrays differ: strings stay Arrow string arrays (pandas wraps them without copying),
numbers are float64 with NaN for a missing value, flags are booleans. A test checks the two
ways agree on every sample and every planted violation.

A block has no ``null`` (``read_block`` refuses those), so "present" is "not null" here.
"""

from __future__ import annotations

from typing import Any

import numpy
import pyarrow
import pyarrow.compute as pc

from airflow_gt.validation.frames import Array, ArrayFrames

STRING = pyarrow.string()
NUMBER = pyarrow.float64()
METADATA_FIELDS = (
    ("type", STRING), ("job-name", STRING), ("human-annotated", STRING),
    ("creation-date", STRING), ("failure-reason", STRING),
)
"""The metadata keys every type's lines are read for (``failure-reason`` only for presence)."""


def top_level_fields(attribute: str, value: Any, metadata_key: str,
                     metadata: tuple[tuple[str, Any], ...] = ()) -> list[Any]:
    """The fields of a line that a label attribute's flattener reads."""
    return [
        pyarrow.field("source-ref", STRING),
        pyarrow.field("source", STRING),
        pyarrow.field(attribute, value),
        pyarrow.field(metadata_key, pyarrow.struct(METADATA_FIELDS + metadata)),
    ]


def child(array: Any, name: str) -> Any:
    """A struct array's child, null where the struct is."""
    return pc.struct_field(array, [name])


def numbers(array: Any) -> Array:
    """A numeric Arrow array as float64, NaN where it is null. An integer beyond 2**53 becomes
    the nearest float64, as it does when a JSON reader parses it as a number."""
    result: Array = array.cast(NUMBER, safe=False).to_numpy(zero_copy_only=False)
    return result


def present(array: Any) -> Array:
    result: Array = pc.is_valid(array).to_numpy(zero_copy_only=False)
    return result


def lengths(lists: Any) -> Array:
    """The length of each list as float64, 0 for a missing list."""
    return numbers(pc.fill_null(pc.list_value_length(lists), 0))


def common_frames(table: Any, first: int, attribute: str,
                  metadata_key: str) -> tuple[ArrayFrames, Any] | None:
    """The ``lines`` frame and the common columns of the ``labels`` frame, and the table of the
    labeled lines, for the type's own columns; None where a line has a label but no metadata or
    no metadata type, which only ``Flattener.flatten`` marks (its ``missing_type``)."""
    rows = table.num_rows
    line = numpy.arange(first, first + rows, dtype=numpy.int64)
    source_ref = table.column("source-ref").combine_chunks()
    source = table.column("source").combine_chunks()
    metadata = table.column(metadata_key).combine_chunks()
    failed = present(metadata) & present(child(metadata, "failure-reason"))
    labeled = present(table.column(attribute)) & ~failed
    if not (present(metadata) & present(child(metadata, "type")))[labeled].all():
        return None
    lines = {
        "line": line,
        "source": pc.coalesce(source_ref, source),
        "source_keys": (present(source_ref).astype(numpy.float64)
                        + present(source).astype(numpy.float64)),
        "source_ref": source_ref,
        "labeled": labeled,
        "failed": failed.astype(numpy.float64),
    }
    labeled_table = table.filter(pyarrow.array(labeled))
    labeled_metadata = labeled_table.column(metadata_key).combine_chunks()
    labels = {
        "line": line[labeled],
        "metadata_type": child(labeled_metadata, "type"),
        "job_name": child(labeled_metadata, "job-name"),
        "human_annotated": child(labeled_metadata, "human-annotated"),
        "creation_date": child(labeled_metadata, "creation-date"),
    }
    return {"lines": lines, "labels": labels}, labeled_table
