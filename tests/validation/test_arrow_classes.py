"""Arrow's fast path for single-label classification and label verification gives exactly the
frames (and the first class names) the line-by-line flattener gives, or steps aside."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from airflow_gt.manifests.reader import LineParser
from airflow_gt.validation.arrow_blocks import read_block
from airflow_gt.validation.chunk_feed import Block, BlockFlattening
from airflow_gt.validation.flatten import Flattener
from airflow_gt.validation.flatten_boxes import BoundingBoxFlattener
from airflow_gt.validation.flatten_classes import (
    ClassIndexFlattener,
    ImageClassificationFlattener,
    LabelVerificationFlattener,
    TextClassificationFlattener,
)
from airflow_gt.validation.frames import ArrayFrames, to_arrays
from tests.validation import test_suite_classification, test_suite_label_verification
from tests.validation.planting import Record, Violation, copies, sample_record
from tests.validation.test_arrow_blocks import as_lists, encode
from tests.validation.test_class_index_forms import CASES, as_strings, manifest_lines

# (flattener, label attribute, sample)
TYPES: dict[str, tuple[type[ClassIndexFlattener], str, str]] = {
    "image-classification": (ImageClassificationFlattener, "species",
                             "image-classification.manifest"),
    "image-classification (sport)": (ImageClassificationFlattener, "sport",
                                     "image-classification-sport.manifest"),
    "text-classification": (TextClassificationFlattener, "mood", "text-classification.manifest"),
    "label-verification": (LabelVerificationFlattener, "verify-bounding-box",
                           "label-verification-bounding-box.manifest"),
    "label-verification (segmentation)": (LabelVerificationFlattener, "verify-city-streets",
                                          "semantic-segmentation-verification.manifest"),
}  # fmt: skip

REFUSED_VIOLATIONS = {
    # a label, class name or confidence whose JSON type differs from the other lines'
    "negative index", "fractional index", "index as a list", "numeric class name",
    "string confidence", "feedback not a list", "feedback entry not an object",
    "numeric comment",
    # read_block refuses every null
    "null confidence",
}
"""Planted violations Arrow steps aside for: all change a value's JSON type in one line."""
PLANTS: list[tuple[str, Violation]] = [
    *((job_type, violation) for job_type in ("image-classification", "text-classification")
      for violation in test_suite_classification.VIOLATIONS[job_type]),
    *(("label-verification", violation)
      for violation in test_suite_label_verification.VIOLATIONS),
]


def make(kind: str) -> ClassIndexFlattener:
    flattener, attribute, _ = TYPES[kind]
    return flattener(attribute, f"{attribute}-metadata")


def records(data: bytes, first: int) -> list[tuple[int, Any]]:
    rows = data.split(b"\n")
    if not rows[-1]:
        rows.pop()
    return list(LineParser("test").parse(rows, first))


def both_ways(exact_flattener: Flattener, fast_flattener: Flattener, data: bytes,
              first: int = 1) -> tuple[ArrayFrames | None, ArrayFrames]:
    """(Arrow's frames or None if it steps aside, the line-by-line flattener's frames), each
    from its own flattener, whose state each updates."""
    found = records(data, first)
    exact = to_arrays(exact_flattener.flatten(found))
    fields = fast_flattener.arrow_fields()
    assert fields is not None
    table = read_block(data, len(found), fields)
    fast = None if table is None else fast_flattener.flatten_table(table, first)
    return fast, exact


def assert_same_kinds(fast: ArrayFrames, exact: ArrayFrames) -> None:
    """Number and flag columns have the line path's dtype (so chunks join alike); strings may be
    Arrow arrays, and a column the line path has no value in may be of any kind."""
    for frame, columns in exact.items():
        for name, expected in columns.items():
            found = fast[frame][name]
            if expected.dtype != object:
                assert getattr(found, "dtype", None) == expected.dtype, (frame, name)
            elif any(isinstance(value, bool) for value in expected):
                assert [type(value) for value in found] == [type(value) for value in expected], (
                    frame, name)


def same_or_refused(kind: str, lines: list[Record], first: int = 1) -> ArrayFrames | None:
    """Arrow's frames of the lines (None if it steps aside), checked against the line path's;
    where Arrow steps aside, its flattener's first class names must be untouched."""
    exact_flattener, fast_flattener = make(kind), make(kind)
    fast, exact = both_ways(exact_flattener, fast_flattener, encode(lines), first)
    if fast is None:
        assert fast_flattener.first_class_names == {}
    else:
        assert as_lists(fast) == as_lists(exact)
        assert_same_kinds(fast, exact)
        assert list(fast_flattener.first_class_names.items()) == list(
            exact_flattener.first_class_names.items())
    return fast


