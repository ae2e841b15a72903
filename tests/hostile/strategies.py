"""Hypothesis strategies for hostile manifest lines and files.

Corruptions come in two kinds:

- a *field* corruption takes a valid seed line and changes one field of its source, label or
  metadata: another JSON type, an extreme number, ``NaN``, a key given twice, the key removed...
  The line may stay valid JSON (then it is for the command to judge) or not;
- a *byte* corruption breaks the line's text: a byte-order mark, a NUL, invalid UTF-8, a cut,
  trailing garbage. Such a line can never be parsed.

Every generated line has a ``verdict``: ``valid`` JSON (an object or not); ``invalid``, which no
reader may accept; ``not-object``, valid JSON that is not an object; ``deep``, nested 300 levels,
which issue 14 wants refused as unparseable (by the commands; the reader itself may accept it).
A line ``breaks`` unless it is valid: the command must then exit 2 naming the file and the line.
A file is seed lines with corrupted ones among them, and knows the first line that breaks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from tests.hostile.encoding import Pairs, Raw, encode, nested, nested_objects
from tests.hostile.seeds import Record, Seed, seed_lines

DEEP = 300
"""Nesting that issue 14 wants refused as unparseable (a line nested 300 deep)."""

BREAKING_RAW = (
    Raw(b"NaN"), Raw(b"-NaN"), Raw(b"Infinity"), Raw(b"-Infinity"), Raw(b"1e400"),
    Raw(b"-1e400"), Raw(b"1" * 400), Raw(b'"\\ud800"'), Raw(b'"a\x01b"'), Raw(b"01"),
    Raw(b"0x10"), Raw(b"+1"), Raw(b".5"), Raw(b"'single'"), Raw(b"undefined"), Raw(b"None"),
    Raw(b"True"),
)
"""Values no JSON reader may accept (NaN, Infinity, numbers beyond a double, a lone surrogate,
a raw control character, leading zeros, hex...)."""

DEEP_VALUES = (nested(DEEP), nested_objects(DEEP))

PLAIN_HOSTILE: tuple[Any, ...] = (
    None, True, False, 0, -1, 1, 2, 0.5, -0.0, 1.5, 100, -1e308, 1e308, 5e-324,
    2**53 + 1, 2**63, 2**64 + 1, -(2**63) - 1, 10**30,
    "", " ", "0", "1", "-1", "00", "1.5", "NaN", "null", "true", "\u0661", "\u00b2", "x",
    "\u0000", "\ud7ff\ufffd", "😀" * 3, "é" * 50, "a" * 5000, "s3://", "s3://bucket",
    "groundtruth/", "groundtruth/object-detection", "groundtruth/no-such-type",
    [], [None], [0], [[]], [{}], ["a", 1, None], list(range(50)),
    {}, {"": None}, {"0": None}, {"a": [1]}, {"type": 1},
    nested(20), nested_objects(20),
)
"""Valid JSON values of every type, at the edges of what fields hold."""


@dataclass(frozen=True)
class Line:
    """One generated line: its bytes, whether no reader may accept it, and what was done."""

    data: bytes
    verdict: str
    how: str

    @property
    def breaks(self) -> bool:
        return self.verdict != "valid"

    @property
    def empty(self) -> bool:
        """Whether the reader takes the line for an empty one (whitespace only)."""
        return not self.data.strip()


@dataclass(frozen=True)
class HostileFile:
    """A generated manifest: its lines (each ending in a newline unless ``no_final_newline``)."""

    lines: Sequence[Line]
    no_final_newline: bool = False
    trailing_empty_lines: int = 0
    crlf: bool = False
    how: list[str] = field(default_factory=list)
    seeds: Sequence[bytes] = ()
    """The seed lines the lines were made from, for :attr:`clean_data`."""

    def _join(self, lines: Sequence[bytes]) -> bytes:
        end = b"\r\n" if self.crlf else b"\n"
        body = end.join(lines)
        if lines and not self.no_final_newline:
            body += end
        return body + end * self.trailing_empty_lines

    @property
    def data(self) -> bytes:
        return self._join([line.data for line in self.lines])

    @property
    def clean_data(self) -> bytes:
        """The same file before its lines were corrupted."""
        return self._join(self.seeds)

    @property
    def first_break(self) -> int | None:
        """The 1-based number of the first line no reader may accept, or None. An empty line
        breaks only where data follows it: trailing empty lines are allowed."""
        data_after = [i for i, line in enumerate(self.lines, 1) if not line.empty]
        last_data = max(data_after, default=0)
        for number, line in enumerate(self.lines, 1):
            if line.breaks and (not line.empty or number < last_data):
                return number
        return None

    def error_line(self, deep_breaks: bool = True) -> int | None:
        """The line a command must name as it exits 2, where the first line that is not a seed
        breaks the file; None where that cannot be said (the first changed line is readable,
        or an empty line is followed by another broken one, which is reported first).

        :param deep_breaks: whether a line nested 300 deep counts as broken.
        """
        for number, line in enumerate(self.lines, 1):
            if line.how == "seed":
                continue
            if line.verdict == "valid" or (line.verdict == "deep" and not deep_breaks):
                return None
            if line.empty:
                following = [later for later in self.lines[number:] if not later.empty]
                if not following or following[0].verdict != "valid":
                    return None
            return number
        return None


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every node under ``value``, itself included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def edit(value: Any, path: Sequence[Any], change: Callable[[Any], Any]) -> Any:
    """A copy of ``value`` with the node at ``path`` replaced by ``change(node)``."""
    if not path:
        return change(value)
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {key: edit(item, rest, change) if key == head else item
                for key, item in value.items()}
    return [edit(item, rest, change) if index == head else item
            for index, item in enumerate(value)]


def _without(parent: Any, key: Any) -> Any:
    if isinstance(parent, dict):
        return {k: v for k, v in parent.items() if k != key}
    return [v for i, v in enumerate(parent) if i != key]


def _twice(parent: Any, key: Any, value: Any, first: bool) -> Any:
    if not isinstance(parent, dict):
        return [*parent, value]
    pairs = list(parent.items())
    return Pairs([(key, value), *pairs] if first else [*pairs, (key, value)])


@st.composite
def hostile_values(draw: st.DrawFn) -> tuple[Any, str]:
    """``(value, verdict)``: a value to put in a field, and the verdict on a line holding it."""
    kind = draw(st.sampled_from(("plain", "plain", "plain", "breaking", "deep", "generated")))
    if kind == "plain":
        return draw(st.sampled_from(PLAIN_HOSTILE)), "valid"
    if kind == "breaking":
        return draw(st.sampled_from(BREAKING_RAW)), "invalid"
    if kind == "deep":
        return draw(st.sampled_from(DEEP_VALUES)), "deep"
    generated = st.recursive(
        st.none() | st.booleans() | st.integers(-(2**70), 2**70)
        | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
        lambda children: st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8), children, max_size=3),
        max_leaves=8,
    )
    return draw(generated), "valid"


@st.composite
def field_corruptions(draw: st.DrawFn, record: Record,
                      scope: Sequence[str]) -> tuple[Any, str, str]:
    """``(line value, verdict, how)``: ``record`` with one field under ``scope`` changed."""
    candidates = [path for path in paths(record) if path and path[0] in scope]
    path = draw(st.sampled_from(candidates))
    operation = draw(st.sampled_from(("replace", "replace", "replace", "delete", "twice")))
    where = "/".join(map(str, path))
    if operation == "delete":
        return edit(record, path[:-1], lambda parent: _without(parent, path[-1])), "valid", \
            f"delete {where}"
    value, verdict = draw(hostile_values())
    if operation == "twice":
        first = draw(st.booleans())
        changed = edit(record, path[:-1], lambda parent: _twice(parent, path[-1], value, first))
        return changed, verdict, f"{where} given twice ({'new first' if first else 'new last'})"
    return edit(record, path, lambda _: value), verdict, f"{where} = {encode(value)[:60]!r}"


INVALID_UTF8 = (b"\xff", b"\xfe", b"\x80", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80",
                b"\xf8\x88\x80\x80\x80", b"\xf4\x90\x80\x80")
CONTROL = tuple(bytes([c]) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))


@st.composite
def byte_corruptions(draw: st.DrawFn, data: bytes) -> tuple[bytes, str, str]:
    """``(line, verdict, how)``: a valid line's bytes broken, or changed in a harmless way."""
    kind = draw(st.sampled_from((
        "bom", "nul", "control", "invalid-utf8", "cut", "garbage", "two-objects", "not-object",
        "carriage-return", "indent", "empty", "blank",
    )))
    at = draw(st.integers(0, len(data)))
    if kind == "bom":
        return b"\xef\xbb\xbf" + data, "invalid", "byte-order mark"
    if kind == "nul":
        return data[:at] + b"\x00" + data[at:], "invalid", f"NUL at {at}"
    if kind == "control":
        byte = draw(st.sampled_from(CONTROL))
        return data[:at] + byte + data[at:], "invalid", f"control {byte!r} at {at}"
    if kind == "invalid-utf8":
        bad = draw(st.sampled_from(INVALID_UTF8))
        return data[:at] + bad + data[at:], "invalid", f"invalid UTF-8 {bad!r} at {at}"
    if kind == "cut":
        cut = draw(st.integers(1, len(data) - 1))
        return data[:cut], "invalid", f"cut at {cut}"
    if kind == "garbage":
        tail = draw(st.sampled_from((b"}", b"]", b",", b"x", b",{}", b" {}", b"\\")))
        return data + tail, "invalid", f"trailing {tail!r}"
    if kind == "two-objects":
        return data + data, "invalid", "two objects on one line"
    if kind == "not-object":
        value = draw(st.sampled_from((b"[]", b"null", b"0", b'"s3://b/k.jpg"', b"true",
                                      b"[" + data + b"]")))
        return value, "not-object", f"not an object: {value[:20]!r}"
    if kind == "carriage-return":
        return data + b"\r", "valid", "carriage return before the newline"
    if kind == "indent":
        return b" \t " + data + b"  ", "valid", "spaces and a tab around the object"
    if kind == "empty":
        return b"", "invalid", "empty line"
    return b" \r\t", "invalid", "blank line"


