"""The simulated workforce's schedule, and jobs run with a non-default workforce."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.local import LocalAws, ManualClock
from airflow_gt.local.clock import file_timestamp
from airflow_gt.local.workforce import ScheduleRequest, WorkforceConfig, plan_schedule, worker_ids
from tests.conftest import client
from tests.local.labeling import labeling_request, put_categories, put_json_lines, read_lines


def schedule(objects: int = 40, concurrent: int = 4, workers: int = 3, limit: float = 300,
             config: WorkforceConfig | None = None) -> Any:
    request = ScheduleRequest(
        seed=1, job_name="plan", objects=objects, start=1000.0, workers_per_object=workers,
        max_concurrent=concurrent, time_limit=limit, effort=1.0,
        team=worker_ids(1, "team", "us-east-1", 12),
    )
    return plan_schedule(request, config or WorkforceConfig())


def test_no_more_objects_are_worked_on_at_once_than_max_concurrent_task_count() -> None:
    planned = schedule(objects=40, concurrent=4)
    events = sorted([(p.offered_at, 1) for p in planned] + [(p.done_at, -1) for p in planned],
                    key=lambda event: (event[0], event[1]))
    busy = peak = 0
    for _, change in events:
        busy += change
        peak = max(peak, busy)
    assert peak == 4
    assert sorted(p.index for p in planned) == list(range(40))
    offered = sorted(planned, key=lambda p: p.index)
    assert [p.offered_at for p in offered] == sorted(p.offered_at for p in offered)


def test_each_object_gets_its_workers_each_answer_in_its_own_second() -> None:
    for planned in schedule(objects=30, workers=5):
        assert len(planned.answers) == 5
        assert len({a.worker_id for a in planned.answers}) == 5
        assert len({file_timestamp(a.submitted) for a in planned.answers}) == 5
        assert all(planned.offered_at <= a.accepted < a.submitted <= planned.done_at
                   for a in planned.answers)


def test_the_same_seed_plans_the_same_schedule() -> None:
    assert schedule() == schedule()


def test_answers_past_the_time_limit_are_lost_and_the_object_fails() -> None:
    planned = schedule(objects=5, limit=30, config=WorkforceConfig(seconds_per_task=500))
    for item in planned:
        assert item.answers == ()
        assert item.failure_reason is not None
        assert "TaskTimeLimitInSeconds" in item.failure_reason


def test_workforce_settings_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="object_failure_rate"):
        WorkforceConfig(object_failure_rate=1.5)
    with pytest.raises(ConfigurationError, match="seconds_per_task"):
        WorkforceConfig(seconds_per_task=-1)


def stand_in_with(config: WorkforceConfig) -> LocalAws:
    return LocalAws(seed=0, clock=ManualClock(), workforce=config)


def run_text_job(stand_in: LocalAws, count: int = 4) -> tuple[dict[str, Any], list[Any]]:
    s3 = client("s3", stand_in.endpoint_url)
    sagemaker = client("sagemaker", stand_in.endpoint_url)
    bucket = f"wf-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    manifest = put_json_lines(s3, bucket, "t.manifest",
                              [{"source": f"text {i}"} for i in range(count)])
    request = labeling_request(
        s3, bucket, task="TextMultiClass", manifest_uri=manifest,
        categories_uri=put_categories(s3, bucket, ["happy", "sad"]), label_attribute="mood",
    )
    name = request["LabelingJobName"]
    sagemaker.create_labeling_job(**request)

    def describe() -> dict[str, Any]:
        return sagemaker.describe_labeling_job(LabelingJobName=name)  # type: ignore[no-any-return]

    stand_in.run_until(lambda: describe()["LabelingJobStatus"] in ("Completed", "Failed"))
    done = describe()
    return done, read_lines(s3, done["LabelingJobOutput"]["OutputDatasetS3Uri"])


def test_failed_objects_carry_a_failure_reason_and_are_counted() -> None:
    with stand_in_with(WorkforceConfig(object_failure_rate=1.0)) as stand_in:
        done, lines = run_text_job(stand_in)
    assert done["LabelingJobStatus"] == "Completed"
    assert done["LabelCounters"]["FailedNonRetryableError"] == 4
    assert done["LabelCounters"]["TotalLabeled"] == 0
    for line in lines:
        assert "mood" not in line
        assert line["mood-metadata"]["failure-reason"].startswith("ClientError: ")
        assert line["mood-metadata"]["type"] == "groundtruth/text-classification"


def test_workers_who_take_too_long_lose_the_task() -> None:
    with stand_in_with(WorkforceConfig(seconds_per_task=5000)) as stand_in:
        done, lines = run_text_job(stand_in, count=2)
    assert done["LabelCounters"]["FailedNonRetryableError"] == 2
    assert all("TaskTimeLimitInSeconds" in line["mood-metadata"]["failure-reason"]
               for line in lines)
