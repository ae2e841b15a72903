"""Issue 14, items 2 and 6: lines nested too deep and malformed labels, through the command.

Each reproduction of the issue runs ``airflow_gt.cli.main``: exit 2 for what cannot be read or
for arguments the data refutes, 1 where validate finds the data fails its expectations, one
``airflow-gt: `` line on stderr naming the file and line (or the parameter), nothing written,
the input untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.cli import main
from tests.malformed_support import lines_of, sample, write

BOXES = sample("object-detection.manifest")
SPECIES = sample("image-classification.manifest")


def deep(path: Path, depth: int = 300) -> Path:
    """A manifest whose line 2 nests ``depth`` deep (its own object and depth - 1 objects)."""
    nested = b'{"a":' * (depth - 2) + b"{}" + b"}" * (depth - 2)
    path.write_bytes(
        b'{"source-ref":"s3://example-bucket/images/0001.jpg"}\n'
        b'{"source-ref":"s3://example-bucket/images/0002.jpg","extra":' + nested + b"}\n"
    )
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_refused(err: str, prefix: str) -> None:
    """One line on stderr, beginning as it should; no traceback."""
    assert err.startswith(f"airflow-gt: {prefix}"), err
    assert err.count("\n") == 1 and "Traceback" not in err, err


# --- item 2: nesting ------------------------------------------------------------------------

TOO_DEEP = "arrays and objects nest 300 levels deep (the line's own object included); at most 254"


def test_chain_refuses_a_line_nested_300_deep(tmp_path: Path, capsys: Any) -> None:
    source = deep(tmp_path / "output.manifest")
    before = source.read_bytes()
    code, out, err = run(capsys, "chain", str(source), "--out", str(tmp_path / "in.manifest"),
                         "--new-label-attribute", "verify")
    assert (code, out) == (2, "")
    assert_refused(err, f"{source}, line 2: {TOO_DEEP}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output.manifest"]
    assert source.read_bytes() == before


def test_merge_refuses_a_line_nested_300_deep(tmp_path: Path, capsys: Any) -> None:
    first = write(tmp_path / "a.manifest", lines_of(SPECIES, 2))
    source = deep(tmp_path / "b.manifest")
    code, out, err = run(capsys, "merge", str(first), str(source), "--out",
                         str(tmp_path / "merged.manifest"), "--on-conflict", "first")
    assert (code, out) == (2, "")
    assert_refused(err, f"{source}, line 2: {TOO_DEEP}")
    assert not (tmp_path / "merged.manifest").exists()


def test_validate_refuses_it_as_chain_does(tmp_path: Path, capsys: Any) -> None:
    source = deep(tmp_path / "output.manifest")
    code, out, err = run(capsys, "validate", str(source))
    assert (code, out) == (2, "")
    assert_refused(err, f"{source}, line 2: {TOO_DEEP}")


def test_to_moderation_refuses_it_too(tmp_path: Path, capsys: Any) -> None:
    source = deep(tmp_path / "output.manifest")
    code, _, err = run(capsys, "to-moderation", str(source), "--label-attribute", "species",
                       "--out", str(tmp_path / "train.manifest"))
    assert code == 2
    assert_refused(err, f"{source}, line 2: {TOO_DEEP}")


def test_the_deepest_line_that_can_be_written_is_chained(tmp_path: Path, capsys: Any) -> None:
    source = deep(tmp_path / "output.manifest", depth=254)
    out = tmp_path / "in.manifest"
    code, _, err = run(capsys, "chain", str(source), "--out", str(out),
                       "--new-label-attribute", "verify")
    assert (code, err) == (0, "")
    assert out.read_bytes() == source.read_bytes()


def test_an_s3_manifest_nested_too_deep_is_named_by_its_uri(
    tmp_path: Path, capsys: Any, s3: Any, bucket: str, aws_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_endpoint)
    s3.put_object(Bucket=bucket, Key="job/output.manifest",
                  Body=deep(tmp_path / "output.manifest").read_bytes())
    source = f"s3://{bucket}/job/output.manifest"
    code, _, err = run(capsys, "chain", source, "--out", f"s3://{bucket}/next/input.manifest",
                       "--new-label-attribute", "verify")
    assert code == 2
    assert_refused(err, f"{source}, line 2: {TOO_DEEP}")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["job/output.manifest"]


# --- item 6: label metadata -----------------------------------------------------------------

MALFORMED = {
    "no-type": ({"type": None}, "its metadata 'bounding-box-metadata' has no 'type' string"),
    "metadata-not-object": ("object-detection",
                            "its metadata 'bounding-box-metadata' must be an object, found a "
                            "string"),
    "no-metadata": (None, "the line has a label but no metadata 'bounding-box-metadata'"),
}


def malformed(path: Path, kind: str) -> Path:
    records = lines_of(BOXES)
    change, _ = MALFORMED[kind]
    if change is None:
        del records[1]["bounding-box-metadata"]
    elif isinstance(change, dict):
        del records[1]["bounding-box-metadata"]["type"]
    else:
        records[1]["bounding-box-metadata"] = change
    return write(path, records)


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_chain_refuses_a_label_with_unusable_metadata(
    tmp_path: Path, capsys: Any, kind: str
) -> None:
    source = malformed(tmp_path / "output.manifest", kind)
    code, out, err = run(capsys, "chain", str(source), "--out", str(tmp_path / "in.manifest"),
                         "--new-label-attribute", "verify")
    assert (code, out) == (2, "")
    assert_refused(err, f"{source}, line 2: label attribute 'bounding-box': {MALFORMED[kind][1]}")
    assert not (tmp_path / "in.manifest").exists()


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_validate_fails_such_a_label_on_its_line(tmp_path: Path, capsys: Any, kind: str) -> None:
    source = malformed(tmp_path / "output.manifest", kind)
    code, out, err = run(capsys, "validate", str(source), "--format", "json")
    assert code == 1, err
    summary = json.loads(out)
    assert summary["success"] is False
    (failed,) = [f for f in summary["failed_expectations"] if f["column"] == "metadata_type"]
    assert (failed["expectation"], failed["sample_lines"]) == ("expect_column_values_to_be_in_set",
                                                               [2])


def test_to_moderation_refuses_a_label_without_metadata(tmp_path: Path, capsys: Any) -> None:
    records = lines_of(SPECIES)
    del records[2]["species-metadata"]
    source = write(tmp_path / "output.manifest", records)
    code, _, err = run(capsys, "to-moderation", str(source), "--label-attribute", "species",
                       "--out", str(tmp_path / "train.manifest"))
    assert code == 2
    assert_refused(err, f"{source}, line 3: label attribute 'species': the line has a label but "
                        "no metadata 'species-metadata'")
    assert not (tmp_path / "train.manifest").exists()


def metadata_in_name(path: Path) -> Path:
    record = {"source-ref": "s3://example-bucket/images/0001.jpg",
              "boxes-metadata-v2": BOXES["bounding-box"],
              "boxes-metadata-v2-metadata": BOXES["bounding-box-metadata"]}
    return write(path, [record])


@pytest.mark.parametrize("command", ["validate", "chain"])
def test_an_attribute_with_metadata_in_its_name_is_refused(
    tmp_path: Path, capsys: Any, command: str
) -> None:
    source = metadata_in_name(tmp_path / "output.manifest")
    extra = ["--out", str(tmp_path / "in.manifest"), "--new-label-attribute", "verify"]
    code, out, err = run(capsys, command, str(source), *(extra if command == "chain" else []))
    assert (code, out) == (2, "")
    assert_refused(err, f"{source}, line 1: label attribute 'boxes-metadata-v2': must not "
                        "contain '-metadata'")


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        ("validate", []),
        ("validate", ["--job-type", "image-classification"]),
        ("chain", ["--new-label-attribute", "verify"]),
        ("chain", ["--new-label-attribute", "verify", "--status", "labeled"]),
    ],
)
def test_a_label_attribute_no_line_has_exits_2(
    tmp_path: Path, capsys: Any, command: str, extra: list[str]
) -> None:
    source = write(tmp_path / "output.manifest", lines_of(BOXES))
    out = ["--out", str(tmp_path / "in.manifest")] if command == "chain" else []
    code, stdout, err = run(capsys, command, str(source), "--label-attribute", "species",
                            *out, *extra)
    assert (code, stdout) == (2, "")
    assert_refused(err, f"label_attribute: no line has label attribute 'species' in {source}")
    assert not (tmp_path / "in.manifest").exists()


def test_chain_refuses_a_follow_up_that_cannot_take_the_labels(
    tmp_path: Path, capsys: Any
) -> None:
    source = write(tmp_path / "output.manifest", lines_of(BOXES))
    code, out, err = run(capsys, "chain", str(source), "--out", str(tmp_path / "in.manifest"),
                         "--new-label-attribute", "verify",
                         "--follow-up", "VerificationSemanticSegmentation")
    assert (code, out) == (2, "")
    assert_refused(err, "follow_up: VerificationSemanticSegmentation works on labels of job "
                        f"type semantic-segmentation, but {source}, line 1 has label attribute "
                        "'bounding-box' of job type object-detection")
    assert not (tmp_path / "in.manifest").exists()
    code, _, err = run(capsys, "chain", str(source), "--out", str(tmp_path / "in.manifest"),
                       "--new-label-attribute", "verify", "--follow-up",
                       "VerificationBoundingBox")
    assert (code, err) == (0, "")
