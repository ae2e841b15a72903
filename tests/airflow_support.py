"""What the Airflow-layer tests share: an Airflow connection to a stand-in, task contexts, and a
clock that runs while a task waits.

Airflow is told to keep its home in a temporary folder before anything imports it (importing
Airflow creates ``$AIRFLOW_HOME/logs``). Hooks find the stand-in through the ``aws_default``
connection, given as ``AIRFLOW_CONN_AWS_DEFAULT`` in JSON form: outside a running task, Airflow 3
resolves connections from the environment like any other secrets backend.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

_HOME = tempfile.mkdtemp(prefix="airflow-gt-home-")
os.environ.setdefault("AIRFLOW_HOME", _HOME)
atexit.register(shutil.rmtree, _HOME, True)

import orjson  # noqa: E402
import pytest  # noqa: E402

from airflow_gt.local import LocalAws, ManualClock, WorkforceConfig  # noqa: E402
from airflow_gt.local.datasets import generate_image_dataset  # noqa: E402
from tests.conftest import client  # noqa: E402
from tests.local.labeling import ROLE_ARN, WORKTEAM_ARN  # noqa: E402

CLASSES = ("dog", "cat", "bone", "ball")
CONNECTION_ENV = "AIRFLOW_CONN_AWS_DEFAULT"


def connection_json(endpoint_url: str, region: str = "us-east-1") -> str:
    """An ``aws`` connection to a stand-in, in the JSON form Airflow reads from the environment."""
    return orjson.dumps({
        "conn_type": "aws",
        "login": "testing",
        "password": "testing-secret",
        "extra": {"endpoint_url": endpoint_url, "region_name": region},
    }).decode()


def connect(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> LocalAws:
    monkeypatch.setenv(CONNECTION_ENV, connection_json(aws.endpoint_url))
    return aws


@pytest.fixture
def aws(manual_aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> LocalAws:
    """This test's own stand-in on a manual clock, as Airflow's ``aws_default`` connection."""
    return connect(manual_aws, monkeypatch)


@pytest.fixture
def failing_workforce_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalAws]:
    """A stand-in whose workers fail every data object (jobs complete with nothing labeled)."""
    workforce = WorkforceConfig(object_failure_rate=1.0)
    with LocalAws(seed=0, clock=ManualClock(), workforce=workforce) as stand_in:
        yield connect(stand_in, monkeypatch)


@pytest.fixture
def aws_s3(aws: LocalAws) -> Any:
    """A boto3 S3 client of the test's stand-in."""
    return client("s3", aws.endpoint_url)


@pytest.fixture
def aws_sagemaker(aws: LocalAws) -> Any:
    """A boto3 SageMaker client of the test's stand-in (us-east-1), to check what tasks did."""
    return client("sagemaker", aws.endpoint_url)


@dataclass(frozen=True)
class Inputs:
    """A bucket holding an image dataset and a worker template, ready for a labeling job."""

    bucket: str
    manifest_uri: str
    ui_template_uri: str
    objects: int

    @property
    def output_path(self) -> str:
        return f"s3://{self.bucket}/labels"

    def job_arguments(self, **overrides: Any) -> dict[str, Any]:
        """The friendly arguments of a bounding-box job over the dataset."""
        arguments: dict[str, Any] = {
            "labeling_task_type": "BoundingBox",
            "input_manifest_uri": self.manifest_uri,
            "output_path": self.output_path,
            "label_attribute_name": "bounding-box",
            "role_arn": ROLE_ARN,
            "workteam_arn": WORKTEAM_ARN,
            "ui_template_uri": self.ui_template_uri,
            "label_categories": list(CLASSES),
        }
        arguments.update(overrides)
        return arguments


def make_inputs(s3_client: Any, count: int = 6) -> Inputs:
    bucket = f"gt-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=bucket)
    dataset = generate_image_dataset(
        s3_client, f"s3://{bucket}/images", count=count, classes=CLASSES, seed=11
    )
    s3_client.put_object(Bucket=bucket, Key="ui/boxes.liquid.html", Body=b"<crowd-form/>")
    return Inputs(bucket, dataset.manifest_uri, f"s3://{bucket}/ui/boxes.liquid.html", count)


@pytest.fixture
def inputs(aws_s3: Any) -> Inputs:
    return make_inputs(aws_s3)


@dataclass
class TaskInstanceStub:
    """The task instance fields a task reads from its context, and the XComs it pushes."""

    dag_id: str = "labeling"
    task_id: str = "label_boxes"
    run_id: str = "scheduled__2026-01-01T00:00:00+00:00"
    map_index: int = -1
    try_number: int = 1
    xcoms: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value

    def get_first_reschedule_date(self, context: Any) -> None:
        return None


def task_context(ti: TaskInstanceStub | None = None) -> Any:
    """A task context with Airflow's own outlet-event accessors, and the task's DAG (which
    notifiers of Task SDK 1.0 read to render their templates)."""
    from airflow.sdk import DAG
    from airflow.sdk.execution_time.context import OutletEventAccessors

    ti = ti or TaskInstanceStub()
    return {"ti": ti, "task_instance": ti, "run_id": ti.run_id,
            "dag": DAG(dag_id=ti.dag_id, schedule=None), "outlet_events": OutletEventAccessors()}


class RunningClock:
    """Moves a stand-in's manual clock ``step`` simulated seconds every ``every`` real seconds,
    in a thread, while a task waits in the foreground; so nothing waits for real minutes."""

    def __init__(self, aws: LocalAws, step: float = 1.0, every: float = 0.002) -> None:
        self.aws = aws
        self.step = step
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="running-clock", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.aws.advance(self.step)

    def __enter__(self) -> RunningClock:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_trigger(trigger: Any, timeout: float = 60.0) -> list[Any]:
    """Run a trigger's ``run()`` to its end, as the triggerer would; returns its events."""

    async def collect() -> list[Any]:
        return [event async for event in trigger.run()]

    return asyncio.run(asyncio.wait_for(collect(), timeout))


def labeling_job_names(sagemaker_client: Any) -> list[str]:
    """Every labeling job the stand-in has in the client's region (through all pages)."""
    names: list[str] = []
    for page in sagemaker_client.get_paginator("list_labeling_jobs").paginate():
        names += [job["LabelingJobName"] for job in page["LabelingJobSummaryList"]]
    return names


def wait_until(condition: Any, timeout: float = 10.0) -> None:
    """Wait (real time, for a thread to get somewhere) until ``condition()`` is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.005)
