"""Every DAG the README shows runs: extracted from README.md and run by ``airflow dags test``
against the stand-in, seeded with what the snippets name (bucket, photos, template, topic)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from airflow_gt.local import LocalAws, WorkforceConfig
from airflow_gt.local.datasets import generate_image_dataset
from tests.airflow_support import labeling_job_names
from tests.conftest import client
from tests.dags.airflow_cli import dags_test, migrated_airflow

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"
BUCKET = "my-bucket"


def readme_dags() -> dict[str, str]:
    """dag_id -> source of each README code block that defines a whole DAG."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    dags = {}
    for block in blocks:
        found = re.search(r'with DAG\(dag_id="([^"]+)"', block)
        if found:
            dags[found.group(1)] = block
    return dags


@pytest.fixture(scope="module")
def stand_in() -> Iterator[LocalAws]:
    workforce = WorkforceConfig(seconds_per_task=0.01, initializing_seconds=0.0,
                                stopping_seconds=0.1)
    with LocalAws(seed=8, workforce=workforce) as aws:
        s3 = client("s3", aws.endpoint_url)
        s3.create_bucket(Bucket=BUCKET)
        dataset = generate_image_dataset(s3, f"s3://{BUCKET}/photos/all", count=6, seed=8)
        manifest = s3.get_object(Bucket=BUCKET, Key=dataset.manifest_uri.split("/", 3)[3])
        lines = manifest["Body"].read()
        today = datetime.now(UTC).date()
        for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
            s3.put_object(Bucket=BUCKET, Key=f"photos/{day.isoformat()}.manifest", Body=lines)
        s3.put_object(Bucket=BUCKET, Key="templates/boxes.liquid.html",
                      Body=b"<crowd-form></crowd-form>")
        client("sns", aws.endpoint_url).create_topic(Name="data-quality")
        yield aws


def test_the_readme_shows_whole_dags() -> None:
    assert "find_dogs" in readme_dags()


@pytest.mark.parametrize("dag_id", sorted(readme_dags()))
def test_each_readme_dag_runs_on_the_stand_in(
    stand_in: LocalAws, tmp_path: Path, dag_id: str
) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / f"{dag_id}.py").write_text(readme_dags()[dag_id])
    env = migrated_airflow(tmp_path / "home", stand_in.endpoint_url, dags_folder=dags)
    before = set(labeling_job_names(client("sagemaker", stand_in.endpoint_url)))
    result = dags_test(dag_id, env)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    created = set(labeling_job_names(client("sagemaker", stand_in.endpoint_url))) - before
    assert created, "the DAG created its labeling jobs"
