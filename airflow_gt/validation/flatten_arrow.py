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


def column(table: Any, name: str) -> Any:
    """A table's column as one array; all null where no line has the key."""
    if table.schema.get_field_index(name) < 0:
        return pyarrow.nulls(table.num_rows)
    return table.column(name).combine_chunks()


def field(struct: Any, name: str) -> Any:
    """A struct array's child; all null where no line has the key (or the value is no
    object)."""
    if not pyarrow.types.is_struct(struct.type) or struct.type.get_field_index(name) < 0:
        return pyarrow.nulls(len(struct))
    return child(struct, name)


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
    source_ref = column(table, "source-ref")
    source = column(table, "source")
    # Read as the flattener declared them, but for a label attribute named as its metadata key
    # (a type's flattener given another type's attribute), whose declaration the label's won.
    metadata = column(table, metadata_key)
    failed = present(metadata) & present(field(metadata, "failure-reason"))
    labeled = present(table.column(attribute)) & ~failed
    if not (present(metadata) & present(field(metadata, "type")))[labeled].all():
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
    labeled_metadata = column(labeled_table, metadata_key)
    labels = {
        "line": line[labeled],
        "metadata_type": field(labeled_metadata, "type"),
        "job_name": field(labeled_metadata, "job-name"),
        "human_annotated": field(labeled_metadata, "human-annotated"),
        "creation_date": field(labeled_metadata, "creation-date"),
    }
    return {"lines": lines, "labels": labels}, labeled_table


def flags(values: Array, known: Array) -> Array:
    """A flag column as ``frames.column_array`` makes it of the same values line by line:
    booleans where every value is known, else objects with None where one is not."""
    if len(values) and known.all():
        result: Array = values.astype(numpy.bool_)
        return result
    found = numpy.full(len(values), None, dtype=object)
    found[known] = values[known].astype(numpy.bool_)
    return found
