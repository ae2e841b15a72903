"""Several outputs of one command are published together or not at all."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.exceptions import DestinationError, ManifestWriteError
from airflow_gt.manifests.output_group import OutputGroup
from airflow_gt.manifests.writer import ManifestWriter
from tests.conftest import s3_keys


class Boom(Exception):
    pass


def _uploads(s3: Any, bucket: str) -> list[Any]:
    return list(s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []))


def test_every_output_appears_on_success(tmp_path: Path, s3: Any, bucket: str) -> None:
    a, b, c = tmp_path / "a.manifest", tmp_path / "sub" / "b.manifest", f"s3://{bucket}/c"
    with OutputGroup([a, b, c], s3_client=s3) as (out_a, out_b, out_c):
        out_a.write({"n": 1})
        out_b.write_raw(b"b\n")
        out_c.write_raw(b"c\n")
    assert a.read_bytes() == b'{"n":1}\n'
    assert b.read_bytes() == b"b\n"
    assert s3.get_object(Bucket=bucket, Key="c")["Body"].read() == b"c\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.manifest", "sub"]
    assert _uploads(s3, bucket) == []


def test_an_error_inside_publishes_nothing(tmp_path: Path, s3: Any, bucket: str) -> None:
    a = tmp_path / "a.manifest"
    a.write_bytes(b"old a\n")
    with pytest.raises(Boom), OutputGroup([a, f"s3://{bucket}/b"], s3_client=s3) as (x, y):
        x.write_raw(b"new a\n")
        y.write_raw(b"new b\n")
        raise Boom
    assert a.read_bytes() == b"old a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.manifest"]
    assert s3_keys(s3, bucket) == []
    assert _uploads(s3, bucket) == []


def test_a_destination_that_cannot_be_written_opens_nothing(
    tmp_path: Path, s3: Any, bucket: str
) -> None:
    folder = tmp_path / "b.manifest"
    folder.mkdir()
    with pytest.raises(DestinationError), OutputGroup(
        [f"s3://{bucket}/a", folder, tmp_path / "c.manifest"], s3_client=s3
    ):
        pytest.fail("the group must not open")  # pragma: no cover
    assert _uploads(s3, bucket) == []
    assert [p.name for p in tmp_path.iterdir()] == ["b.manifest"]


def test_a_missing_bucket_leaves_the_local_output_unwritten(tmp_path: Path, s3: Any) -> None:
    local = tmp_path / "test.manifest"
    with (
        pytest.raises(ManifestWriteError, match=r"s3://no-such-bucket/t\.manifest.*NoSuchBucket"),
        OutputGroup([local, "s3://no-such-bucket/t.manifest"], s3_client=s3) as (out, small),
    ):
        # A small S3 output is one PUT when the group publishes, before any local rename.
        out.write({"source-ref": "s3://b/1.jpg"})
        small.write({"source-ref": "s3://b/1.jpg"})
    assert list(tmp_path.iterdir()) == []


def test_an_s3_output_smaller_than_a_part_is_one_put(s3: Any, bucket: str) -> None:
    with OutputGroup([f"s3://{bucket}/small.manifest"], s3_client=s3) as (out,):
        out.write({"source-ref": "s3://b/1.jpg"})
        assert _uploads(s3, bucket) == []  # nothing sent before publishing
        assert s3_keys(s3, bucket) == []
    assert s3_keys(s3, bucket) == ["small.manifest"]
    assert _uploads(s3, bucket) == []


def test_a_failure_while_publishing_puts_back_what_was_replaced(tmp_path: Path) -> None:
    a, b = tmp_path / "a.manifest", tmp_path / "b.manifest"
    a.write_bytes(b"old a\n")
    with (
        pytest.raises(DestinationError, match=r"b\.manifest: exists and is a directory"),
        OutputGroup([a, b]) as (out_a, out_b),
    ):
        out_a.write_raw(b"new a\n")
        out_b.write_raw(b"new b\n")
        b.mkdir()  # someone else takes the second name: it cannot be published
    assert a.read_bytes() == b"old a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.manifest", "b.manifest"]
    assert b.is_dir()


def test_a_failure_while_publishing_removes_what_was_new(
    tmp_path: Path, s3: Any, bucket: str
) -> None:
    a, b = tmp_path / "a.manifest", tmp_path / "b.manifest"
    with (
        pytest.raises(DestinationError),
        OutputGroup([f"s3://{bucket}/s.manifest", a, b], s3_client=s3) as writers,
    ):
        for writer in writers:
            writer.write_raw(b"new\n")
        os.mkfifo(b)
    assert s3_keys(s3, bucket) == []  # published first, then deleted
    assert _uploads(s3, bucket) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.manifest"]


def test_taking_back_leaves_a_file_someone_else_wrote_since(tmp_path: Path) -> None:
    a = tmp_path / "a.manifest"
    a.write_bytes(b"old\n")
    writer = ManifestWriter(a)
    writer.open()
    try:
        writer.write_raw(b"ours\n")
        writer.stage()
        writer.publish(keep_backup=True)
        assert a.read_bytes() == b"ours\n"
        a.unlink()
        a.write_bytes(b"theirs\n")
        writer.unpublish()
    finally:
        writer.discard()
    assert a.read_bytes() == b"theirs\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.manifest"]


def test_taking_back_an_s3_object_deletes_only_ours(s3: Any, bucket: str) -> None:
    uri = f"s3://{bucket}/k"
    writer = ManifestWriter(uri, s3_client=s3)
    writer.open()
    try:
        writer.write_raw(b"ours\n")
        writer.stage()
        writer.publish()
        s3.put_object(Bucket=bucket, Key="k", Body=b"theirs\n")
        writer.unpublish()
    finally:
        writer.discard()
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"theirs\n"
