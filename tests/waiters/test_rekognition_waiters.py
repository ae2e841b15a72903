"""The adapter-training waiter: botocore reads the file, and its acceptors end the wait as meant."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from airflow_gt.waiters import (
    ADAPTER_TRAINING_COMPLETED,
    LABELING_JOB_COMPLETED,
    REKOGNITION_WAITERS,
    waiter_config,
    waiter_defaults,
    waiter_state,
)

ROOT = Path(__file__).parent.parent.parent


@pytest.mark.parametrize(
    ("status", "state"),
    [("TRAINING_COMPLETED", "success"), ("TRAINING_FAILED", "failure"), ("DELETING", "failure"),
     ("DEPRECATED", "failure"), ("EXPIRED", "failure"), ("TRAINING_IN_PROGRESS", "retry"),
     ("SOMETHING_NEW", None)],
)
def test_each_status_matches_its_acceptor(status: str, state: str | None) -> None:
    answer = {"ProjectVersionDescriptions": [{"Status": status}]}
    assert waiter_state(ADAPTER_TRAINING_COMPLETED, answer) == state


def test_no_such_version_or_project_is_a_failure() -> None:
    assert waiter_state(ADAPTER_TRAINING_COMPLETED, {"ProjectVersionDescriptions": []}) == (
        "failure"
    )
    error = {"Error": {"Code": "ResourceNotFoundException", "Message": "no such project"}}
    assert waiter_state(ADAPTER_TRAINING_COMPLETED, error) == "failure"


def test_the_waiter_polls_describe_versions_for_at_most_three_days() -> None:
    config = waiter_config(ADAPTER_TRAINING_COMPLETED)
    assert config.operation == "DescribeProjectVersions"
    delay, attempts = waiter_defaults(ADAPTER_TRAINING_COMPLETED)
    assert delay > 0
    assert 0 < attempts * delay <= 3 * 24 * 3600


def test_each_name_is_found_in_its_own_file_and_an_unknown_one_is_an_error() -> None:
    assert waiter_config(LABELING_JOB_COMPLETED).operation == "DescribeLabelingJob"
    with pytest.raises(KeyError, match="no waiter named 'NoSuchWaiter'"):
        waiter_config("NoSuchWaiter")


def test_the_waiter_file_ships_in_the_wheel() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["airflow_gt"]
    relative = REKOGNITION_WAITERS.relative_to(ROOT / "airflow_gt")
    assert any(relative.match(pattern) for pattern in patterns)
