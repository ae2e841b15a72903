"""The issue's acceptance: on the stand-in, one planted worker at 0.4 among workers at 0.9 and
more, three workers per object, 60 objects: ``airflow-gt workers`` (a real process, over S3)
flags that worker alone and exits 1 at ``--min-worker-accuracy 0.7``, and exits 0 when the
planted worker is replaced by a good one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.local import LocalAws, ManualClock
from tests.conftest import client
from tests.local.labeling import labeling_request, put_categories, put_json_lines

SCRIPT = Path(sys.executable).parent / "airflow-gt"


def label_and_check(workers: dict[str, float], *argv: str,
                    task: str = "TextMultiClass") -> tuple[int, dict[str, Any]]:
    with LocalAws(seed=0, clock=ManualClock(), workers=workers) as aws:
        s3 = client("s3", aws.endpoint_url)
        sagemaker = client("sagemaker", aws.endpoint_url)
        s3.create_bucket(Bucket="crowd")
        texts = [{"source": f"Review number {i}: the product was fine."} for i in range(60)]
        request = labeling_request(
            s3, "crowd", task=task, name="reviews",
            manifest_uri=put_json_lines(s3, "crowd", "reviews.manifest", texts),
            categories_uri=put_categories(s3, "crowd", ["positive", "neutral", "negative"]),
            label_attribute="sentiment", workers=3,
        )
        sagemaker.create_labeling_job(**request)

        def status() -> str:
            return str(sagemaker.describe_labeling_job(
                LabelingJobName="reviews")["LabelingJobStatus"])

        aws.run_until(lambda: status() in ("Completed", "Failed"))
        assert status() == "Completed"
        env = {**os.environ, "AWS_ENDPOINT_URL": aws.endpoint_url,
               "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}
        result = subprocess.run(
            [str(SCRIPT), "workers", "s3://crowd/output/reviews", *argv, "--format", "json"],
            capture_output=True, text=True, env=env, timeout=300,
        )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.mark.integration
def test_the_planted_worker_is_flagged_alone_and_removing_them_passes() -> None:
    code, summary = label_and_check({"w1": 0.95, "w2": 0.92, "w3": 0.4},
                                    "--min-worker-accuracy", "0.7")
    assert code == 1
    assert (summary["objects"], summary["answers"], summary["workers"]) == (60, 180, 3)
    assert [c["worker_id"] for c in summary["failed_checks"]] == ["w3"]
    accuracy = {w["worker_id"]: w["accuracy"] for w in summary["per_worker"]}
    assert accuracy["w3"] < 0.7 <= min(accuracy["w1"], accuracy["w2"])

    code, summary = label_and_check({"w1": 0.95, "w2": 0.92, "w4": 0.9},
                                    "--min-worker-accuracy", "0.7")
    assert code == 0
    assert summary["failed_checks"] == []
    assert {w["worker_id"] for w in summary["per_worker"]} == {"w1", "w2", "w4"}