@pytest.mark.parametrize("kind", list(TYPES))
def test_the_seed_examples_are_read_by_arrow_as_line_by_line(kind: str) -> None:
    lines = copies(sample_record(TYPES[kind][2]))
    fast = same_or_refused(kind, lines, first=41)
    assert fast is not None
    assert fast["labels"]["line"].tolist() == [41, 42, 43, 44]


def test_the_verification_feedback_is_read_by_arrow() -> None:
    fast = same_or_refused("label-verification", copies(sample_record(TYPES[
        "label-verification"][2]), count=2))
    assert fast is not None
    assert as_lists(fast)["feedback"] == {
        "line": [1, 1, 2, 2],
        "comment": ["The bounding box on the bird is too wide on the right side.",
                    "The bird on the upper right is not labeled."] * 2,
    }


@pytest.mark.parametrize(("kind", "violation"), PLANTS, ids=[f"{k}: {v[0]}" for k, v in PLANTS])
def test_every_planted_violation_gives_the_same_frames_or_arrow_steps_aside(
    kind: str, violation: Violation
) -> None:
    name, change, _ = violation
    lines = copies(sample_record(TYPES[kind][2]))
    change(lines[2])
    fast = same_or_refused(kind, lines)
    assert (fast is None) == (name in REFUSED_VIOLATIONS)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("form", ["numbers", "strings"])
def test_both_class_index_forms_are_read_by_arrow(case: str, form: str) -> None:
    """A manifest writes its class indexes as numbers or as strings: Arrow reads either."""
    _sample, attribute, _classes, _categories = CASES[case]
    lines = manifest_lines(case)
    if form == "strings":
        lines = as_strings(lines, attribute)
    kind = next(kind for kind, found in TYPES.items() if found[1] == attribute)
    assert same_or_refused(kind, lines) is not None


def test_a_block_with_both_class_index_forms_is_read_line_by_line() -> None:
    lines = as_strings(manifest_lines("image-classification"), "species", every=2)
    assert same_or_refused("image-classification", lines) is None


Label = Callable[[random.Random], Any]
LABEL_FORMS: dict[str, Label] = {
    "numbers": lambda rng: rng.choice([0, 1, 2, 3, 2, -1, 12]),
    "strings": lambda rng: rng.choice(["0", "1", "2", "007", "12", "-1", "dog", "", "1.5",
                                       "\u0663", "x1", "99999999999999999"]),
    "booleans": lambda rng: rng.choice([True, False]),
}


def feedback(rng: random.Random) -> list[Any]:
    entries: list[Any] = []
    for _ in range(rng.randint(0, 3)):
        entry: dict[str, Any] = {"comment": rng.choice(["ok", "", "too wide"])}
        if rng.random() < 0.2:
            entry = {"note": "no comment"}
        entries.append(entry)
    return entries


def random_line(rng: random.Random, index: int, attribute: str, label: Label) -> Record:
    """A class index line with the irregularities real manifests have: unlabeled and failed
    lines, missing keys, empty or repeated class names, extra keys of every kind."""
    metadata: Record = {
        "class-name": rng.choice(["dog", "cat", "bird", "", "Dog"]),
        "confidence": rng.choice([0.5, 1, 0, 0.93, 2.5, -1]),
        "type": rng.choice(["groundtruth/image-classification", "groundtruth/other"]),
        "human-annotated": rng.choice(["yes", "no"]),
        "creation-date": "2018-10-18T22:18:13.527256",
        "job-name": rng.choice(["identify-animal-species", ""]),
        "worker-feedback": feedback(rng),
        "extra": {"nested": [1, 2]},
    }
    for key in ("class-name", "confidence", "job-name", "worker-feedback"):
        if rng.random() < 0.1:
            del metadata[key]
    record: Record = {"source-ref": f"s3://bucket/images/{index}.jpg"}
    if rng.random() < 0.1:
        record = {"source": f"text {index}"}
    record["other"] = rng.choice([{"a": [1]}, {"b": "x"}])
    roll = rng.random()
    if roll < 0.8:
        record[attribute] = label(rng)
        record[f"{attribute}-metadata"] = metadata
    elif roll < 0.9:
        record[f"{attribute}-metadata"] = {"failure-reason": "ClientError: timed out",
                                           "type": "groundtruth/image-classification"}
    return record


@pytest.mark.parametrize("kind", ["image-classification", "label-verification"])
@pytest.mark.parametrize("form", list(LABEL_FORMS))
@pytest.mark.parametrize("seed", range(4))
def test_generated_irregular_lines_give_the_same_frames(kind: str, form: str, seed: int) -> None:
    rng = random.Random(seed)
    attribute = TYPES[kind][1]
    lines = [random_line(rng, i, attribute, LABEL_FORMS[form]) for i in range(300)]
    fast = same_or_refused(kind, lines, first=1 + 300 * seed)
    assert fast is not None, "these lines hold nothing Arrow must refuse"


