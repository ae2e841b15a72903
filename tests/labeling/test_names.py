"""Default labeling job names: valid, stable across retries, distinct across runs."""

from __future__ import annotations

import pytest

from airflow_gt.labeling.names import default_job_name, readable_part
from airflow_gt.manifests.attributes import JOB_NAME_PATTERN


def test_the_name_is_the_same_for_every_try_of_one_task_run() -> None:
    first = default_job_name("labeling", "label_boxes", "manual__2026-01-01T00:00:00+00:00")
    again = default_job_name("labeling", "label_boxes", "manual__2026-01-01T00:00:00+00:00")
    assert first == again
    assert first.startswith("labeling-label-boxes-")


@pytest.mark.parametrize(
    "other",
    [
        ("labeling", "label_boxes", "manual__2026-01-02T00:00:00+00:00", -1),
        ("labeling", "verify_boxes", "manual__2026-01-01T00:00:00+00:00", -1),
        ("labeling2", "label_boxes", "manual__2026-01-01T00:00:00+00:00", -1),
        ("labeling", "label_boxes", "manual__2026-01-01T00:00:00+00:00", 3),
    ],
)
def test_another_run_task_dag_or_map_index_gets_another_name(
    other: tuple[str, str, str, int],
) -> None:
    base = default_job_name("labeling", "label_boxes", "manual__2026-01-01T00:00:00+00:00")
    assert default_job_name(*other) != base


def test_long_and_odd_ids_still_give_a_valid_name_of_at_most_63_characters() -> None:
    dag_id = "Ünïcode DAG " + "x" * 200
    task_id = "group.task_with.dots__and__underscores"
    name = default_job_name(dag_id, task_id, "run/with:odd chars")
    assert len(name) <= 63
    assert JOB_NAME_PATTERN.fullmatch(name), name
    # ids that squeeze to the same readable part still differ by their digest
    assert default_job_name("a.b", "c", "r") != default_job_name("a_b", "c", "r")


def test_a_prefix_replaces_the_readable_part_and_an_empty_one_falls_back() -> None:
    assert default_job_name("d", "t", "r", prefix="Nightly Boxes").startswith("nightly-boxes-")
    assert default_job_name("d", "t", "r", prefix="___").startswith("labeling-")


def test_readable_part_never_ends_in_a_hyphen_after_cutting() -> None:
    assert readable_part("abc-def", 4) == "abc"
    assert readable_part("--A__b--", 10) == "a-b"
