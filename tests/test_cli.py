"""The airflow-gt command, run in-process (and once as the installed console script)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from airflow_gt import __version__
from airflow_gt.cli import main
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.writer import dump_line, write_manifest
from tests.conftest import SAMPLES

# The console script installed beside the interpreter running the tests (.venv, or a matrix venv).
SCRIPT = Path(sys.executable).parent / "airflow-gt"
DATE = "2018-10-18T22:18:13.527256"


def image(n: int) -> str:
    return f"s3://my-images/animals/{n:04d}.jpg"


def species(n: int, class_name: str = "dog", confidence: float = 0.93, **extra: Any) -> dict:
    return {
        "source-ref": image(n),
        "species": 0 if class_name == "dog" else 1,
        "species-metadata": {
            "class-name": class_name,
            "confidence": confidence,
            "type": "groundtruth/image-classification",
            "job-name": "labeling-job/identify-species",
            "human-annotated": "yes",
            "creation-date": DATE,
        },
        **extra,
    }


def failed(n: int) -> dict[str, Any]:
    return {
        "source-ref": image(n),
        "species-metadata": {
            "type": "groundtruth/image-classification",
            "job-name": "labeling-job/identify-species",
            "human-annotated": "yes",
            "creation-date": DATE,
            "failure-reason": "ClientError: the worker did not answer in time",
        },
    }


def quality(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "source-ref": image(n),
        "quality": "0",
        "quality-metadata": {
            "class-name": "sharp",
            "confidence": 0.71,
            "type": "groundtruth/image-classification",
            "job-name": "rate-quality",
            "human-annotated": "no",
            "creation-date": DATE,
        },
        **extra,
    }


OUTPUT = [
    species(1, "dog", 0.93),
    failed(2),
    species(3, "cat", 0.41),
    {"source-ref": image(4)},
    species(5, "cat", 0.88),
    species(6, "dog", 0.35),
]


def write(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    write_manifest(path, records)
    return path


def records(path: Path) -> list[dict[str, Any]]:
    return [r for _, r in read_manifest(path)]


# --- chain ----------------------------------------------------------------------------------


def test_chain_writes_the_follow_up_manifest(tmp_path: Path, capsys: Any) -> None:
    source = write(tmp_path / "output.manifest", OUTPUT)
    out = tmp_path / "verify" / "input.manifest"
    code = main(
        ["chain", str(source), "--out", str(out), "--new-label-attribute", "verify-species",
         "--status", "labeled"]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert out.read_bytes() == b"".join(dump_line(OUTPUT[i]) for i in (0, 2, 4, 5))
    assert captured.err == ""
    lines = captured.out.splitlines()
    assert f"destination: {out}" in lines
    assert "label_attribute: species" in lines
    assert "lines_written: 4" in lines


def test_chain_json_summary(tmp_path: Path, capsys: Any) -> None:
    source = write(tmp_path / "output.manifest", OUTPUT)
    out = tmp_path / "input.manifest"
    code = main(
        [
            "chain", str(source), "--out", str(out), "--new-label-attribute", "verify-species",
            "--status", "labeled", "--class-name", "cat", "--class-name", "dog",
            "--confidence-below", "0.9", "--format", "json",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err == ""
    assert captured.out.count("\n") == 1
    summary = json.loads(captured.out)
    assert summary == {
        "destination": str(out),
        "label_attribute": "species",
        "lines_read": 6,
        "lines_written": 3,
        "ties_broken": 0,
    }
    assert records(out) == [OUTPUT[2], OUTPUT[4], OUTPUT[5]]


def test_chain_sample_and_seed_are_passed_on(tmp_path: Path, capsys: Any) -> None:
    source = write(tmp_path / "output.manifest", [species(n) for n in range(1, 101)])
    outs = []
    for name, seed in (("a", "11"), ("b", "11"), ("c", "12")):
        out = tmp_path / f"{name}.manifest"
        code = main(
            ["chain", str(source), "--out", str(out), "--new-label-attribute", "verify",
             "--sample", "5", "--seed", seed, "--format", "json"]
        )
        assert code == 0
        assert json.loads(capsys.readouterr().out)["lines_written"] == 5
        outs.append([r["source-ref"] for r in records(out)])
    assert outs[0] == outs[1]
    assert outs[0] != outs[2]
    for chosen in outs:
        assert chosen == sorted(chosen)
        assert len(set(chosen)) == 5


def test_chain_lowest_quantile_and_follow_up_job_type(tmp_path: Path, capsys: Any) -> None:
    source = write(tmp_path / "output.manifest", OUTPUT)
    out = tmp_path / "input.manifest"
    code = main(
        ["chain", str(source), "--out", str(out), "--new-label-attribute", "adjust-ref",
         "--follow-up", "semantic-segmentation", "--lowest-quantile", "0.5",
         "--label-attribute", "species"]
    )
    capsys.readouterr()
    assert code == 0
    # Four labeled lines in one group: the lowest half is 0.35 and 0.41.
    assert records(out) == [OUTPUT[2], OUTPUT[5]]


def test_chain_lowest_quantile_keeps_its_share_of_ties_and_says_so(
    tmp_path: Path, capsys: Any
) -> None:
    lines = [species(n, confidence=0.56 if n <= 5 else 0.81) for n in range(1, 21)]
    source = write(tmp_path / "output.manifest", lines)
    out = tmp_path / "input.manifest"
    code = main(["chain", str(source), "--out", str(out), "--new-label-attribute", "verify",
                 "--lowest-quantile", "0.3", "--format", "json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (summary["lines_written"], summary["ties_broken"]) == (6, 14)
    assert [r["source-ref"] for r in records(out)][:5] == [image(n) for n in range(1, 6)]


def test_chain_taken_label_attribute_exits_1(tmp_path: Path, capsys: Any) -> None:
    source = write(tmp_path / "output.manifest", OUTPUT)
    out = tmp_path / "input.manifest"
    code = main(["chain", str(source), "--out", str(out), "--new-label-attribute", "species"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert captured.err.startswith(f"airflow-gt: {source}, line 1: ")
    assert "'species'" in captured.err
    assert not out.exists()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--status", "unlabeled", "--class-name", "dog"], "status: "),
        (["--confidence-below", "1.5"], "confidence_below: "),
        (["--lowest-quantile", "0"], "lowest_quantile: "),
        (["--sample", "-1"], "sample_size: "),
        (["--follow-up", "semantic-segmentation"], "label attribute 'verify'"),
        (["--follow-up", "no-such-type"], "job_type: "),
    ],
)
def test_chain_invalid_selection_exits_2(
    tmp_path: Path, capsys: Any, extra: list[str], expected: str
) -> None:
    source = write(tmp_path / "output.manifest", OUTPUT)
    out = tmp_path / "input.manifest"
    code = main(
        ["chain", str(source), "--out", str(out), "--new-label-attribute", "verify", *extra]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.startswith(f"airflow-gt: {expected}")
    assert not out.exists()


def test_chain_follow_up_built_in_task_name(tmp_path: Path, capsys: Any) -> None:
    # AdjustmentBoundingBox adjusts bounding boxes: it is given an object-detection output.
    boxes = records(SAMPLES / "object-detection.manifest")
    source = write(tmp_path / "output.manifest", boxes)
    out = tmp_path / "input.manifest"
    code = main(
        ["chain", str(source), "--out", str(out), "--new-label-attribute", "adjust-boxes",
         "--follow-up", "AdjustmentBoundingBox"]
    )
    capsys.readouterr()
    assert code == 0
    assert records(out) == boxes


def test_chain_missing_source_exits_2(tmp_path: Path, capsys: Any) -> None:
    missing = tmp_path / "nowhere.manifest"
    code = main(["chain", str(missing), "--out", str(tmp_path / "o"), "--new-label-attribute",
                 "verify"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == f"airflow-gt: {missing}: no such manifest\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# --- merge ----------------------------------------------------------------------------------


@pytest.fixture
def jobs(tmp_path: Path) -> tuple[Path, Path]:
    return (
        write(tmp_path / "species.manifest", [species(1), species(2), species(3)]),
        write(tmp_path / "quality.manifest", [quality(3), quality(1), quality(2)]),
    )


def test_merge_clean_exits_0(tmp_path: Path, capsys: Any, jobs: tuple[Path, Path]) -> None:
    a, b = jobs
    out = tmp_path / "merged.manifest"
    code = main(["merge", str(a), str(b), "--out", str(out), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err == ""
    assert json.loads(captured.out) == {
        "destination": str(out),
        "lines_written": 3,
        "missing_count": 0,
        "conflict_count": 0,
        "dropped_count": 0,
        "issues": [],
    }
    assert records(out) == [{**species(n), **quality(n)} for n in (1, 2, 3)]


def test_merge_text_summary_lists_the_issues(tmp_path: Path, capsys: Any) -> None:
    a = write(tmp_path / "a.manifest", [species(1), species(2)])
    b = write(tmp_path / "b.manifest", [quality(2), quality(5)])
    out = tmp_path / "merged.manifest"
    code = main(["merge", str(a), str(b), "--out", str(out), "--on-missing", "drop"])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out.splitlines() == [
        f"destination: {out}",
        "lines_written: 1",
        "missing_count: 2",
        "conflict_count: 0",
        "dropped_count: 2",
        "issues:",
        f"  {image(1)!r} is missing from {b}",
        f"  {image(5)!r} is missing from {a}",
    ]
    assert records(out) == [{**species(2), **quality(2)}]


def test_merge_conflict_exits_1(tmp_path: Path, capsys: Any) -> None:
    a = write(tmp_path / "a.manifest", [species(1, camera="north")])
    b = write(tmp_path / "b.manifest", [quality(1, camera="south")])
    out = tmp_path / "merged.manifest"
    code = main(["merge", str(a), str(b), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert captured.err == (
        f"airflow-gt: {image(1)!r}: key 'camera' has different values in {a} and {b}\n"
    )
    assert not out.exists()

    code = main(["merge", str(a), str(b), "--out", str(out), "--on-conflict", "first",
                 "--format", "json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert summary["conflict_count"] == 1
    assert summary["issues"] == [f"{image(1)!r}: key 'camera' differs in {b}"]
    assert records(out)[0]["camera"] == "north"


def test_merge_missing_object_as_error_exits_1(
    tmp_path: Path, capsys: Any, jobs: tuple[Path, Path]
) -> None:
    a, _ = jobs
    b = write(tmp_path / "short.manifest", [quality(1)])
    code = main(["merge", str(a), str(b), "--out", str(tmp_path / "m"), "--on-missing", "error"])
    assert code == 1
    assert capsys.readouterr().err == f"airflow-gt: {image(2)!r} is missing from {b}\n"


def test_merge_missing_input_exits_2(
    tmp_path: Path, capsys: Any, jobs: tuple[Path, Path]
) -> None:
    a, _ = jobs
    missing = tmp_path / "not-there.manifest"
    out = tmp_path / "merged.manifest"
    code = main(["merge", str(a), str(missing), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err == f"airflow-gt: {missing}: no such manifest\n"
    assert not out.exists()


def test_merge_broken_line_exits_2(tmp_path: Path, capsys: Any, jobs: tuple[Path, Path]) -> None:
    a, _ = jobs
    broken = tmp_path / "broken.manifest"
    broken.write_bytes(dump_line(quality(1)) + dump_line(quality(2)) + b'{"source-ref": \n')
    out = tmp_path / "merged.manifest"
    code = main(["merge", str(a), str(broken), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.startswith(f"airflow-gt: {broken}, line 3: not valid JSON")
    assert not out.exists()


def test_merge_one_source_exits_2(tmp_path: Path, capsys: Any, jobs: tuple[Path, Path]) -> None:
    a, _ = jobs
    code = main(["merge", str(a), "--out", str(tmp_path / "m")])
    assert code == 2
    assert capsys.readouterr().err.startswith("airflow-gt: sources: ")


# --- arguments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["chain", "in.manifest", "--out", "o.manifest", "--new-label-attribute", "v", "--bogus"],
        ["chain", "in.manifest", "--new-label-attribute", "v"],
        ["chain", "in.manifest", "--out", "o.manifest"],
        ["chain", "in.manifest", "--out", "o", "--new-label-attribute", "v", "--status", "x"],
        ["chain", "in.manifest", "--out", "o", "--new-label-attribute", "v", "--sample", "x"],
        ["merge", "a.manifest", "b.manifest"],
        ["merge", "--out", "o.manifest"],
        ["merge", "a", "b", "--out", "o", "--on-conflict", "last"],
        ["frobnicate"],
        [],
    ],
)
def test_bad_arguments_exit_2(
    tmp_path: Path, capsys: Any, monkeypatch: Any, argv: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "usage: airflow-gt" in captured.err
    assert list(tmp_path.iterdir()) == []


def test_missing_out_is_named(capsys: Any) -> None:
    assert main(["merge", "a.manifest", "b.manifest"]) == 2
    assert "the following arguments are required: --out" in capsys.readouterr().err


def test_version_in_process(capsys: Any) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"airflow-gt {__version__}\n"


def test_installed_console_script_version() -> None:
    completed = subprocess.run(
        [str(SCRIPT), "--version"], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == f"airflow-gt {__version__}\n"
    assert completed.stderr == ""
