"""Named simulated workers (``--workers w1=0.95,w2=0.9,w3=0.4``): their names are the worker IDs
of the answers, and each answers with its own accuracy, so a poor worker can be planted."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError

from airflow_gt.cli import main
from airflow_gt.exceptions import ConfigurationError
from airflow_gt.local import LocalAws, ManualClock, WorkerSkill
from airflow_gt.local.simulators.classes import Classification
from airflow_gt.local.tasks import DataObject, simulator_for
from airflow_gt.local.workforce import WorkforceConfig, parse_named_workers
from airflow_gt.manifests.categories import LabelCategoryConfig
from tests.conftest import client
from tests.local.auto_labeling import AutoJob
from tests.local.labeling import labeling_request, put_categories, put_json_lines, read_lines

WORKERS = {"w1": 0.95, "w2": 0.9, "w3": 0.4}
LABELS = ["happy", "sad", "angry", "calm"]
OBJECTS = 60
SEED = 3
JOB_NAME = "named-workers"
"""Fixed, as the seed is: the answers are drawn from both, so the shares below never change."""


def _texts() -> list[str]:
    return [f"review number {i}: the parcel came late" for i in range(OBJECTS)]


def _request(s3: Any, bucket: str, workers: int) -> dict[str, Any]:
    manifest = put_json_lines(s3, bucket, "in.manifest", [{"source": t} for t in _texts()])
    return labeling_request(
        s3, bucket, task="TextMultiClass", manifest_uri=manifest,
        categories_uri=put_categories(s3, bucket, LABELS, key="config/categories.json"),
        label_attribute="mood", workers=workers, name=JOB_NAME,
    )


def _documents(s3: Any, bucket: str, prefix: str) -> dict[str, Any]:
    """Every JSON object under ``prefix``, by key."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
    return {key: orjson.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) for key in keys}


def _true_labels(categories: bytes) -> dict[str, str]:
    config = LabelCategoryConfig.parse(categories, "categories.json")
    simulator = simulator_for("TextMultiClass", config, "mood", WorkerSkill(), salt=str(SEED))
    assert isinstance(simulator, Classification)
    return {
        text: LABELS[simulator.true_index(DataObject(i, {"source": text}, text))]
        for i, text in enumerate(_texts())
    }


@pytest.fixture(scope="module")
def named_run() -> dict[str, Any]:
    """One classification job, 3 workers per object, on a team of the three named workers."""
    with LocalAws(seed=SEED, clock=ManualClock(), workers=WORKERS) as stand_in:
        s3 = client("s3", stand_in.endpoint_url)
        sagemaker = client("sagemaker", stand_in.endpoint_url)
        bucket = f"named-{uuid.uuid4().hex[:12]}"
        s3.create_bucket(Bucket=bucket)
        request = _request(s3, bucket, workers=3)
        name = request["LabelingJobName"]
        sagemaker.create_labeling_job(**request)

        def describe() -> dict[str, Any]:
            return sagemaker.describe_labeling_job(  # type: ignore[no-any-return]
                LabelingJobName=name
            )

        stand_in.run_until(lambda: describe()["LabelingJobStatus"] in ("Completed", "Failed"))
        done = describe()
        annotations = f"output/{name}/annotations/"
        return {
            "done": done,
            "lines": read_lines(s3, done["LabelingJobOutput"]["OutputDatasetS3Uri"]),
            "responses": _documents(s3, bucket, annotations + "worker-response/iteration-1/"),
            "requests": list(_documents(
                s3, bucket, annotations + "consolidated-annotation/consolidation-request/"
            ).values()),
            "truth": _true_labels(
                s3.get_object(Bucket=bucket, Key="config/categories.json")["Body"].read()
            ),
        }


def test_worker_ids_are_the_names_and_each_object_has_three_different_workers(
    named_run: dict[str, Any],
) -> None:
    assert named_run["done"]["LabelingJobStatus"] == "Completed"
    assert named_run["done"]["LabelCounters"]["HumanLabeled"] == OBJECTS
    by_object: dict[str, list[str]] = defaultdict(list)
    for key, document in named_run["responses"].items():
        (answer,) = document["answers"]
        assert answer["workerId"] in WORKERS
        assert answer["workerMetadata"]["identityData"]["sub"] == answer["workerId"]
        by_object[key.split("/")[-2]].append(answer["workerId"])
    assert len(by_object) == OBJECTS
    assert all(sorted(workers) == ["w1", "w2", "w3"] for workers in by_object.values())
    requests = [request for batch in named_run["requests"] for request in batch]
    assert len(requests) == OBJECTS
    for request in requests:
        assert sorted(a["workerId"] for a in request["annotations"]) == ["w1", "w2", "w3"]


