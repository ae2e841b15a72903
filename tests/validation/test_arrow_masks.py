"""Segmentation masks: Arrow's frames are the line-by-line flattener's, or Arrow steps aside."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.validation.flatten import Flattener
from airflow_gt.validation.flatten_masks import MaskFlattener
from tests.conftest import SAMPLES
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
from tests.validation.test_suite_semantic_segmentation import SAMPLE, VIOLATIONS

GOLDEN = Path(__file__).parent / "golden" / "planted-semantic-segmentation.manifest"
REFUSED_VIOLATIONS = {
    "mask not a string", "color map a list", "class name not a string", "string confidence",
}
"""Planted violations where a value's JSON type differs from the same value's in the other lines
(or from the declared string mask): Arrow refuses those blocks."""


def flatteners() -> list[Flattener]:
    return [MaskFlattener("city-streets-ref", "city-streets-metadata")]


def both_masks() -> list[Flattener]:
    return [MaskFlattener("city-streets-ref", "city-streets-metadata"),
            MaskFlattener("adjusted-city-streets-ref", "adjusted-city-streets-metadata")]


def test_the_sample_is_read_by_arrow_as_line_by_line() -> None:
    fast, exact = both_ways(flatteners, encode(copies(sample_record(SAMPLE))), first=41)
    assert fast is not None
    assert same(fast, exact)
    colors = as_lists(fast[0])["colors"]
    assert colors["key"][:3] == ["0", "1", "2"]
    assert colors["class_name"][:3] == ["BACKGROUND", "buildings", "road"]
    assert as_lists(fast[0])["labels"]["distinct_colors"] == [3.0] * 4


def test_the_adjustment_sample_is_read_by_arrow_for_both_masks() -> None:
    data = manifest_lines(SAMPLES / "semantic-segmentation-adjustment.manifest")
    fast, exact = both_ways(both_masks, data * 3)
    assert fast is not None
    assert same(fast, exact)


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
    assert taken >= 25


def test_a_line_keys_out_of_order_gives_its_rows_in_class_index_order() -> None:
    lines = copies(sample_record(SAMPLE), count=2)
    color_map = lines[1]["city-streets-metadata"]["internal-color-map"]
    lines[1]["city-streets-metadata"]["internal-color-map"] = {
        key: color_map[key] for key in ["2", "0", "1"]} | {"10": color_map["1"]}
    fast, exact = both_ways(flatteners, encode(lines))
    assert fast is not None
    assert same(fast, exact)
    assert as_lists(fast[0])["colors"]["key"][3:] == ["0", "1", "2", "10"]


def test_keys_of_any_text_and_entries_of_any_type_give_the_same_frames() -> None:
    lines = copies(sample_record(SAMPLE), count=3)
    entry = lines[1]["city-streets-metadata"]["internal-color-map"]["0"]
    lines[1]["city-streets-metadata"]["internal-color-map"] = {
        "": entry, "a.b": entry, "00": entry, "0": entry, "٣": entry, "7": 5, "x": [],
        "y": {}, "z": True, "w": "#ffffff"}
    lines[2]["city-streets-metadata"]["internal-color-map"] = {}
    fast, exact = both_ways(flatteners, encode(lines))
    assert fast is not None
    assert same(fast, exact)
    assert as_lists(fast[0])["colors"]["key"][3:] == ["0", "00", "", "a.b", "y", "٣"]


def test_a_class_name_read_as_a_timestamp_is_flattened_line_by_line() -> None:
    lines = copies(sample_record(SAMPLE), count=2)
    for line in lines:
        line["city-streets-metadata"]["internal-color-map"]["2"]["class-name"] = "2024-01-02"
    fast, exact = both_ways(flatteners, encode(lines))
    assert fast is None
    assert as_lists(exact[0])["colors"]["class_name"][2] == "2024-01-02"


COLORS = ["#ffffff", "#2ACF59", "#2acf59", "#f83", "orange", "#GGGGGG", "#f28333", "#F28333\n"]


def random_entry(rng: random.Random) -> Record:
    entry: Record = {"class-name": rng.choice(["road", "sky", "", "BACKGROUND"]),
                     "confidence": rng.choice([0.9, 0.8, 1, 0, -0.0, 1.5, rng.random()]),
                     "hex-color": rng.choice(COLORS)}
    if rng.random() < 0.15:
        entry.pop(rng.choice(list(entry)))
    return entry


def random_line(rng: random.Random, index: int) -> Record:
    """A mask line with the irregularities real manifests have: unlabeled and failed lines,
    color maps missing or empty, entries missing keys, of odd keys or in any order, colors of
    any case and shape, confidences out of range, extra keys."""
    keys = rng.sample(["0", "1", "2", "3", "10", "road"], rng.randint(0, 5))
    if rng.random() < 0.7:
        keys.sort(key=lambda key: (not key.isdigit(), int(key) if key.isdigit() else 0))
    color_map: Record = {key: random_entry(rng) for key in keys}
    if "3" in color_map:
        color_map["3"] = "#000000"  # an entry that is not an object, in every line that has it
    metadata: Record = {
        "internal-color-map": color_map, "type": "groundtruth/semantic-segmentation",
        "job-name": "label-city-streets", "human-annotated": rng.choice(["yes", "no"]),
        "creation-date": "2018-10-18T22:18:13.527256",
    }
    if rng.random() < 0.05:
        metadata.pop("internal-color-map")
    record: Record = {"source-ref": f"s3://example-bucket/images/{index}.jpg",
                      "extra": rng.choice([{"a": [1]}, {"b": "x"}])}
    roll = rng.random()
    if roll < 0.8:
        record["city-streets-ref"] = rng.choice(["s3://b/m.png", "output/0.png", ""])
        record["city-streets-metadata"] = metadata
    elif roll < 0.9:
        record["city-streets-metadata"] = {"failure-reason": "ClientError: timed out",
                                           "type": "groundtruth/semantic-segmentation"}
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
    lines[40]["city-streets-ref"] = ["s3://b/m.png"]  # refused: lines 31-60 go line by line
    fast, flattening = flatten_blocks(flatteners(), blocks_of(encode(lines), [30, 30]))
    exact, _ = flatten_blocks([line_only(MaskFlattener)("city-streets-ref",
                                                        "city-streets-metadata")],
                              blocks_of(encode(lines), [30, 30]))
    assert (flattening.arrow_blocks, flattening.line_blocks) == (2, 1)
    assert same(fast, exact)
