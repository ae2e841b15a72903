"""The chained-labeling example DAG, run end to end by ``airflow dags test`` against the stand-in.

The stand-in runs in this process on the machine's clock (``airflow dags test`` waits in real
time), with a fast workforce whose boxes are loose enough that verifiers judge some bad; the DAG
runs in a subprocess with a throw-away AIRFLOW_HOME, the repository's ``dags/`` as its DAGs folder
and ``aws_default`` pointing at the stand-in.
"""

from __future__ import annotations

import runpy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from airflow_gt.local import AwsError, FaultInjector, LocalAws, WorkerSkill, WorkforceConfig
from airflow_gt.local.datasets import generate_image_dataset
from airflow_gt.local.faults import Fault
from tests.airflow_support import labeling_job_names
from tests.conftest import client
from tests.dags.airflow_cli import DAGS, dags_test, migrated_airflow
from tests.dags.lineage_events import (
    assertions,
    completed_tasks,
    dags_test_reports_datasets,
    names,
    read_events,
    s3,
    transport,
)
from tests.local.labeling import read_lines
from tests.notifications.topics import SubscribedTopic, subscribed_topic

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parent.parent.parent
DAG_FILE = ROOT / "dags" / "chained_labeling.py"
DAG_ID = "chained_labeling"
BUCKET = "labeling"
IMAGES = 12
TEMPLATES = ("bounding-box", "verification", "adjustment")
WORKERS = {"ana": 0.97, "ben": 0.95, "cai": 0.93, "dot": 0.1}
"""The work team: three good workers and a poor one, whom the workforce check must name. The
stand-in runs on the machine's clock and the job's name changes with each run, so who answers what
changes: the poor worker is right one time in ten (measured over runs: 0.0 to 0.16 accuracy
against 0.8 and more for the others, with the threshold at 0.5)."""


class StandIn:
    """The stand-in, seeded with what the DAG's default parameters name."""

    def __init__(self, aws: LocalAws) -> None:
        self.aws = aws
        self.s3 = client("s3", aws.endpoint_url)
        self.sagemaker = client("sagemaker", aws.endpoint_url)
        self.s3.create_bucket(Bucket=BUCKET)
        generate_image_dataset(self.s3, f"s3://{BUCKET}/shapes", count=IMAGES, seed=5)
        for name in TEMPLATES:
            self.s3.put_object(Bucket=BUCKET, Key=f"templates/{name}.liquid.html",
                               Body=b"<crowd-form></crowd-form>")
        self.alerts: SubscribedTopic = subscribed_topic(aws.endpoint_url, "labeling-data-quality")

    def keys(self, prefix: str) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]


@pytest.fixture(scope="module")
def stand_in() -> Iterator[StandIn]:
    workforce = WorkforceConfig(
        seconds_per_task=0.01, initializing_seconds=0.2, stopping_seconds=0.1,
        skill=WorkerSkill(accuracy=0.95, box_jitter=0.05),
    )
    with LocalAws(seed=5, workforce=workforce, workers=WORKERS) as aws:
        yield StandIn(aws)


@pytest.fixture(scope="module")
def lineage_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the runs' OpenLineage events go (one file per event, this name and a suffix)."""
    return tmp_path_factory.mktemp("lineage") / "events.json"


@pytest.fixture(scope="module")
def airflow_env(
    stand_in: StandIn, tmp_path_factory: pytest.TempPathFactory, lineage_file: Path
) -> dict[str, str]:
    """The environment of an Airflow whose database is migrated and whose DAGs are ``dags/``,
    its OpenLineage events written to ``lineage_file``."""
    return migrated_airflow(tmp_path_factory.mktemp("airflow-home"), stand_in.aws.endpoint_url,
                            DAGS, CHAINED_LABELING_POLL_SECONDS="1", **transport(lineage_file))


