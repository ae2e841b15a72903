"""``airflow-gt workers``: the command-line contract (exit codes, ``--format json``, reports)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_gt.cli import main
from tests.workforce.job_folder import classification_job

SCRIPT = Path(sys.executable).parent / "airflow-gt"
CONTRACT_FIELDS = {"success", "job_type", "objects", "workers", "mean_agreement", "alpha",
                   "per_worker", "low_agreement", "failed_checks"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["workers", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_carries_the_contract_and_a_poor_worker_fails_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = classification_job(tmp_path)
    code, out, _ = run(capsys, str(folder), "--min-worker-accuracy", "0.7", "--format", "json")
    summary = json.loads(out)
    assert code == 1
    assert summary.keys() >= CONTRACT_FIELDS
    assert summary["success"] is False
    assert (summary["objects"], summary["workers"]) == (4, 3)
    assert summary["alpha"] == pytest.approx(27 / 82)
    assert [(w["worker_id"], w["tasks"]) for w in summary["per_worker"]] == [
        ("w1", 4), ("w2", 4), ("w3", 4)]
    assert {k for k in summary["per_worker"][0]} >= {"worker_id", "tasks", "accuracy",
                                                     "mean_seconds"}
    assert [(c["worker_id"], c["value"], c["threshold"]) for c in summary["failed_checks"]] == [
        ("w3", pytest.approx(2 / 3), 0.7)]
    assert [(o["source"], o["agreement"]) for o in summary["low_agreement"]] == [
        ("s3://b/2.jpg", pytest.approx(1 / 3)), ("s3://b/0.jpg", pytest.approx(2 / 3))]


def test_the_thresholds_decide_the_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(classification_job(tmp_path))
    assert run(capsys, folder)[0] == 0
    assert run(capsys, folder, "--min-worker-accuracy", "0.6")[0] == 0
    # w3 has 4 tasks: not judged when 5 are needed.
    assert run(capsys, folder, "--min-worker-accuracy", "0.7", "--min-tasks", "5")[0] == 0
    code, out, _ = run(capsys, folder, "--min-agreement", "0.7")
    assert code == 1
    assert "mean agreement 0.667 < 0.7" in out


def test_text_shows_the_per_worker_table_and_the_flagged_worker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, str(classification_job(tmp_path)), "--min-worker-accuracy", "0.7")
    assert code == 1
    table = out[out.index("worker  "):].splitlines()
    assert table[0].split() == ["worker", "tasks", "judged", "accuracy", "mean", "s"]
    assert table[3].split() == ["w3", "4", "3", "0.667", "1.5", "FLAGGED"]
    assert "FLAGGED" not in table[1] + table[2]
    assert "w3: accuracy 0.667 < 0.7 (3 judged of 4 tasks)" in out


def test_reports_are_written_both_with_a_table_and_a_histogram(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = tmp_path / "reports"
    code, out, _ = run(capsys, str(classification_job(tmp_path)), "--report-dir", str(reports),
                       "--format", "json")
    summary = json.loads(out)
    assert code == 0
    assert summary["reports"] == {"json": str(reports / "workforce-report.json"),
                                  "html": str(reports / "workforce-report.html")}
    written = json.loads((reports / "workforce-report.json").read_text())
    assert {k: v for k, v in summary.items() if k != "reports"} == written
    page = (reports / "workforce-report.html").read_text()
    assert "<h2>Workers</h2>" in page and "<svg" in page
    assert page.count("<rect ") == 10  # one bar per tenth of agreement
    assert "<code>w3</code>" in page


@pytest.mark.parametrize(("argv", "message"), [
    (["--min-worker-accuracy", "1.5"], "--min-worker-accuracy: must be between 0 and 1"),
    (["--min-tasks", "0"], "--min-tasks: must be at least 1"),
    (["--min-agreement", "x"], "--min-agreement: not a number"),
])
def test_bad_arguments_exit_2_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, str(tmp_path), *argv)
    assert code == 2
    assert message in err


def test_unreadable_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = classification_job(tmp_path)
    (folder / "manifests/output/output.manifest").write_text('{"source-ref": "s3://b/0.jpg"\n')
    code, out, err = run(capsys, str(folder))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "output.manifest, line 1" in err


def test_the_report_folder_may_not_be_an_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = classification_job(tmp_path)
    manifest = folder / "manifests" / "output"
    (manifest / "workforce-report.json").mkdir()
    code, _, err = run(capsys, str(folder), "--report-dir", str(manifest))
    assert code == 2 and "workforce-report.json" in err


def test_the_installed_command_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(SCRIPT), "workers", str(classification_job(tmp_path)), "--min-worker-accuracy",
         "0.7", "--format", "json"], capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert [c["worker_id"] for c in json.loads(result.stdout)["failed_checks"]] == ["w3"]
