"""How deeply a manifest line nests arrays and objects, and the limit every reader enforces.

orjson reads 1,024 levels of nesting but writes only 254: ``orjson.dumps`` raises ``TypeError:
Recursion limit reached`` on a 255th nested array or object, whether objects, arrays or both
(measured; ``tests/manifests/test_nesting.py`` checks it against the orjson installed). Arrow's
JSON reader, which validation uses, crashes the process (SIGSEGV) on tens of thousands of
levels. So a line is refused as it is read when it
nests deeper than :data:`MAX_DEPTH`: what is read can always be written back, and validation
refuses the same lines as chain and merge.

The depth counts every array and object, the line's own object included: ``{"a": [1]}`` is 2
deep. A line holding no more than ``MAX_DEPTH`` brackets cannot be deeper, which two byte counts
tell at C speed; only lines with more brackets (a few hundred boxes, or hostile input) are
measured exactly, with strings (which may hold brackets) taken out first.
"""

from __future__ import annotations

import re
from itertools import accumulate

MAX_DEPTH = 254
"""The deepest nesting of arrays and objects, the line's own object included, that orjson can
write back."""

# A JSON string, or the start of one cut off at the end of the bytes (a line orjson rejected
# partway). Each character is matched by exactly one branch, so this never backtracks.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_NOT_OPENINGS_OR_NEWLINE = bytes(sorted(set(range(256)) - set(b"[{\n")))
_STEP = [0] * 256
for _opening in b"[{":
    _STEP[_opening] = 1
for _closing in b"]}":
    _STEP[_closing] = -1


def opening_brackets(data: bytes) -> int:
    """How many ``{`` and ``[`` bytes ``data`` holds, strings included: at least its depth."""
    return data.count(b"{") + data.count(b"[")


def nesting_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in ``data``, one JSON document or the start of
    one; brackets inside strings do not count."""
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def depth_over_limit(line: bytes) -> int | None:
    """The depth of ``line`` if it nests deeper than :data:`MAX_DEPTH`, else None."""
    if opening_brackets(line) <= MAX_DEPTH:
        return None
    depth = nesting_depth(line)
    return depth if depth > MAX_DEPTH else None


def block_within_limit(block: bytes) -> bool:
    """Whether no line of ``block`` (whole lines, newline-separated) nests deeper than
    :data:`MAX_DEPTH`.

    One C pass keeps only the opening brackets and the newlines; the lines with more than
    ``MAX_DEPTH`` opening brackets, if any, are then measured exactly.
    """
    openings = block.translate(None, _NOT_OPENINGS_OR_NEWLINE).split(b"\n")
    if max(map(len, openings), default=0) <= MAX_DEPTH:
        return True
    lines = block.split(b"\n")
    return all(
        depth_over_limit(lines[number]) is None
        for number, found in enumerate(openings)
        if len(found) > MAX_DEPTH
    )
