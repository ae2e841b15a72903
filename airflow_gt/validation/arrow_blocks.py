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

from airflow_gt.manifests.nesting import block_within_limit

_REFUSED_TOKENS = ((b"l", b"null"), (b"N", b"NaN"), (b"I", b"Infinity"))
_NEWLINE, _OPEN_BRACE = ord("\n"), ord("{")


def _lines_start_objects(block: bytes, lines: int) -> bool:
    """Whether each of the block's ``lines`` lines starts with ``{`` (so none is empty)."""
    data = numpy.frombuffer(block, dtype=numpy.uint8)
    ends = numpy.flatnonzero(data == _NEWLINE)
    starts = ends[:lines - 1] + 1
    return bool(data[:1].tolist() == [_OPEN_BRACE] and (data[starts] == _OPEN_BRACE).all())


def read_block(block: bytes, lines: int, fields: list[Any]) -> pyarrow.Table | None:
    """The block's lines as a table with at least ``fields`` (other keys are inferred), or None
    where the exact reader must read it (see the module docstring).

    :param block: whole lines, as ``iter_blocks`` cuts them.
    :param lines: how many lines the block has.
    :param fields: ``pyarrow.Field`` of the top-level keys the caller reads, with their types.
    """
    if not _lines_start_objects(block, lines):
        return None
    if not block.isascii():
        try:
            block.decode("utf-8")
        except UnicodeDecodeError:
            return None
    # A search for one byte is many times faster than for a word: most blocks have no N or I.
    if any(first in block and token in block for first, token in _REFUSED_TOKENS):
        return None
    if not block_within_limit(block):
        return None
    options = pyarrow.json.ParseOptions(
        explicit_schema=pyarrow.schema(fields), unexpected_field_behavior="infer"
    )
    try:
        table = pyarrow.json.read_json(io.BytesIO(block), parse_options=options)
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
