"""Validate a manifest, local or in S3, with the suite of each label attribute's job type.

The manifest is read once, as a stream, in chunks of ``chunk_lines`` lines: each chunk is
flattened into frames for every label attribute checked, each attribute's frames are validated
by GX with its job type's suite, and the chunk's results are merged into the running result. Memory
holds one chunk, not the manifest.

The label attributes to check are those found in the first chunk (every chained job's label, each
with its own type's suite), or the one ``label_attribute`` names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.manifests.attributes import label_attributes, source_of
from airflow_gt.manifests.job_types import job_type as lookup_job_type
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.storage import source_name
from airflow_gt.validation.flatten import Chunk, Flattener
from airflow_gt.validation.flatteners import flattener_for
from airflow_gt.validation.results import (
    AttributeResult,
    ExpectationOutcome,
    FailingValue,
    ValidationResult,
)
from airflow_gt.validation.suites import SuiteSpec, load_suite

DEFAULT_CHUNK_LINES = 100_000
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
    """The running validation of one label attribute."""

    def __init__(self, target: Target, parameters: dict[str, Any]) -> None:
        from airflow_gt.validation.gx_runner import GxRunner

        self.target = target
        self.suite: SuiteSpec = load_suite(target.job_type)
        expectations = self.suite.runnable(parameters)
        self.flattener: Flattener = flattener_for(
            target.job_type, target.attribute, target.metadata_key)
        self.runner = GxRunner(self.suite.name, expectations, parameters)
        self.outcomes = [
            ExpectationOutcome(
                expectation=spec.type, column=spec.column, frame=spec.frame, rule=spec.rule,
                kwargs=spec.filled(parameters), aggregate=spec.type in AGGREGATE_EXPECTATIONS,
            )
            for spec in expectations
        ]
        self.labeled = 0
        self.failed = 0

    def add(self, chunk: Chunk) -> None:
        frames = self.flattener.flatten(chunk)
        lines = frames["lines"]
        self.labeled += sum(lines["labeled"])
        self.failed += sum(lines["failed"])
        first = chunk[0][0]
        for position, found in self.runner.validate(frames).items():
            outcome = self.outcomes[position]
            if outcome.aggregate:
                outcome.add_aggregate(found.element_count, found.observed_value)
                continue
            samples = [
                FailingValue(line, source_of(chunk[line - first][1]), value)
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
) -> ValidationResult:
    """Validate ``source`` with its job types' suites; see the module docstring."""
    if chunk_lines < 1:
        raise ConfigurationError("chunk_lines", f"must be at least 1, got {chunk_lines}")
    if not 0.0 <= max_failed_fraction <= 1.0:
        raise ConfigurationError("max_failed_fraction", "must be between 0 and 1")
    if input_manifest is not None:
        raise ConfigurationError("input_manifest", "comparing with the input manifest is not "
                                 "available yet")
    parameters: dict[str, Any] = {"max_failed_fraction": max_failed_fraction}
    if label_categories is not None:
        parameters["class_names"] = list(label_categories)
    chunks = _chunks(read_manifest(source, s3_client=s3_client), chunk_lines)
    first = next(chunks, None)
    if first is None:
        raise ConfigurationError("source", f"{source_name(source)} has no lines to validate")
    targets = find_targets(first, label_attribute, job_type)
    validations = [AttributeValidation(target, parameters) for target in targets]
    objects = 0
    for chunk in _prepend(first, chunks):
        for validation in validations:
            validation.add(chunk)
        objects += len(chunk)
        if progress is not None:
            progress(objects)
    return ValidationResult(
        source_name(source), objects, [validation.result() for validation in validations]
    )


def _prepend(first: list[Any], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
    yield first
    yield from rest
