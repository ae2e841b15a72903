"""The moderation-adapter example DAG, run end to end by ``airflow dags test`` against the stand-in.

The stand-in runs in this process on the machine's clock (``airflow dags test`` waits in real
time), with a fast workforce and adapters that train in two seconds; the DAG runs in a subprocess
with a throw-away AIRFLOW_HOME, the repository's ``dags/`` as its DAGs folder and ``aws_default``
pointing at the stand-in. The stand-in is seeded with what the DAG's default parameters name.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from airflow_gt.local import AdapterTrainingConfig, LocalAws, WorkforceConfig
from airflow_gt.local.datasets import generate_moderation_dataset
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

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parent.parent.parent
DAG_FILE = ROOT / "dags" / "moderation_adapter.py"
DAG_ID = "moderation_adapter"
BUCKET = "moderation"
IMAGES = 40
TASKS = ["label_images", "validate_labels", "to_moderation", "validate_moderation",
         "train_adapter", "evaluate_adapter"]


class StandIn:
    """The stand-in, seeded with the images and worker template the default parameters name."""

    def __init__(self, aws: LocalAws) -> None:
        self.aws = aws
        self.s3 = client("s3", aws.endpoint_url)
        self.rekognition = client("rekognition", aws.endpoint_url)
        self.sagemaker = client("sagemaker", aws.endpoint_url)
        self.s3.create_bucket(Bucket=BUCKET)
        generate_moderation_dataset(self.s3, f"s3://{BUCKET}/images", count=IMAGES, seed=2)
        self.s3.put_object(Bucket=BUCKET, Key="templates/multilabel.liquid.html",
                           Body=b"<crowd-form></crowd-form>")

    def keys(self, prefix: str) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def lines(self, key: str) -> list[dict[str, Any]]:
        body = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        return [orjson.loads(line) for line in body.splitlines()]


@pytest.fixture(scope="module")
def stand_in() -> Iterator[StandIn]:
    workforce = WorkforceConfig(seconds_per_task=0.01, initializing_seconds=0.2)
    with LocalAws(seed=2, workforce=workforce,
                  training=AdapterTrainingConfig(training_seconds=2.0)) as aws:
        yield StandIn(aws)


@pytest.fixture(scope="module")
def lineage_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the run's OpenLineage events go (one file per event, this name and a suffix)."""
    return tmp_path_factory.mktemp("lineage") / "events.json"


@pytest.fixture(scope="module")
def airflow_env(
    stand_in: StandIn, tmp_path_factory: pytest.TempPathFactory, lineage_file: Path
) -> dict[str, str]:
    """The environment of an Airflow whose database is migrated and whose DAGs are ``dags/``,
    its OpenLineage events written to ``lineage_file``."""
    return migrated_airflow(tmp_path_factory.mktemp("airflow-home"), stand_in.aws.endpoint_url,
                            DAGS, MODERATION_ADAPTER_POLL_SECONDS="1", **transport(lineage_file))


def test_the_dag_file_parses_without_heavy_imports_and_in_order() -> None:
    code = (
        "import runpy, sys; runpy.run_path(sys.argv[1]);"
        "from airflow.sdk.definitions.dag import DAG;"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('great_expectations', 'pandas', 'matplotlib'))))"
    )
    result = subprocess.run([sys.executable, "-c", code, str(DAG_FILE)], capture_output=True,
                            text=True, check=True, timeout=120)
    assert result.stdout.strip() == ""
    from airflow_gt.compat import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert bag.import_errors == {}
    dag = bag.dags[DAG_ID]
    upstream = {task.task_id: sorted(task.upstream_task_ids) for task in dag.tasks}
    assert upstream == {
        "label_images": [],
        "validate_labels": ["label_images"],
        "to_moderation": ["label_images", "validate_labels"],
        "validate_moderation": ["to_moderation"],
        "train_adapter": ["to_moderation", "validate_moderation"],
        "evaluate_adapter": ["train_adapter"],
    }
    assert dag.schedule == "@weekly"


