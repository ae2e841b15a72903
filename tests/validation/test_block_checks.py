"""The byte checks that decide whether Arrow may read a block (``arrow_blocks._plain``) agree with
plain bytes methods, which are slower and hold the GIL, on any block of lines."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import given, settings

from airflow_gt.manifests.nesting import MAX_DEPTH, nesting_depth
from airflow_gt.validation.arrow_blocks import _plain

GOOD = b'{"source-ref":"s3://b/k.jpg","a":[1,{"b":"x"}]}'


def reference(block: bytes, lines: int) -> bool:
    """What ``_plain`` must say, with bytes methods."""
    rows = block.split(b"\n")
    if block.endswith(b"\n"):
        rows.pop()
    if len(rows) != lines or not all(row.startswith(b"{") for row in rows):
        return False
    try:
        block.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if any(token in block for token in (b"null", b"NaN", b"Infinity")):
        return False
    return all(nesting_depth(row) <= MAX_DEPTH for row in rows)


def deep(depth: int, in_string: bool = False) -> bytes:
    inner = b"[" * (depth - 1) + b"]" * (depth - 1)
    return b'{"a":"' + inner + b'"}' if in_string else b'{"a":' + inner + b"}"


PIECES = [
    GOOD, b"{}", b"{", b"{}{", b'{"a":null}', b'{"a":"nul"}', b'{"a":"ull"}', b'{"x":NaN}',
    b'{"x":"Na"}', b'{"x":-Infinity}', b'{"x":"Infinit"}', b'{"k":"\xff"}', b'{"k":"\xc3\xa9"}',
    b"[1]", b" {}",
    b"", deep(MAX_DEPTH), deep(MAX_DEPTH + 1), deep(MAX_DEPTH + 40, in_string=True),
    b'{"a":"' + b"{" * 300 + b'"}',
]


@settings(max_examples=400, derandomize=True, database=None)
@given(pieces=st.lists(st.sampled_from(PIECES), min_size=1, max_size=8),
       padding=st.lists(st.integers(0, 3), min_size=8, max_size=8), last_newline=st.booleans())
def test_the_block_checks_agree_with_bytes_methods(pieces: list[bytes], padding: list[int],
                                                   last_newline: bool) -> None:
    # Spaces inside the line move each token to every offset modulo 4.
    rows = [piece.replace(b":", b":" + b" " * pad, 1)
            for piece, pad in zip(pieces, padding[:len(pieces)], strict=True)]
    block = b"\n".join(rows) + (b"\n" if last_newline else b"")
    if not block:
        return
    lines = block.count(b"\n") + (not block.endswith(b"\n"))  # as iter_blocks counts them
    assert _plain(block, lines) == reference(block, lines)


def test_a_deep_line_is_found_wherever_it_is() -> None:
    for position in range(3):
        rows = [GOOD, GOOD, GOOD]
        rows[position] = deep(MAX_DEPTH + 1)
        assert not _plain(b"\n".join(rows), 3)
        assert not _plain(b"\n".join(rows) + b"\n", 3)
    assert _plain(b"\n".join([GOOD, deep(MAX_DEPTH), GOOD]) + b"\n", 3)
