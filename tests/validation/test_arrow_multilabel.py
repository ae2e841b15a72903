"""Arrow's fast path for multi-label classification gives exactly the frames the line-by-line
flattener gives, or steps aside."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from airflow_gt.manifests.reader import LineParser
from airflow_gt.validation.chunk_feed import BlockFlattening
from airflow_gt.validation.flatten_multilabel import (
    ImageMultiLabelFlattener,
    MultiLabelFlattener,
    TextMultiLabelFlattener,
)
from airflow_gt.validation.frames import ArrayFrames, to_arrays
from tests.validation.planting import Record, Violation, copies, sample_record
from tests.validation.test_arrow_blocks import as_lists, encode
from tests.validation.test_arrow_classes import (
    assert_same_kinds,
    blocks_of,
    both_ways,
    records,
)
from tests.validation.test_suite_multilabel import SAMPLES_BY_TYPE, VIOLATIONS

FLATTENERS: dict[str, tuple[type[MultiLabelFlattener], str]] = {
    "image-classification-multilabel": (ImageMultiLabelFlattener, "image-label-attribute-name"),
    "text-classification-multilabel": (TextMultiLabelFlattener, "text-label-attribute-name"),
}
REFUSED_VIOLATIONS = {
    "label not a list", "class-map a list", "string index", "fractional index", "boolean index",
    "string confidence",
}
"""Planted violations Arrow steps aside for: all change a value's JSON type in one line."""
PLANTS = [(job_type, violation) for job_type, found in VIOLATIONS.items() for violation in found]


def make(job_type: str) -> MultiLabelFlattener:
    flattener, attribute = FLATTENERS[job_type]
    return flattener(attribute, f"{attribute}-metadata")


def same_or_refused(job_type: str, lines: list[Record], first: int = 1) -> ArrayFrames | None:
    """Arrow's frames of the lines (None if it steps aside), checked against the line path's."""
    fast, exact = both_ways(make(job_type), make(job_type), encode(lines), first)
    if fast is not None:
        assert as_lists(fast) == as_lists(exact)
        assert_same_kinds(fast, exact)
    return fast


def sample_lines(job_type: str, count: int = 4) -> list[Record]:
    return copies(sample_record(SAMPLES_BY_TYPE[job_type]), count=count)


@pytest.mark.parametrize("job_type", list(FLATTENERS))
def test_the_seed_examples_are_read_by_arrow_as_line_by_line(job_type: str) -> None:
    fast = same_or_refused(job_type, sample_lines(job_type), first=41)
    assert fast is not None
    assert as_lists(fast)["classes"]["line"] == [41] * 3 + [42] * 3 + [43] * 3 + [44] * 3


def test_the_classes_are_named_and_scored_from_their_own_line() -> None:
    lines = sample_lines("image-classification-multilabel", count=2)
    lines[1]["image-label-attribute-name-metadata"]["class-map"]["0"] = "rider"
    lines[1]["image-label-attribute-name-metadata"]["confidence-map"]["0"] = 0.5
    fast = same_or_refused("image-classification-multilabel", lines)
    assert fast is not None
    classes = as_lists(fast)["classes"]
    assert classes["class_name"] == ["bicycle", "person", "clothing", "bicycle", "rider",
                                     "clothing"]
    assert classes["confidence"] == [0.95, 0.77, 0.2, 0.95, 0.5, 0.2]


@pytest.mark.parametrize(("job_type", "violation"), PLANTS,
                         ids=[f"{k}: {v[0]}" for k, v in PLANTS])
def test_every_planted_violation_gives_the_same_frames_or_arrow_steps_aside(
    job_type: str, violation: Violation
) -> None:
    name, change, _ = violation
    lines = sample_lines(job_type)
    change(lines[2])
    fast = same_or_refused(job_type, lines)
    assert (fast is None) == (name in REFUSED_VIOLATIONS)


NAMES = ["bicycle", "person", "clothing", "sad"]


def random_label(rng: random.Random) -> tuple[list[int], Record, Record]:
    """A label with its class-map and confidence-map, as often as not a little wrong: repeated
    indexes, classes missing from either map, extra keys, names that are not class names."""
    label = [rng.choice([0, 1, 2, 3, 8, 12, 3]) for _ in range(rng.randint(0, 4))]
    class_map: Record = {str(i): rng.choice(NAMES) for i in label if rng.random() < 0.9}
    confidences: Record = {str(i): rng.choice([0.2, 0.95, 1, 0]) for i in label
                           if rng.random() < 0.9}
    if rng.random() < 0.1:
        class_map[rng.choice(["9", "x", "01", ""])] = rng.choice(NAMES)
    if rng.random() < 0.1:
        confidences["7"] = 0.5
    return label, class_map, confidences


