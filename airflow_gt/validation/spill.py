"""Flattened blocks kept on disk, in a private temporary folder, until GX takes their chunk.

The reader thread appends each block's frames (one entry per label attribute: its frames, or None)
to the file of the chunk being gathered; when the chunk is complete, its file is handed to the
validating thread, which reads the blocks back in order and deletes the file. Frames are numpy and
Arrow arrays, written with pickle's protocol 5 (array buffers go to the file as they are). The
folder is removed when the validation ends, however it ends.
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_gt.validation.frames import ArrayFrames

BlockFrames = list["ArrayFrames | None"]
"""One block's frames for each label attribute checked (None where it gave none)."""


@dataclass(frozen=True)
class SpilledChunk:
    """A complete chunk on disk: ``blocks`` blocks' frames in ``path``."""

    path: Path
    blocks: int

    def read(self) -> Iterator[BlockFrames]:
        """The chunk's blocks, in order; the file is deleted once they are all read."""
        with self.path.open("rb") as handle:
            for _ in range(self.blocks):
                yield pickle.load(handle)
        self.path.unlink()


class ChunkSpill:
    """The folder of spilled chunks and the file of the chunk being gathered."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="airflow-gt-validate-"))
        self.chunks = 0
        self.handle: IO[bytes] | None = None
        self.blocks = 0

    def append(self, frames: BlockFrames) -> None:
        """Add one block's frames to the chunk being gathered."""
        if self.handle is None:
            self.handle = (self.folder / f"chunk-{self.chunks}").open("wb")
        pickle.dump(frames, self.handle, protocol=5)
        self.blocks += 1

    def complete(self) -> SpilledChunk | None:
        """The chunk gathered so far, now complete (None if no block was added)."""
        if self.handle is None:
            return None
        self.handle.close()
        chunk = SpilledChunk(Path(self.handle.name), self.blocks)
        self.handle, self.blocks = None, 0
        self.chunks += 1
        return chunk

    def remove(self) -> None:
        if self.handle is not None:
            self.handle.close()
        shutil.rmtree(self.folder, ignore_errors=True)
