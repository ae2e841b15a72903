from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_gt.exceptions import ManifestWriteError
from airflow_gt.manifests import writer as writer_module
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.writer import ManifestWriter, dump_line, write_manifest
from tests.conftest import SAMPLES, s3_keys

RECORDS = [{"source-ref": f"s3://bucket/{i}.jpg", "n": i} for i in range(5)]


class Boom(Exception):
    pass


def test_lines_are_compact_json_in_key_order() -> None:
    record = {"source-ref": "s3://b/1.jpg", "sport": 0, "sport-metadata": {"z": 1, "a": "é"}}
    assert dump_line(record) == (
        '{"source-ref":"s3://b/1.jpg","sport":0,"sport-metadata":{"z":1,"a":"é"}}\n'.encode()
    )


def test_sample_lines_round_trip_byte_for_byte(tmp_path: Path) -> None:
    for sample in SAMPLES.glob("*.manifest"):
        out = tmp_path / sample.name
        write_manifest(out, (r for _, r in read_manifest(sample)))
        assert out.read_bytes() == sample.read_bytes(), sample.name


def test_local_write_creates_parents_and_leaves_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "out.manifest"
    assert write_manifest(out, RECORDS) == 5
    assert [r for _, r in read_manifest(out)] == RECORDS
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.manifest"]


def test_failed_local_write_keeps_the_old_file_and_no_partial(tmp_path: Path) -> None:
    out = tmp_path / "out.manifest"
    out.write_bytes(b'{"old":true}\n')
    with pytest.raises(Boom), ManifestWriter(out) as writer:
        writer.write(RECORDS[0])
        raise Boom
    assert out.read_bytes() == b'{"old":true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["out.manifest"]


def test_failed_first_write_creates_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.manifest"

    def records() -> Any:
        yield RECORDS[0]
        raise Boom

    with pytest.raises(Boom):
        write_manifest(out, records())
    assert list(tmp_path.iterdir()) == []


def test_unwritable_destination_is_a_write_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ManifestWriteError) as caught:
        write_manifest(blocker / "out.manifest", RECORDS)
    assert caught.value.destination == str(blocker / "out.manifest")


def test_s3_write_round_trips(s3: Any, bucket: str) -> None:
    uri = f"s3://{bucket}/chained/input.manifest"
    assert write_manifest(uri, RECORDS, s3_client=s3) == 5
    assert [r for _, r in read_manifest(uri, s3_client=s3)] == RECORDS


def test_failed_s3_write_leaves_no_object(s3: Any, bucket: str) -> None:
    uri = f"s3://{bucket}/chained/input.manifest"
    with pytest.raises(Boom), ManifestWriter(uri, s3_client=s3) as writer:
        for record in RECORDS:
            writer.write(record)
        raise Boom
    assert s3_keys(s3, bucket) == []


def test_failed_s3_rewrite_keeps_the_old_object(s3: Any, bucket: str) -> None:
    uri = f"s3://{bucket}/m.manifest"
    write_manifest(uri, RECORDS[:1], s3_client=s3)
    with pytest.raises(Boom), ManifestWriter(uri, s3_client=s3) as writer:
        writer.write(RECORDS[4])
        raise Boom
    assert [r for _, r in read_manifest(uri, s3_client=s3)] == RECORDS[:1]


def test_large_s3_write_goes_multipart_and_appears_whole(
    s3: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "SPOOL_BYTES", 1024)
    uri = f"s3://{bucket}/big.manifest"
    records = [{"source-ref": f"s3://bucket/{i}.jpg", "pad": "x" * 200} for i in range(45_000)]
    assert write_manifest(uri, records, s3_client=s3) == len(records)
    head = s3.head_object(Bucket=bucket, Key="big.manifest")
    assert "-" in head["ETag"]  # a multipart upload's ETag
    assert sum(1 for _ in read_manifest(uri, s3_client=s3)) == len(records)


def test_s3_write_to_a_missing_bucket_is_a_write_error(s3: Any) -> None:
    with pytest.raises(ManifestWriteError, match=r"s3://no-such-bucket/m\.manifest"):
        write_manifest("s3://no-such-bucket/m.manifest", RECORDS, s3_client=s3)


def test_writer_outside_with_block_refuses() -> None:
    with pytest.raises(RuntimeError):
        ManifestWriter("x.manifest").write(RECORDS[0])


def test_a_written_manifest_gets_the_mode_of_a_new_file(tmp_path: Path) -> None:
    import os

    previous = os.umask(0o027)
    try:
        with ManifestWriter(tmp_path / "out.manifest") as writer:
            writer.write({"source": "x"})
        plain = tmp_path / "plain"
        plain.write_bytes(b"")
    finally:
        os.umask(previous)
    assert (tmp_path / "out.manifest").stat().st_mode & 0o777 == 0o640
    assert plain.stat().st_mode & 0o777 == 0o640
