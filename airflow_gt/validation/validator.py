"""Validate a manifest, local or in S3, with the suite of each label attribute's job type.

The manifest is read once, as a stream: every 10,000 lines are flattened into column frames for
each label attribute checked and dropped; every ``chunk_lines`` lines (50,000 by default) the
gathered frames go to GX with the attribute's job-type suite, in this process or in a worker
process, and the chunk's results are merged into the running result. Memory holds a chunk or two
of typed columns, never the manifest.

The label attributes to check are those found in the first 10,000 lines (every chained job's
label, each with its own type's suite), or the one ``label_attribute`` names.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.manifests.attributes import label_attributes
from airflow_gt.manifests.job_types import job_type as lookup_job_type
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.storage import source_name
from airflow_gt.validation.flatten import Chunk, Flattener
from airflow_gt.validation.flatteners import flattener_for
from airflow_gt.validation.gx_pool import GxPool, RunnerSpec
from airflow_gt.validation.gx_runner import ChunkOutcome
from airflow_gt.validation.results import (
    AttributeResult,
    ExpectationOutcome,
    FailingValue,
    ValidationResult,
)
from airflow_gt.validation.suites import SuiteSpec, load_suite

DEFAULT_CHUNK_LINES = 50_000
SUB_CHUNK_LINES = 10_000
MAX_PENDING_CHUNKS = 1
AGGREGATE_EXPECTATIONS = frozenset({"expect_column_mean_to_be_between"})
MODERATION_KEYS = {
    "content-moderation-groundtruth": "moderation-input",
    "detect-moderation-labels": "moderation-output",
}


@dataclass(frozen=True)
class Target:
    """One label attribute to check, and the job type whose suite checks it."""

    attribute: str
    metadata_key: str
    job_type: str


def _job_type_name(value: str) -> str:
    if value in MODERATION_KEYS.values():
        return value
    return lookup_job_type(value).name


def find_targets(chunk: Chunk, label_attribute: str | None, job_type: str | None) -> list[Target]:
    """The label attributes of the first chunk's lines, in the order they first appear."""
    found: dict[str, Target] = {}
    for _, record in chunk:
        for key, kind in MODERATION_KEYS.items():
            if key in record and key not in found:
                found[key] = Target(key, key, kind)
        for attribute in label_attributes(record):
            known = attribute.job_type
            if attribute.name not in found and known is not None:
                found[attribute.name] = Target(attribute.name, attribute.metadata_key, known.name)
    targets = list(found.values())
    if label_attribute is not None:
        named = [t for t in targets if label_attribute in (t.attribute, t.metadata_key[:-9])]
        if not named:
            if job_type is None:
                raise ConfigurationError(
                    "label_attribute", f"no label {label_attribute!r} in the first "
                    f"{len(chunk)} lines; give --job-type to check it anyway"
                )
            base = label_attribute.removesuffix("-ref")
            named = [Target(label_attribute, base + "-metadata", _job_type_name(job_type))]
        targets = named
    if job_type is not None:
        wanted = _job_type_name(job_type)
        targets = [Target(t.attribute, t.metadata_key, wanted) for t in targets
                   if label_attribute is not None or t.job_type == wanted]
    if not targets:
        raise ConfigurationError(
            "label_attribute", "found no label attribute in the first "
            f"{len(chunk)} lines; name one with --label-attribute and --job-type"
        )
    return targets


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

    def flatten(self, sub_chunk: Chunk) -> None:
        """Flatten a few thousand lines into the buffer of the chunk being gathered."""
        from airflow_gt.validation.frames import to_arrays

        frames = self.flattener.flatten(sub_chunk)
        lines = frames["lines"]
        self.labeled += sum(lines["labeled"])
        self.failed += sum(lines["failed"])
        self.buffer.add(to_arrays(frames))

    def finish(self) -> None:
        """Flatten what only the manifest's end shows: nothing, for a label attribute."""

    def submit_buffer(self, pool: GxPool) -> None:
        """Send the gathered chunk to GX; the sources stay here, for the failing samples."""
        frames = self.buffer.take()
        sources = frames["lines"].pop("source")
        first = int(frames["lines"]["line"][0])
        self.pending.append((pool.submit(self.key, frames), first, sources))
        while len(self.pending) > MAX_PENDING_CHUNKS:
            self.collect_one()

    def collect(self) -> None:
        while self.pending:
            self.collect_one()

    def collect_one(self) -> None:
        future, first, sources = self.pending.popleft()
        for position, found in future.result().items():
            outcome = self.outcomes[position]
            if outcome.aggregate:
                outcome.add_aggregate(found.element_count, found.observed_value)
                continue
            samples = [
                FailingValue(line, _text(sources[line - first]), value)
                for line, value in found.samples
            ]
            outcome.add_rows(found.element_count, found.unexpected_count, samples)

    def result(self) -> AttributeResult:
        return AttributeResult(
            self.target.attribute, self.target.job_type, self.suite.name, self.outcomes,
            self.labeled, self.failed,
        )


def _chunks(lines: Iterator[tuple[int, dict[str, Any]]], size: int) -> Iterator[list[Any]]:
    while chunk := list(islice(lines, size)):
        yield chunk


def validate_manifest(
    source: str | Path,
    *,
    job_type: str | None = None,
    label_attribute: str | None = None,
    input_manifest: str | Path | None = None,
    label_categories: Sequence[str] | None = None,
    max_failed_fraction: float = 0.1,
    chunk_lines: int = DEFAULT_CHUNK_LINES,
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
    sub_chunks = _chunks(read_manifest(source, s3_client=s3_client), sub_chunk)
    first = next(sub_chunks, None)
    if first is None:
        raise ConfigurationError("source", f"{source_name(source)} has no lines to validate")
    targets = find_targets(first, label_attribute, job_type)
    validations = [AttributeValidation(target, parameters) for target in targets]
    if input_manifest is not None:
        from airflow_gt.validation.passthrough import PassthroughValidation  # imports this module

        validations.append(PassthroughValidation(input_manifest, targets, parameters, s3_client))
    pool = GxPool([validation.runner_spec() for validation in validations], processes)
    objects = 0
    try:
        with _collector_paused():
            for lines in _prepend(first, sub_chunks):
                for validation in validations:
                    validation.flatten(lines)
                objects += len(lines)
                del lines
                if validations[0].buffer.lines >= chunk_lines:
                    for validation in validations:
                        validation.submit_buffer(pool)
                if progress is not None:
                    progress(objects)
            for validation in validations:
                validation.finish()
                if validation.buffer.lines:
                    validation.submit_buffer(pool)
                validation.collect()
            if progress is not None:
                progress(objects)
    finally:
        pool.close()
    return ValidationResult(
        source_name(source), objects, [validation.result() for validation in validations]
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _prepend(first: list[Any], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
    yield first
    yield from rest
