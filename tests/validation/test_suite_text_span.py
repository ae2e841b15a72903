"""The text-span suite (named entity recognition): the sample line and the stand-in's output pass;
each rule, broken once, fails alone.

The seed documents no text-span line: ``tests/sample/text-span.manifest`` is built from the shape
:class:`~airflow_gt.manifests.labels.TextSpanLabel` reads and the local stand-in writes (checked
below).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_gt.local import LocalAws
from airflow_gt.local.datasets import DEFAULT_ENTITY_LABELS
from airflow_gt.manifests.attributes import find_label_attribute
from airflow_gt.manifests.label_parsing import parse_label
from airflow_gt.manifests.labels import TextSpanLabel
from airflow_gt.validation.validator import validate_manifest
from tests.conftest import SAMPLES
from tests.local.test_labeling_outputs import Chain
from tests.validation.planting import (
    PLANTED_LINE,
    Record,
    Violation,
    common_violations,
    plant,
    planted_set,
    sample_record,
)
from tests.validation.test_suite_classification import (
    suite_set,
)

SAMPLE = "text-span.manifest"
ATTRIBUTE = "entities"
CATEGORIES = [*DEFAULT_ENTITY_LABELS, "DATE"]
"""The sample's labels, and one more that its lines do not offer."""


def meta(record: Record) -> dict[str, Any]:
    return record[f"{ATTRIBUTE}-metadata"]  # type: ignore[no-any-return]


def annotations_of(record: Record) -> dict[str, Any]:
    return record[ATTRIBUTE]["annotations"]  # type: ignore[no-any-return]


def entity(record: Record, index: int = 1) -> dict[str, Any]:
    return annotations_of(record)["entities"][index]  # type: ignore[no-any-return]


def confidence(record: Record, index: int = 1) -> dict[str, Any]:
    return meta(record)["entities"][index]  # type: ignore[no-any-return]


def offer_and_mark(record: Record) -> None:
    annotations_of(record)["labels"].append({"label": "MISC"})
    entity(record)["label"] = "MISC"


VIOLATIONS: list[Violation] = [
    *common_violations(meta, "groundtruth/text-classification"),
    ("label not an object", lambda r: r.update({ATTRIBUTE: "PERSON"}),
     ("expect_column_values_to_be_in_set", "annotations_type")),
    ("annotations a list", lambda r: r.update({ATTRIBUTE: {"annotations": []}}),
     ("expect_column_values_to_be_in_set", "annotations_type")),
    ("no entities list", lambda r: annotations_of(r).pop("entities"),
     ("expect_column_values_to_be_in_set", "entity_list_type")),
    ("no labels list", lambda r: annotations_of(r).pop("labels"),
     ("expect_column_values_to_be_in_set", "label_list_type")),
    ("missing confidence entry", lambda r: meta(r)["entities"].pop(),
     ("expect_column_pair_values_to_be_equal", "confidence_count,entity_count")),
    ("no label", lambda r: entity(r).pop("label"),
     ("expect_column_values_to_not_be_null", "label")),
    ("empty label", lambda r: entity(r).update(label=""),
     ("expect_column_values_to_not_be_null", "label")),
    ("label not offered by the line", lambda r: entity(r).update(label="DATE"),
     ("expect_column_values_to_be_in_set", "declared")),
    ("label not in the categories", offer_and_mark,
     ("expect_column_values_to_be_in_set", "label")),
    ("string start", lambda r: entity(r).update(startOffset="16"),
     ("expect_column_values_to_not_be_null", "start")),
    ("no end", lambda r: entity(r).pop("endOffset"),
     ("expect_column_values_to_not_be_null", "end")),
    ("fractional end", lambda r: entity(r).update(endOffset=25.0),
     ("expect_column_values_to_not_be_null", "end")),
    ("negative start", lambda r: entity(r).update(startOffset=-1),
     ("expect_column_values_to_be_between", "start")),
    ("empty span", lambda r: entity(r).update(endOffset=entity(r)["startOffset"]),
     ("expect_column_pair_values_a_to_be_greater_than_b", "end,start")),
    ("reversed span", lambda r: entity(r).update(startOffset=30, endOffset=20),
     ("expect_column_pair_values_a_to_be_greater_than_b", "end,start")),
    ("past the end of the text", lambda r: entity(r).update(endOffset=len(r["source"]) + 1),
     ("expect_column_pair_values_a_to_be_greater_than_b", "text_length,end")),
    ("string confidence", lambda r: confidence(r).update(confidence="0.9"),
     ("expect_column_values_to_be_in_set", "confidence_type")),
    ("no confidence", lambda r: confidence(r).pop("confidence"),
     ("expect_column_values_to_be_in_set", "confidence_type")),
    ("confidence above 1", lambda r: confidence(r).update(confidence=1.5),
     ("expect_column_values_to_be_between", "confidence")),
]


def test_the_sample_line_has_the_shape_the_parser_reads() -> None:
    record = sample_record(SAMPLE)
    found = find_label_attribute(record, ATTRIBUTE)
    assert found is not None
    parsed = parse_label(record, found, source="output", line=1)
    assert isinstance(parsed, TextSpanLabel)
    assert parsed.labels == DEFAULT_ENTITY_LABELS
    assert [(e.label, record["source"][e.start_offset:e.end_offset]) for e in parsed.entities] == [
        ("PERSON", "Alice Smith"), ("PERSON", "Bob Jones"), ("ORGANIZATION", "Acme Corp"),
        ("LOCATION", "Paris")]
    assert len(parsed.confidences) == len(parsed.entities)


@pytest.mark.parametrize("categories", [None, CATEGORIES])
def test_the_sample_passes(categories: list[str] | None) -> None:
    result = validate_manifest(SAMPLES / SAMPLE, label_categories=categories)
    assert result.success, result.summary()
    [checked] = result.attributes
    assert (checked.label_attribute, checked.job_type, checked.labeled) == (
        ATTRIBUTE, "text-span", 1)


@pytest.mark.parametrize(("name", "change", "expected"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
def test_a_planted_violation_fails_its_expectation_alone(
    tmp_path: Path, name: str, change: Any, expected: tuple[str, str]
) -> None:
    assert plant(tmp_path, SAMPLE, change, label_categories=CATEGORIES) == {
        expected: [PLANTED_LINE]}


def test_every_expectation_of_the_suite_is_planted() -> None:
    assert suite_set("text-span") == planted_set(VIOLATIONS)


def test_a_text_without_entities_passes(tmp_path: Path) -> None:
    def no_entities(record: Record) -> None:
        annotations_of(record)["entities"].clear()
        meta(record)["entities"].clear()

    assert plant(tmp_path, SAMPLE, no_entities, label_categories=CATEGORIES) == {}


def test_the_stand_in_output_passes(manual_aws: LocalAws) -> None:
    chain = Chain(manual_aws)
    lines = chain.run("NamedEntityRecognition", chain.texts(count=8), ATTRIBUTE,
                      DEFAULT_ENTITY_LABELS, instructions=True)
    assert any(line[ATTRIBUTE]["annotations"]["entities"] for line in lines)
    result = validate_manifest(chain.last_output, s3_client=chain.s3, chunk_lines=3,
                               label_categories=DEFAULT_ENTITY_LABELS)
    assert result.success, result.summary()
    [checked] = result.attributes
    assert (checked.job_type, checked.labeled) == ("text-span", len(lines))
