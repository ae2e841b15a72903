"""Validation against the input manifest (``--input-manifest``): an output that passes every input
line and key through passes; each way of losing or changing something fails alone, on its line."""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.validation.passthrough import PassthroughFlattener, differences
from airflow_gt.validation.suites import load_suite
from airflow_gt.validation.validator import validate_manifest
from tests.validation.planting import PLANTED_LINE, Record, copies, failures, sample_record, write

SAMPLE = "object-detection.manifest"
LABEL_KEYS = ("bounding-box", "bounding-box-metadata")
IN_SET = "expect_column_values_to_be_in_set"
NULL = "expect_column_values_to_be_null"
INPUT_LINE = (IN_SET, "input_line_present")
OUTPUT_LINE = (IN_SET, "output_line_present")
LOST = (NULL, "lost_keys")
CHANGED = (NULL, "changed_keys")


def manifests(count: int = 4) -> tuple[list[Record], list[Record]]:
    """Output lines with a label and pass-through keys, and the input lines they came from."""
    outputs = copies(sample_record(SAMPLE), count)
    for number, line in enumerate(outputs):
        line["customer-id"] = f"c-{number}"
        line["tags"] = {"camera": "front", "frames": [number, number + 1]}
    inputs = [{k: v for k, v in line.items() if k not in LABEL_KEYS} for line in outputs]
    return outputs, deepcopy(inputs)


def check(tmp_path: Path, outputs: list[Record], inputs: list[Record], **options: Any) -> Any:
    return validate_manifest(
        write(tmp_path, outputs, "output.manifest"),
        input_manifest=write(tmp_path, inputs, "input.manifest"), chunk_lines=2, **options,
    )


def test_an_output_that_passes_everything_through_passes(tmp_path: Path) -> None:
    result = check(tmp_path, *manifests())
    assert result.success, result.summary()
    assert [(a.label_attribute, a.job_type, a.labeled) for a in result.attributes] == [
        ("bounding-box", "object-detection", 4), ("(pass-through)", "passthrough", 4)]
    assert result.summary()["label_attributes"][1]["expectations"] == 4


def drop(key: str) -> Any:
    return lambda outputs, inputs: outputs[PLANTED_LINE - 1].pop(key)


def change(key: str, value: Any) -> Any:
    return lambda outputs, inputs: outputs[PLANTED_LINE - 1].update({key: value})


VIOLATIONS = [
    ("an extra output line", lambda outputs, inputs: inputs.pop(), INPUT_LINE,
     {"count": 3}),
    ("a lost input line at the end", lambda outputs, inputs: outputs.pop(), OUTPUT_LINE,
     {"count": 3}),
    ("a lost key", drop("customer-id"), LOST, {}),
    ("a lost object-valued key", drop("tags"), LOST, {}),
    ("a changed key", change("customer-id", "c-7"), CHANGED, {}),
    ("a changed nested value", lambda outputs, inputs: outputs[PLANTED_LINE - 1]["tags"][
        "frames"].append(9), CHANGED, {}),
    ("a changed type", change("customer-id", ["c-2"]), CHANGED, {}),
]


@pytest.mark.parametrize(("name", "plant", "expected", "shape"), VIOLATIONS,
                         ids=[v[0] for v in VIOLATIONS])
def test_a_planted_violation_fails_its_expectation_alone(
    tmp_path: Path, name: str, plant: Any, expected: tuple[str, str], shape: dict[str, int]
) -> None:
    outputs, inputs = manifests(shape.get("count", 4))
    plant(outputs, inputs)
    assert failures(check(tmp_path, outputs, inputs)) == {expected: [PLANTED_LINE]}


def test_every_expectation_of_the_suite_is_planted() -> None:
    planted = {expected for _, _, expected, _ in VIOLATIONS}
    assert {(e.type, e.column) for e in load_suite("passthrough").expectations} == planted


