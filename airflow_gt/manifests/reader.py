"""Read a manifest (JSON Lines) as a stream of ``(line number, record)``.

One line is held at a time, so memory does not grow with the file. Every broken line raises a
:class:`~airflow_gt.exceptions.ManifestLineError` subclass that names the source and the 1-based
line. Empty lines at the very end of a file are tolerated (editors add them); an empty line with
data after it is an error, reported at the empty line. A line nesting arrays and objects deeper
than orjson can write back is refused too (``nesting.py``), so what is read can be written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from airflow_gt.exceptions import (
    ByteOrderMarkError,
    EmptyLineError,
    InvalidJsonError,
    InvalidUtf8Error,
    ManifestLineError,
    NestingTooDeepError,
    NotAnObjectError,
)
from airflow_gt.manifests.nesting import MAX_DEPTH, nesting_depth, opening_brackets
from airflow_gt.manifests.storage import Source, iter_lines, source_name

Record = dict[str, Any]
"""One manifest line, parsed."""

UTF8_BOM = b"\xef\xbb\xbf"
_SHORTEST_TOO_DEEP = 2 * MAX_DEPTH + 1

JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number",
              bool: "a boolean", type(None): "null"}


def read_manifest(source: Source, *, s3_client: Any = None) -> Iterator[tuple[int, Record]]:
    """Yield ``(line_number, record)`` for each line of a local file or ``s3://`` object."""
    return parse_lines(iter_lines(source, s3_client), source_name(source))


def parse_lines(lines: Iterable[bytes], source: str) -> Iterator[tuple[int, Record]]:
    """Parse raw lines; ``source`` is how errors name where the lines came from."""
    return LineParser(source).parse(lines)


class LineParser:
    """Parses a manifest's lines, given in one piece or in consecutive blocks.

    An empty line is an error only when data follows it, possibly in a later block, so the first
    empty line not yet followed by data is remembered across calls.

    :param source: how errors name where the lines came from.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.empty_line = 0

    def parse(self, lines: Iterable[bytes], first: int = 1) -> Iterator[tuple[int, Record]]:
        """``(line number, record)`` of each line; ``first`` is the number of the first line."""
        loads = orjson.loads
        source = self.source
        for number, raw in enumerate(lines, first):
            try:
                record = loads(raw)
            except orjson.JSONDecodeError as exc:
                if not raw.strip():
                    self.empty_line = self.empty_line or number
                    continue
                raise line_error(source, number, raw, exc) from None
            if self.empty_line:
                raise EmptyLineError(source, self.empty_line)
            if type(record) is not dict:
                raise NotAnObjectError(source, number, JSON_KINDS.get(type(record), "a value"))
            # The first two tests are cheap and rule out nearly every line: a line too deep
            # holds more than MAX_DEPTH opening brackets and as many closing ones.
            if (len(raw) > _SHORTEST_TOO_DEEP and opening_brackets(raw) > MAX_DEPTH
                    and (depth := nesting_depth(raw)) > MAX_DEPTH):
                raise NestingTooDeepError(source, number, depth, MAX_DEPTH)
            yield number, record

    def data_follows(self) -> None:
        """Say that lines of data follow (parsed elsewhere): an empty line before them is an
        error."""
        if self.empty_line:
            raise EmptyLineError(self.source, self.empty_line)


def line_error(source: str, number: int, raw: bytes, exc: Exception) -> ManifestLineError:
    """The most precise error for a line orjson rejected: BOM, bad UTF-8, nesting deeper than
    the limit before the point where orjson stopped (it stops at 1,024 levels), or bad JSON."""
    if raw.startswith(UTF8_BOM):
        return ByteOrderMarkError(source, number)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as decode_error:
        byte = raw[decode_error.start]
        return InvalidUtf8Error(
            source, number, f"byte 0x{byte:02x} at column {decode_error.start + 1}"
        )
    if isinstance(exc, orjson.JSONDecodeError):
        depth = nesting_depth(text[: exc.pos].encode())  # pos counts characters, not bytes
        if depth > MAX_DEPTH:
            return NestingTooDeepError(source, number, depth, MAX_DEPTH, at_least=True)
        return InvalidJsonError(source, number, f"{exc.msg} at column {exc.colno}")
    return InvalidJsonError(source, number, str(exc))


def json_document_error(exc: orjson.JSONDecodeError) -> str:
    """How a whole JSON file (not a manifest line) failed to parse, with line and column."""
    return f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
