"""Compare a flattener's Arrow frames with its line-by-line frames, on one block or on many.

Shared by the ``test_arrow_*`` modules of the text-span, mask, moderation and common-only
flatteners (``test_arrow_blocks.py`` does the same for bounding boxes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from airflow_gt.manifests.reader import LineParser
from airflow_gt.validation.arrow_blocks import merge_fields, read_block
from airflow_gt.validation.chunk_feed import Block, BlockFlattening
from airflow_gt.validation.flatten import Flattener
from airflow_gt.validation.frames import ArrayFrames, FrameBuffer, to_arrays
from tests.validation.test_arrow_blocks import as_lists, encode

__all__ = ["as_lists", "encode"]

F = TypeVar("F", bound=Flattener)
Make = Callable[[], Sequence[Flattener]]
"""Makes a fresh set of the flatteners a manifest is checked with."""


def line_only(kind: type[F]) -> type[F]:
    """A subclass of a flattener that Arrow never reads for (its ``arrow_fields`` is None)."""

    class LineOnly(kind):  # type: ignore[valid-type,misc]
        def arrow_fields(self) -> None:
            return None

    LineOnly.__name__ = f"LineOnly{kind.__name__}"
    return LineOnly


def records_of(data: bytes, first: int) -> list[tuple[int, Any]]:
    rows = data.split(b"\n")
    if not rows[-1]:
        rows.pop()
    return list(LineParser("test").parse(rows, first))


def both_ways(make: Make, data: bytes, first: int = 1
              ) -> tuple[list[ArrayFrames] | None, list[ArrayFrames]]:
    """(each flattener's Arrow frames, or None if one steps aside; each one's line-by-line
    frames), each flattener fresh."""
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    records = records_of(data, first)
    exact = [to_arrays(flattener.flatten(records)) for flattener in make()]
    fields = merge_fields([flattener.arrow_fields() for flattener in make()])
    assert fields is not None
    table = read_block(data, lines, fields)
    if table is None:
        return None, exact
    found = [flattener.flatten_table(table, first) for flattener in make()]
    if any(frames is None for frames in found):
        return None, exact
    return [frames for frames in found if frames is not None], exact


def same(fast: list[ArrayFrames], exact: list[ArrayFrames]) -> bool:
    return [as_lists(frames) for frames in fast] == [as_lists(frames) for frames in exact]


def blocks_of(data: bytes, sizes: Sequence[int]) -> list[Block]:
    """The lines of ``data`` cut into blocks of ``sizes`` lines (the rest in one last block)."""
    lines = data.splitlines(keepends=True)
    blocks, first = [], 1
    for size in [*sizes, len(lines)]:
        chunk = lines[first - 1:first - 1 + size]
        if not chunk:
            break
        blocks.append(Block(first, len(chunk), b"".join(chunk)))
        first += len(chunk)
    return blocks


def flatten_blocks(flatteners: Sequence[Flattener], blocks: Sequence[Block]
                   ) -> tuple[list[ArrayFrames], BlockFlattening]:
    """Each flattener's frames of all the blocks, joined as a chunk is, and the flattening (to
    count the blocks Arrow read)."""
    flattening = BlockFlattening(flatteners, LineParser("test"))
    buffers = [FrameBuffer() for _ in flatteners]
    for block in blocks:
        for buffer, frames in zip(buffers, flattening.frames(block), strict=True):
            buffer.add(frames)
    return [buffer.take() for buffer in buffers], flattening


def manifest_lines(path: Path) -> bytes:
    data = path.read_bytes()
    return data if data.endswith(b"\n") else data + b"\n"
