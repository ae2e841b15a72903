"""Arrow's fast path gives exactly the frames the line-by-line flattener gives, or steps aside."""

from __future__ import annotations

import math
import random
from typing import Any

import orjson
import pytest

from airflow_gt.exceptions import EmptyLineError
from airflow_gt.manifests.reader import LineParser
from airflow_gt.validation.arrow_blocks import read_block
from airflow_gt.validation.chunk_feed import Block, BlockFlattening
from airflow_gt.validation.flatten_boxes import BoundingBoxFlattener
from airflow_gt.validation.frames import ArrayFrames, to_arrays
from tests.validation.planting import Record, copies, sample_record
from tests.validation.test_suite_object_detection import SAMPLE, VIOLATIONS

REFUSED_VIOLATIONS = {"string width", "string left"}
"""Planted violations that change a value's JSON type: Arrow refuses those blocks."""


def flattener() -> BoundingBoxFlattener:
    return BoundingBoxFlattener("bounding-box", "bounding-box-metadata")


def encode(lines: list[Record]) -> bytes:
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)


def plain(value: Any) -> Any:
    """A column value as a comparable Python value: NaN and None are both missing."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return plain(value.item())
    return value


def as_lists(frames: ArrayFrames) -> dict[str, dict[str, list[Any]]]:
    return {
        frame: {name: [plain(v) for v in (
            column.to_pylist() if hasattr(column, "to_pylist") else column.tolist())]
            for name, column in columns.items()}
        for frame, columns in frames.items()
    }


def both_ways(data: bytes, first: int = 1) -> tuple[ArrayFrames | None, ArrayFrames]:
    """(Arrow's frames or None if it steps aside, the line-by-line flattener's frames)."""
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    rows = data.split(b"\n")
    if not rows[-1]:
        rows.pop()
    records = list(LineParser("test").parse(rows, first))
    exact = to_arrays(flattener().flatten(records))
    table = read_block(data, lines, flattener().arrow_fields())
    fast = None if table is None else flattener().flatten_table(table, first)
    return fast, exact


def test_the_seed_example_is_read_by_arrow_as_line_by_line() -> None:
    fast, exact = both_ways(encode(copies(sample_record(SAMPLE))), first=41)
    assert fast is not None
    assert as_lists(fast) == as_lists(exact)
    assert as_lists(fast)["boxes"]["class_name"][:2] == ["dog", "bone"]


@pytest.mark.parametrize(("name", "change", "expected"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
def test_every_planted_violation_gives_the_same_frames_or_arrow_steps_aside(
    name: str, change: Any, expected: tuple[str, str]
) -> None:
    lines = copies(sample_record(SAMPLE))
    change(lines[2])
    fast, exact = both_ways(encode(lines))
    if name in REFUSED_VIOLATIONS:
        assert fast is None
    else:
        assert fast is not None
        assert as_lists(fast) == as_lists(exact)


def random_line(rng: random.Random, index: int) -> Record:
    """A bounding-box line with the irregularities real manifests have: unlabeled and failed
    lines, missing keys, empty lists, boxes past their objects, ids not in the class-map, extra
    keys of every kind."""
    boxes = [{"class_id": rng.choice([0, 1, 2, 3, 17]), "left": rng.randint(-5, 600),
              "top": rng.uniform(0, 500), "width": rng.randint(0, 300),
              "height": rng.randint(0, 300)} for _ in range(rng.randint(0, 4))]
    for box in boxes:
        if rng.random() < 0.1:
            box.pop(rng.choice(list(box)))
    sizes = [{"width": rng.choice([0, 500, 640.5]), "height": 480, "depth": 3}
             for _ in range(rng.choice([0, 1, 1, 1, 2]))]
    objects = [{"confidence": rng.random()} for _ in range(max(0, len(boxes) - rng.randint(0, 1)))]
    if objects and rng.random() < 0.2:
        objects[0] = {}
    metadata: Record = {
        "objects": objects,
        "class-map": {str(i): n for i, n in enumerate(["dog", "cat", "ball"]) if rng.random() < .8},
        "type": rng.choice(["groundtruth/object-detection", "groundtruth/other"]),
        "human-annotated": rng.choice(["yes", "no", "maybe"]),
        "creation-date": "2024-01-02T03:04:05.678",
        "job-name": rng.choice(["labeling-job/boxes", ""]),
    }
    if rng.random() < 0.1:
        metadata["adjustment-status"] = rng.choice(["adjusted", "unadjusted", "x"])
    record: Record = {"source-ref": f"s3://bucket/images/{index}.jpg"}
    if rng.random() < 0.1:
        record = {"source": f"text {index}"}
    if rng.random() < 0.05:
        record["source"] = "both"
    record["extra"] = rng.choice([{"nested": [1, 2]}, {"nested": [3]}, {"other": "x"}])
    roll = rng.random()
    if roll < 0.8:
        record["bounding-box"] = {"image_size": sizes, "annotations": boxes}
        record["bounding-box-metadata"] = metadata
    elif roll < 0.9:
        record["bounding-box-metadata"] = {"failure-reason": "ClientError: timed out",
                                           "type": "groundtruth/object-detection"}
    return record


@pytest.mark.parametrize("seed", range(8))
def test_generated_irregular_lines_give_the_same_frames(seed: int) -> None:
    rng = random.Random(seed)
    data = encode([random_line(rng, i) for i in range(300)])
    fast, exact = both_ways(data, first=1 + 300 * seed)
    assert fast is not None, "these lines hold nothing Arrow must refuse"
    assert as_lists(fast) == as_lists(exact)


GOOD = orjson.dumps({"source-ref": "s3://b/k.jpg", "x": 1})
REFUSED = {
    "an empty line": GOOD + b"\n\n" + GOOD + b"\n",
    "a blank line": GOOD + b"\n \t\n" + GOOD + b"\n",
    "two objects on one line": GOOD + GOOD + b"\n" + GOOD + b"\n",
    "a byte-order mark": b"\xef\xbb\xbf" + GOOD + b"\n",
    "a null": b'{"source-ref":null,"source":"t"}\n',
    "a NaN": b'{"source-ref":"s3://b/k.jpg","x":NaN}\n',
    "an Infinity": b'{"source-ref":"s3://b/k.jpg","x":-Infinity}\n',
    "invalid UTF-8": b'{"source-ref":"s3://b/k\xff.jpg"}\n',
    "a key twice": b'{"source-ref":"s3://b/k.jpg","source-ref":"s3://b/j.jpg"}\n',
    "a string where a number goes": (
        b'{"source-ref":"s3://b/k.jpg","bounding-box":{"image_size":[{"width":"5"}]}}\n'),
    "an array where an object goes": b'{"source-ref":"s3://b/k.jpg","bounding-box":[]}\n',
    "a line that is not an object": b"[1]\n",
    "an indented line": GOOD + b"\n " + GOOD + b"\n",
}


@pytest.mark.parametrize("data", REFUSED.values(), ids=REFUSED.keys())
def test_arrow_steps_aside_where_it_would_read_otherwise(data: bytes) -> None:
    lines = data.count(b"\n")
    assert read_block(data, lines, flattener().arrow_fields()) is None


def test_a_class_map_of_numbers_is_flattened_line_by_line() -> None:
    record = sample_record(SAMPLE)
    record["bounding-box-metadata"]["class-map"] = {"0": 5}
    fast, exact = both_ways(encode([record]))
    assert fast is None
    assert as_lists(exact)["boxes"]["class_name"][0] is None  # not a name: fails its rule


def test_blocks_that_arrow_refuses_are_read_line_by_line_with_their_errors() -> None:
    good = encode(copies(sample_record(SAMPLE), count=2))
    parser = LineParser("test.manifest")
    flattening = BlockFlattening([flattener()], parser)
    assert flattening.frames(Block(1, 2, good))[0]["lines"]["line"].tolist() == [1, 2]
    # Lines 3 and 4, then an empty line 5: an error only if data follows, in a later block.
    assert flattening.frames(Block(3, 3, good + b"\n"))[0]["lines"]["line"].tolist() == [3, 4]
    assert (flattening.arrow_blocks, flattening.line_blocks) == (1, 1)
    with pytest.raises(EmptyLineError, match=r"test.manifest, line 5: empty line"):
        flattening.frames(Block(6, 2, good))
