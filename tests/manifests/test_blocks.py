"""Cutting a manifest's bytes into blocks of whole lines, for readers that take many at once."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from airflow_gt.exceptions import ConfigurationError, ManifestNotFoundError
from airflow_gt.manifests import storage
from airflow_gt.manifests.storage import iter_blocks


def lines_in(data: bytes) -> int:
    return data.count(b"\n") + (bool(data) and not data.endswith(b"\n"))


@pytest.mark.parametrize("seed", range(40))
def test_blocks_hold_whole_lines_and_give_back_every_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rng = random.Random(seed)
    rows = [b"x" * rng.randint(0, 40) for _ in range(rng.randint(0, 60))]
    data = b"\n".join(rows) + (b"\n" if rows and rng.random() < 0.5 else b"")
    path = tmp_path / "m.manifest"
    path.write_bytes(data)
    monkeypatch.setattr(storage, "READ_CHUNK_BYTES", rng.randint(1, 64))
    cap, size = rng.randint(1, 8), rng.randint(1, 80)
    blocks = list(iter_blocks(path, cap, size=size))
    assert b"".join(block for _, block in blocks) == data
    for count, block in blocks:
        assert 1 <= count <= cap
        assert count == lines_in(block)
        assert block.endswith(b"\n") or block is blocks[-1][1]
    assert sum(count for count, _ in blocks) == lines_in(data)


def test_a_line_longer_than_a_block_makes_one_block(tmp_path: Path) -> None:
    path = tmp_path / "m.manifest"
    path.write_bytes(b"a\n" + b"b" * 100 + b"\nc")
    assert list(iter_blocks(path, 10, size=8)) == [(1, b"a\n"), (1, b"b" * 100 + b"\n"),
                                                   (1, b"c")]


def test_blocks_of_an_s3_object(s3: object, bucket: str) -> None:
    data = b"".join(b'{"n": %d}\n' % i for i in range(1000))
    s3.put_object(Bucket=bucket, Key="m.manifest", Body=data)  # type: ignore[attr-defined]
    blocks = list(iter_blocks(f"s3://{bucket}/m.manifest", 300, s3, size=4096))
    assert b"".join(block for _, block in blocks) == data
    assert sum(count for count, _ in blocks) == 1000
    assert all(count <= 300 and len(block) <= 4096 for count, block in blocks)
    assert len(blocks) > 3


def test_a_missing_file_and_a_bad_size_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ManifestNotFoundError):
        list(iter_blocks(tmp_path / "none.manifest", 10))
    with pytest.raises(ConfigurationError):
        list(iter_blocks(tmp_path / "none.manifest", 0))
