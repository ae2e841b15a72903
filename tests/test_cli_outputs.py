"""Where the commands write: outputs checked before any input is read, pairs published together.

Each reproduction of issue 14 (items 3 and 4) is a test here; the commands run in-process, and
against the local stand-in over HTTP where an output is in S3.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.cli import main
from airflow_gt.manifests.reader import read_manifest
from tests.conftest import SAMPLES, s3_keys
from tests.manifests.test_writer import device_node
from tests.test_cli import OUTPUT, species, write
from tests.test_cli_to_moderation import label_map, output_manifest


def run(capsys: Any, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


def one_line(err: str) -> str:
    assert err.startswith("airflow-gt: ")
    assert err.count("\n") == 1, err
    return err


@pytest.fixture
def s3_env(aws_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The commands' default S3 client goes to the stand-in."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_endpoint)
    return aws_endpoint


# --- item 3: the outputs of one command appear together or not at all ----------------------


def test_to_moderation_into_a_folder_leaves_no_testing_manifest(
    tmp_path: Path, capsys: Any
) -> None:
    source = output_manifest(tmp_path / "labels.manifest")
    folder = tmp_path / "train"
    folder.mkdir()
    code, err = run(capsys, "to-moderation", source, "--label-attribute", "moderation",
                    "--label-map", label_map(tmp_path / "map.json"),
                    "--out", str(folder), "--test-out", str(tmp_path / "test.manifest"))
    assert code == 2
    assert one_line(err) == (
        f"airflow-gt: {folder}: exists and is a directory, not a regular file; name a file to "
        "write\n"
    )
    assert not (tmp_path / "test.manifest").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.manifest", "map.json", "train"]


def test_to_moderation_into_a_missing_bucket_leaves_no_testing_manifest(
    tmp_path: Path, capsys: Any, s3_env: str
) -> None:
    source = output_manifest(tmp_path / "labels.manifest")
    code, err = run(capsys, "to-moderation", source, "--label-attribute", "moderation",
                    "--label-map", label_map(tmp_path / "map.json"),
                    "--out", "s3://no-such-bucket/t.manifest",
                    "--test-out", str(tmp_path / "test.manifest"))
    assert code == 2
    assert one_line(err).startswith(
        "airflow-gt: s3://no-such-bucket/t.manifest: could not write the manifest ("
    )
    assert "NoSuchBucket" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.manifest", "map.json"]


def test_to_moderation_writes_both_manifests_to_s3_and_local(
    tmp_path: Path, capsys: Any, s3_env: str, s3: Any, bucket: str
) -> None:
    source = output_manifest(tmp_path / "labels.manifest")
    code, _ = run(capsys, "to-moderation", source, "--label-attribute", "moderation",
                  "--label-map", label_map(tmp_path / "map.json"),
                  "--out", f"s3://{bucket}/train.manifest",
                  "--test-out", str(tmp_path / "test.manifest"))
    assert code == 0
    assert s3_keys(s3, bucket) == ["train.manifest"]
    assert len(list(read_manifest(tmp_path / "test.manifest"))) == 8
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_validate_leaves_no_json_report_when_the_html_one_cannot_be_written(
    tmp_path: Path, capsys: Any
) -> None:
    reports = tmp_path / "r"
    (reports / "validation-report.html").mkdir(parents=True)
    code, err = run(capsys, "validate", str(SAMPLES / "image-classification.manifest"),
                    "--report-dir", str(reports))
    assert code == 2
    assert one_line(err) == (
        f"airflow-gt: {reports / 'validation-report.html'}: exists and is a directory, not a "
        "regular file; name a file to write\n"
    )
    assert [p.name for p in reports.iterdir()] == ["validation-report.html"]


def test_evaluate_refuses_a_plot_over_its_input(tmp_path: Path, capsys: Any) -> None:
    pytest.importorskip("matplotlib")
    evaluation = tmp_path / "evaluation.json"
    evaluation.write_bytes((SAMPLES / "evaluation-results.json").read_bytes())
    code, err = run(capsys, "evaluate", str(evaluation), "--plot", str(evaluation))
    assert code == 2
    assert "is the input" in one_line(err)
    assert evaluation.read_bytes() == (SAMPLES / "evaluation-results.json").read_bytes()


# --- item 4: what an output may replace ----------------------------------------------------


def _same_file_commands(tmp_path: Path) -> dict[str, tuple[Path, list[str]]]:
    chained = write(tmp_path / "chain.manifest", OUTPUT)
    merged = write(tmp_path / "merge.manifest", [species(1), species(2)])
    other = write(tmp_path / "other.manifest", [species(1), species(2)])
    converted = Path(output_manifest(tmp_path / "moderation.manifest"))
    mapping = label_map(tmp_path / "map.json")
    return {
        "chain": (chained, ["chain", str(chained), "--new-label-attribute", "verify"]),
        "merge": (merged, ["merge", str(merged), str(other)]),
        "to-moderation": (converted, ["to-moderation", str(converted), "--label-attribute",
                                      "moderation", "--label-map", mapping]),
    }


@pytest.mark.parametrize("command", ["chain", "merge", "to-moderation"])
@pytest.mark.parametrize("spelling", ["same path", "symlink", "hard link", "other spelling"])
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch, command: str, spelling: str
) -> None:
    source, argv = _same_file_commands(tmp_path)[command]
    before = source.read_bytes()
    out = str(source)
    if spelling == "symlink":
        (tmp_path / "link").symlink_to(source)
        out = str(tmp_path / "link")
    elif spelling == "hard link":
        os.link(source, tmp_path / "hard")
        out = str(tmp_path / "hard")
    elif spelling == "other spelling":
        monkeypatch.chdir(tmp_path)
        out = f"../{tmp_path.name}/./{source.name}"
    listing = sorted(p.name for p in tmp_path.iterdir())
    code, err = run(capsys, *argv, "--out", out)
    assert code == 2
    assert one_line(err).startswith(f"airflow-gt: {out}: is the input ")
    assert "name another output" in err
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_to_moderation_refuses_a_testing_manifest_over_its_label_map(
    tmp_path: Path, capsys: Any
) -> None:
    source = output_manifest(tmp_path / "labels.manifest")
    mapping = label_map(tmp_path / "map.json")
    code, err = run(capsys, "to-moderation", source, "--label-attribute", "moderation",
                    "--label-map", mapping, "--out", str(tmp_path / "train.manifest"),
                    "--test-out", mapping)
    assert code == 2
    assert one_line(err).startswith(f"airflow-gt: {mapping}: is the input {mapping}")
    assert not (tmp_path / "train.manifest").exists()


def test_a_symlinked_output_is_written_through_to_its_target(tmp_path: Path, capsys: Any) -> None:
    source = write(tmp_path / "output.manifest", OUTPUT)
    target = tmp_path / "elsewhere" / "input.manifest"
    target.parent.mkdir()
    target.write_bytes(b'{"old":1}\n')
    link = tmp_path / "input.manifest"
    link.symlink_to(target)
    code, _ = run(capsys, "chain", str(source), "--out", str(link),
                  "--new-label-attribute", "verify", "--status", "labeled")
    assert code == 0
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert len(list(read_manifest(target))) == 4
    assert [p.name for p in target.parent.iterdir()] == ["input.manifest"]


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_a_device_is_refused_before_reading_and_kept(
    tmp_path: Path, capsys: Any, kind: str
) -> None:
    out = tmp_path / "pipe"
    if kind == "fifo":
        os.mkfifo(out)
    else:
        out = device_node(tmp_path)
    before = os.stat(out)
    missing = tmp_path / "no-such.manifest"  # never read: the output is checked first
    code, err = run(capsys, "chain", str(missing), "--out", str(out),
                    "--new-label-attribute", "verify")
    assert code == 2
    expected = "a named pipe (FIFO)" if kind == "fifo" else "a character device"
    assert one_line(err) == (
        f"airflow-gt: {out}: exists and is {expected}, not a regular file; name a file to write\n"
    )
    after = os.stat(out)
    assert (after.st_ino, after.st_mode, after.st_rdev) == (
        before.st_ino, before.st_mode, before.st_rdev
    )


@pytest.mark.parametrize("length", [238, 245, 250, 255])
def test_names_up_to_the_systems_limit_can_be_written(
    tmp_path: Path, capsys: Any, length: int
) -> None:
    source = write(tmp_path / "output.manifest", OUTPUT)
    out = tmp_path / ("n" * length)
    code, err = run(capsys, "chain", str(source), "--out", str(out),
                    "--new-label-attribute", "verify")
    assert (code, err) == (0, "")
    assert len(list(read_manifest(out))) == len(OUTPUT)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["output.manifest", out.name])
