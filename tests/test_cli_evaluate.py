"""``airflow-gt evaluate``: text and JSON output, gates and exit codes, plots, bad files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.cli import main
from tests.conftest import SAMPLES
from tests.evaluation.documents import SAMPLE, mutated, sample, write

# The console script installed beside the interpreter running the tests (.venv, or a matrix venv).
SCRIPT = Path(sys.executable).parent / "airflow-gt"
INPUT = ("ContentModeration", "InputConfidenceThresholdEvalResults")


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(["evaluate", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_text_for_people(capsys: Any) -> None:
    code, out, err = run(capsys, str(SAMPLE), "--min-f1", "0.7", "--require-improvement")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"evaluation results: {SAMPLE}"
    assert "F1Score: 0.7317 at threshold 50" in lines
    assert lines[lines.index("F1Score: 0.7317 at threshold 50") + 2].split() == [
        "at", "threshold", "50", "precision", "recall", "F1", "TP", "FP", "FN", "TN"
    ]
    assert "adapter 0.7143 0.7500 0.7317 15 6 5 54" in [" ".join(x.split()) for x in lines]
    assert "base model 0.4286 0.4500 0.4390 9 12 11 48" in [" ".join(x.split()) for x in lines]
    assert "best adapter threshold: 70 (F1 0.7429)" in lines
    assert "  passed  min_f1: F1Score 0.7317, at least 0.7000 required" in lines
    assert lines[-1] == "result: passed"


def test_json_has_the_contracts_keys(capsys: Any) -> None:
    code, out, err = run(capsys, str(SAMPLE), "--format", "json")
    assert (code, err, out.count("\n")) == (0, "", 1)
    summary = json.loads(out)
    assert {"passed", "f1", "threshold", "adapter", "base_model", "best_threshold",
            "per_label"} <= set(summary)
    assert (summary["passed"], summary["f1"], summary["threshold"]) == (True, 0.7317, 50.0)
    assert summary["adapter"] == {"tp": 15, "fp": 6, "fn": 5, "tn": 54,
                                  "precision": 15 / 21, "recall": 15 / 20, "f1": 30 / 41}
    assert summary["best_threshold"] == {"threshold": 70.0, "f1": 26 / 35}
    assert [item["label"] for item in summary["per_label"]] == ["Rude Gesture", "Nudity"]
    assert set(summary["per_label"][0]) == {"label", "adapter", "base_model"}


@pytest.mark.parametrize(
    ("gates", "code", "failed"),
    [
        (["--min-f1", "0.8"], 1, ["min_f1"]),
        (["--min-f1", "0.7317"], 0, []),
        (["--require-improvement", "--min-recall", "Nudity=0.75"], 1, ["min_recall Nudity"]),
        (["--min-recall", "Nudity=0.7", "--min-recall", "Rude Gesture=0.9"], 1,
         ["min_recall Rude Gesture"]),
        (["--min-recall", "Rude Gesture=0.8"], 0, []),
    ],
)
def test_gates_decide_the_exit_code(
    capsys: Any, gates: list[str], code: int, failed: list[str]
) -> None:
    found, out, _ = run(capsys, str(SAMPLE), *gates, "--format", "json")
    summary = json.loads(out)
    assert (found, summary["passed"]) == (code, code == 0)
    assert [g["gate"] for g in summary["gates"] if not g["passed"]] == failed


def test_a_failed_gate_in_text(capsys: Any) -> None:
    code, out, _ = run(capsys, str(SAMPLE), "--min-recall", "Nudity=0.75")
    assert code == 1
    assert "  FAILED  min_recall Nudity: adapter recall of 'Nudity' 0.7000, at least 0.7500 " \
           "required" in out.splitlines()
    assert out.splitlines()[-1] == "result: FAILED"


def _set(value: Any, *path: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        for key in path[:-1]:
            doc = doc[key]
        doc[path[-1]] = value

    return change


def _drop_sweep_threshold(doc: dict[str, Any]) -> None:
    del doc["ContentModeration"]["AllConfidenceThresholdsEvalResults"][4]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set(None, *INPUT, "ConfidenceThreshold"),
         "ContentModeration.InputConfidenceThresholdEvalResults.ConfidenceThreshold: must be a "
         "number, found null"),
        (_drop_sweep_threshold,
         "ContentModeration.AllConfidenceThresholdsEvalResults: lacks the results at "
         "threshold(s) 25 "),
        (_set(-2, *INPUT, "AggregatedEvaluationResults", "Adapter", "FalseNegative"),
         "ContentModeration.InputConfidenceThresholdEvalResults.AggregatedEvaluationResults."
         "Adapter.FalseNegative: must not be negative, found -2"),
        (_set(0.5, *INPUT, "ConfidenceThreshold"),
         "ContentModeration.InputConfidenceThresholdEvalResults.ConfidenceThreshold: must be "
         "from 5 to 100, found 0.5"),
        (_set("Smoking", *INPUT, "LabelEvaluationResults", 1, "Label"),
         "ContentModeration.InputConfidenceThresholdEvalResults.LabelEvaluationResults[1].Label: "
         "'Smoking' is not in EvaluationDetails.Labels (Rude Gesture, Nudity)"),
    ],
    ids=["missing threshold", "missing sweep threshold", "negative count",
         "threshold outside 5..100", "label not in Labels"],
)
def test_bad_evaluation_files_exit_2(
    tmp_path: Path, capsys: Any, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    source = write(tmp_path / "evaluation.json", mutated(sample(), change))
    code, out, err = run(capsys, source, "--min-f1", "0.5", "--plot", str(tmp_path / "p.png"))
    assert (code, out) == (2, "")
    assert err.startswith(f"airflow-gt: {source}: {message}")
    assert not (tmp_path / "p.png").exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--min-recall", "Nudity"], "expected LABEL=F, got 'Nudity'"),
        (["--min-recall", "Nudity=1.5"], "must be between 0 and 1, got 1.5"),
        (["--min-recall", "Smoking=0.5"], "min_recall: 'Smoking' not among the evaluated labels"),
        (["--min-f1", "high"], "not a number: 'high'"),
    ],
)
def test_bad_arguments_exit_2(capsys: Any, argv: list[str], expected: str) -> None:
    code, out, err = run(capsys, str(SAMPLE), *argv)
    assert (code, out) == (2, "")
    assert expected in err


def test_a_missing_or_unparsable_file_exits_2(tmp_path: Path, capsys: Any) -> None:
    missing = tmp_path / "none.json"
    code, _, err = run(capsys, str(missing))
    assert (code, err) == (2, f"airflow-gt: {missing}: no such manifest\n")
    printed = SAMPLES / "bad" / "evaluation-results-as-printed.json"
    code, _, err = run(capsys, str(printed))
    assert code == 2
    assert err.startswith(f"airflow-gt: {printed}: not valid JSON (")


def test_plot_and_output_manifest(tmp_path: Path, capsys: Any) -> None:
    plot = tmp_path / "evaluation.png"
    manifest = SAMPLES / "moderation-output.manifest"
    code, out, _ = run(capsys, str(SAMPLE), "--plot", str(plot), "--output-manifest",
                       str(manifest), "--format", "json")
    summary = json.loads(out)
    assert code == 0
    assert summary["plot"] == str(plot)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    analysis = summary["output_manifest"]
    assert (analysis["source"], analysis["images"], analysis["counts_match"]) == (
        str(manifest), 3, False
    )
    rude = analysis["per_label"][0]
    assert (rude["label"], rude["regressions"]) == ("Rude Gesture", [])
    assert [d["line"] for d in rude["improvements"]] == [1, 2]
    code, out, _ = run(capsys, str(SAMPLE), "--plot", str(plot), "--output-manifest",
                       str(manifest))
    lines = out.splitlines()
    assert "  Rude Gesture: 0 regression(s), 2 improvement(s)" in lines
    assert "    improvement line 1 s3://foo/bar/1.jpg: base model false negative (adapter " \
           "91.5, base model 12.25)" in lines
    assert f"plot: {plot}" in lines


def test_the_installed_command_plots_without_a_display(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    plot = tmp_path / "evaluation.png"
    completed = subprocess.run(
        [str(SCRIPT), "evaluate", str(SAMPLE), "--plot", str(plot), "--format", "json"],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["plot"] == str(plot)
    assert plot.stat().st_size > 20_000
