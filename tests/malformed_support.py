"""Sample lines to break in tests of malformed manifests, copied under new sources."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.writer import write_manifest
from tests.conftest import SAMPLES


def sample(name: str) -> dict[str, Any]:
    """The first line of ``tests/sample/NAME``."""
    return next(record for _, record in read_manifest(SAMPLES / name))


def lines_of(record: dict[str, Any], count: int = 3) -> list[dict[str, Any]]:
    """``count`` copies of ``record``, each with an image of its own."""
    result = []
    for n in range(1, count + 1):
        line = copy.deepcopy(record)
        line["source-ref"] = f"s3://example-bucket/images/{n:04d}.jpg"
        result.append(line)
    return result


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    write_manifest(path, records)
    return path
