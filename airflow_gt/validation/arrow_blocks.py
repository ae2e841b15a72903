"""Parse a block of manifest lines with Arrow's JSON reader, only where it reads what orjson reads.

Arrow parses a block of lines in C++ on every core, into typed columns, many times faster than
``orjson.loads`` per line followed by Python code. It is not as strict as the manifest reader,
though, and cannot tell a missing key from a ``null``, so a block is handed to it only when
nothing in it could make the two readers disagree; otherwise ``read_block`` returns None and the
caller reads the block line by line with the exact reader, which also names any broken line:

- every line starts with ``{`` (no empty or indented line, no byte-order mark) and Arrow finds
  exactly one object per line;
- the block is valid UTF-8 (Arrow does not check strings it is not asked to type);
- no ``NaN`` or ``Infinity`` (Arrow accepts them; JSON does not) and no ``null`` anywhere;
- no line nests arrays and objects deeper than the manifest reader allows (``nesting.py``):
  Arrow reads deeper lines, and crashes the process (SIGSEGV) on tens of thousands of levels;
- every declared field has its declared type in every line (Arrow raises otherwise; so does a
  key given twice in one object).
"""

from __future__ import annotations

import io
from typing import Any

import numpy
import pyarrow
import pyarrow.json

from airflow_gt.manifests.nesting import MAX_DEPTH, depth_over_limit
from airflow_gt.validation.frames import Array

_NULL = int.from_bytes(b"null", "little")
_NEWLINE, _OPEN_BRACE, _OPEN_BRACKET = ord("\n"), ord("{"), ord("[")

# The checks below run in the reader thread beside Great Expectations: they are numpy operations
# on the whole block, which run without holding the GIL, rather than bytes methods, which hold it
# (but for searches of one byte, which take a millisecond).


def _holds_null(block: bytes) -> bool:
    """Whether ``block`` holds ``null``: the block read as 4-byte words at each of 4 offsets."""
    return any(
        bool((numpy.frombuffer(block, numpy.uint32, (len(block) - offset) // 4, offset)
              == _NULL).any())
        for offset in range(min(4, len(block) - 3))  # none where the block is shorter
    )


def _contains(block: bytes, data: Array, token: bytes) -> bool:
    """Whether ``block`` (``data`` as bytes) holds ``token``, whose first byte is rare."""
    if token[:1] not in block:
        return False
    found = numpy.flatnonzero(data[:len(data) - len(token) + 1] == token[0])
    for offset, byte in enumerate(token[1:], 1):
        if not len(found):
            break
        found = found[data[found + offset] == byte]
    return bool(len(found))


def _within_nesting_limit(block: bytes, data: Array, ends: Array) -> bool:
    """Whether no line nests deeper than ``MAX_DEPTH``: a line with no more opening brackets
    cannot; the few with more are measured exactly (``nesting.depth_over_limit``)."""
    openings = numpy.flatnonzero((data == _OPEN_BRACE) | (data == _OPEN_BRACKET))
    bounds = numpy.searchsorted(openings, numpy.r_[ends, len(data)])
    per_line = numpy.diff(numpy.r_[0, bounds])
    if not len(per_line) or per_line.max() <= MAX_DEPTH:
        return True
    starts, limits = numpy.r_[0, ends + 1], numpy.r_[ends + 1, len(data)]
    return all(depth_over_limit(block[starts[line]:limits[line]]) is None
               for line in numpy.flatnonzero(per_line > MAX_DEPTH).tolist())


def _plain(block: bytes, lines: int) -> bool:
    """Whether Arrow reads ``block`` as the exact reader would, as far as bytes can tell (the
    module docstring's list, but for the declared types, which Arrow checks itself)."""
    data = numpy.frombuffer(block, dtype=numpy.uint8)
    ends = numpy.flatnonzero(data == _NEWLINE)
    starts = ends[:lines - 1] + 1
    if not (data[:1].tolist() == [_OPEN_BRACE] and (data[starts] == _OPEN_BRACE).all()):
        return False
    if not block.isascii():
        try:
            block.decode("utf-8")
        except UnicodeDecodeError:
            return False
    if _holds_null(block) or _contains(block, data, b"NaN") or _contains(block, data, b"Infinity"):
        return False
    return _within_nesting_limit(block, data, ends)


def read_block(block: bytes, lines: int, fields: list[Any]) -> pyarrow.Table | None:
    """The block's lines as a table with at least ``fields`` (other keys are inferred), or None
    where the exact reader must read it (see the module docstring).

    :param block: whole lines, as ``iter_blocks`` cuts them.
    :param lines: how many lines the block has.
    :param fields: ``pyarrow.Field`` of the top-level keys the caller reads, with their types.
    """
    if not _plain(block, lines):
        return None
    options = pyarrow.json.ParseOptions(
        explicit_schema=pyarrow.schema(fields), unexpected_field_behavior="infer"
    )
    try:
        table = pyarrow.json.read_json(io.BytesIO(block), parse_options=options,
                                       memory_pool=pyarrow.system_memory_pool())
    except pyarrow.ArrowException:
        return None
    return table if table.num_rows == lines else None


def merge_fields(groups: list[list[Any]]) -> list[Any] | None:
    """One list of top-level fields from several flatteners', or None if two declare the same
    key with different types."""
    merged: dict[str, Any] = {}
    for fields in groups:
        for field in fields:
            known = merged.setdefault(field.name, field)
            if not known.type.equals(field.type):
                return None
    return list(merged.values())
