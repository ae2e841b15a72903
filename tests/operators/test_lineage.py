"""OpenLineage reports of the operators, called as the provider calls them after ``execute``.

The facets are serialized with openlineage-python's own ``Serde``, as its transports do, so a
facet that would not go out as JSON fails here.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from airflow_gt.local import LocalAws
from airflow_gt.operators.ground_truth import GroundTruthCreateLabelingJobOperator
from airflow_gt.operators.lineage_records import adapter_dataset
from airflow_gt.operators.manifest import ManifestChainOperator, ManifestValidateOperator
from airflow_gt.sensors.ground_truth import GroundTruthLabelingJobSensor
from tests.airflow_support import Inputs, RunningClock, task_context
from tests.operators.labeled import plant_bad_box

pytest.importorskip("airflow.providers.openlineage")


def as_json(value: Any) -> Any:
    from openlineage.client.serde import Serde

    return Serde.to_dict(value)


def split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return f"s3://{bucket}", key


@pytest.fixture
def labeled(aws: LocalAws, inputs: Inputs) -> tuple[dict[str, Any], Any]:
    """A completed bounding-box job's result, and the task's OpenLineage report."""
    task = GroundTruthCreateLabelingJobOperator(
        task_id="label_boxes", poll_interval=0.01, **inputs.job_arguments()
    )
    with RunningClock(aws):
        result: dict[str, Any] = task.execute(task_context())
    return result, task.get_openlineage_facets_on_complete(None)


def test_a_labeling_job_links_its_input_manifest_to_its_output_manifest(
    labeled: tuple[dict[str, Any], Any], inputs: Inputs
) -> None:
    result, lineage = labeled
    assert [(d.namespace, d.name) for d in lineage.inputs] == [split(inputs.manifest_uri)]
    assert [(d.namespace, d.name) for d in lineage.outputs] == [
        split(result["output_manifest_uri"])
    ]
    rows = as_json(lineage.outputs[0])["outputFacets"]["outputStatistics"]["rowCount"]
    assert rows == inputs.objects
    job = as_json(lineage.run_facets["groundTruthLabelingJob"])
    assert job["jobArn"] == result["job_arn"]
    assert (job["taskType"], job["labelAttribute"]) == ("BoundingBox", "bounding-box")
    assert job["labelCounters"] == result["label_counters"]
    assert job["_schemaURL"].endswith("GroundTruthLabelingJobRunFacet.json")


def test_the_job_sensor_reports_the_job_as_the_create_operator_does(
    labeled: tuple[dict[str, Any], Any]
) -> None:
    result, created = labeled
    sensor = GroundTruthLabelingJobSensor(task_id="wait", job_name=result["job_name"])
    assert sensor.poke(task_context())
    watched = sensor.get_openlineage_facets_on_complete(None)
    assert as_json(watched) == as_json(created)


def test_a_deferred_job_sensor_describes_the_job_for_its_input_manifest(
    labeled: tuple[dict[str, Any], Any], aws_sagemaker: Any
) -> None:
    from airflow_gt.labeling.outcome import job_summary

    result, created = labeled
    description = aws_sagemaker.describe_labeling_job(LabelingJobName=result["job_name"])
    sensor = GroundTruthLabelingJobSensor(task_id="wait", job_name=result["job_name"])
    sensor.execute_complete(task_context(), {"status": "done", "job": job_summary(description)})
    assert not sensor.lineage_record.inputs  # type: ignore[union-attr]  # the event has none
    watched = sensor.get_openlineage_facets_on_complete(None)
    assert as_json(watched) == as_json(created)


def test_a_failing_validation_reports_one_assertion_per_expectation_and_which_failed(
    labeled: tuple[dict[str, Any], Any], inputs: Inputs, aws_s3: Any
) -> None:
    output = labeled[0]["output_manifest_uri"]
    bad, _ = plant_bad_box(aws_s3, output, f"s3://{inputs.bucket}/planted/bad.manifest")
    task = ManifestValidateOperator(task_id="validate", manifest=bad, on_failure="warn",
                                    input_manifest=inputs.manifest_uri)
    summary = task.execute(task_context())
    assert summary["success"] is False
    lineage = task.get_openlineage_facets_on_complete(None)
    validated, given = (as_json(dataset) for dataset in lineage.inputs)
    assert (validated["namespace"], validated["name"]) == split(bad)
    assert (given["namespace"], given["name"]) == split(inputs.manifest_uri)
    assertions = validated["inputFacets"]["dataQualityAssertions"]["assertions"]
    assert len(assertions) == sum(item["expectations"] for item in summary["label_attributes"])
    failed = [(a["assertion"], a["column"]) for a in assertions if not a["success"]]
    assert failed == [(item["expectation"], item["column"])
                      for item in summary["failed_expectations"]]
    assert ("expect_column_values_to_be_between", "width") in failed
    metrics = validated["inputFacets"]["dataQualityMetrics"]
    assert metrics["rowCount"] == summary["objects"] == inputs.objects
    assert metrics["columnMetrics"]["class_name"]["nullCount"] == 0


def test_a_chain_reports_lines_read_and_written(
    labeled: tuple[dict[str, Any], Any], inputs: Inputs
) -> None:
    task = ManifestChainOperator(
        task_id="chain", source=labeled[0], destination=f"s3://{inputs.bucket}/chained.manifest",
        new_label_attribute="verify-bounding-box", status="labeled",
    )
    result = task.execute(task_context())
    lineage = task.get_openlineage_facets_on_complete(None)
    (read,), (written,) = (as_json(d) for d in lineage.inputs), (
        as_json(d) for d in lineage.outputs)
    assert (read["namespace"], read["name"]) == split(labeled[0]["output_manifest_uri"])
    assert read["inputFacets"]["inputStatistics"]["rowCount"] == result["lines_read"]
    assert (written["namespace"], written["name"]) == split(result["manifest_uri"])
    assert written["outputFacets"]["outputStatistics"]["rowCount"] == result["lines_written"]


def test_a_task_that_kept_no_record_reports_no_dataset() -> None:
    task = ManifestValidateOperator(task_id="validate", manifest="s3://b/m.manifest")
    lineage = task.get_openlineage_facets_on_complete(None)
    assert (lineage.inputs, lineage.outputs, lineage.run_facets) == ([], [], {})


def test_an_adapter_version_is_named_by_its_arn_under_the_regional_endpoint() -> None:
    arn = ("arn:aws:rekognition:eu-west-1:123456789012:project/moderation/version/"
           "v1/1700000000000")
    dataset = adapter_dataset(arn)
    assert (dataset.namespace, dataset.name) == (
        "awsrekognition://rekognition.eu-west-1.amazonaws.com", arn)


def test_importing_the_operators_imports_no_openlineage() -> None:
    # Airflow itself reads every installed provider's get_provider_info; nothing more may come.
    code = (
        "import sys, airflow_gt.operators.ground_truth, airflow_gt.operators.manifest,"
        " airflow_gt.operators.rekognition, airflow_gt.operators.rekognition_evaluation,"
        " airflow_gt.operators.workforce, airflow_gt.sensors.ground_truth;"
        "print(','.join(sorted(m for m in sys.modules if m.startswith("
        "('openlineage', 'airflow.providers.openlineage.extractors', 'airflow_gt.lineage')))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=120)
    assert result.stdout.strip() == ""
