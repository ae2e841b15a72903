"""Two labeling tasks sharing one literal output folder, run by ``airflow dags test``.

Each publishes its output manifests as an Asset of its own label attribute; a DAG scheduled on
one Asset is queued by that Asset's event only. Read back from Airflow's own database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_gt.assets.ground_truth import labeling_output_asset
from airflow_gt.local import LocalAws, WorkforceConfig
from airflow_gt.local.datasets import generate_image_dataset
from tests.airflow_support import labeling_job_names
from tests.conftest import client
from tests.dags.airflow_cli import dags_test, migrated_airflow

pytestmark = pytest.mark.integration

DAGS = Path(__file__).parent / "shared_folder"
FOLDER = "s3://shared-folder/jobs"
ATTRIBUTES = ("shape-boxes", "shape-class")


@pytest.fixture(scope="module")
def stand_in() -> Iterator[LocalAws]:
    workforce = WorkforceConfig(seconds_per_task=0.01, initializing_seconds=0.2,
                                stopping_seconds=0.1)
    with LocalAws(seed=3, workforce=workforce) as aws:
        s3 = client("s3", aws.endpoint_url)
        s3.create_bucket(Bucket="shared-folder")
        generate_image_dataset(s3, "s3://shared-folder/images", count=4, seed=3)
        s3.put_object(Bucket="shared-folder", Key="templates/task.liquid.html",
                      Body=b"<crowd-form></crowd-form>")
        yield aws


def test_two_jobs_in_one_folder_both_label_and_trigger_their_own_dags(
    stand_in: LocalAws, tmp_path: Path
) -> None:
    # Unpaused, so that an Asset event queues a run of the DAGs scheduled on it.
    env = migrated_airflow(tmp_path, stand_in.endpoint_url, dags_folder=DAGS,
                           AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="False")
    result = dags_test("two_jobs_one_folder", env)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    jobs = labeling_job_names(client("sagemaker", stand_in.endpoint_url))
    assert len(jobs) == 2

    database = sqlite3.connect(tmp_path / "airflow.db")
    assets = dict(database.execute("SELECT uri, id FROM asset").fetchall())
    events = database.execute(
        "SELECT asset.uri, asset_event.extra FROM asset_event JOIN asset "
        "ON asset.id = asset_event.asset_id"
    ).fetchall()
    queued = set(database.execute(
        "SELECT asset.uri, target_dag_id FROM asset_dag_run_queue JOIN asset "
        "ON asset.id = asset_dag_run_queue.asset_id"
    ).fetchall())
    uris = {attribute: labeling_output_asset(FOLDER, attribute).uri for attribute in ATTRIBUTES}
    assert set(uris.values()) <= set(assets)
    assert sorted(uri for uri, _ in events) == sorted(uris.values())
    for uri, extra in events:
        assert f'"output_manifest_uri": "{FOLDER}/' in extra, (uri, extra)
    assert queued == {(uris["shape-boxes"], "on_shape_boxes"),
                      (uris["shape-class"], "on_shape_class")}
