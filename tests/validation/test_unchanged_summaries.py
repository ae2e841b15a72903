"""Every suite gives the same results on every test manifest as before the fast paths.

``golden/summaries.json`` holds the JSON summaries (``source`` left out) that the validator gave at
commit 67d685e, before issue 16 changed how manifests are read, flattened and handed to Great
Expectations. They cover each sample under ``tests/sample/`` and, per job type, a manifest with
every planted violation of that type's suite tests on a line of its own (``golden/*.manifest``).
The validator must give the same summary now, at its default chunk size and with chunks of a few
lines (so results are merged across chunks); and, for the large manifests, the same summary
whichever way each block is read.

Do not regenerate these summaries to make a failing test pass: a difference is a change in what a
suite reports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.validation.reports import summary_json
from airflow_gt.validation.validator import validate_manifest
from tests.conftest import SAMPLES

GOLDEN = Path(__file__).parent / "golden"
SUMMARIES: dict[str, dict[str, Any]] = json.loads(
    (GOLDEN / "summaries.json").read_text(encoding="utf-8"))


def manifest(name: str) -> Path:
    folder, _, file = name.partition("/")
    return (SAMPLES if folder == "sample" else GOLDEN) / file


def summary(path: Path, **options: Any) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(summary_json(validate_manifest(path, **options)))
    found.pop("source")
    return found


def test_every_sample_and_every_suite_is_covered() -> None:
    samples = {f"sample/{path.name}" for path in SAMPLES.glob("*.manifest")}
    planted = {f"golden/{path.name}" for path in GOLDEN.glob("*.manifest")}
    assert samples | planted == set(SUMMARIES)
    job_types = {attribute["job_type"] for entry in SUMMARIES.values()
                 for attribute in entry["summary"]["label_attributes"]}
    suites = {path.stem for path in (Path(__file__).parents[2] / "airflow_gt" / "validation"
                                     / "expectations").glob("*.json")}
    assert suites - {"passthrough"} <= job_types


@pytest.mark.parametrize("chunk_lines", [None, 3], ids=["default chunks", "3-line chunks"])
@pytest.mark.parametrize("name", sorted(SUMMARIES))
def test_the_summary_is_unchanged(name: str, chunk_lines: int | None) -> None:
    entry = SUMMARIES[name]
    options = dict(entry["options"])
    if chunk_lines is not None:
        options["chunk_lines"] = chunk_lines
    assert summary(manifest(name), **options) == entry["summary"]
