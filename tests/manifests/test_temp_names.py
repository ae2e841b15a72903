"""Temporary names beside a destination, and removing what a dead run left."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from airflow_gt.manifests import temp_names


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _name(name: str, pid: int, host: str | None = None, suffix: str = ".partial") -> str:
    return f".{temp_names.stem(name)}.{pid}.{host or temp_names.host_tag()}.0123abcd{suffix}"


@pytest.mark.parametrize("length", range(230, 256))
def test_a_temporary_name_fits_whenever_the_final_name_does(tmp_path: Path, length: int) -> None:
    name = "é" * (length // 2) + "n" * (length % 2)  # two bytes a character: NAME_MAX is bytes
    made = temp_names.create(tmp_path, name, temp_names.PARTIAL, lambda p: p.touch() or p)
    assert len(os.fsencode(made.name)) <= temp_names.NAME_MAX
    assert made.exists()


def test_a_short_name_stays_readable_and_a_long_one_is_hashed() -> None:
    assert temp_names.stem("out.manifest") == "out.manifest"
    long = "n" * 250
    assert temp_names.stem(long).startswith("agt-")
    assert temp_names.stem(long) == temp_names.stem(long)
    assert temp_names.stem(long) != temp_names.stem("m" * 250)


def test_create_tries_another_name_when_one_is_taken(tmp_path: Path) -> None:
    taken: list[Path] = []

    def make(path: Path) -> Path:
        if not taken:
            taken.append(path)
            raise FileExistsError(path)
        return path

    made = temp_names.create(tmp_path, "out.manifest", temp_names.PARTIAL, make)
    assert made != taken[0]
    assert made.name.startswith(f".out.manifest.{os.getpid()}.{temp_names.host_tag()}.")


@pytest.mark.parametrize("name", ["out.manifest", "n" * 250, "a.b[c]*.manifest"])
def test_only_our_dead_runs_files_of_this_destination_are_removed(
    tmp_path: Path, name: str
) -> None:
    dead = _dead_pid()
    stale = [_name(name, dead), _name(name, dead, suffix=".backup")]
    kept = [
        _name(name, os.getppid()),  # a live process's
        _name(name, dead, host="abcdef" if temp_names.host_tag() != "abcdef" else "fedcba"),
        _name("other.manifest", dead),  # another destination's
        _name(name, dead, suffix=".tmp"),  # not a name we make
        _name(name, dead) + ".x",
        f".{temp_names.stem(name)}.{dead}.partial",  # no host, no random part
        name,
    ]
    for entry in stale + kept:
        (tmp_path / entry).write_bytes(b"x")
    directory = tmp_path / _name(name, _dead_pid())
    directory.mkdir()  # a folder by that name is not ours to remove
    removed = temp_names.remove_stale(tmp_path, name)
    assert sorted(p.name for p in removed) == sorted(stale)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*kept, directory.name])


def test_a_folder_that_cannot_be_listed_removes_nothing(tmp_path: Path) -> None:
    assert temp_names.remove_stale(tmp_path / "missing", "out.manifest") == []
