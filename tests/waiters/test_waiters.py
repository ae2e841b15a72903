"""The labeling-job waiter: botocore reads the file, and its acceptors end the wait as meant."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from airflow_gt.waiters import (
    GROUND_TRUTH_WAITERS,
    LABELING_JOB_COMPLETED,
    waiter_config,
    waiter_defaults,
    waiter_state,
)

ROOT = Path(__file__).parent.parent.parent


@pytest.mark.parametrize(
    ("status", "state"),
    [("Completed", "success"), ("Failed", "failure"), ("Stopped", "failure"),
     ("Initializing", "retry"), ("InProgress", "retry"), ("Stopping", "retry"),
     ("SomethingNew", None)],
)
def test_each_status_matches_its_acceptor(status: str, state: str | None) -> None:
    assert waiter_state(LABELING_JOB_COMPLETED, {"LabelingJobStatus": status}) == state


def test_a_missing_job_is_a_failure_for_botocores_own_loop() -> None:
    error = {"Error": {"Code": "ResourceNotFound", "Message": "no such job"}}
    assert waiter_state(LABELING_JOB_COMPLETED, error) == "failure"


def test_the_waiter_polls_describe_and_has_bounded_attempts() -> None:
    config = waiter_config(LABELING_JOB_COMPLETED)
    assert config.operation == "DescribeLabelingJob"
    delay, attempts = waiter_defaults(LABELING_JOB_COMPLETED)
    assert delay > 0
    assert 0 < attempts * delay <= 31 * 24 * 3600


def test_the_waiter_file_ships_in_the_wheel() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["airflow_gt"]
    relative = GROUND_TRUTH_WAITERS.relative_to(ROOT / "airflow_gt")
    assert any(relative.match(pattern) for pattern in patterns)