@st.composite
def hostile_lines(draw: st.DrawFn, seed: Seed, n: int) -> Line:
    """A corrupted copy of the seed's line about object ``n``: a field or its bytes."""
    record = seed_lines(seed, n)[-1]
    if draw(st.booleans()):
        value, verdict, how = draw(field_corruptions(record, seed.scope))
        return Line(encode(value), verdict, how)
    data, verdict, how = draw(byte_corruptions(encode(record)))
    return Line(data, verdict, how)


@st.composite
def hostile_files(draw: st.DrawFn, seed: Seed, max_lines: int = 6,
                  corrupted: int | None = None) -> HostileFile:
    """Seed lines with ``corrupted`` (by default 1 to 2) corrupted lines among them, and file
    endings that are allowed: no final newline, trailing empty lines, CRLF."""
    count = draw(st.integers(1, max_lines))
    records = seed_lines(seed, count)
    seeds = [encode(record) for record in records]
    lines = [Line(data, "valid", "seed") for data in seeds]
    how = []
    wanted = corrupted if corrupted is not None else draw(st.integers(1, min(2, count)))
    for _ in range(wanted):
        at = draw(st.integers(0, count - 1))
        lines[at] = draw(hostile_lines(seed, at + 1))
        how.append(f"line {at + 1}: {lines[at].how}")
    ending = draw(st.sampled_from(("newline", "none", "trailing-empty", "crlf")))
    return HostileFile(
        lines, no_final_newline=ending == "none",
        trailing_empty_lines=2 if ending == "trailing-empty" else 0,
        crlf=ending == "crlf", how=[*how, f"ending: {ending}"], seeds=seeds,
    )
