"""Video and 3D point cloud types: Arrow's common frames are the line-by-line flattener's, or
Arrow steps aside."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.validation.flatten import Flattener
from airflow_gt.validation.flatten_common_only import CommonOnlyFlattener
from tests.validation.arrow_differential import (
    as_lists,
    blocks_of,
    both_ways,
    encode,
    flatten_blocks,
    line_only,
    manifest_lines,
    same,
)
from tests.validation.planting import Record, copies
from tests.validation.test_suite_common_only import COMMON_ONLY, LABELS, VIOLATIONS, line_of, meta

GOLDEN = Path(__file__).parent / "golden"
REFUSED_VIOLATIONS: set[str] = set()
"""No common violation changes a declared value's JSON type: Arrow reads every one."""


def maker(job_type: str) -> Any:
    attribute = LABELS[job_type][0]
    metadata_key = attribute.removesuffix("-ref") + "-metadata"
    return lambda: [CommonOnlyFlattener(attribute, metadata_key)]


@pytest.mark.parametrize("job_type", COMMON_ONLY)
def test_lines_of_each_type_are_read_by_arrow_as_line_by_line(job_type: str) -> None:
    fast, exact = both_ways(maker(job_type), encode(copies(line_of(job_type))), first=41)
    assert fast is not None
    assert same(fast, exact)
    assert as_lists(fast[0])["labels"]["line"] == [41, 42, 43, 44]


@pytest.mark.parametrize("job_type", COMMON_ONLY)
@pytest.mark.parametrize(("name", "change", "expected"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
def test_every_planted_violation_gives_the_same_frames_or_arrow_steps_aside(
    job_type: str, name: str, change: Any, expected: tuple[str, str]
) -> None:
    lines = copies(line_of(job_type))
    change(lines[2])
    fast, exact = both_ways(maker(job_type), encode(lines))
    if name in REFUSED_VIOLATIONS:
        assert fast is None
    else:
        assert fast is not None
        assert same(fast, exact)


@pytest.mark.parametrize("job_type", COMMON_ONLY)
def test_the_golden_planted_manifest_gives_the_same_frames(job_type: str) -> None:
    data = manifest_lines(GOLDEN / f"planted-{job_type}.manifest")
    fast, exact = both_ways(maker(job_type), data)
    assert fast is not None
    assert same(fast, exact)


@pytest.mark.parametrize("job_type", COMMON_ONLY)
def test_a_block_where_no_line_has_the_label_gives_the_same_frames(job_type: str) -> None:
    lines = copies(line_of(job_type))
    for line in lines:
        line.pop(LABELS[job_type][0])
    meta(lines[0])["failure-reason"] = "ClientError: x"
    fast, exact = both_ways(maker(job_type), encode(lines))
    assert fast is not None
    assert same(fast, exact)
    assert as_lists(fast[0])["lines"]["labeled"] == [False] * 4


def test_a_label_of_two_json_types_is_flattened_line_by_line() -> None:
    lines = copies(line_of("video-classification"))
    lines[1]["activity"] = {"name": "dancing"}
    fast, exact = both_ways(maker("video-classification"), encode(lines))
    assert fast is None
    assert as_lists(exact[0])["lines"]["labeled"] == [True] * 4


def test_a_label_without_metadata_is_flattened_line_by_line() -> None:
    lines = copies(line_of("video-object-tracking"))
    lines[1].pop("tracks-metadata")
    fast, exact = both_ways(maker("video-object-tracking"), encode(lines))
    assert fast is None
    assert as_lists(exact[0])["labels"]["metadata_type"][1] == "(no tracks-metadata)"


def random_line(rng: random.Random, job_type: str, index: int) -> Record:
    """A line of the type with the irregularities real manifests have: unlabeled and failed
    lines, text sources and both sources, metadata keys missing or of other values, extra keys."""
    record = copy.deepcopy(line_of(job_type))
    attribute = LABELS[job_type][0]
    metadata = meta(record)
    record["source-ref"] = f"s3://bucket/input/{index}.json"
    if rng.random() < 0.1:
        record["source"] = record.pop("source-ref") if rng.random() < 0.5 else "text"
    for key in ("job-name", "human-annotated", "creation-date"):
        if rng.random() < 0.1:
            metadata.pop(key)
    metadata["type"] = rng.choice([f"groundtruth/{job_type}", "groundtruth/other"])
    metadata["human-annotated"] = rng.choice(["yes", "no", "maybe"])
    record["extra"] = rng.choice([{"a": [1]}, {"b": "x"}])
    roll = rng.random()
    if roll < 0.1:
        record.pop(attribute)
        metadata["failure-reason"] = "ClientError: timed out"
    elif roll < 0.15:
        record.pop(attribute)
        record.pop(next(key for key in record if key.endswith("-metadata")))
    return record


@pytest.mark.parametrize("job_type", COMMON_ONLY)
@pytest.mark.parametrize("seed", range(3))
def test_generated_irregular_lines_give_the_same_frames(job_type: str, seed: int) -> None:
    rng = random.Random(seed)
    data = encode([random_line(rng, job_type, i) for i in range(300)])
    fast, exact = both_ways(maker(job_type), data, first=1 + 300 * seed)
    assert fast is not None, "these lines hold nothing Arrow must refuse"
    assert same(fast, exact)


def test_blocks_are_read_by_arrow_unless_refused() -> None:
    rng = random.Random(5)
    lines = [random_line(rng, "video-classification", i) for i in range(90)]
    lines[40]["activity"] = ["dancing"]  # refused: the block of lines 31-60 goes line by line
    flatteners: list[Flattener] = maker("video-classification")()
    fast, flattening = flatten_blocks(flatteners, blocks_of(encode(lines), [30, 30]))
    exact, _ = flatten_blocks([line_only(CommonOnlyFlattener)("activity", "activity-metadata")],
                              blocks_of(encode(lines), [30, 30]))
    assert (flattening.arrow_blocks, flattening.line_blocks) == (2, 1)
    assert same(fast, exact)