def test_the_failing_values_name_the_keys(tmp_path: Path) -> None:
    outputs, inputs = manifests()
    outputs[2].pop("customer-id")
    outputs[2].pop("tags")
    outputs[3]["source-ref"] = "s3://elsewhere/x.jpg"
    result = check(tmp_path, outputs, inputs, label_attribute="bounding-box",
                   job_type="object-detection")
    samples = {(o.column, s.line): s.value for o in result.attributes[1].failed_expectations
               for s in o.samples}
    assert samples == {("lost_keys", 3): "customer-id, tags",
                       ("changed_keys", 4): "source-ref"}


def test_lines_out_of_order_fail_on_each_line(tmp_path: Path) -> None:
    outputs, inputs = manifests()
    outputs[1], outputs[2] = outputs[2], outputs[1]
    assert failures(check(tmp_path, outputs, inputs)) == {CHANGED: [2, 3]}


def test_a_lost_line_after_a_full_last_chunk_is_found(tmp_path: Path) -> None:
    # The output ends exactly at a chunk boundary: the surplus row is a chunk of its own.
    outputs, inputs = manifests(6)
    del outputs[4:]
    assert failures(check(tmp_path, outputs, inputs)) == {OUTPUT_LINE: [5]}


def test_only_the_first_lost_line_is_reported(tmp_path: Path) -> None:
    outputs, inputs = manifests()
    del outputs[1:]
    result = check(tmp_path, outputs, inputs)
    assert failures(result) == {OUTPUT_LINE: [2]}
    (outcome,) = result.attributes[1].failed_expectations
    assert outcome.samples[0].source == inputs[1]["source-ref"]


def test_several_extra_output_lines_fail_each(tmp_path: Path) -> None:
    outputs, inputs = manifests()
    del inputs[1:]
    assert failures(check(tmp_path, outputs, inputs)) == {INPUT_LINE: [2, 3, 4]}


def test_the_label_attributes_checked_may_differ_from_the_input(tmp_path: Path) -> None:
    outputs, inputs = manifests()
    inputs[2]["bounding-box"] = {"image_size": [], "annotations": []}
    assert check(tmp_path, outputs, inputs).success


def test_an_earlier_label_not_checked_must_pass_through(tmp_path: Path) -> None:
    # An adjustment job's input has the label it adjusts: when only the new label is checked,
    # the earlier one is a pass-through key like any other.
    outputs = copies(sample_record("object-detection-adjustment.manifest"))
    inputs = deepcopy(
        [{k: v for k, v in line.items() if not k.startswith("adjusted-")} for line in outputs])
    outputs[2]["bounding-box-metadata"]["job-name"] = "another-job"
    only_new = check(tmp_path, outputs, inputs, label_attribute="adjusted-bounding-box")
    assert failures(only_new) == {CHANGED: [3]}
    assert failures(check(tmp_path, outputs, inputs)) == {}


def test_the_comparison_runs_in_a_worker_process_too(tmp_path: Path) -> None:
    outputs, inputs = manifests()
    outputs[2].pop("customer-id")
    del outputs[3:]
    found = failures(check(tmp_path, outputs, inputs, processes=1))
    assert found == {LOST: [3], OUTPUT_LINE: [4]}


def test_differences_ignore_the_label_keys() -> None:
    before = {"source-ref": "s3://b/1.jpg", "a": 1, "label": 1, "label-metadata": {}}
    after = {"source-ref": "s3://b/1.jpg", "a": 2, "label": 2}
    assert differences(before, after, frozenset({"label", "label-metadata"})) == (None, "a")
    assert differences(before, after, frozenset()) == ("label-metadata", "a, label")


def test_the_flattener_reads_the_input_in_lockstep() -> None:
    inputs = [(1, {"k": 1}), (2, {"k": 2}), (3, {"k": 3})]
    flattener = PassthroughFlattener(inputs, ())
    first = flattener.flatten([(1, {"k": 1})])["lines"]
    second = flattener.flatten([(2, {"k": 5})])["lines"]
    assert (first["line"], first["changed_keys"]) == ([1], [None])
    assert (second["line"], second["changed_keys"]) == ([2], ["k"])
    surplus = flattener.surplus()
    assert surplus is not None
    assert surplus["lines"]["line"] == [3]
    assert surplus["lines"]["output_line_present"] == [False]
    assert flattener.surplus() is None