def _shares(named_run: dict[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """Each worker's share of answers equal to the truth, and to the consolidated label."""
    consolidated = {
        line["source"]: line["mood-metadata"]["class-name"] for line in named_run["lines"]
    }
    right: dict[str, list[bool]] = defaultdict(list)
    agreed: dict[str, list[bool]] = defaultdict(list)
    for batch in named_run["requests"]:
        for request in batch:
            text = request["dataObject"]["content"]
            for annotation in request["annotations"]:
                content = orjson.loads(annotation["annotationData"]["content"])
                label = content["crowd-classifier"]["label"]
                right[annotation["workerId"]].append(label == named_run["truth"][text])
                agreed[annotation["workerId"]].append(label == consolidated[text])
    return (
        {worker: sum(marks) / len(marks) for worker, marks in right.items()},
        {worker: sum(marks) / len(marks) for worker, marks in agreed.items()},
    )


def test_each_worker_answers_with_their_own_accuracy(named_run: dict[str, Any]) -> None:
    # Seeded, so always the same: w1 0.93, w2 0.83, w3 0.43 right; w1 0.88, w3 0.48 agreeing.
    accuracy, agreement = _shares(named_run)
    assert accuracy["w1"] > 0.85
    assert accuracy["w2"] > 0.75
    assert accuracy["w3"] < 0.6
    assert agreement["w3"] < 0.6 < 0.85 < agreement["w1"]


def test_a_job_asking_more_workers_per_object_than_there_are_named_ones_is_refused() -> None:
    with LocalAws(seed=SEED, clock=ManualClock(), workers=WORKERS) as stand_in:
        s3 = client("s3", stand_in.endpoint_url)
        sagemaker = client("sagemaker", stand_in.endpoint_url)
        bucket = f"named-{uuid.uuid4().hex[:12]}"
        s3.create_bucket(Bucket=bucket)
        with pytest.raises(ClientError) as caught:
            sagemaker.create_labeling_job(**_request(s3, bucket, workers=4))
        assert sagemaker.list_labeling_jobs()["LabelingJobSummaryList"] == []
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert "NumberOfHumanWorkersPerDataObject is 4" in error["Message"]
    assert "only 3 workers" in error["Message"]


def test_the_named_workers_are_parsed_in_order() -> None:
    assert parse_named_workers("w1=0.95, w2=0.9,w3=0.4") == (
        ("w1", 0.95), ("w2", 0.9), ("w3", 0.4)
    )
    config = WorkforceConfig(named_workers=(("w1", 1), ("w3", 0.4)))
    assert config.worker_skills() == {
        "w1": WorkerSkill(accuracy=1.0), "w3": WorkerSkill(accuracy=0.4)
    }


@pytest.mark.parametrize(("named", "message"), [
    ((("", 0.9),), "worker name '' must be non-empty"),
    ((("w 1", 0.9),), "worker name 'w 1'"),
    ((("w/1", 0.9),), "worker name 'w/1'"),
    ((("w1", 0.9), ("w1", 0.8)), "worker 'w1' is named twice"),
    ((("w1", 1.5),), "the accuracy of worker 'w1' must be between 0 and 1, got 1.5"),
    ((("w1", -0.1),), "the accuracy of worker 'w1'"),
    ((("w1", True),), "the accuracy of worker 'w1'"),
])
def test_bad_named_workers_are_a_configuration_error(
    named: tuple[tuple[str, float], ...], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=r"^workers: ") as caught:
        WorkforceConfig(named_workers=named)
    assert message in caught.value.detail


def test_an_empty_mapping_of_workers_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"^workers: name at least one worker"):
        LocalAws(workers={})


@pytest.mark.parametrize(("value", "message"), [
    ("w1", "'w1': expected NAME=ACCURACY"),
    ("w1=2", "'w1=2': the accuracy of worker 'w1' must be between 0 and 1, got 2.0"),
    ("w1=high", "'w1=high': the accuracy 'high' is not a number"),
    ("w1=0.9,w1=0.8", "'w1=0.8': worker 'w1' is named twice"),
    ("=0.5", "'=0.5': worker name '' must be non-empty"),
    ("", "expected NAME=ACCURACY,..., got nothing"),
])
def test_a_bad_workers_option_exits_2_with_one_line_naming_it(
    value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["local", "--workers", value]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("usage: ")
    assert lines[-1].startswith(f"airflow-gt local: error: argument --workers: {message}")
    assert sum("--workers" in line and "error" in line for line in lines) == 1



def test_automated_labeling_iterations_are_answered_by_the_named_workers() -> None:
    with LocalAws(seed=SEED, clock=ManualClock(), workers=WORKERS) as stand_in:
        job = AutoJob(stand_in)
        request = job.request()
        done = job.run(request)
        assert done["LabelingJobStatus"] == "Completed", done.get("FailureReason")
        lines = job.lines(done["LabelingJobOutput"]["OutputDatasetS3Uri"])
        requests = {
            key: job.json(key) for key in job.keys(request["LabelingJobName"])
            if "/consolidation-request/" in key
        }
    assert {key.split("/")[-2] for key in requests} >= {"iteration-1", "iteration-2"}
    label = {line["row"]: job.metadata(line)["class-name"] for line in lines}
    agreed: dict[str, list[bool]] = defaultdict(list)
    for batch in requests.values():
        for item in batch:
            assert sorted(a["workerId"] for a in item["annotations"]) == ["w1", "w2", "w3"]
            for annotation in item["annotations"]:
                content = orjson.loads(annotation["annotationData"]["content"])
                chosen = content["crowd-image-classifier"]["label"]
                agreed[annotation["workerId"]].append(
                    chosen == label[int(item["datasetObjectId"])]
                )
    share = {worker: sum(marks) / len(marks) for worker, marks in agreed.items()}
    assert share["w3"] < 0.6 < 0.85 < share["w1"]
