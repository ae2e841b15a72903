"""A command's outputs are checked before any input is read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from airflow_gt.exceptions import ConfigurationError, DestinationError
from airflow_gt.manifests.destinations import check_outputs


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "in.manifest"
    path.write_bytes(b'{"source-ref":"s3://b/1.jpg"}\n')
    return path


def test_distinct_outputs_pass(tmp_path: Path, source: Path) -> None:
    check_outputs([tmp_path / "a.manifest", tmp_path / "b.manifest", None, "s3://b/k"],
                  [source, None, "s3://b/other"])


def test_an_output_that_is_the_input_is_refused(source: Path) -> None:
    with pytest.raises(DestinationError, match=r"is the input .*in\.manifest") as caught:
        check_outputs([str(source)], [str(source)])
    assert caught.value.destination == str(source)


def test_the_input_under_another_spelling_is_refused(
    tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DestinationError, match="is the input"):
        check_outputs(["./sub/../in.manifest"], ["in.manifest"])


def test_a_symlink_to_the_input_is_refused(tmp_path: Path, source: Path) -> None:
    link = tmp_path / "link.manifest"
    link.symlink_to(source)
    with pytest.raises(DestinationError, match="is the input"):
        check_outputs([link], [source])
    with pytest.raises(DestinationError, match="is the input"):
        check_outputs([source], [link])


def test_a_hard_link_to_the_input_is_refused(tmp_path: Path, source: Path) -> None:
    hard = tmp_path / "hard.manifest"
    os.link(source, hard)
    with pytest.raises(DestinationError, match=r"hard\.manifest: is the input .*in\.manifest"):
        check_outputs([hard], [source])


def test_the_same_s3_object_is_refused() -> None:
    with pytest.raises(DestinationError, match=r"s3://b/k\.manifest: is the input"):
        check_outputs(["s3://b/k.manifest"], ["s3://b/k.manifest"])
    check_outputs(["s3://b/k.manifest"], ["s3://other/k.manifest", "s3://b/k.manifest2"])


def test_two_outputs_that_are_one_file_are_refused(tmp_path: Path, source: Path) -> None:
    link = tmp_path / "link.manifest"
    link.symlink_to(tmp_path / "out.manifest")  # a link to a file not yet written
    with pytest.raises(DestinationError, match="is the same file as the output"):
        check_outputs([tmp_path / "out.manifest", link])
    with pytest.raises(DestinationError, match="is the same file as the output"):
        check_outputs(["s3://b/k", "s3://b/k"])


def test_an_output_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(DestinationError, match="exists and is a directory"):
        check_outputs([tmp_path / "ok.manifest", folder])
    assert isinstance(DestinationError("x", "y"), ConfigurationError)  # exit 2 on the CLI
