"""Column helpers shared by the Arrow flatteners of text spans, masks, moderation and common-only
types, beside those of ``flatten_arrow.py`` (which they would belong to, but is kept as it is).

They build columns as ``to_arrays`` builds them from the line-by-line flattener's lists: flags
with a missing value as object arrays, JSON type names as strings, values of a field whose type
Arrow inferred (an undeclared field) as the line-by-line flattener reads them.
"""

from __future__ import annotations

from typing import Any

import numpy
import pyarrow
import pyarrow.compute as pc

from airflow_gt.validation.flatten_arrow import STRING, child, numbers
from airflow_gt.validation.frames import Array

NULL_STRING = pyarrow.scalar(None, STRING)


def json_type_name(kind: Any) -> str:
    """The JSON type of the values Arrow read into an array of type ``kind``: an inferred
    timestamp or date was a string in the line."""
    types = pyarrow.types
    if types.is_struct(kind):
        return "object"
    if types.is_list(kind) or types.is_large_list(kind):
        return "array"
    if types.is_integer(kind) or types.is_floating(kind):
        return "number"
    if types.is_boolean(kind):
        return "boolean"
    if types.is_null(kind):
        return "null"
    return "string"


def json_types(found: Array, name: str, defined: Array | None = None) -> Any:
    """A string column: ``name`` where ``found``, ``"null"`` elsewhere, and no value where
    ``defined`` is False."""
    indices = pyarrow.array(numpy.where(found, 0, 1).astype(numpy.int8),
                            mask=None if defined is None else ~defined)
    return pyarrow.DictionaryArray.from_arrays(
        indices, pyarrow.array([name, "null"])).cast(STRING)


def repeated(text: str, count: int) -> Any:
    """A string column of ``count`` times ``text``."""
    return pyarrow.repeat(pyarrow.scalar(text, STRING), count)


def nonempty_text(array: Any) -> Any:
    """A string array with the empty strings as nulls."""
    return pc.if_else(pc.greater(pc.binary_length(array), 0), array, NULL_STRING)


def inferred_text(struct: Any, name: str) -> Any | None:
    """A struct's child ``name`` as the line-by-line flattener reads a string: its strings, null
    where the line had no string; None where Arrow read strings as timestamps (whose text is
    lost), which only the line-by-line flattener reads right."""
    if struct.type.get_field_index(name) < 0:
        return pyarrow.nulls(len(struct), STRING)
    values = child(struct, name)
    kind = values.type
    if pyarrow.types.is_string(kind):
        return values
    if json_type_name(kind) == "string":
        return None
    return pyarrow.nulls(len(struct), STRING)


def inferred_numbers(struct: Any, name: str) -> Array:
    """A struct's child ``name`` as the line-by-line flattener reads a number: float64, NaN
    where the line had no number (a string, a boolean, an object...)."""
    if struct.type.get_field_index(name) >= 0:
        values = child(struct, name)
        if json_type_name(values.type) == "number":
            return numbers(values)
    return numpy.full(len(struct), numpy.nan)


def list_elements(lists: Any) -> tuple[Array, Any, Array]:
    """The elements of a list array: each one's row, the flattened elements, and each one's
    position in its own list."""
    parents = pc.list_parent_indices(lists).to_numpy().astype(numpy.int64)
    offsets = lists.offsets.to_numpy()
    starts = offsets[:-1] - offsets[0]
    positions = numpy.arange(len(parents), dtype=numpy.int64) - starts[parents]
    return parents, pc.list_flatten(lists), positions


def list_starts(lists: Any) -> Array:
    """Where each list's elements start among the flattened elements."""
    offsets = lists.offsets.to_numpy()
    result: Array = (offsets[:-1] - offsets[0]).astype(numpy.int64)
    return result


def distinct_counts(rows: Array, values: Array, size: int) -> Array:
    """How many distinct values each of ``size`` rows has, as float64, given each value's row
    (values compare as Python's ``set`` compares them: 0.0 equals -0.0)."""
    if not len(rows):
        return numpy.zeros(size)
    order = numpy.lexsort((values, rows))
    sorted_rows, sorted_values = rows[order], values[order]
    new = numpy.r_[True, (sorted_rows[1:] != sorted_rows[:-1])
                   | (sorted_values[1:] != sorted_values[:-1])]
    return numpy.bincount(sorted_rows[new], minlength=size).astype(numpy.float64)

