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
