"""Read a manifest in blocks, flatten them and gather chunks, in a thread beside GX.

The manifest is read in blocks of whole lines (``iter_blocks``). Each block is flattened for every
label attribute checked: through Arrow where every flattener can and Arrow reads the block exactly
(``arrow_blocks.py``), else line by line with the manifest reader, which names any broken line.
Every ``chunk_lines`` lines, the gathered frames are handed over as one chunk per attribute.

``ChunkFeed`` does this in a thread of its own, so reading (most of it in Arrow's C++, which
releases the GIL) goes on while the caller's thread loads Great Expectations and validates the
previous chunk. At most one chunk waits between the two, so memory holds about three chunks'
frames at most, whatever the manifest's length.
"""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_gt.manifests.reader import LineParser
from airflow_gt.manifests.storage import iter_blocks

if TYPE_CHECKING:
    from airflow_gt.validation.flatten import Flattener
    from airflow_gt.validation.frames import ArrayFrames
    from airflow_gt.validation.validator import AttributeValidation


@dataclass
class Block:
    """Lines of the manifest as read: ``lines`` lines from line ``first``, and their records
    once parsed line by line."""

    first: int
    lines: int
    data: bytes
    records: list[tuple[int, Any]] | None = None

    def parse(self, parser: LineParser) -> list[tuple[int, Any]]:
        if self.records is None:
            rows = self.data.split(b"\n")
            if not rows[-1]:
                rows.pop()  # the block's last line ends with its newline
            self.records = list(parser.parse(rows, self.first))
        return self.records


def read_blocks(source: str | Path, lines: int, s3_client: Any) -> Iterator[Block]:
    """The source's blocks of at most ``lines`` lines, numbered."""
    first = 1
    for count, data in iter_blocks(source, lines, s3_client):
        yield Block(first, count, data)
        first += count


@dataclass(frozen=True)
class GatheredChunk:
    """One attribute's frames of ``chunk_lines`` lines or so, from line ``first``; the lines'
    sources are kept apart from the frames (GX does not check them)."""

    frames: ArrayFrames
    first: int
    sources: Any


class BlockFlattening:
    """Turns blocks into every flattener's frames: through Arrow where every flattener can and
    the block is one Arrow reads exactly (``arrow_blocks.py``), else line by line."""

    def __init__(self, flatteners: Sequence[Flattener], parser: LineParser) -> None:
        self.flatteners = flatteners
        self.parser = parser
        groups = [flattener.arrow_fields() for flattener in flatteners]
        self.fields: list[Any] | None = None
        if all(group is not None for group in groups):
            from airflow_gt.validation.arrow_blocks import merge_fields

            self.fields = merge_fields([group for group in groups if group is not None])
        self.arrow_blocks = 0
        self.line_blocks = 0

    def frames(self, block: Block) -> list[ArrayFrames]:
        if self.fields is not None:
            from airflow_gt.validation.arrow_blocks import read_block

            table = read_block(block.data, block.lines, self.fields)
            if table is not None:
                found = [flattener.flatten_table(table, block.first)
                         for flattener in self.flatteners]
                if all(frames is not None for frames in found):
                    if block.records is None:
                        self.parser.data_follows()
                    block.records = None
                    self.arrow_blocks += 1
                    return [frames for frames in found if frames is not None]
        from airflow_gt.validation.frames import to_arrays

        self.line_blocks += 1
        # Thousands of parsed lines make no reference cycles: the cyclic garbage collector,
        # which would walk them again and again, is paused while they live.
        enabled = gc.isenabled()
        gc.disable()
        try:
            records = block.parse(self.parser)
            return [to_arrays(flattener.flatten(records)) for flattener in self.flatteners]
        finally:
            block.records = None
            if enabled:
                gc.enable()


_DONE = object()
Chunks = list[GatheredChunk | None]
"""One gathered chunk per validation (None for one that gathered nothing)."""


class ChunkFeed:
    """Reads, flattens and gathers in a thread; iterating gives the chunks as they are ready.

    :param blocks: the manifest's blocks, in order.
    :param validations: each is given its frames (``add``) and asked for its chunk
        (``take_chunk``); ``finish`` is called after the last block.
    :param progress: called with the number of lines read so far, from the thread.
    """

    def __init__(self, blocks: Iterable[Block], validations: Sequence[AttributeValidation],
                 parser: LineParser, chunk_lines: int,
                 progress: Callable[[int], None] | None = None) -> None:
        self.blocks = blocks
        self.validations = validations
        self.flattening = BlockFlattening([v.flattener for v in validations], parser)
        self.chunk_lines = chunk_lines
        self.progress = progress
        self.objects = 0
        self.ready: queue.Queue[Any] = queue.Queue(maxsize=1)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._read, name="airflow-gt-reader", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def __iter__(self) -> Iterator[Chunks]:
        while (item := self.ready.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        """Stop the thread (when the caller gives up early) and wait for it."""
        self.stopping.set()
        self.thread.join()

    def _read(self) -> None:
        try:
            validations = self.validations
            for block in self.blocks:
                if self.stopping.is_set():
                    return
                found = self.flattening.frames(block)
                for validation, frames in zip(validations, found, strict=True):
                    validation.add(frames)
                self.objects += len(found[0]["lines"]["line"])
                if validations[0].buffer.lines >= self.chunk_lines:
                    self._put([validation.take_chunk() for validation in validations])
                if self.progress is not None:
                    self.progress(self.objects)
            for validation in validations:
                validation.finish()
            self._put([validation.take_chunk() for validation in validations])
            self._put(_DONE)
        except BaseException as error:  # handed to the caller's thread, which raises it
            self._put(error)

    def _put(self, item: Any) -> None:
        while not self.stopping.is_set():
            try:
                self.ready.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