UNIFORM_ODDITIES: dict[str, Callable[[Record], Any]] = {
    "every confidence a string": lambda m: m.update(confidence="0.9"),
    "every confidence a list": lambda m: m.update(confidence=[0.9]),
    "every confidence a date": lambda m: m.update(confidence="2018-10-18 22:18:13"),
    "every feedback an object": lambda m: m.update({"worker-feedback": {"comment": "ok"}}),
    "every feedback a list of strings": lambda m: m.update({"worker-feedback": ["ok"]}),
    "every comment a number": lambda m: m.update({"worker-feedback": [{"comment": 3}]}),
    "every feedback empty": lambda m: m.update({"worker-feedback": []}),
    "no metadata but the type": lambda m: [m.pop(key) for key in list(m) if key != "type"],
}
"""Odd values in every line of a block: Arrow infers their type and reads them as they are."""


@pytest.mark.parametrize("oddity", list(UNIFORM_ODDITIES))
def test_an_oddity_in_every_line_gives_the_same_frames(oddity: str) -> None:
    lines = copies(sample_record(TYPES["label-verification"][2]))
    for line in lines:
        UNIFORM_ODDITIES[oddity](line["verify-bounding-box-metadata"])
    assert same_or_refused("label-verification", lines) is not None


STEPPED_ASIDE: dict[str, Callable[[Record], Any]] = {
    "a label read as a date": lambda r: r.update(species="2018-10-18 22:18:13"),
    "a class index too long for an int64": lambda r: r.update(species="1" * 19),
    "a label as an object": lambda r: r.update(species={"id": 0}),
    "a fractional label": lambda r: r.update(species=1.0),
    "a class name read as a number": lambda r: r["species-metadata"].update({"class-name": 5}),
}
"""What Arrow steps aside for, though every line of the block has it."""


@pytest.mark.parametrize("oddity", list(STEPPED_ASIDE))
def test_arrow_steps_aside_where_only_python_reads_the_label_right(oddity: str) -> None:
    lines = copies(sample_record(TYPES["image-classification"][2]))
    for line in lines:
        STEPPED_ASIDE[oddity](line)
    assert same_or_refused("image-classification", lines) is None


def test_a_comment_read_as_a_date_is_read_line_by_line() -> None:
    lines = copies(sample_record(TYPES["label-verification"][2]))
    for line in lines:
        line["verify-bounding-box-metadata"]["worker-feedback"] = [
            {"comment": "2018-10-18 22:18:13"}]
    assert same_or_refused("label-verification", lines) is None


def test_a_block_without_labels_is_read_by_arrow() -> None:
    lines = copies(sample_record(TYPES["text-classification"][2]))
    for line in lines:
        del line["mood"]
    fast = same_or_refused("text-classification", lines)
    assert fast is not None
    assert len(fast["labels"]["line"]) == 0


def blocks_of(lines: list[Record], size: int) -> list[Block]:
    data = [encode(lines[start:start + size]) for start in range(0, len(lines), size)]
    return [Block(1 + size * i, len(records(block, 1)), block) for i, block in enumerate(data)]


@pytest.mark.parametrize("kind", ["image-classification", "label-verification"])
@pytest.mark.parametrize("seed", range(3))
def test_the_first_class_names_carry_across_blocks_as_line_by_line(kind: str, seed: int) -> None:
    """Blocks read by Arrow, and one in the middle read line by line (it mixes both class index
    forms), leave the same first class names and frames as the line path over every block."""
    rng = random.Random(seed)
    attribute = TYPES[kind][1]
    lines = [random_line(rng, i, attribute, LABEL_FORMS["numbers"]) for i in range(400)]
    for line in lines[200:300:3]:
        if attribute in line:
            line[attribute] = str(line[attribute])
    exact, fast = make(kind), make(kind)
    flattening = BlockFlattening([fast], LineParser("test"))
    for block in blocks_of(lines, 100):
        expected = to_arrays(exact.flatten(records(block.data, block.first)))
        [found] = flattening.frames(block)
        assert as_lists(found) == as_lists(expected)
        assert list(fast.first_class_names.items()) == list(exact.first_class_names.items())
    assert (flattening.arrow_blocks, flattening.line_blocks) == (3, 1)


def test_the_verification_and_the_verified_boxes_are_read_by_arrow_together() -> None:
    sample = TYPES["label-verification"][2]
    lines = copies(sample_record(sample))
    parser = LineParser("test")
    flatteners = [BoundingBoxFlattener("bounding-box", "bounding-box-metadata"),
                  make("label-verification")]
    flattening = BlockFlattening(flatteners, parser)
    found = flattening.frames(Block(1, len(lines), encode(lines)))
    assert flattening.arrow_blocks == 1
    expected = [to_arrays(flattener.flatten(records(encode(lines), 1)))
                for flattener in (BoundingBoxFlattener("bounding-box", "bounding-box-metadata"),
                                  make("label-verification"))]
    assert [as_lists(frames) for frames in found] == [as_lists(frames) for frames in expected]
