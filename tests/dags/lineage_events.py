"""The OpenLineage events an ``airflow dags test`` run wrote through the provider's file transport.

With ``append`` false (the default) openlineage-python writes each event to a file of its own,
named after ``log_file_path`` with a suffix: every ``<path>*`` file is read.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

import orjson
import pytest

dags_test_reports_datasets = pytest.mark.skipif(
    version("apache-airflow").startswith("3.0."),
    reason="Airflow 3.0's `airflow dags test` with the OpenLineage provider 2.3.0 (the lowest "
    "set) writes each task's COMPLETE event without the datasets its operator reports (measured: "
    "no inputs or outputs; its listener's on_running fails there on a missing start date). "
    "tests/operators/test_lineage.py checks the operators' facets at those versions.",
)
"""On the DAG-level lineage tests: measured on the lowest set, the events had no inputs."""


def transport(path: Path) -> dict[str, str]:
    """The environment that sends a run's OpenLineage events to files at ``path``."""
    return {
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(path)}
        ),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "airflow-gt-tests",
    }


def read_events(path: Path) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for file in sorted(path.parent.glob(path.name + "*")):
        events.extend(orjson.loads(line) for line in file.read_bytes().splitlines() if line)
    return events


def completed_tasks(events: list[dict[str, Any]], dag_id: str) -> dict[str, dict[str, Any]]:
    """task id -> the COMPLETE event of that task in the DAG's first run (by event time)."""
    prefix = f"{dag_id}."
    tasks = [event for event in events if event["eventType"] == "COMPLETE"
             and event["job"]["name"].startswith(prefix)]
    runs: dict[str, list[dict[str, Any]]] = {}
    for event in sorted(tasks, key=lambda e: e["eventTime"]):
        parent = event["run"]["facets"]["parent"]["run"]["runId"]
        runs.setdefault(parent, []).append(event)
    assert runs, f"no COMPLETE event of a {dag_id} task among {len(events)} events"
    first = next(iter(runs.values()))
    return {event["job"]["name"].removeprefix(prefix): event for event in first}


def names(datasets: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(dataset["namespace"], dataset["name"]) for dataset in datasets]


def s3(uri: str) -> tuple[str, str]:
    """An ``s3://`` URI as OpenLineage names it: (``s3://bucket``, key)."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return f"s3://{bucket}", key


def assertions(dataset: dict[str, Any]) -> list[dict[str, Any]]:
    facets = dataset.get("inputFacets") or {}
    assert "dataQualityAssertions" in facets, f"{dataset['name']}: {sorted(facets)}"
    return list(facets["dataQualityAssertions"]["assertions"])
