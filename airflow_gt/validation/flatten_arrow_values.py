"""Whole-column helpers for flatteners of values whose JSON type Arrow infers per block.

Where a label's JSON type may legitimately vary between manifests (a class index written as
``0`` or ``"0"``, a map whose keys are class indexes), its field is left undeclared and Arrow
infers one type per block; a block where the type varies from line to line fails to parse and
is read line by line. These helpers read such inferred columns the way ``flatten.json_type``
and ``frames.column_array`` see the same values line by line.

They sit beside ``flatten_arrow.py`` and would belong there.
"""

from __future__ import annotations

from typing import Any

import numpy
import pyarrow
import pyarrow.compute as pc
import pyarrow.types as kinds

from airflow_gt.validation.flatten_arrow import STRING, child, present
from airflow_gt.validation.frames import Array


def json_type_name(kind: Any) -> str | None:
    """The JSON type (as ``flatten.json_type`` names it) of values Arrow read as ``kind``; None
    for a type no present value has (the null type)."""
    if kinds.is_integer(kind) or kinds.is_floating(kind):
        return "number"
    if kinds.is_string(kind) or is_date(kind):
        return "string"
    if kinds.is_boolean(kind):
        return "boolean"
    if kinds.is_list(kind):
        return "array"
    if kinds.is_struct(kind):
        return "object"
    return None


def is_date(kind: Any) -> bool:
    """Whether Arrow read strings as dates or times (``"2018-10-18 22:18:13"``): their text, which
    only the line-by-line reader keeps, is lost."""
    return bool(kinds.is_temporal(kind))


def is_number(kind: Any) -> bool:
    return bool(kinds.is_integer(kind) or kinds.is_floating(kind))


def json_types(array: Any, absent: str | None) -> Any:
    """Each value's JSON type, ``absent`` where there is none (a missing key)."""
    name = json_type_name(array.type)
    return pc.if_else(present(array), pyarrow.scalar(name, STRING),
                      pyarrow.scalar(absent, STRING))


def struct_children(struct: Any) -> dict[str, Any]:
    """A struct array's children by name, each null where the struct is."""
    return {kind.name: child(struct, kind.name) for kind in struct.type}


def names(codes: Array, known: Array, dictionary: list[str]) -> Any:
    """Strings chosen from ``dictionary`` by ``codes``, null where not ``known``."""
    return pyarrow.DictionaryArray.from_arrays(
        pyarrow.array(codes.astype(numpy.int32), mask=~known),
        pyarrow.array(dictionary, STRING),
    ).cast(STRING)


def in_order(pieces: list[tuple[Array, Any]], count: int, kind: Any) -> Any:
    """One array of ``count`` values of type ``kind`` from pieces of (positions, values at those
    positions), which together hold every position once."""
    if not pieces:
        return pyarrow.nulls(count, kind)
    positions = numpy.concatenate([where for where, _ in pieces])
    values = pyarrow.concat_arrays([found.cast(kind) for _, found in pieces])
    return values.take(pyarrow.array(numpy.argsort(positions, kind="stable")))


def list_parents(lists: Any) -> Array:
    """The row of each element of a list array, as its flattened elements come."""
    result: Array = pc.list_parent_indices(lists).to_numpy().astype(numpy.int64)
    return result
