from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.exceptions import DestinationError, Interrupted, ManifestWriteError
from airflow_gt.interrupts import signals_raise
from airflow_gt.manifests import temp_names
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.s3_sink import MIN_PART_BYTES
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


def test_large_s3_write_goes_in_parts_and_appears_whole(s3: Any, bucket: str) -> None:
    uri = f"s3://{bucket}/big.manifest"
    records = [{"source-ref": f"s3://bucket/{i}.jpg", "pad": "x" * 200} for i in range(45_000)]
    with ManifestWriter(uri, s3_client=s3, part_bytes=MIN_PART_BYTES) as writer:
        writer.write_all(records)
    head = s3.head_object(Bucket=bucket, Key="big.manifest")
    assert int(head["ETag"].strip('"').rsplit("-", 1)[1]) >= 2  # a multipart ETag: parts
    assert sum(1 for _ in read_manifest(uri, s3_client=s3)) == len(records)


def test_s3_write_to_a_missing_bucket_is_a_write_error(s3: Any) -> None:
    with pytest.raises(ManifestWriteError, match=r"s3://no-such-bucket/m\.manifest"):
        write_manifest("s3://no-such-bucket/m.manifest", RECORDS, s3_client=s3)


def test_writer_outside_with_block_refuses() -> None:
    with pytest.raises(RuntimeError):
        ManifestWriter("x.manifest").write(RECORDS[0])


def test_a_written_manifest_gets_the_mode_of_a_new_file(tmp_path: Path) -> None:
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


# --- where a local output goes -----------------------------------------------------------------


def test_a_symlink_is_written_through_to_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real" / "out.manifest"
    target.parent.mkdir()
    target.write_bytes(b'{"old":true}\n')
    link = tmp_path / "link.manifest"
    link.symlink_to(target)
    write_manifest(link, RECORDS)
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert [r for _, r in read_manifest(target)] == RECORDS
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.manifest"]


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.manifest"
    link.symlink_to(tmp_path / "new" / "target.manifest")
    write_manifest(link, RECORDS)
    assert link.is_symlink()
    assert [r for _, r in read_manifest(tmp_path / "new" / "target.manifest")] == RECORDS


@pytest.mark.parametrize("kind", ["directory", "fifo", "socket", "symlink to a fifo"])
def test_what_is_not_a_regular_file_is_refused_and_kept(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "out"
    if kind == "directory":
        out.mkdir()
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(str(out))
    else:
        fifo = tmp_path / "fifo" if kind.startswith("symlink") else out
        os.mkfifo(fifo)
        if fifo != out:
            out.symlink_to(fifo)
    before = os.lstat(out)
    with pytest.raises(DestinationError, match="not a regular file"):
        write_manifest(out, RECORDS)
    after = os.lstat(out)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def device_node(tmp_path: Path) -> Path:
    """A character device to write to: a node of our own where we may make one (as root, so a
    regression replaces that node, not the machine's), else /dev/full (which we cannot replace)."""
    node = tmp_path / "full"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except PermissionError:
        return Path("/dev/full")
    return node


def test_a_device_is_refused_and_kept(tmp_path: Path) -> None:
    device = device_node(tmp_path)
    before = os.stat(device)
    with pytest.raises(DestinationError, match=f"{device}: exists and is a character device"):
        write_manifest(device, RECORDS)
    after = os.stat(device)
    assert (after.st_ino, after.st_mode, after.st_rdev) == (
        before.st_ino, before.st_mode, before.st_rdev
    )
    assert not [p for p in device.parent.iterdir() if p.name.endswith(".partial")]


def test_a_name_ending_with_a_separator_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DestinationError, match="names a folder"):
        write_manifest(f"{tmp_path}/new/", RECORDS)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("length", [237, 238, 246, 255])
def test_the_longest_names_can_be_written(tmp_path: Path, length: int) -> None:
    out = tmp_path / ("n" * length)
    assert write_manifest(out, RECORDS) == 5
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_a_name_too_long_for_the_system_is_a_write_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestWriteError, match="File name too long"):
        write_manifest(tmp_path / ("n" * 256), RECORDS)
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_file_is_beside_the_target_while_writing(tmp_path: Path) -> None:
    with ManifestWriter(tmp_path / "out.manifest") as writer:
        writer.write(RECORDS[0])
        (temporary,) = tmp_path.iterdir()
        assert temporary.name.startswith(f".out.manifest.{os.getpid()}.")
        assert temporary.name.endswith(".partial")
    assert [p.name for p in tmp_path.iterdir()] == ["out.manifest"]


def test_a_dead_runs_temporary_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    child = subprocess.Popen(["true"])
    child.wait()  # its pid is no longer a process's
    stale = tmp_path / f".out.manifest.{child.pid}.{temp_names.host_tag()}.0123abcd.partial"
    stale.write_bytes(b"half a line")
    alive = tmp_path / f".out.manifest.{os.getppid()}.{temp_names.host_tag()}.0123abcd.partial"
    alive.write_bytes(b"another run's lines")
    write_manifest(tmp_path / "out.manifest", RECORDS)
    assert sorted(p.name for p in tmp_path.iterdir()) == [alive.name, "out.manifest"]


# --- S3 uploads are aborted on every failure ---------------------------------------------------


def _uploads(s3: Any, bucket: str) -> list[Any]:
    return list(s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []))


def test_an_error_after_parts_were_sent_aborts_the_upload(s3: Any, bucket: str) -> None:
    uri = f"s3://{bucket}/big.manifest"
    with pytest.raises(Boom), ManifestWriter(uri, s3_client=s3, part_bytes=MIN_PART_BYTES) as out:
        out.write_raw(b"x" * (MIN_PART_BYTES + 10))
        assert len(_uploads(s3, bucket)) == 1
        raise Boom
    assert _uploads(s3, bucket) == []
    assert s3_keys(s3, bucket) == []


def test_a_signal_while_uploading_aborts_the_upload(s3: Any, bucket: str) -> None:
    uri = f"s3://{bucket}/big.manifest"
    with (
        pytest.raises(Interrupted),
        signals_raise(),
        ManifestWriter(uri, s3_client=s3, part_bytes=MIN_PART_BYTES) as out,
    ):
        out.write_raw(b"x" * (MIN_PART_BYTES + 10))
        os.kill(os.getpid(), signal.SIGTERM)
        out.write_raw(b"never")  # pragma: no cover - the signal is raised before this
    assert _uploads(s3, bucket) == []
    assert s3_keys(s3, bucket) == []


def test_an_empty_s3_manifest_is_written(s3: Any, bucket: str) -> None:
    uri = f"s3://{bucket}/empty.manifest"
    assert write_manifest(uri, [], s3_client=s3) == 0
    assert s3.get_object(Bucket=bucket, Key="empty.manifest")["Body"].read() == b""


def test_parts_smaller_than_s3_allows_are_refused(s3: Any, bucket: str) -> None:
    with pytest.raises(ValueError, match="part_bytes"), ManifestWriter(
        f"s3://{bucket}/m.manifest", s3_client=s3, part_bytes=1024
    ):
        pass  # pragma: no cover
    assert _uploads(s3, bucket) == []
