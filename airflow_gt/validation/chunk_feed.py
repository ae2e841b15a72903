"""Read a manifest in blocks, flatten them and spill them to disk, in a thread beside GX.

The manifest is read in blocks of whole lines (``iter_blocks``). Each block is flattened for every
label attribute checked: through Arrow where every flattener can and Arrow reads the block exactly
(``arrow_blocks.py``), else line by line with the manifest reader, which names any broken line.

``ChunkFeed`` does this in a thread of its own, so reading (most of it in Arrow's C++ and numpy,
which release the GIL) goes on while the caller's thread imports Great Expectations and validates
earlier chunks. The flattened blocks are not kept in memory until GX takes them: each is appended
to the file of the chunk being gathered (``spill.py``), and every ``chunk_lines`` lines (or
``chunk_bytes`` bytes of frames) that file is handed over. So the reader runs ahead for as long as
GX is busy (most of all while GX is imported, for seconds), while memory holds one block being
read and the chunk being validated, whatever the manifest's length. At most
``MAX_SPILLED_CHUNKS`` chunks wait on disk.
"""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy

from airflow_gt.manifests.reader import LineParser
from airflow_gt.manifests.storage import iter_blocks
from airflow_gt.validation.memory import release_free_memory
from airflow_gt.validation.spill import BlockFrames, ChunkSpill, SpilledChunk

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
                # A flattener that gives up after another has read the block leaves the block to
                # the line-by-line flattening: the others' state goes back to before the block.
                saved = [flattener.saved_state() for flattener in self.flatteners]
                found = []
                for flattener in self.flatteners:
                    found.append(flattener.flatten_table(table, block.first))
                    if found[-1] is None:
                        break
                if all(frames is not None for frames in found):
                    if block.records is None:
                        self.parser.data_follows()
                    block.records = None
                    self.arrow_blocks += 1
                    return [frames for frames in found if frames is not None]
                for flattener, state in zip(self.flatteners, saved, strict=True):
                    flattener.restore_state(state)
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
MAX_SPILLED_CHUNKS = 2
"""How many complete chunks may wait on disk for GX; the reader waits beyond that."""


OBJECT_BYTES = 64
"""What one value of an object array (a block read line by line: strings, odd values) is counted
as: its pointer and a short string."""


def frames_bytes(frames: ArrayFrames) -> int:
    """About the bytes the arrays of ``frames`` hold."""
    return sum(
        len(column) * OBJECT_BYTES if getattr(column, "dtype", None) == numpy.dtype(object)
        else int(getattr(column, "nbytes", 0))
        for columns in frames.values() for column in columns.values()
    )


class ChunkFeed:
    """Reads, flattens and spills in a thread; iterating gives the complete chunks on disk.

    :param blocks: the manifest's blocks, in order.
    :param validations: whose flatteners flatten the blocks; each one's ``final_frames`` are
        added after the last block.
    :param chunk_lines: a chunk is complete at this many lines...
    :param chunk_bytes: ...or at this many bytes of frames, whichever comes first.
    :param progress: called with the number of lines read so far, from the thread.
    """

    def __init__(self, blocks: Iterable[Block], validations: Sequence[AttributeValidation],
                 parser: LineParser, chunk_lines: int, chunk_bytes: int,
                 progress: Callable[[int], None] | None = None) -> None:
        self.blocks = blocks
        self.validations = validations
        self.flattening = BlockFlattening([v.flattener for v in validations], parser)
        self.chunk_lines = chunk_lines
        self.chunk_bytes = chunk_bytes
        self.progress = progress
        self.objects = 0
        self.spill = ChunkSpill()
        self.ready: queue.Queue[Any] = queue.Queue(maxsize=MAX_SPILLED_CHUNKS)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._read, name="airflow-gt-reader", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def __iter__(self) -> Iterator[SpilledChunk]:
        while (item := self.ready.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        """Stop the thread (when the caller gives up early), wait for it, remove the spill."""
        self.stopping.set()
        self.thread.join()
        self.spill.remove()

    def _read(self) -> None:
        try:
            lines = size = 0
            for block in self.blocks:
                if self.stopping.is_set():
                    return
                found: BlockFrames = list(self.flattening.frames(block))
                self.spill.append(found)
                count = len(found[0]["lines"]["line"]) if found[0] is not None else 0
                self.objects += count
                lines += count
                size += sum(frames_bytes(frames) for frames in found if frames is not None)
                del found
                release_free_memory()
                if lines >= self.chunk_lines or size >= self.chunk_bytes:
                    self._put(self.spill.complete())
                    lines = size = 0
                if self.progress is not None:
                    self.progress(self.objects)
            final: BlockFrames = [validation.final_frames() for validation in self.validations]
            if any(frames is not None for frames in final):
                self.spill.append(final)
            chunk = self.spill.complete()
            if chunk is not None:
                self._put(chunk)
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
