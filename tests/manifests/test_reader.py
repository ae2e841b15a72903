from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_gt.exceptions import (
    ByteOrderMarkError,
    EmptyLineError,
    InvalidJsonError,
    InvalidUtf8Error,
    ManifestLineError,
    ManifestNotFoundError,
    NotAnObjectError,
)
from airflow_gt.manifests import storage
from airflow_gt.manifests.reader import read_manifest
from tests.conftest import BAD_SAMPLES, SAMPLES

BAD_CASES = [
    ("byte-order-mark.manifest", ByteOrderMarkError, 1),
    ("invalid-json.manifest", InvalidJsonError, 2),
    ("not-an-object.manifest", NotAnObjectError, 3),
    ("empty-line.manifest", EmptyLineError, 2),
    ("invalid-utf8.manifest", InvalidUtf8Error, 2),
    ("truncated.manifest", InvalidJsonError, 2),
    ("semantic-segmentation-verification-as-printed.manifest", InvalidJsonError, 1),
    ("semantic-segmentation-adjustment-as-printed.manifest", InvalidJsonError, 1),
]


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.manifest")))
def test_every_sample_reads_as_objects(sample: str) -> None:
    lines = list(read_manifest(SAMPLES / sample))
    assert lines, sample
    assert [n for n, _ in lines] == list(range(1, len(lines) + 1))
    assert all(isinstance(record, dict) for _, record in lines)


@pytest.mark.parametrize(("sample", "error", "line"), BAD_CASES)
def test_each_bad_sample_names_file_and_line(
    sample: str, error: type[ManifestLineError], line: int
) -> None:
    path = BAD_SAMPLES / sample
    with pytest.raises(error) as caught:
        list(read_manifest(path))
    assert caught.value.line == line
    assert caught.value.source == str(path)
    assert str(caught.value).startswith(f"{path}, line {line}: ")


def test_every_bad_manifest_sample_is_covered() -> None:
    covered = {case[0] for case in BAD_CASES} | {"malformed-bounding-box.manifest"}
    assert {p.name for p in BAD_SAMPLES.glob("*.manifest")} == covered


def test_lines_before_a_broken_line_are_yielded_first(tmp_path: Path) -> None:
    stream = read_manifest(BAD_SAMPLES / "not-an-object.manifest")
    assert next(stream)[0] == 1
    assert next(stream)[0] == 2
    with pytest.raises(NotAnObjectError, match="found an array"):
        next(stream)


def test_error_messages_say_what_is_wrong() -> None:
    with pytest.raises(InvalidUtf8Error, match="byte 0xe9 at column 15"):
        list(read_manifest(BAD_SAMPLES / "invalid-utf8.manifest"))
    with pytest.raises(InvalidJsonError, match="at column 41"):
        list(read_manifest(BAD_SAMPLES / "invalid-json.manifest"))
    with pytest.raises(ByteOrderMarkError, match="byte-order mark"):
        list(read_manifest(BAD_SAMPLES / "byte-order-mark.manifest"))


@pytest.mark.parametrize(
    "scalar", [b'"text"', b"12", b"1.5", b"true", b"null"], ids=lambda s: s.decode()
)
def test_scalar_lines_are_not_objects(tmp_path: Path, scalar: bytes) -> None:
    path = write(tmp_path / "m.manifest", b'{"a":1}\n' + scalar + b"\n")
    with pytest.raises(NotAnObjectError) as caught:
        list(read_manifest(path))
    assert caught.value.line == 2


def test_trailing_empty_lines_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = write(tmp_path / "m.manifest", b'{"a":1}\r\n{"a":2}\r\n\r\n\n  \n')
    assert list(read_manifest(path)) == [(1, {"a": 1}), (2, {"a": 2})]


def test_no_final_newline(tmp_path: Path) -> None:
    path = write(tmp_path / "m.manifest", b'{"a":1}\n{"a":2}')
    assert [r for _, r in read_manifest(path)] == [{"a": 1}, {"a": 2}]


def test_whitespace_only_interior_line_is_an_empty_line(tmp_path: Path) -> None:
    path = write(tmp_path / "m.manifest", b'{"a":1}\n \t\n\n{"a":2}\n')
    with pytest.raises(EmptyLineError) as caught:
        list(read_manifest(path))
    assert caught.value.line == 2


def test_empty_file_has_no_lines(tmp_path: Path) -> None:
    assert list(read_manifest(write(tmp_path / "m.manifest", b""))) == []


def test_unicode_text_survives(tmp_path: Path) -> None:
    path = write(tmp_path / "m.manifest", '{"source":"café ☕ 東京"}\n'.encode())
    assert list(read_manifest(path)) == [(1, {"source": "café ☕ 東京"})]


def test_missing_local_file(tmp_path: Path) -> None:
    with pytest.raises(ManifestNotFoundError, match="no such manifest") as caught:
        list(read_manifest(tmp_path / "absent.manifest"))
    assert caught.value.source == str(tmp_path / "absent.manifest")


def test_reads_from_s3_across_chunk_boundaries(
    s3: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = (SAMPLES / "object-detection-adjustment.manifest").read_bytes() * 3
    s3.put_object(Bucket=bucket, Key="out/output.manifest", Body=body)
    monkeypatch.setattr(storage, "READ_CHUNK_BYTES", 7)
    from_s3 = list(read_manifest(f"s3://{bucket}/out/output.manifest", s3_client=s3))
    local = list(read_manifest(SAMPLES / "object-detection-adjustment.manifest"))
    assert [r for _, r in from_s3] == [r for _, r in local] * 3
    assert [n for n, _ in from_s3] == [1, 2, 3]


def test_s3_errors_name_the_uri_and_line(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="m.manifest", Body=b'{"a":1}\n\n{"a":2}\n')
    with pytest.raises(EmptyLineError) as caught:
        list(read_manifest(f"s3://{bucket}/m.manifest", s3_client=s3))
    assert str(caught.value) == f"s3://{bucket}/m.manifest, line 2: empty line inside the manifest"


@pytest.mark.parametrize("key_or_bucket", ["key", "bucket"])
def test_missing_s3_object_or_bucket(s3: Any, bucket: str, key_or_bucket: str) -> None:
    uri = f"s3://{bucket}/absent.manifest" if key_or_bucket == "key" else "s3://no-such-bucket/m"
    with pytest.raises(ManifestNotFoundError) as caught:
        list(read_manifest(uri, s3_client=s3))
    assert caught.value.source == uri
