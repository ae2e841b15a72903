"""Validate a manifest, local or in S3, with the suite of each label attribute's job type.

The manifest is read once, as a stream, by a thread of its own (``chunk_feed.py``): blocks of
lines are flattened into column frames for each label attribute checked (through Arrow where it
can, else line by line) and spilled to disk, and every ``chunk_lines`` lines or ``chunk_bytes``
bytes of frames (64 MB by default) the chunk is handed to this thread, which validates it with GX
with the attribute's job-type suite (here, or in a worker process) and merges the chunk's results
into the running result. Memory holds the block being read and the chunk being validated, never
the manifest.

The label attributes to check are those found in the first block of lines with data (every
chained job's label, each with its own type's suite), or the one ``label_attribute`` names
(``targets.py``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.manifests.reader import LineParser
from airflow_gt.manifests.storage import source_name
from airflow_gt.validation.chunk_feed import Block, ChunkFeed, GatheredChunk, read_blocks
from airflow_gt.validation.flatten import Flattener
from airflow_gt.validation.flatteners import flattener_for
from airflow_gt.validation.gx_pool import GxPool, RunnerSpec
from airflow_gt.validation.gx_runner import ChunkOutcome
from airflow_gt.validation.memory import release_free_memory
from airflow_gt.validation.results import (
    AttributeResult,
    ExpectationOutcome,
    FailingValue,
    ValidationResult,
)
from airflow_gt.validation.suites import SuiteSpec, load_suite
from airflow_gt.validation.targets import Target, check_found, find_targets

if TYPE_CHECKING:
    from airflow_gt.validation.frames import ArrayFrames

DEFAULT_CHUNK_LINES = 1_000_000
DEFAULT_CHUNK_BYTES = 64 << 20
SUB_CHUNK_LINES = 10_000
MAX_PENDING_CHUNKS = 1
AGGREGATE_EXPECTATIONS = frozenset({"expect_column_mean_to_be_between"})


class AttributeValidation:
    """The running validation of one label attribute: its flattener, the chunk being gathered,
    the chunks at GX, and the merged outcomes."""

    def __init__(self, target: Target, parameters: dict[str, Any],
                 flattener: Flattener | None = None) -> None:
        from airflow_gt.validation.frames import FrameBuffer

        self.target = target
        self.key = target.attribute
        self.suite: SuiteSpec = load_suite(target.job_type)
        self.expectations = self.suite.runnable(parameters)
        self.parameters = parameters
        self.flattener: Flattener = flattener if flattener is not None else flattener_for(
            target.job_type, target.attribute, target.metadata_key)
        self.outcomes = [
            ExpectationOutcome(
                expectation=spec.type, column=spec.column, frame=spec.frame, rule=spec.rule,
                kwargs=spec.filled(parameters), aggregate=spec.type in AGGREGATE_EXPECTATIONS,
            )
            for spec in self.expectations
        ]
        self.labeled = 0
        self.failed = 0
        self.buffer = FrameBuffer()
        self.pending: deque[tuple[Future[dict[int, ChunkOutcome]], int, Any]] = deque()

    def runner_spec(self) -> RunnerSpec:
        return (self.key, self.suite.name, self.expectations, self.parameters)

    def add(self, frames: ArrayFrames) -> None:
        """Add a few thousand lines' frames to the buffer of the chunk being gathered."""
        import numpy

        lines = frames["lines"]
        self.labeled += int(numpy.count_nonzero(lines["labeled"]))
        self.failed += int(numpy.count_nonzero(lines["failed"]))
        self.buffer.add(frames)

    def final_frames(self) -> ArrayFrames | None:
        """The frames of what only the manifest's end shows: nothing, for a label attribute."""
        return None

    def take_chunk(self) -> GatheredChunk | None:
        """The gathered chunk, ready for GX (None if nothing was gathered); the sources are
        kept apart, for the failing samples."""
        if not self.buffer.lines:
            return None
        frames = self.buffer.take()
        sources = frames["lines"].pop("source")
        return GatheredChunk(frames, int(frames["lines"]["line"][0]), sources)

    def submit(self, pool: GxPool, chunk: GatheredChunk) -> None:
        """Send a chunk to GX; wait for the oldest if too many are at GX already."""
        self.pending.append((pool.submit(self.key, chunk.frames), chunk.first, chunk.sources))
        while len(self.pending) > MAX_PENDING_CHUNKS:
            self.collect_one()

    def collect(self) -> None:
        while self.pending:
            self.collect_one()

    def collect_one(self) -> None:
        from airflow_gt.validation.frames import value_at

        future, first, sources = self.pending.popleft()
        for position, found in future.result().items():
            outcome = self.outcomes[position]
            if outcome.aggregate:
                outcome.add_aggregate(found.element_count, found.observed_value)
                continue
            samples = [
                FailingValue(line, _text(value_at(sources, line - first)), value)
                for line, value in found.samples
            ]
            outcome.add_rows(found.element_count, found.unexpected_count, samples)

    def result(self) -> AttributeResult:
        return AttributeResult(
            self.target.attribute, self.target.job_type, self.suite.name, self.outcomes,
            self.labeled, self.failed,
        )


