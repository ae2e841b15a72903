"""Contracts of the package as a whole: provider registration, layering, public API, samples."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import orjson
import pytest

import airflow_gt.adapters
import airflow_gt.evaluation
import airflow_gt.labeling
import airflow_gt.manifests
import airflow_gt.validation
import airflow_gt.workforce
from airflow_gt import __version__
from tests.conftest import BAD_SAMPLES, SAMPLES

ROOT = Path(__file__).parent.parent


def test_provider_entry_point_gives_valid_provider_info() -> None:
    (entry,) = [e for e in entry_points(group="apache_airflow_provider") if e.value.startswith(
        "airflow_gt.")]
    info = entry.load()()
    assert info["package-name"] == "airflow-gt"
    assert info["versions"] == [__version__]
    import airflow
    import jsonschema

    schema_file = Path(airflow.__file__).parent / "provider_info.schema.json"
    jsonschema.validate(info, json.loads(schema_file.read_text()))


def test_airflow_lists_the_provider(tmp_path: Path) -> None:
    # Airflow 3.0 logs INFO lines to stdout ahead of the JSON.
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path),
           "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING"}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), "providers", "list", "--output", "json"],
        capture_output=True, text=True, env=env, timeout=300, check=True,
    )
    packages = {p["package_name"]: p for p in json.loads(result.stdout)}
    assert packages["airflow-gt"]["version"] == __version__


def test_pure_core_imports_no_airflow_and_no_heavy_modules() -> None:
    code = (
        "import sys, airflow_gt.manifests, airflow_gt.validation, airflow_gt.exceptions,"
        " airflow_gt.evaluation, airflow_gt.labeling, airflow_gt.adapters, airflow_gt.cli,"
        " airflow_gt.workforce, airflow_gt.workforce.reports;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('airflow', 'boto3', 'botocore', 'great_expectations', 'pandas', 'matplotlib'));"
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60)
    assert result.stdout.strip() == ""


def test_core_sources_never_import_airflow() -> None:
    for package in ("manifests", "validation", "evaluation", "labeling", "adapters", "waiters",
                    "workforce"):
        for path in (ROOT / "airflow_gt" / package).rglob("*.py"):
            for line in path.read_text().splitlines():
                stripped = line.strip()
                assert not stripped.startswith(("import airflow ", "from airflow ", "from airflow.",
                                                "import airflow.")), f"{path}: {line}"


@pytest.mark.parametrize(
    "package",
    [airflow_gt.manifests, airflow_gt.validation, airflow_gt.evaluation, airflow_gt.labeling,
     airflow_gt.adapters, airflow_gt.workforce],
)
def test_public_api_is_complete(package: Any) -> None:
    exported = set(package.__all__)
    public = {name for name in vars(package)
              if not name.startswith("_") and not isinstance(
                  getattr(package, name), type(airflow_gt))}
    assert exported == public
    assert all(hasattr(package, name) for name in exported)


def test_json_samples_are_valid_and_the_printed_ones_are_not() -> None:
    evaluation = json.loads((SAMPLES / "evaluation-results.json").read_text())
    thresholds = [r["ConfidenceThreshold"] for r in
                  evaluation["ContentModeration"]["AllConfidenceThresholdsEvalResults"]]
    assert thresholds == [float(t) for t in range(5, 101, 5)]
    metadata = json.loads((SAMPLES / "output-metadata.json").read_text())
    assert metadata["type"] == "groundtruth/image-classification"
    printed = (BAD_SAMPLES / "evaluation-results-as-printed.json").read_bytes()
    try:
        orjson.loads(printed)
    except orjson.JSONDecodeError:
        pass
    else:  # pragma: no cover - the seed's example lacks a comma
        raise AssertionError("the seed's evaluation example parsed as printed")


def test_every_sample_line_is_compact_single_line_json() -> None:
    for path in SAMPLES.glob("*.manifest"):
        for raw in path.read_bytes().splitlines():
            assert orjson.dumps(orjson.loads(raw)) == raw, path.name
