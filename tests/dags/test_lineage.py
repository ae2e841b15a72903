"""The OpenLineage event of a failing validation, written by ``airflow dags test``.

The example DAGs' lineage is checked beside their own runs (test_chained_labeling.py,
test_moderation_adapter.py); here one validate task (``on_failure="warn"``) checks a manifest
with a box of negative width, planted in the stand-in's S3: no labeling job, one GX import.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from airflow_gt.local import LocalAws
from tests.conftest import client
from tests.dags.airflow_cli import dags_test, migrated_airflow
from tests.dags.lineage_events import (
    assertions,
    completed_tasks,
    dags_test_reports_datasets,
    names,
    read_events,
    transport,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parent.parent.parent
DAGS = Path(__file__).parent / "lineage_dags"
SAMPLE = ROOT / "tests" / "sample" / "object-detection.manifest"
BUCKET = "lineage"
PLANTED = "planted/bad.manifest"


@pytest.fixture(scope="module")
def stand_in() -> Iterator[LocalAws]:
    with LocalAws(seed=1) as aws:
        s3 = client("s3", aws.endpoint_url)
        s3.create_bucket(Bucket=BUCKET)
        line = orjson.loads(SAMPLE.read_bytes().splitlines()[0])
        line["bounding-box"]["annotations"][0]["width"] = -5
        s3.put_object(Bucket=BUCKET, Key=PLANTED, Body=orjson.dumps(line) + b"\n")
        yield aws


@dags_test_reports_datasets
def test_a_failing_validation_reports_the_failed_expectation_as_an_assertion(
    stand_in: LocalAws, tmp_path: Path
) -> None:
    events = tmp_path / "lineage" / "events.json"
    events.parent.mkdir()
    env = migrated_airflow(tmp_path / "home", stand_in.endpoint_url, dags_folder=DAGS,
                           **transport(events))
    result = dags_test("failing_validation", env)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]

    (validated,) = completed_tasks(read_events(events), "failing_validation")[
        "validate_planted"]["inputs"]
    assert names([validated]) == [(f"s3://{BUCKET}", PLANTED)]
    checked = assertions(validated)
    summary = orjson.loads(client("s3", stand_in.endpoint_url).get_object(
        Bucket=BUCKET, Key="planted/validation-report.json")["Body"].read())
    (item,) = summary["label_attributes"]
    assert len(checked) == item["expectations"] == 28  # the object-detection suite
    failed = [(a["assertion"], a["column"]) for a in checked if not a["success"]]
    assert failed == [("expect_column_values_to_be_between", "width")]
    assert validated["inputFacets"]["dataQualityMetrics"]["rowCount"] == 1