def run_dag(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = dags_test(DAG_ID, env)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    return result


def jobs_of_run(stand_in: StandIn, before: set[str]) -> dict[str, dict[str, Any]]:
    """The labeling jobs a run created, by task, each described."""
    new = [name for name in labeling_job_names(stand_in.sagemaker) if name not in before]
    described = [stand_in.sagemaker.describe_labeling_job(LabelingJobName=name) for name in new]
    by_task: dict[str, dict[str, Any]] = {}
    for job in described:
        task = next(t for t in ("label-boxes", "verify-boxes", "adjust-boxes")
                    if job["LabelingJobName"].startswith(f"chained-labeling-{t}-"))
        assert task not in by_task, f"a second job for {task}: {job['LabelingJobName']}"
        by_task[task] = job
    return by_task


def boxes_of(line: dict[str, Any]) -> list[Any]:
    return list(line["bounding-box"]["annotations"])


def confidence(line: dict[str, Any]) -> float:
    """A line's lowest box confidence: what the verification was chosen by."""
    return min(item["confidence"] for item in line["bounding-box-metadata"]["objects"])


def merged_manifest(stand_in: StandIn, known: set[str]) -> tuple[str, list[dict[str, Any]]]:
    (key,) = [k for k in stand_in.keys("chained/merged/")
              if k.endswith(".manifest") and k not in known]
    return key, read_lines(stand_in.s3, f"s3://{BUCKET}/{key}")


def test_parsing_the_dag_file_imports_no_great_expectations() -> None:
    code = (
        f"import json, runpy, sys; runpy.run_path({str(DAG_FILE)!r});"
        "print(json.dumps(sorted(m for m in ('great_expectations', 'pandas')"
        " if m in sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_tasks_run_in_chain_order_and_the_merge_survives_a_skip() -> None:
    namespace = runpy.run_path(str(DAG_FILE))
    merge = namespace["merge"]
    upstream = {task.task_id: sorted(task.upstream_task_ids) for task in merge.dag.tasks}
    assert upstream == {
        "label_boxes": [],
        "validate_boxes": ["label_boxes"],
        "check_workforce": ["label_boxes"],
        "chain_verification": ["label_boxes", "validate_boxes"],
        "verify_boxes": ["chain_verification"],
        "chain_adjustment": ["verify_boxes"],
        "adjust_boxes": ["chain_adjustment"],
        "merge": ["adjust_boxes", "label_boxes", "verify_boxes"],
        "validate_merged": ["merge"],
    }
    assert merge.trigger_rule == "none_failed"
    assert {task.deferrable for task in merge.dag.tasks if task.task_id.endswith("_boxes")
            and task.task_id != "validate_boxes"} == {True}


def test_the_dag_labels_verifies_adjusts_and_merges(
    stand_in: StandIn, airflow_env: dict[str, str]
) -> None:
    run_dag(airflow_env)
    jobs = jobs_of_run(stand_in, set())
    assert sorted(jobs) == ["adjust-boxes", "label-boxes", "verify-boxes"]
    assert {job["LabelingJobStatus"] for job in jobs.values()} == {"Completed"}
    assert jobs["label-boxes"]["LabelCounters"]["TotalLabeled"] == IMAGES
    verified = jobs["verify-boxes"]["LabelCounters"]["TotalLabeled"]
    assert 0 < verified < IMAGES

    _, lines = merged_manifest(stand_in, set())
    assert len(lines) == IMAGES
    assert all("bounding-box" in line for line in lines)
    judged = [line for line in lines if "verify-bounding-box" in line]
    bad = [line for line in judged if line["verify-bounding-box-metadata"]["class-name"] == "bad"]
    adjusted = [line for line in lines if "adjusted-bounding-box" in line]
    assert len(judged) == verified
    unjudged = [line for line in lines if line not in judged and boxes_of(line)]
    assert max(map(confidence, judged)) <= min(map(confidence, unjudged))
    assert adjusted == bad != []
    assert jobs["adjust-boxes"]["LabelCounters"]["TotalLabeled"] == len(bad)

    reports = [key for key in stand_in.keys("chained/") if key.endswith("validation-report.json")]
    assert len(reports) == 2  # beside the first job's output, and beside the merged manifest
    for key in reports:
        body = stand_in.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        assert orjson.loads(body)["success"] is True, key

    # The workforce check found the poor worker, and only them: a report in the first job's
    # output folder, and one alert, which let the run go on.
    (key,) = [key for key in stand_in.keys("chained/") if key.endswith("workforce-report.json")]
    assert key.startswith(f"chained/jobs/{jobs['label-boxes']['LabelingJobName']}/")
    workforce = orjson.loads(stand_in.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert workforce["success"] is False
    assert {w["worker_id"] for w in workforce["per_worker"]} == set(WORKERS)
    assert [check["worker_id"] for check in workforce["failed_checks"]] == ["dot"]
    (alert,) = stand_in.alerts.received(wait_seconds=0)
    assert alert["Subject"].startswith("Workforce: worker dot below accuracy")
    assert "chained_labeling.check_workforce" in alert["Message"]


@dags_test_reports_datasets
def test_its_lineage_links_images_to_every_job_output_and_the_merged_manifest(
    stand_in: StandIn, lineage_file: Path
) -> None:
    """Reads the events of the first run above (this module's tests run in file order; a later
    run's events are told apart by their DAG run)."""
    tasks = completed_tasks(read_events(lineage_file), DAG_ID)
    assert sorted(tasks) == sorted(["label_boxes", "validate_boxes", "check_workforce",
                                    "chain_verification", "verify_boxes", "chain_adjustment",
                                    "adjust_boxes", "merge", "validate_merged"])
    inputs = {task: names(event["inputs"]) for task, event in tasks.items()}
    outputs = {task: names(event["outputs"]) for task, event in tasks.items()}
    jobs = {task: event["run"]["facets"]["groundTruthLabelingJob"]
            for task, event in tasks.items() if task.endswith("_boxes")
            and task != "validate_boxes"}

    def output_of(task: str) -> tuple[str, str]:
        return s3(f"s3://{BUCKET}/chained/jobs/{jobs[task]['jobName']}/"
                  "manifests/output/output.manifest")

    images = s3(f"s3://{BUCKET}/shapes/dataset.manifest")
    labeled, verified, adjusted = map(output_of, ["label_boxes", "verify_boxes", "adjust_boxes"])
    assert (inputs["label_boxes"], outputs["label_boxes"]) == ([images], [labeled])
    # each chained input: written from one job's output, read by the next job
    assert inputs["chain_verification"] == [labeled]
    assert inputs["verify_boxes"] == outputs["chain_verification"]
    assert outputs["verify_boxes"] == [verified]
    assert inputs["chain_adjustment"] == [verified]
    assert inputs["adjust_boxes"] == outputs["chain_adjustment"]
    assert outputs["adjust_boxes"] == [adjusted]
    assert inputs["merge"] == [labeled, verified, adjusted]
    (merged,) = outputs["merge"]
    assert merged[1].startswith("chained/merged/") and inputs["validate_merged"] == [merged]
    assert {job["taskType"] for job in jobs.values()} == {
        "BoundingBox", "VerificationBoundingBox", "AdjustmentBoundingBox"}
    assert all(job["status"] == "Completed" and job["jobArn"] for job in jobs.values())
    statistics = tasks["merge"]["outputs"][0]["outputFacets"]["outputStatistics"]
    assert statistics["rowCount"] == IMAGES
    chained = tasks["chain_verification"]
    assert chained["inputs"][0]["inputFacets"]["inputStatistics"]["rowCount"] == IMAGES
    assert 0 < chained["outputs"][0]["outputFacets"]["outputStatistics"]["rowCount"] < IMAGES

    # Each validation: its manifest as input, one assertion per expectation its report counts.
    for task, manifest in (("validate_boxes", labeled), ("validate_merged", merged)):
        validated = tasks[task]["inputs"][0]
        assert names([validated]) == [manifest], task
        report = orjson.loads(stand_in.s3.get_object(
            Bucket=BUCKET, Key=manifest[1].rsplit("/", 1)[0] + "/validation-report.json",
        )["Body"].read())
        checked = assertions(validated)
        assert len(checked) == sum(item["expectations"] for item in report["label_attributes"])
        assert all(item["success"] for item in checked), task
    assert inputs["validate_boxes"][1] == images  # the input manifest it compared against
    # The workforce check: one assertion per check of its suite, the poor worker's failing.
    (workforce,) = tasks["check_workforce"]["inputs"]
    assert names([workforce]) == [labeled]
    report = orjson.loads(stand_in.s3.get_object(
        Bucket=BUCKET, Key=labeled[1].removesuffix("manifests/output/output.manifest")
        + "workforce-report.json")["Body"].read())
    checked = assertions(workforce)
    assert [(a["assertion"], a["column"], a["success"]) for a in checked] == [
        (e["expectation"], e["column"], e["success"]) for e in report["expectations"]]
    assert not all(item["success"] for item in checked)


def record_faults(
    faults: FaultInjector, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, bool]]:
    """From now on, each call the stand-in answers (SageMaker, S3, SNS), and whether it was
    faulted (throttled or failed)."""
    calls: list[tuple[str, bool]] = []
    draw = faults.draw

    def recorded(operation: str, throttling: AwsError, server_error: AwsError) -> Fault:
        fault = draw(operation, throttling, server_error)
        calls.append((operation, fault.error is not None))
        return fault

    monkeypatch.setattr(faults, "draw", recorded)
    return calls


def test_with_30_percent_of_calls_faulted_it_succeeds_with_one_job_per_task(
    stand_in: StandIn, airflow_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = set(labeling_job_names(stand_in.sagemaker))
    merged_before = set(stand_in.keys("chained/merged/"))
    calls = record_faults(stand_in.aws.faults, monkeypatch)
    stand_in.aws.faults.set("*", throttle_rate=0.2, error_rate=0.1)
    try:
        run_dag(airflow_env)
    finally:
        stand_in.aws.faults.clear()
    faulted = {operation for operation, fault in calls if fault}
    assert len(calls) >= 10 and faulted, calls  # the faults did happen
    # on S3 too: the manifests, reports and chained inputs were read and written through them
    assert faulted & {"GetObject", "PutObject", "HeadObject", "ListObjectsV2"}, faulted
    jobs = jobs_of_run(stand_in, before)
    assert sorted(jobs) == ["adjust-boxes", "label-boxes", "verify-boxes"]
    assert {job["LabelingJobStatus"] for job in jobs.values()} == {"Completed"}
    _, lines = merged_manifest(stand_in, merged_before)
    assert len(lines) == IMAGES