def validate_manifest(
    source: str | Path,
    *,
    job_type: str | None = None,
    label_attribute: str | None = None,
    input_manifest: str | Path | None = None,
    label_categories: Sequence[str] | None = None,
    max_failed_fraction: float = 0.1,
    chunk_lines: int = DEFAULT_CHUNK_LINES,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    s3_client: Any = None,
    progress: Callable[[int], None] | None = None,
    processes: int = 0,
) -> ValidationResult:
    """Validate ``source`` with its job types' suites; see the module docstring.

    :param input_manifest: the job's input manifest, read beside ``source``: every input line
        and key must come back (``passthrough.py``; one more result, ``(pass-through)``).
    :param processes: 0 runs GX in this process; 1 runs it in a worker process, on a second
        core, while this one reads and flattens (worth it for large manifests).
    """
    if chunk_lines < 1:
        raise ConfigurationError("chunk_lines", f"must be at least 1, got {chunk_lines}")
    if chunk_bytes < 1:
        raise ConfigurationError("chunk_bytes", f"must be at least 1, got {chunk_bytes}")
    if not 0.0 <= max_failed_fraction <= 1.0:
        raise ConfigurationError("max_failed_fraction", "must be between 0 and 1")
    parameters: dict[str, Any] = {"max_failed_fraction": max_failed_fraction}
    if label_categories is not None:
        parameters["class_names"] = list(label_categories)
    # The manifest is flattened SUB_CHUNK_LINES lines at a time (the parsed lines are dropped
    # at once) and validated chunk_lines lines at a time. No reference cycles are made on the way,
    # so the cyclic garbage collector, which would otherwise walk every parsed line again and
    # again, is paused.
    sub_chunk = min(chunk_lines, SUB_CHUNK_LINES)
    parser = LineParser(source_name(source))
    blocks = read_blocks(source, sub_chunk, s3_client)
    # The label attributes are those of the first block with data (blocks before it are empty
    # lines, an error if data follows).
    leading: list[Block] = []
    for block in blocks:
        leading.append(block)
        if block.parse(parser):
            break
    if not leading or not leading[-1].records:
        raise ConfigurationError("source", f"{source_name(source)} has no lines to validate")
    first_data = leading[-1].records
    following = next(blocks, None)  # whether the first block with data is all there is
    if following is not None:
        leading.append(following)
    targets = find_targets(first_data, label_attribute, job_type, source=source_name(source),
                           whole_file=following is None)
    validations = [AttributeValidation(target, parameters) for target in targets]
    if input_manifest is not None:
        from airflow_gt.validation.passthrough import PassthroughValidation  # imports this module

        validations.append(PassthroughValidation(input_manifest, targets, parameters, s3_client))
    feed = ChunkFeed(chain(_handed_over(leading), blocks), validations, parser, chunk_lines,
                     chunk_bytes, progress)
    pool: GxPool | None = None
    try:
        feed.start()  # reads and flattens in its thread while this one loads GX
        pool = GxPool([validation.runner_spec() for validation in validations], processes)
        for spilled in feed:
            for spilled_block in spilled.read():
                for validation, frames in zip(validations, spilled_block, strict=True):
                    if frames is not None:
                        validation.add(frames)
            chunks = [validation.take_chunk() for validation in validations]
            release_free_memory()  # the blocks' frames, now joined into the chunks
            for validation, chunk in zip(validations, chunks, strict=True):
                if chunk is not None:
                    validation.submit(pool, chunk)
            del chunks, chunk  # validated: the frames can go before the next are read
            release_free_memory()
        for validation in validations:
            validation.collect()
    finally:
        feed.close()
        if pool is not None:
            pool.close()
    check_found(targets, [(v.labeled, v.failed) for v in validations[:len(targets)]],
                source_name(source))
    return ValidationResult(
        source_name(source), feed.objects, [validation.result() for validation in validations]
    )


def _handed_over(blocks: list[Block]) -> Iterator[Block]:
    """The blocks, each let go of by the list once taken."""
    while blocks:
        yield blocks.pop(0)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
