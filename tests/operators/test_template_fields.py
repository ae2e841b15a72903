"""Every operator and sensor the provider registers keeps its template fields real and sorted."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest
from airflow.sdk import BaseOperator

from airflow_gt.provider_info import get_provider_info

MINIMAL_ARGUMENTS: dict[str, dict[str, Any]] = {
    "GroundTruthCreateLabelingJobOperator": {"create_job_request": {"LabelingJobName": "x"}},
    "GroundTruthLabelingJobSensor": {"job_name": "x"},
    "GroundTruthIntermediateManifestSensor": {"job_name": "x", "min_labeled_fraction": 0.5},
    "ManifestValidateOperator": {"manifest": "s3://b/output.manifest"},
    "ManifestChainOperator": {"source": "s3://b/output.manifest", "destination": "s3://b/next/",
                              "new_label_attribute": "verify"},
    "GroundTruthWorkforceOperator": {"labeling_job": "x"},
    "ManifestMergeOperator": {"sources": ["s3://b/1.manifest", "s3://b/2.manifest"],
                              "destination": "s3://b/merged.manifest"},
    "RekognitionModerationManifestOperator": {
        "source_manifest_uri": "s3://b/output.manifest", "label_attribute_name": "moderation",
        "training_manifest_uri": "s3://b/train.manifest"},
    "RekognitionCreateAdapterOperator": {
        "project_name": "p", "training_manifest_uri": "s3://b/train.manifest",
        "output_path": "s3://b/adapters"},
    "RekognitionEvaluateAdapterOperator": {"evaluation_uri": "s3://b/evaluation.json"},
}
"""How to make each class with as little as it needs; a new operator must be added here."""


def registered_operators() -> list[type[BaseOperator]]:
    info = get_provider_info()
    classes = []
    for kind in ("operators", "sensors"):
        for entry in info[kind]:
            for module_name in entry["python-modules"]:
                module = importlib.import_module(module_name)
                classes += [
                    value for value in vars(module).values()
                    if inspect.isclass(value) and issubclass(value, BaseOperator)
                    and value.__module__ == module_name and not value.__name__.startswith("_")
                ]
    return classes


@pytest.mark.parametrize("kind", registered_operators(), ids=lambda kind: kind.__name__)
def test_template_fields_exist_as_attributes_and_are_sorted(kind: type[BaseOperator]) -> None:
    assert kind.__name__ in MINIMAL_ARGUMENTS, f"add {kind.__name__} to MINIMAL_ARGUMENTS"
    task = kind(task_id="contract", **MINIMAL_ARGUMENTS[kind.__name__])
    fields = list(task.template_fields)
    assert fields == sorted(set(fields))
    missing = [name for name in fields if not hasattr(task, name)]
    assert missing == []
    assert {"aws_conn_id", "region_name", "verify"} <= set(fields)
