"""A completed bounding-box job on a test's stand-in, and manifests made from its output."""

from __future__ import annotations

from typing import Any

import orjson

from airflow_gt.local import LocalAws
from airflow_gt.operators.ground_truth import GroundTruthCreateLabelingJobOperator
from tests.airflow_support import Inputs, RunningClock, task_context
from tests.local.labeling import read_lines


def label_boxes(aws: LocalAws, inputs: Inputs) -> dict[str, Any]:
    """Run a bounding-box job over ``inputs`` to its end; returns the create operator's result."""
    task = GroundTruthCreateLabelingJobOperator(
        task_id="label_boxes", poll_interval=0.01, **inputs.job_arguments()
    )
    with RunningClock(aws):
        result: dict[str, Any] = task.execute(task_context())
    return result


def put_lines(s3: Any, uri: str, lines: list[dict[str, Any]]) -> str:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    s3.put_object(Bucket=bucket, Key=key, Body=b"".join(orjson.dumps(x) + b"\n" for x in lines))
    return uri


def plant_bad_box(s3: Any, output_uri: str, destination: str) -> tuple[str, int]:
    """A copy of an output manifest whose first line with a box has a box of negative width;
    returns its URI and that line's 1-based number."""
    lines = read_lines(s3, output_uri)
    number = next(n for n, line in enumerate(lines, 1) if line["bounding-box"]["annotations"])
    lines[number - 1]["bounding-box"]["annotations"][0]["width"] = -5
    return put_lines(s3, destination, lines), number
