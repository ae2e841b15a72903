"""Rekognition moderation manifests: Arrow's frames are the line-by-line flatteners', or Arrow
steps aside; the first bucket is carried from block to block as line by line."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.validation.arrow_blocks import read_block
from airflow_gt.validation.flatten import Flattener
from airflow_gt.validation.flatten_moderation import (
    ModerationInputFlattener,
    ModerationOutputFlattener,
)
from airflow_gt.validation.frames import to_arrays
from tests.conftest import SAMPLES
from tests.local.adapters import ADAPTER_COLUMN, BASE_MODEL_COLUMN, GROUND_TRUTH
from tests.validation.arrow_differential import (
    as_lists,
    blocks_of,
    both_ways,
    encode,
    flatten_blocks,
    line_only,
    manifest_lines,
    records_of,
    same,
)
from tests.validation.planting import Record, copies, sample_record
from tests.validation.test_suite_moderation import (
    INPUT_SAMPLE,
    INPUT_VIOLATIONS,
    OUTPUT_SAMPLE,
    OUTPUT_VIOLATIONS,
)

GOLDEN = Path(__file__).parent / "golden"
REFUSED_INPUT_VIOLATIONS = {"ground truth a list", "label list an object", "label a string"}
REFUSED_OUTPUT_VIOLATIONS = {
    "adapter predictions a list", "no label list", "a prediction not an object",
    "numeric model version",
}
"""Planted violations whose value is not of its declared JSON type, or null: Arrow refuses those
blocks."""


def input_flattener() -> ModerationInputFlattener:
    return ModerationInputFlattener(GROUND_TRUTH, GROUND_TRUTH)


def output_flattener() -> ModerationOutputFlattener:
    return ModerationOutputFlattener(ADAPTER_COLUMN, ADAPTER_COLUMN)


def inputs() -> list[Flattener]:
    return [input_flattener()]


def outputs() -> list[Flattener]:
    return [output_flattener()]


def both() -> list[Flattener]:
    return [input_flattener(), output_flattener()]


def test_the_input_sample_is_read_by_arrow_as_line_by_line() -> None:
    fast, exact = both_ways(inputs, manifest_lines(SAMPLES / INPUT_SAMPLE), first=41)
    assert fast is not None
    assert same(fast, exact)
    assert as_lists(fast[0])["lines"]["first_bucket"] == ["foo"] * 3
    assert as_lists(fast[0])["moderation_labels"]["name"] == [
        "Rude Gesture", "Rude Gesture", "Nudity"]


def test_the_output_sample_is_read_by_arrow_as_line_by_line() -> None:
    fast, exact = both_ways(both, manifest_lines(SAMPLES / OUTPUT_SAMPLE))
    assert fast is not None
    assert same(fast, exact)
    models = as_lists(fast[1])["models"]
    assert models["line"] == [1, 1, 2, 2, 3, 3]
    assert models["model"] == ["adapter", "base-model"] * 3
    assert as_lists(fast[1])["predictions"]["line"] == [1, 1, 2, 2, 2, 3]


@pytest.mark.parametrize(("name", "change", "expected"), INPUT_VIOLATIONS,
                         ids=[v[0] for v in INPUT_VIOLATIONS])
def test_every_planted_input_violation_gives_the_same_frames_or_arrow_steps_aside(
    name: str, change: Any, expected: tuple[str, str]
) -> None:
    lines = copies(sample_record(INPUT_SAMPLE))
    change(lines[2])
    fast, exact = both_ways(inputs, encode(lines))
    if name in REFUSED_INPUT_VIOLATIONS:
        assert fast is None
    else:
        assert fast is not None
        assert same(fast, exact)


@pytest.mark.parametrize(("name", "change", "expected"), OUTPUT_VIOLATIONS,
                         ids=[v[0] for v in OUTPUT_VIOLATIONS])
def test_every_planted_output_violation_gives_the_same_frames_or_arrow_steps_aside(
    name: str, change: Any, expected: tuple[str, str]
) -> None:
    lines = copies(sample_record(OUTPUT_SAMPLE))
    change(lines[2])
    fast, exact = both_ways(both, encode(lines))
    if name in REFUSED_OUTPUT_VIOLATIONS:
        assert fast is None
    else:
        assert fast is not None
        assert same(fast, exact)


@pytest.mark.parametrize(("name", "make", "least"), [
    ("planted-moderation-input.manifest", inputs, 10),
    ("planted-moderation-output.manifest", both, 15),
])
def test_each_line_of_the_golden_planted_manifests_gives_the_same_frames(
    name: str, make: Any, least: int
) -> None:
    taken = 0
    for number, line in enumerate(manifest_lines(GOLDEN / name).splitlines(keepends=True),
                                  start=1):
        fast, exact = both_ways(make, line, first=number)
        if fast is not None:
            taken += 1
            assert same(fast, exact), f"line {number}"
    assert taken >= least


NAMES = ["Rude Gesture", "Nudity", "Explicit Nudity", "", "Violence"]
SOURCES = ["s3://foo/bar/{}.jpg", "s3://bar/{}.jpg", "s3://foo/", "s3:///x.jpg", "foo/{}.jpg",
           "S3://foo/{}.jpg", "s3://foo/a/b/{}.jpg", "s3://ünï/{}.jpg", "s3://foo/\n"]


def random_predictions(rng: random.Random) -> Record:
    labels = []
    for _ in range(rng.randint(0, 3)):
        label: Record = {"Confidence": rng.choice([rng.uniform(0, 100), 150, -1, 50]),
                         "Name": rng.choice(NAMES), "ParentName": rng.choice(NAMES)}
        if rng.random() < 0.15:
            label.pop(rng.choice(list(label)))
        labels.append(label)
    found: Record = {"ModerationLabels": labels, "ModerationModelVersion": "7.0",
                     "ProjectVersion": rng.choice(["arn:aws:rekognition:x", ""])}
    if rng.random() < 0.1:
        found.pop(rng.choice(list(found)))
    return found


def random_line(rng: random.Random, index: int) -> Record:
    """A moderation line with the irregularities real manifests have: lines without ground truth
    or predictions, sources of every shape (and text sources), labels without names, model
    objects missing keys, extra keys."""
    record: Record = {"source-ref": rng.choice(SOURCES).format(index)}
    if rng.random() < 0.05:
        record = {"source": "text"} if rng.random() < 0.5 else {**record, "source": "text"}
    record["extra"] = rng.choice([{"a": [1]}, {"b": "x"}])
    if rng.random() < 0.9:
        names: list[Record] = [{"Name": rng.choice(NAMES)} for _ in range(rng.randint(0, 3))]
        if names and rng.random() < 0.1:
            names[0] = {"name": "Nudity"}
        record[GROUND_TRUTH] = {"ModerationLabels": names} if rng.random() < 0.95 else {}
    if rng.random() < 0.85:
        record[ADAPTER_COLUMN] = random_predictions(rng)
    if rng.random() < 0.85:
        record[BASE_MODEL_COLUMN] = random_predictions(rng)
    return record


@pytest.mark.parametrize("seed", range(8))
def test_generated_irregular_lines_give_the_same_frames(seed: int) -> None:
    rng = random.Random(seed)
    data = encode([random_line(rng, i) for i in range(300)])
    fast, exact = both_ways(both, data, first=1 + 300 * seed)
    assert fast is not None, "these lines hold nothing Arrow must refuse"
    assert same(fast, exact)


def test_the_first_bucket_is_carried_across_blocks_as_line_by_line() -> None:
    rng = random.Random(7)
    lines = [random_line(rng, i) for i in range(120)]
    for line in lines[:45]:
        line["source-ref"] = "no bucket here"  # the first bucket is found in the second block
    lines[70][GROUND_TRUTH] = []  # refused: the block of lines 61-90 goes line by line
    sizes = [30, 30, 30]
    fast_flatteners = [input_flattener(), output_flattener()]
    line_flatteners = [line_only(ModerationInputFlattener)(GROUND_TRUTH, GROUND_TRUTH),
                       line_only(ModerationOutputFlattener)(ADAPTER_COLUMN, ADAPTER_COLUMN)]
    fast, flattening = flatten_blocks(fast_flatteners, blocks_of(encode(lines), sizes))
    exact, _ = flatten_blocks(line_flatteners, blocks_of(encode(lines), sizes))
    assert (flattening.arrow_blocks, flattening.line_blocks) == (3, 1)
    assert same(fast, exact)
    assert fast_flatteners[0].first_bucket == line_flatteners[0].first_bucket is not None
    assert as_lists(fast[0])["lines"]["first_bucket"][44] is None


@pytest.mark.parametrize("known", [None, "earlier"])
def test_a_block_s_first_buckets_follow_the_state_before_it(known: str | None) -> None:
    rng = random.Random(11)
    lines = [random_line(rng, i) for i in range(40)]
    lines[0]["source-ref"] = "not a uri"
    data = encode(lines)
    fast_flattener, line_flattener = input_flattener(), input_flattener()
    fast_flattener.first_bucket = line_flattener.first_bucket = known
    table = read_block(data, len(lines), fast_flattener.arrow_fields())
    assert table is not None
    fast = fast_flattener.flatten_table(table, 1)
    exact = to_arrays(line_flattener.flatten(records_of(data, 1)))
    assert fast is not None
    assert as_lists(fast) == as_lists(exact)
    assert fast_flattener.first_bucket == line_flattener.first_bucket


class RefusingOutputFlattener(ModerationOutputFlattener):
    """An output flattener that leaves every block to the line-by-line way."""

    def flatten_table(self, table: Any, first: int) -> None:
        return None


def test_a_block_another_flattener_refuses_gets_its_first_buckets_line_by_line() -> None:
    # The input flattener reads the block through Arrow first (and keeps its first bucket), then
    # the whole block goes line by line because the output flattener refuses it.
    rng = random.Random(13)
    lines = [random_line(rng, i) for i in range(60)]
    for line in lines[:10]:
        line["source-ref"] = "no bucket here"
    fast_flatteners = [input_flattener(),
                       RefusingOutputFlattener(ADAPTER_COLUMN, ADAPTER_COLUMN)]
    line_flatteners = [line_only(ModerationInputFlattener)(GROUND_TRUTH, GROUND_TRUTH),
                       line_only(ModerationOutputFlattener)(ADAPTER_COLUMN, ADAPTER_COLUMN)]
    fast, flattening = flatten_blocks(fast_flatteners, blocks_of(encode(lines), [30]))
    exact, _ = flatten_blocks(line_flatteners, blocks_of(encode(lines), [30]))
    assert (flattening.arrow_blocks, flattening.line_blocks) == (0, 2)
    assert same(fast, exact)
    assert as_lists(fast[0])["lines"]["first_bucket"][9:11] == [None, "foo"]