def test_the_dag_labels_trains_and_gates_an_adapter_end_to_end(
    stand_in: StandIn, airflow_env: dict[str, str]
) -> None:
    result = dags_test(DAG_ID, airflow_env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    for task in TASKS:
        assert f"[DAG TEST] end task task_id={task} " in output, task
    assert "state=success" in output

    (job,) = labeling_job_names(stand_in.sagemaker)
    assert job.startswith("moderation-adapter-label-images-")
    labels = stand_in.lines(f"labels/{job}/manifests/output/output.manifest")
    assert len(labels) == IMAGES

    (folder,) = {key.rsplit("/", 1)[0] for key in stand_in.keys("adapter-data/")}
    assert folder.startswith("adapter-data/manual__")
    training = stand_in.lines(f"{folder}/train.manifest")
    testing = stand_in.lines(f"{folder}/test.manifest")
    assert len(training) + len(testing) == IMAGES
    assert stand_in.keys(f"{folder}/validation-report")  # the moderation manifest's reports

    (project,) = stand_in.rekognition.describe_projects(
        ProjectNames=["moderation"], Features=["CONTENT_MODERATION"]
    )["ProjectDescriptions"]
    (version,) = stand_in.rekognition.describe_project_versions(
        ProjectArn=project["ProjectArn"]
    )["ProjectVersionDescriptions"]
    assert version["Status"] == "TRAINING_COMPLETED"
    assert version["FeatureConfig"]["ContentModeration"]["ConfidenceThreshold"] == 50.0
    evaluation = version["EvaluationResult"]["Summary"]["S3Object"]["Name"]
    stem = evaluation.removesuffix(".json")
    report = stand_in.s3.get_object(Bucket=BUCKET, Key=f"{stem}.txt")["Body"].read().decode()
    assert report.endswith("result: passed")
    assert f"F1Score: {version['EvaluationResult']['F1Score']:.4f}" in report
    plot = stand_in.s3.get_object(Bucket=BUCKET, Key=f"{stem}.png")["Body"].read()
    assert plot.startswith(b"\x89PNG")


@dags_test_reports_datasets
def test_its_lineage_links_labels_to_moderation_manifests_to_the_adapter(
    stand_in: StandIn, lineage_file: Path
) -> None:
    """Reads the events of the run above (this module's tests run in file order)."""
    tasks = completed_tasks(read_events(lineage_file), DAG_ID)
    assert sorted(tasks) == sorted(TASKS)
    inputs = {task: names(event["inputs"]) for task, event in tasks.items()}
    outputs = {task: names(event["outputs"]) for task, event in tasks.items()}

    (job,) = labeling_job_names(stand_in.sagemaker)
    images, labels = s3(f"s3://{BUCKET}/images/dataset.manifest"), s3(
        f"s3://{BUCKET}/labels/{job}/manifests/output/output.manifest")
    assert (inputs["label_images"], outputs["label_images"]) == ([images], [labels])
    facet = tasks["label_images"]["run"]["facets"]["groundTruthLabelingJob"]
    assert facet["jobName"] == job and facet["jobArn"].endswith(f"labeling-job/{job}")
    assert (facet["taskType"], facet["labelAttribute"]) == ("ImageMultiClassMultiLabel",
                                                            "moderation")
    assert facet["labelCounters"]["TotalLabeled"] == IMAGES

    (folder,) = {key.rsplit("/", 1)[0] for key in stand_in.keys("adapter-data/")
                 if key.endswith(".manifest")}
    training, testing = s3(f"s3://{BUCKET}/{folder}/train.manifest"), s3(
        f"s3://{BUCKET}/{folder}/test.manifest")
    assert (inputs["to_moderation"], outputs["to_moderation"]) == ([labels], [training, testing])
    assert inputs["train_adapter"] == [training, testing]
    adapter = outputs["train_adapter"][0]
    assert adapter[0] == "awsrekognition://rekognition.us-east-1.amazonaws.com"
    assert adapter[1].startswith("arn:aws:rekognition:us-east-1:") and "/version/" in adapter[1]
    trained = tasks["train_adapter"]["run"]["facets"]["rekognitionAdapter"]
    assert trained["versionArn"] == adapter[1] and 0 < trained["f1Score"] <= 1
    assert adapter in inputs["evaluate_adapter"]
    evaluation = inputs["evaluate_adapter"][1]
    assert evaluation in outputs["train_adapter"]
    gate = tasks["evaluate_adapter"]["run"]["facets"]["rekognitionAdapterEvaluation"]
    assert (gate["passed"], gate["f1Score"]) == (True, trained["f1Score"])

    # Each validation: its manifest as input, one assertion per expectation its report counts.
    for task, manifest in (("validate_labels", labels), ("validate_moderation", training)):
        validated = tasks[task]["inputs"][0]
        assert names([validated]) == [manifest], task
        report = orjson.loads(stand_in.s3.get_object(
            Bucket=BUCKET, Key=manifest[1].rsplit("/", 1)[0] + "/validation-report.json",
        )["Body"].read())
        expected = sum(item["expectations"] for item in report["label_attributes"])
        checked = assertions(validated)
        assert len(checked) == expected > 0, task
        assert all(item["success"] for item in checked), task
        metrics = validated["inputFacets"]["dataQualityMetrics"]
        assert metrics["rowCount"] == report["objects"], task
