"""``airflow-gt validate``: the command-line contract (exit codes, ``--format json``, reports).

Most tests run the real validator on copies of ``tests/sample/object-detection.manifest``; a few
replace it with a stand-in returning a result made by hand, to check what the command passes on
and prints.
"""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from airflow_gt.cli import main
from airflow_gt.exceptions import InvalidJsonError
from airflow_gt.validation import validator
from airflow_gt.validation.reports import HTML_REPORT, JSON_REPORT
from airflow_gt.validation.results import ValidationResult
from tests.conftest import BAD_SAMPLES, SAMPLES
from tests.validation.test_reports import failing_result, passing_result

# The console script installed beside the interpreter running the tests (.venv, or a matrix venv).
SCRIPT = Path(sys.executable).parent / "airflow-gt"
CONTRACT_FIELDS = {
    "success", "job_type", "label_attribute", "objects", "labeled", "failed_expectations",
}


def sample_line() -> dict[str, Any]:
    line: dict[str, Any] = orjson.loads(
        (SAMPLES / "object-detection.manifest").read_bytes().splitlines()[0]
    )
    return line


def boxes_manifest(path: Path, lines: int = 6, **breakage: tuple[int, ...]) -> Path:
    """A bounding-box output manifest of ``lines`` lines shaped like the sample; lines listed in
    ``negative_width`` get a box of width -30, those in ``confidence_above_one`` a confidence of
    1.5 (1-based line numbers)."""
    records = []
    for number in range(1, lines + 1):
        record = copy.deepcopy(sample_line())
        record["source-ref"] = f"s3://example-bucket/images/{number:04d}.jpg"
        if number in breakage.get("negative_width", ()):
            record["bounding-box"]["annotations"][1]["width"] = -30
        if number in breakage.get("confidence_above_one", ()):
            record["bounding-box-metadata"]["objects"][0]["confidence"] = 1.5
        records.append(orjson.dumps(record))
    path.write_bytes(b"\n".join(records) + b"\n")
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["validate", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- real runs ------------------------------------------------------------------------------


def test_valid_manifest_exits_0_with_a_text_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = boxes_manifest(tmp_path / "output.manifest")
    code, out, err = run([str(source)], capsys)
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    assert lines[:3] == [f"source: {source}", "result: passed", "objects: 6"]
    assert lines[3].startswith(
        "label attribute bounding-box (object-detection): passed, 6 of 6 objects labeled, "
        "0 failed, "
    )


def test_valid_manifest_json_is_one_object_of_the_contract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = boxes_manifest(tmp_path / "output.manifest")
    code, out, err = run([str(source), "--format", "json"], capsys)
    assert (code, err) == (0, "")
    assert out.count("\n") == 1
    summary = json.loads(out)
    assert summary.keys() >= CONTRACT_FIELDS
    assert summary["success"] is True
    assert (summary["job_type"], summary["label_attribute"]) == ("object-detection", "bounding-box")
    assert (summary["objects"], summary["labeled"]) == (6, 6)
    assert summary["failed_expectations"] == []


def test_broken_boxes_exit_1_naming_rule_and_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = boxes_manifest(
        tmp_path / "output.manifest", negative_width=(2, 5), confidence_above_one=(4,)
    )
    code, out, _ = run([str(source)], capsys)
    assert code == 1
    assert "result: FAILED" in out
    assert "  failed: a box has a positive width" in out
    assert "    2 unexpected of 18" in out
    assert "    sample lines: 2, 5" in out
    assert "  failed: a box's confidence is between 0 and 1" in out
    assert "    sample lines: 4" in out


def test_broken_boxes_json_lists_failed_expectations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = boxes_manifest(tmp_path / "output.manifest", negative_width=(2, 5))
    code, out, _ = run([str(source), "--format", "json"], capsys)
    assert code == 1
    summary = json.loads(out)
    assert summary["success"] is False
    failed = {
        (f["expectation"], f["column"]): f["unexpected_count"]
        for f in summary["failed_expectations"]
    }
    assert failed[("expect_column_values_to_be_between", "width")] == 2
    for entry in summary["failed_expectations"]:
        assert {"expectation", "column", "unexpected_count"} <= entry.keys()


def test_chained_jobs_are_validated_for_every_label_attribute(
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = SAMPLES / "object-detection-adjustment.manifest"
    code, out, _ = run([str(source), "--format", "json"], capsys)
    assert code == 0
    summary = json.loads(out)
    assert [(a["label_attribute"], a["job_type"]) for a in summary["label_attributes"]] == [
        ("bounding-box", "object-detection"),
        ("adjusted-bounding-box", "object-detection"),
    ]


def test_label_attribute_option_validates_only_that_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = SAMPLES / "object-detection-adjustment.manifest"
    code, out, _ = run([str(source), "--label-attribute", "adjusted-bounding-box",
                        "--format", "json"], capsys)
    assert code == 0
    summary = json.loads(out)
    assert summary["label_attribute"] == "adjusted-bounding-box"
    assert [a["label_attribute"] for a in summary["label_attributes"]] == [
        "adjusted-bounding-box"
    ]


def test_report_dir_writes_both_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = boxes_manifest(tmp_path / "output.manifest", negative_width=(3,))
    reports = tmp_path / "reports"
    code, out, _ = run([str(source), "--report-dir", str(reports)], capsys)
    assert code == 1
    assert f"report (json): {reports / JSON_REPORT}" in out.splitlines()
    assert f"report (html): {reports / HTML_REPORT}" in out.splitlines()
    written = json.loads((reports / JSON_REPORT).read_bytes())
    assert written["success"] is False
    page = (reports / HTML_REPORT).read_text(encoding="utf-8")
    assert "a box has a positive width" in page and "line 3" in page


def test_report_dir_with_json_format_names_the_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = boxes_manifest(tmp_path / "output.manifest")
    reports = tmp_path / "reports"
    code, out, _ = run([str(source), "--report-dir", str(reports), "--format", "json"], capsys)
    assert code == 0
    summary = json.loads(out)
    assert summary["reports"] == {
        "json": str(reports / JSON_REPORT), "html": str(reports / HTML_REPORT)
    }
    written = json.loads((reports / JSON_REPORT).read_bytes())
    assert written == {key: value for key, value in summary.items() if key != "reports"}


def test_label_categories_file_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = boxes_manifest(tmp_path / "output.manifest")
    categories = tmp_path / "categories.json"
    categories.write_text(json.dumps(
        {"document-version": "2018-11-28", "labels": [{"label": "dog"}, {"label": "bone"}]}
    ))
    code, _, _ = run([str(source), "--label-categories", str(categories)], capsys)
    assert code == 0


# --- unreadable input and bad arguments: exit 2 ---------------------------------------------


def test_invalid_json_exits_2_naming_file_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    source = BAD_SAMPLES / "invalid-json.manifest"
    code, out, err = run([str(source)], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith(f"airflow-gt: {source}, line 2: not valid JSON")


def test_missing_manifest_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.manifest"
    code, _, err = run([str(missing), "--format", "json"], capsys)
    assert code == 2
    assert f"{missing}: no such manifest" in err


def test_malformed_label_categories_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = boxes_manifest(tmp_path / "output.manifest")
    categories = tmp_path / "categories.json"
    categories.write_text('{"document-version": "2018-11-28", "labels": []}')
    code, _, err = run([str(source), "--label-categories", str(categories)], capsys)
    assert code == 2
    assert str(categories) in err


def test_unknown_label_attribute_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = boxes_manifest(tmp_path / "output.manifest")
    code, _, err = run([str(source), "--label-attribute", "species"], capsys)
    assert code == 2
    assert "species" in err


@pytest.mark.parametrize(
    "options",
    [
        ["--max-failed-fraction", "1.5"],
        ["--max-failed-fraction", "a lot"],
        ["--format", "xml"],
        ["--no-such-option"],
    ],
)
def test_bad_arguments_exit_2(
    options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = boxes_manifest(tmp_path / "output.manifest", lines=1)
    code, out, err = run([str(source), *options], capsys)
    assert code == 2
    assert out == ""
    assert "usage: airflow-gt" in err


def test_missing_source_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run([], capsys)
    assert code == 2
    assert "source" in err


# --- with a stand-in validator ----------------------------------------------------------------


class FakeValidator:
    """Records what ``validate_manifest`` was called with and returns a result made by hand."""

    def __init__(self, result: ValidationResult) -> None:
        self.result = result
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, source: str, **options: Any) -> ValidationResult:
        self.calls.append((source, options))
        progress = options["progress"]
        if progress is not None:
            progress(self.result.objects)
        return self.result


@pytest.fixture
def fake_validator(monkeypatch: pytest.MonkeyPatch) -> FakeValidator:
    fake = FakeValidator(failing_result())
    monkeypatch.setattr(validator, "validate_manifest", fake)
    return fake


def test_options_are_passed_to_the_validator(
    fake_validator: FakeValidator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    categories = tmp_path / "categories.json"
    categories.write_text(json.dumps(
        {"document-version": "2018-11-28", "labels": [{"label": "dog"}, {"label": "bone"}]}
    ))
    code, _, _ = run(
        ["s3://jobs/dogs/output.manifest", "--job-type", "object-detection",
         "--label-attribute", "bounding-box", "--input-manifest", "s3://jobs/dogs/input.manifest",
         "--label-categories", str(categories), "--max-failed-fraction", "0.25"],
        capsys,
    )
    assert code == 1
    assert fake_validator.calls == [(
        "s3://jobs/dogs/output.manifest",
        {
            "job_type": "object-detection",
            "label_attribute": "bounding-box",
            "input_manifest": "s3://jobs/dogs/input.manifest",
            "label_categories": ("dog", "bone"),
            "max_failed_fraction": 0.25,
            "progress": None,  # standard error is not a terminal under pytest
            "processes": 0,
        },
    )]


def test_defaults_passed_to_the_validator(
    fake_validator: FakeValidator, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_validator.result = passing_result()
    assert run(["output.manifest"], capsys)[0] == 0
    _, options = fake_validator.calls[0]
    assert options["max_failed_fraction"] == 0.1
    assert options["job_type"] is options["label_attribute"] is options["input_manifest"] is None
    assert options["label_categories"] is None


def test_text_summary_of_a_failed_validation(
    fake_validator: FakeValidator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["output.manifest"], capsys)
    assert code == 1
    assert out.splitlines() == [
        "source: s3://labels/jobs/dogs/manifests/output/output.manifest",
        "result: FAILED (2 of 3 expectations)",
        "objects: 4",
        "label attribute bounding-box (object-detection): FAILED, 3 of 4 objects labeled, "
        "1 failed, 1 of 3 expectations held",
        "  failed: a box has a positive width",
        "    expect_column_values_to_be_between on boxes.width",
        "    2 unexpected of 12",
        "    sample lines: 2, 3",
        "  failed: the share of failed lines stays under max_failed_fraction",
        "    expect_column_mean_to_be_between on lines.failed",
        "    observed value: 0.25",
    ]


def test_json_summary_is_the_results_summary(
    fake_validator: FakeValidator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["output.manifest", "--format", "json"], capsys)
    assert code == 1
    assert json.loads(out) == fake_validator.result.summary()


def test_progress_is_drawn_on_a_terminal(
    fake_validator: FakeValidator, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code, out, _ = run(["output.manifest", "--format", "json"], capsys)
    assert code == 1
    assert json.loads(out)["objects"] == 4  # standard output keeps only the summary
    drawn = terminal.getvalue()
    assert drawn.startswith("\rvalidating: 4 lines read") and drawn.endswith("\n")


def test_progress_line_is_ended_when_validation_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def broken(source: str, **options: Any) -> ValidationResult:
        options["progress"](100_000)
        raise InvalidJsonError(source, 100_001, "unexpected character")

    terminal = Terminal()
    monkeypatch.setattr(validator, "validate_manifest", broken)
    monkeypatch.setattr(sys, "stderr", terminal)
    assert run(["output.manifest"], capsys)[0] == 2
    drawn = terminal.getvalue()
    progress, message = drawn.split("\n", 1)
    assert progress.startswith("\rvalidating: 100,000 lines read")
    assert message == "airflow-gt: output.manifest, line 100001: not valid JSON " \
        "(unexpected character)\n"


# --- the installed command ------------------------------------------------------------------


def test_cli_import_stays_light() -> None:
    code = (
        "import sys, airflow_gt.cli; "
        "print(sorted(m for m in ('great_expectations', 'pandas') if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert found.stdout.strip() == "[]"


def test_installed_console_script_validates(tmp_path: Path) -> None:
    source = boxes_manifest(tmp_path / "output.manifest", negative_width=(2,))
    done = subprocess.run(
        [str(SCRIPT), "validate", str(source), "--format", "json"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout)
    assert summary["success"] is False and summary["objects"] == 6
