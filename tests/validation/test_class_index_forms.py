"""A class index written as a number (the seed's ``"sport": 0``) or as a string of digits (its
``"species": "0"``, ``"mood": "1"``, ``"verify-bounding-box": "1"``, which the stand-in writes)
is one and the same label: the same manifest in either form (or both) validates the same, failures
included, parses to the same classes, and chains the same lines."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from airflow_gt.manifests.chaining import Selection, chain_manifest
from airflow_gt.manifests.label_parsing import parse_label
from airflow_gt.validation.validator import validate_manifest
from tests.validation.planting import Record, copies, sample_record, write

# (sample, label attribute, the classes an index names, the label categories)
CASES = {
    "image-classification": ("image-classification.manifest", "species",
                             ("dog", "cat", "bird"), ["dog", "cat", "bird"]),
    "text-classification": ("text-classification.manifest", "mood",
                            ("happy", "sad", "angry"), ["happy", "sad", "angry"]),
    "label-verification": ("label-verification-bounding-box.manifest", "verify-bounding-box",
                           ("good", "bad"), ["good", "bad", "dog", "bone"]),
}  # fmt: skip
LINES = 12
MISNAMED_LINE = 7
"""A line whose class-name is not the one its index names on the other lines: a failure both
forms must report the same."""


def manifest_lines(case: str) -> list[Record]:
    """Lines of the case's sample with class indexes 0, 1, 2, ... in turn (as numbers), one line
    failed, and one line misnamed."""
    sample, attribute, classes, _categories = CASES[case]
    lines = copies(sample_record(sample), LINES)
    for number, line in enumerate(lines, 1):
        index = number % len(classes)
        line[attribute] = index
        line[f"{attribute}-metadata"]["class-name"] = classes[index]
    failed = lines[1]
    del failed[attribute]
    failed[f"{attribute}-metadata"] = {
        "retry-count": 1, "failure-reason": "ClientError: no worker answered in time",
        "type": lines[0][f"{attribute}-metadata"]["type"], "job-name": "a-job",
        "human-annotated": "yes", "creation-date": "2018-10-18T22:18:13.527256",
    }  # fmt: skip
    misnamed = lines[MISNAMED_LINE - 1][f"{attribute}-metadata"]
    misnamed["class-name"] = classes[(classes.index(misnamed["class-name"]) + 1) % len(classes)]
    return lines


def as_strings(lines: list[Record], attribute: str, every: int = 1) -> list[Record]:
    """The lines with every ``every``-th class index (the first included) as a string."""
    converted = copy.deepcopy(lines)
    for line in converted[::every]:
        if attribute in line:
            line[attribute] = str(line[attribute])
    return converted


def written(case: str, tmp_path: Path) -> tuple[Path, Path, Path]:
    """The case's manifest with number indexes, the same with string indexes, and the same with
    both forms in turn."""
    attribute = CASES[case][1]
    lines = manifest_lines(case)
    numbers = write(tmp_path, lines, "numbers.manifest")
    strings = write(tmp_path, as_strings(lines, attribute), "strings.manifest")
    mixed = write(tmp_path, as_strings(lines, attribute, every=2), "mixed.manifest")
    assert len({numbers.read_bytes(), strings.read_bytes(), mixed.read_bytes()}) == 3
    assert b'"0"' in strings.read_bytes()
    return numbers, strings, mixed


def summary(path: Path, categories: list[str] | None, chunk_lines: int) -> dict[str, Any]:
    found = validate_manifest(path, label_categories=categories, chunk_lines=chunk_lines)
    return {key: value for key, value in found.summary().items() if key != "source"}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("chunk_lines", [2, 1000])
def test_both_forms_validate_the_same(tmp_path: Path, case: str, chunk_lines: int) -> None:
    numbers, strings, mixed = written(case, tmp_path)
    categories = CASES[case][3]
    checked = summary(numbers, categories, chunk_lines)
    assert checked == summary(strings, categories, chunk_lines)
    assert checked == summary(mixed, categories, chunk_lines)
    assert checked["success"] is False  # the misnamed line, and nothing else
    assert [(f["column"], f["sample_lines"]) for f in checked["failed_expectations"]] == [
        ("class_name,first_class_name", [MISNAMED_LINE])
    ]
    attribute = CASES[case][1]
    [verified] = [a for a in checked["label_attributes"] if a["label_attribute"] == attribute]
    assert (verified["labeled"], verified["failed"]) == (LINES - 1, 1)


@pytest.mark.parametrize("case", sorted(CASES))
def test_both_forms_parse_to_the_same_classes(tmp_path: Path, case: str) -> None:
    attribute = CASES[case][1]
    lines = manifest_lines(case)
    for number, (number_line, string_line) in enumerate(
        zip(lines, as_strings(lines, attribute), strict=True), 1
    ):
        first = parse_label(number_line, attribute, line=number)
        second = parse_label(string_line, attribute, line=number)
        if number == 2:  # the failed line has no label in either form
            assert first is None and second is None
            continue
        assert first is not None and second is not None
        assert (getattr(first, "class_id", None), first.class_names) == (
            getattr(second, "class_id", None), second.class_names)  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize(
    "selection",
    [Selection(status="labeled"), Selection(status="failed"),
     Selection(class_names=frozenset({"sad", "bad", "cat"})),
     Selection(lowest_quantile=0.5, seed=3)],
    ids=["labeled", "failed", "class names", "lowest quantile"],
)  # fmt: skip
def test_both_forms_chain_the_same_lines(tmp_path: Path, case: str, selection: Selection) -> None:
    attribute = CASES[case][1]
    kept = []
    for source in written(case, tmp_path):
        destination = tmp_path / f"chained-{source.name}"
        result = chain_manifest(source, destination, new_label_attribute="follow-up",
                                selection=selection, label_attribute=attribute)  # fmt: skip
        lines = [orjson.loads(line) for line in destination.read_bytes().splitlines()]
        assert result.lines_written == len(lines)
        kept.append((result.lines_read, result.lines_written, result.ties_broken,
                     as_strings(lines, attribute)))  # fmt: skip
    assert kept[0] == kept[1] == kept[2]
    assert 0 < kept[0][1] < LINES
