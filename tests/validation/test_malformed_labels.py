"""Validation refuses what chaining refuses: lines nested too deep (exit 2, the line named),
label attributes breaking the naming rules or named but on no line (exit 2), and labels whose
metadata is missing, not an object or without a type (a failed expectation on their lines, as
every other malformed label, where chaining exits 2)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.exceptions import (
    LabelAttributeNameError,
    LabelAttributeNotFoundError,
    NameRuleError,
    NestingTooDeepError,
)
from airflow_gt.manifests.attributes import label_attributes
from airflow_gt.manifests.nesting import MAX_DEPTH
from airflow_gt.validation.arrow_blocks import read_block
from airflow_gt.validation.validator import validate_manifest
from tests.validation.planting import (
    PLANTED_LINE,
    Record,
    copies,
    failures,
    sample_record,
    write,
)
from tests.validation.test_arrow_blocks import both_ways, encode, flattener

METADATA_TYPE = ("expect_column_values_to_be_in_set", "metadata_type")
SAMPLES = [
    "image-classification.manifest", "text-classification.manifest",
    "image-classification-multilabel.manifest", "text-classification-multilabel.manifest",
    "object-detection.manifest", "text-span.manifest",
]


def metadata_key(record: Record) -> str:
    (attribute,) = label_attributes(record)
    return attribute.metadata_key


MALFORMED: dict[str, tuple[Callable[[Record, str], Any], str]] = {
    "no metadata": (lambda r, key: r.pop(key), "(no {key})"),
    "metadata not an object": (lambda r, key: r.update({key: "a string"}),
                               "({key} is not an object)"),
    "metadata null": (lambda r, key: r.update({key: None}), "({key} is not an object)"),
    "no type": (lambda r, key: r[key].pop("type"), "(no type in {key})"),
}


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("malformed", list(MALFORMED))
def test_a_label_without_usable_metadata_fails_the_metadata_type_on_its_line(
    tmp_path: Path, sample: str, malformed: str
) -> None:
    lines = copies(sample_record(sample))
    key = metadata_key(lines[0])
    change, marker = MALFORMED[malformed]
    change(lines[PLANTED_LINE - 1], key)
    result = validate_manifest(write(tmp_path, lines), chunk_lines=2)
    assert not result.success
    assert failures(result)[METADATA_TYPE] == [PLANTED_LINE]
    (outcome,) = [o for o in result.attributes[0].failed_expectations
                  if (o.expectation, o.column) == METADATA_TYPE]
    assert [s.value for s in outcome.samples] == [marker.format(key=key)]
    # The line has a label: it is counted labeled, not unlabeled as before.
    assert (result.attributes[0].labeled, result.attributes[0].failed) == (len(lines), 0)


def test_failed_lines_need_no_type_and_unlabeled_lines_nothing(tmp_path: Path) -> None:
    lines = copies(sample_record("object-detection.manifest"), count=6)
    lines[1].pop("bounding-box")
    lines[1]["bounding-box-metadata"] = {"failure-reason": "ClientError: timed out"}
    lines[4] = {"source-ref": lines[4]["source-ref"]}
    result = validate_manifest(write(tmp_path, lines), chunk_lines=2, max_failed_fraction=0.5)
    assert result.success, result.summary()
    assert (result.attributes[0].labeled, result.attributes[0].failed) == (4, 1)


@pytest.mark.parametrize("malformed", list(MALFORMED))
def test_arrow_steps_aside_for_them_and_the_line_flattener_marks_them(malformed: str) -> None:
    lines = copies(sample_record("object-detection.manifest"))
    change, marker = MALFORMED[malformed]
    change(lines[2], "bounding-box-metadata")
    fast, exact = both_ways(encode(lines))
    assert fast is None
    labels = exact["labels"]
    assert list(labels["line"]) == [1, 2, 3, 4]
    assert list(labels["metadata_type"])[2] == marker.format(key="bounding-box-metadata")


def test_a_block_with_a_line_too_deep_is_not_handed_to_arrow() -> None:
    lines = encode(copies(sample_record("object-detection.manifest")))
    deep = b'{"source-ref":"s3://example-bucket/images/deep.jpg","x":' + b"[" * MAX_DEPTH
    deep += b"]" * MAX_DEPTH + b"}\n"
    assert read_block(lines, 4, flattener().arrow_fields()) is not None
    assert read_block(lines + deep, 5, flattener().arrow_fields()) is None


def deep_line(arrays: int) -> bytes:
    return (b'{"source-ref":"s3://example-bucket/images/deep.jpg","x":' + b"[" * arrays
            + b"]" * arrays + b"}\n")


@pytest.mark.parametrize("chunk_lines", [2, 100], ids=["arrow-block", "first-block"])
def test_a_line_too_deep_is_refused_with_its_line(tmp_path: Path, chunk_lines: int) -> None:
    # With 2-line blocks, line 3 is in a block Arrow would read; with 100, in the first block,
    # which is read line by line to find the label attributes.
    rows = encode(copies(sample_record("object-detection.manifest"))).splitlines(keepends=True)
    path = tmp_path / "deep.manifest"
    path.write_bytes(b"".join(rows[:2]) + deep_line(MAX_DEPTH) + b"".join(rows[2:]))
    with pytest.raises(NestingTooDeepError) as caught:
        validate_manifest(path, chunk_lines=chunk_lines)
    assert (caught.value.source, caught.value.line) == (str(path), 3)
    assert caught.value.depth == MAX_DEPTH + 1


def test_tens_of_thousands_of_levels_are_refused_not_a_crash(tmp_path: Path) -> None:
    # Arrow's JSON reader crashes the process (SIGSEGV) on such a line: run it apart.
    lines = encode(copies(sample_record("object-detection.manifest")))
    path = tmp_path / "hostile.manifest"
    path.write_bytes(lines + deep_line(50_000))
    script = (
        "import sys\n"
        "from airflow_gt.exceptions import NestingTooDeepError\n"
        "from airflow_gt.validation.validator import validate_manifest\n"
        "try:\n"
        "    validate_manifest(sys.argv[1], chunk_lines=2)\n"
        "except NestingTooDeepError as error:\n"
        "    print(error.line, error.depth)\n"
    )
    ran = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                         text=True, timeout=300, check=False)
    assert (ran.returncode, ran.stdout) == (0, "5 1025\n"), ran.stderr[-2000:]


def renamed(record: Record, name: str) -> Record:
    result = {k: v for k, v in record.items() if not k.startswith("bounding-box")}
    result[name] = record["bounding-box"]
    result[f"{name}-metadata"] = record["bounding-box-metadata"]
    return result


def test_an_attribute_with_metadata_in_its_name_is_refused_as_chain_refuses_it(
    tmp_path: Path,
) -> None:
    lines = copies(sample_record("object-detection.manifest"))
    lines[1] = renamed(lines[1], "boxes-metadata-v2")
    path = write(tmp_path, lines)
    with pytest.raises(LabelAttributeNameError) as caught:
        validate_manifest(path)
    assert str(caught.value) == (
        f"{path}, line 2: label attribute 'boxes-metadata-v2': must not contain '-metadata'"
    )
    with pytest.raises(LabelAttributeNameError):
        validate_manifest(path, label_attribute="boxes-metadata-v2")
    with pytest.raises(NameRuleError, match="must not contain '-metadata'"):
        validate_manifest(write(tmp_path, copies(sample_record("object-detection.manifest"))),
                          label_attribute="other-metadata-v2", job_type="object-detection",
                          chunk_lines=2)


@pytest.mark.parametrize("job_type", [None, "image-classification"])
def test_an_attribute_no_line_has_is_refused(tmp_path: Path, job_type: str | None) -> None:
    path = write(tmp_path, copies(sample_record("object-detection.manifest")))
    with pytest.raises(LabelAttributeNotFoundError) as caught:
        validate_manifest(path, label_attribute="species", job_type=job_type)
    assert str(caught.value) == f"label_attribute: no line has label attribute 'species' in {path}"


def test_an_attribute_no_line_has_is_refused_after_the_last_block(tmp_path: Path) -> None:
    # The first block (2 lines) does not tell: with its job type, every line is read first.
    path = write(tmp_path, copies(sample_record("object-detection.manifest"), count=6))
    with pytest.raises(LabelAttributeNotFoundError, match="'species'"):
        validate_manifest(path, label_attribute="species", job_type="image-classification",
                          chunk_lines=2)


def test_an_attribute_first_on_a_later_block_is_validated(tmp_path: Path) -> None:
    species = sample_record("image-classification.manifest")
    lines = copies(sample_record("object-detection.manifest"), count=4)
    lines += [{**line, **{k: v for k, v in species.items() if k.startswith("species")}}
              for line in copies(sample_record("object-detection.manifest"), count=2)]
    path = write(tmp_path, lines)
    result = validate_manifest(path, label_attribute="species", job_type="image-classification",
                               chunk_lines=2)
    assert result.success, result.summary()
    assert result.attributes[0].labeled == 2


def test_the_error_lines_are_the_same_as_chains(tmp_path: Path) -> None:
    from airflow_gt.manifests.chaining import chain_manifest

    path = tmp_path / "deep.manifest"
    path.write_bytes(encode(copies(sample_record("object-detection.manifest"), 2))
                     + deep_line(300))
    errors = []
    for run in (lambda: validate_manifest(path, chunk_lines=2),
                lambda: chain_manifest(path, tmp_path / "out.manifest",
                                       new_label_attribute="verify")):
        with pytest.raises(NestingTooDeepError) as caught:
            run()
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert errors[0].startswith(f"{path}, line 3: arrays and objects nest 301 levels deep")
    assert not (tmp_path / "out.manifest").exists()
