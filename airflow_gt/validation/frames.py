"""Typed column arrays: how flattened frames are kept between flattening and validation.

Flatteners build plain lists, a few thousand lines at a time; those lists are turned at once into
numpy arrays of the column's type (numbers as float64 with NaN for a missing value, booleans,
strings and anything else as object arrays), which take a fraction of the memory of the
lists and which pandas wraps without copying or guessing types. Blocks that Arrow read
(``flatten_arrow.py``) keep their strings as Arrow string arrays, which pandas wraps without
copying too. Arrays of several sub-chunks are joined when a chunk is validated.
"""

from __future__ import annotations

from typing import Any

import numpy
import numpy.typing as npt

from airflow_gt.validation.flatten import Columns

Array = npt.NDArray[Any]
ArrayFrames = dict[str, dict[str, Any]]
"""Frames of columns: numpy arrays, or ``pyarrow.Array`` for strings read by Arrow."""


def column_array(name: str, values: list[Any]) -> Array:
    """The values of one column as an array of the type of its first non-missing value."""
    if name == "line":
        return numpy.array(values, dtype=numpy.int64)
    first = next((value for value in values if value is not None), None)
    kind = type(first)
    if kind is float or kind is int:
        try:
            return numpy.array(values, dtype=numpy.float64)
        except (TypeError, ValueError):
            pass  # a column of mixed kinds stays as objects, for the suite to report
    elif kind is bool and None not in values:
        return numpy.array(values, dtype=numpy.bool_)
    array = numpy.empty(len(values), dtype=object)
    array[:] = values
    return array


def to_arrays(frames: dict[str, Columns]) -> ArrayFrames:
    return {
        frame: {name: column_array(name, values) for name, values in columns.items()}
        for frame, columns in frames.items()
    }


class FrameBuffer:
    """Arrays of several sub-chunks, joined into one chunk's frames when it is validated."""

    def __init__(self) -> None:
        self.parts: list[ArrayFrames] = []
        self.lines = 0

    def add(self, frames: ArrayFrames) -> None:
        self.parts.append(frames)
        self.lines += len(frames["lines"]["line"])

    def take(self) -> ArrayFrames:
        """The parts joined, column by column; each column's parts are let go of once joined,
        so memory holds little more than one copy of the chunk."""
        parts, self.parts, self.lines = self.parts, [], 0
        joined: ArrayFrames = {}
        for frame in parts[0]:
            joined[frame] = {}
            for name in list(parts[0][frame]):
                joined[frame][name] = _join([part[frame].pop(name) for part in parts])
        return joined


def _join(arrays: list[Any]) -> Any:
    if len(arrays) == 1:
        return arrays[0]
    if any(not isinstance(array, numpy.ndarray) for array in arrays):
        joined = _join_as_arrow(arrays)
        if joined is not None:
            return joined
        arrays = [_as_objects(array) for array in arrays]
    kinds = {array.dtype for array in arrays}
    if len(kinds) > 1 and numpy.dtype(numpy.float64) in kinds:
        # A sub-chunk whose column was all missing came out as objects: as numbers it is NaN.
        arrays = [_as_numbers(array) for array in arrays]
        kinds = {array.dtype for array in arrays}
    if len(kinds) > 1:
        # One sub-chunk saw only numbers where another saw a string: keep both as objects.
        arrays = [array.astype(object) for array in arrays]
    return numpy.concatenate(arrays)


def _join_as_arrow(arrays: list[Any]) -> Any:
    """Arrow string arrays and object arrays of strings (or None) as one Arrow array; None if
    some value is not a string."""
    import pyarrow

    try:
        return pyarrow.concat_arrays([
            array if isinstance(array, pyarrow.Array)
            else pyarrow.array(array, pyarrow.string(), from_pandas=False)
            for array in arrays
        ])
    except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError):
        return None


def _as_objects(array: Any) -> Array:
    if isinstance(array, numpy.ndarray):
        return array.astype(object)
    result: Array = array.to_numpy(zero_copy_only=False).astype(object)
    return result


def _as_numbers(array: Array) -> Array:
    if array.dtype == object and all(value is None for value in array):
        return numpy.full(len(array), numpy.nan)
    return array


def value_at(array: Any, index: int) -> Any:
    """One value of a column, as a Python object, whether it is a numpy or an Arrow array."""
    value = array[index]
    as_py = getattr(value, "as_py", None)
    return as_py() if as_py is not None else value
