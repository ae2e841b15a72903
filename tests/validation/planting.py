"""Plant one violation in a valid manifest and see which expectations fail, and on which lines."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from airflow_gt.validation.results import ValidationResult
from airflow_gt.validation.validator import validate_manifest
from tests.conftest import SAMPLES

Record = dict[str, Any]
Violation = tuple[str, Callable[[Record], Any], tuple[str, str]]
"""A violation's name, how to plant it in a line, and the (expectation, column) it must fail."""
FAILED_SHARE = ("expect_column_mean_to_be_between", "failed")
LINES = 4
PLANTED_LINE = 3


def sample_record(name: str) -> Record:
    return orjson.loads((SAMPLES / name).read_bytes().splitlines()[0])  # type: ignore[no-any-return]


def copies(record: Record, count: int = LINES) -> list[Record]:
    """``count`` copies of a line, each with its own source."""
    lines = []
    for i in range(count):
        line = copy.deepcopy(record)
        if "source-ref" in line:
            line["source-ref"] = line["source-ref"].rsplit(".", 1)[0] + f"-{i}.jpg"
        else:
            line["source"] = f"{line['source']} ({i})"
        lines.append(line)
    return lines


def write(tmp_path: Path, lines: list[Record], name: str = "planted.manifest") -> Path:
    path = tmp_path / name
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


def failures(result: ValidationResult) -> dict[tuple[str, str], list[int]]:
    """Each failed expectation, as (expectation type, column), with its sample lines."""
    return {
        (outcome.expectation, outcome.column): [sample.line for sample in outcome.samples]
        for attribute in result.attributes
        for outcome in attribute.failed_expectations
    }


def plant(tmp_path: Path, sample: str, change: Callable[[Record], None], **options: Any
          ) -> dict[tuple[str, str], list[int]]:
    """Validate copies of ``sample`` whose line PLANTED_LINE was changed by ``change``."""
    lines = copies(sample_record(sample))
    change(lines[PLANTED_LINE - 1])
    return failures(validate_manifest(write(tmp_path, lines), chunk_lines=2, **options))


def move_source_off_s3(record: Record) -> None:
    record.pop("source", None)
    record["source-ref"] = "bucket/key.jpg"


def add_second_source(record: Record) -> None:
    if "source" in record:
        record["source-ref"] = "s3://example-bucket/texts/also.txt"
    else:
        record["source"] = "text too"


def common_violations(meta: Callable[[Record], dict[str, Any]], other_type: str
                      ) -> list[Violation]:
    """A violation of each rule of the common block (but the failed share) in the metadata that
    ``meta`` finds; ``other_type`` is a metadata type that is not the suite's."""
    return [
        ("two sources", add_second_source,
         ("expect_column_values_to_be_in_set", "source_keys")),
        ("no s3 uri", move_source_off_s3,
         ("expect_column_values_to_match_regex", "source_ref")),
        ("wrong type", lambda r: meta(r).update(type=other_type),
         ("expect_column_values_to_be_in_set", "metadata_type")),
        ("no job name", lambda r: meta(r).pop("job-name"),
         ("expect_column_values_to_not_be_null", "job_name")),
        ("empty job name", lambda r: meta(r).update({"job-name": ""}),
         ("expect_column_value_lengths_to_be_between", "job_name")),
        ("human annotated", lambda r: meta(r).update({"human-annotated": "maybe"}),
         ("expect_column_values_to_be_in_set", "human_annotated")),
        ("no creation date", lambda r: meta(r).pop("creation-date"),
         ("expect_column_values_to_not_be_null", "creation_date")),
        ("bad creation date", lambda r: meta(r).update({"creation-date": "yesterday"}),
         ("expect_column_values_to_match_regex", "creation_date")),
    ]


def planted_set(violations: list[Violation]) -> set[tuple[str, str]]:
    """What the violations cover, with the failed-share rule (tested on its own)."""
    return {expected for _, _, expected in violations} | {FAILED_SHARE}