def random_line(rng: random.Random, index: int, attribute: str) -> Record:
    """A multi-label line with the irregularities real manifests have: unlabeled and failed
    lines, missing keys and maps, extra keys of every kind."""
    label, class_map, confidences = random_label(rng)
    metadata: Record = {
        "class-map": class_map,
        "confidence-map": confidences,
        "type": rng.choice(["groundtruth/image-classification-multilabel", "groundtruth/x"]),
        "human-annotated": rng.choice(["yes", "no"]),
        "creation-date": "2020-02-27T21:36:25.000201",
        "job-name": rng.choice(["labeling-job/objects", ""]),
        "extra": [{"a": 1}],
    }
    for key in ("class-map", "confidence-map", "job-name"):
        if rng.random() < 0.1:
            del metadata[key]
    record: Record = {"source-ref": f"s3://bucket/images/{index}.jpg"}
    if rng.random() < 0.1:
        record = {"source": f"text {index}"}
    roll = rng.random()
    if roll < 0.8:
        record[attribute] = label
        record[f"{attribute}-metadata"] = metadata
    elif roll < 0.9:
        record[f"{attribute}-metadata"] = {"failure-reason": "ClientError: timed out",
                                           "type": "groundtruth/image-classification-multilabel"}
    return record


@pytest.mark.parametrize("seed", range(8))
def test_generated_irregular_lines_give_the_same_frames(seed: int) -> None:
    rng = random.Random(seed)
    attribute = FLATTENERS["image-classification-multilabel"][1]
    lines = [random_line(rng, i, attribute) for i in range(300)]
    fast = same_or_refused("image-classification-multilabel", lines, first=1 + 300 * seed)
    assert fast is not None, "these lines hold nothing Arrow must refuse"


def maps(record: Record) -> Record:
    return record["image-label-attribute-name-metadata"]  # type: ignore[no-any-return]


UNIFORM_ODDITIES: dict[str, Callable[[Record], Any]] = {
    "every label empty": lambda r: r.update({"image-label-attribute-name": []}),
    "every class-map a list": lambda r: maps(r).update({"class-map": ["bicycle"]}),
    "every class-map of numbers": lambda r: maps(r).update({"class-map": {"1": 1, "0": 0}}),
    "every class-map empty": lambda r: maps(r).update({"class-map": {}}),
    "every confidence-map a string": lambda r: maps(r).update({"confidence-map": "high"}),
    "every confidence a string": lambda r: maps(r)["confidence-map"].update({"1": "0.9"}),
    "every confidence a date": lambda r: maps(r)["confidence-map"].update(
        {"1": "2018-10-18 22:18:13"}),
    "every confidence an object": lambda r: maps(r)["confidence-map"].update({"0": {"p": 1}}),
    "no maps": lambda r: [maps(r).pop("class-map"), maps(r).pop("confidence-map")],
}
"""Odd values in every line of a block: Arrow infers their type and reads them as they are."""


@pytest.mark.parametrize("oddity", list(UNIFORM_ODDITIES))
def test_an_oddity_in_every_line_gives_the_same_frames(oddity: str) -> None:
    lines = sample_lines("image-classification-multilabel")
    for line in lines:
        UNIFORM_ODDITIES[oddity](line)
    assert same_or_refused("image-classification-multilabel", lines) is not None


def test_a_class_name_read_as_a_date_is_read_line_by_line() -> None:
    lines = sample_lines("image-classification-multilabel")
    for line in lines:
        maps(line)["class-map"]["1"] = "2018-10-18 22:18:13"
    assert same_or_refused("image-classification-multilabel", lines) is None


def test_blocks_are_read_by_arrow_one_after_another() -> None:
    rng = random.Random(11)
    attribute = FLATTENERS["text-classification-multilabel"][1]
    lines = [random_line(rng, i, attribute) for i in range(400)]
    lines[250][attribute] = 3  # not a list: that block is read line by line
    exact, fast = make("text-classification-multilabel"), make("text-classification-multilabel")
    flattening = BlockFlattening([fast], LineParser("test"))
    for block in blocks_of(lines, 100):
        expected = to_arrays(exact.flatten(records(block.data, block.first)))
        [found] = flattening.frames(block)
        assert as_lists(found) == as_lists(expected)
    assert (flattening.arrow_blocks, flattening.line_blocks) == (3, 1)
