"""Text spans: Arrow's frames are the line-by-line flattener's, or Arrow steps aside."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.validation.flatten import Flattener
from airflow_gt.validation.flatten_spans import TextSpanFlattener
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
from tests.validation.planting import Record, copies, sample_record
from tests.validation.test_suite_text_span import SAMPLE, VIOLATIONS

GOLDEN = Path(__file__).parent / "golden" / "planted-text-span.manifest"
REFUSED_VIOLATIONS = {
    "label not an object", "annotations a list", "string start", "fractional end",
    "string confidence",
}
"""Planted violations whose value is not of its declared JSON type (an offset that is not an
integer): Arrow refuses those blocks."""


def flatteners() -> list[Flattener]:
    return [TextSpanFlattener("entities", "entities-metadata")]


def test_the_sample_is_read_by_arrow_as_line_by_line() -> None:
    fast, exact = both_ways(flatteners, encode(copies(sample_record(SAMPLE))), first=41)
    assert fast is not None
    assert same(fast, exact)
    entities = as_lists(fast[0])["entities"]
    assert entities["label"][:2] == ["PERSON", "PERSON"]
    assert entities["declared"][:4] == [True] * 4
    assert entities["text_length"][0] == len(sample_record(SAMPLE)["source"]) + len(" (0)")


@pytest.mark.parametrize(("name", "change", "expected"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
def test_every_planted_violation_gives_the_same_frames_or_arrow_steps_aside(
    name: str, change: Any, expected: tuple[str, str]
) -> None:
    lines = copies(sample_record(SAMPLE))
    change(lines[2])
    fast, exact = both_ways(flatteners, encode(lines))
    if name in REFUSED_VIOLATIONS:
        assert fast is None
    else:
        assert fast is not None
        assert same(fast, exact)


def test_each_line_of_the_golden_planted_manifest_gives_the_same_frames() -> None:
    taken = 0
    for number, line in enumerate(manifest_lines(GOLDEN).splitlines(keepends=True), start=1):
        fast, exact = both_ways(flatteners, line, first=number)
        if fast is not None:
            taken += 1
            assert same(fast, exact), f"line {number}"
    assert taken >= 20


WORDS = ["Alice", "Bob", "met", "in", "Paris", "Zoë", "東京", "😀", "Acme", "the"]
LABELS = ["PERSON", "LOCATION", "ORGANIZATION", "DATE", ""]


def random_line(rng: random.Random, index: int) -> Record:
    """A text-span line with the irregularities real manifests have: unlabeled and failed lines,
    missing keys, empty and unlabeled entities, labels not offered, confidences missing or past
    the entities, text of several scripts, extra keys."""
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))
    entities = []
    for _ in range(rng.randint(0, 5)):
        start = rng.randint(-2, len(text) + 2)
        entity = {"label": rng.choice(LABELS), "startOffset": start,
                  "endOffset": start + rng.randint(-1, 8)}
        if rng.random() < 0.1:
            entity.pop(rng.choice(list(entity)))
        entities.append(entity)
    offered = [{"label": name} for name in LABELS[:3] if rng.random() < 0.7]
    if offered and rng.random() < 0.1:
        offered.append({"other": "x"})
    annotations: Record = {"entities": entities, "labels": offered}
    if rng.random() < 0.1:
        annotations.pop(rng.choice(["entities", "labels"]))
    confidences: list[Record] = [{"confidence": rng.choice([rng.random(), 1, 0])}
                                 for _ in range(max(0, len(entities) - rng.randint(-1, 1)))]
    if confidences and rng.random() < 0.2:
        confidences[0] = {}
    metadata: Record = {
        "entities": confidences, "type": rng.choice(["groundtruth/text-span", "other"]),
        "job-name": "label-entities", "human-annotated": rng.choice(["yes", "no"]),
        "creation-date": "2018-10-18T22:18:13.527256",
    }
    if rng.random() < 0.05:
        metadata.pop("entities")
    record: Record = {"source": text}
    if rng.random() < 0.05:
        record = {"source-ref": f"s3://bucket/texts/{index}.txt"}
    record["extra"] = rng.choice([{"a": [1]}, {"b": "x"}])
    roll = rng.random()
    if roll < 0.8:
        record["entities"] = {"annotations": annotations} if rng.random() < 0.95 else {}
        record["entities-metadata"] = metadata
    elif roll < 0.9:
        record["entities-metadata"] = {"failure-reason": "ClientError: timed out",
                                       "type": "groundtruth/text-span"}
    return record


@pytest.mark.parametrize("seed", range(8))
def test_generated_irregular_lines_give_the_same_frames(seed: int) -> None:
    rng = random.Random(seed)
    data = encode([random_line(rng, i) for i in range(300)])
    fast, exact = both_ways(flatteners, data, first=1 + 300 * seed)
    assert fast is not None, "these lines hold nothing Arrow must refuse"
    assert same(fast, exact)


def test_blocks_are_read_by_arrow_unless_refused() -> None:
    rng = random.Random(99)
    lines = [random_line(rng, i) for i in range(90)]
    lines[40]["entities"] = "PERSON"  # refused: the block of lines 31-60 goes line by line
    fast, flattening = flatten_blocks(flatteners(), blocks_of(encode(lines), [30, 30]))
    exact, line_flattening = flatten_blocks(
        [line_only(TextSpanFlattener)("entities", "entities-metadata")],
        blocks_of(encode(lines), [30, 30]))
    assert (flattening.arrow_blocks, flattening.line_blocks) == (2, 1)
    assert line_flattening.arrow_blocks == 0
    assert same(fast, exact)
