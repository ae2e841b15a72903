"""The create-labeling-job operator with automated data labeling, on the stand-in."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.local import LocalAws
from airflow_gt.manifests.auto_labeling import MINIMUM_OBJECTS
from airflow_gt.operators.ground_truth import GroundTruthCreateLabelingJobOperator
from tests.airflow_support import (
    Inputs,
    RunningClock,
    TaskInstanceStub,
    labeling_job_names,
    task_context,
)
from tests.local.auto_labeling import sources
from tests.local.labeling import labeling_request, put_categories, put_json_lines

TI = TaskInstanceStub()
ALGORITHMS = "arn:aws:sagemaker:us-east-1:027400017018:labeling-job-algorithm-specification/"


@pytest.fixture
def big_manifest(inputs: Inputs, aws_s3: Any) -> str:
    """AWS's minimum of 1,250 objects, labeled from hashes."""
    return put_json_lines(aws_s3, inputs.bucket, "photos.manifest", sources("ImageMultiClass"))


def classify(
    inputs: Inputs, manifest: str, **overrides: Any
) -> GroundTruthCreateLabelingJobOperator:
    options: dict[str, Any] = {
        "task_id": TI.task_id, "poll_interval": 0.01, "max_concurrent_tasks": 200,
        "workers_per_object": 3,
        **inputs.job_arguments(labeling_task_type="ImageMultiClass", input_manifest_uri=manifest,
                               label_attribute_name="species"),
    }  # fmt: skip
    options.update(overrides)
    return GroundTruthCreateLabelingJobOperator(**options)


@pytest.mark.parametrize("automated_labeling", [True, "image-classification"])
def test_automated_labeling_sends_the_regions_algorithm_and_returns_the_final_model(
    aws: LocalAws, inputs: Inputs, big_manifest: str, aws_sagemaker: Any,
    automated_labeling: bool | str,
) -> None:
    task = classify(inputs, big_manifest, automated_labeling=automated_labeling)
    with RunningClock(aws, step=2.0):
        result = task.execute(task_context())
    described = aws_sagemaker.describe_labeling_job(LabelingJobName=result["job_name"])
    assert described["LabelingJobAlgorithmsConfig"] == {
        "LabelingJobAlgorithmSpecificationArn": ALGORITHMS + "image-classification"
    }
    assert result["status"] == "Completed"
    counters = result["label_counters"]
    assert counters["MachineLabeled"] > 0
    assert counters["TotalLabeled"] == MINIMUM_OBJECTS
    assert result["final_active_learning_model_arn"] == (
        described["LabelingJobOutput"]["FinalActiveLearningModelArn"]
    )
    again = classify(inputs, big_manifest, automated_labeling=True,
                     initial_active_learning_model_arn=result["final_active_learning_model_arn"],
                     wait_for_completion=False)  # fmt: skip
    second = again.execute(task_context(TaskInstanceStub(run_id="manual__2026-01-02")))
    config = aws_sagemaker.describe_labeling_job(LabelingJobName=second["job_name"])[
        "LabelingJobAlgorithmsConfig"]
    assert config["InitialActiveLearningModelArn"] == result["final_active_learning_model_arn"]


def test_a_raw_request_passes_its_algorithms_config_through(
    aws: LocalAws, inputs: Inputs, big_manifest: str, aws_s3: Any, aws_sagemaker: Any
) -> None:
    request = labeling_request(
        aws_s3, inputs.bucket, task="ImageMultiClass", manifest_uri=big_manifest,
        categories_uri=put_categories(aws_s3, inputs.bucket, ["dog", "cat"]),
        label_attribute="animal",
        LabelingJobAlgorithmsConfig={
            "LabelingJobAlgorithmSpecificationArn": ALGORITHMS + "image-classification",
            "LabelingJobResourceConfig": {"VolumeKmsKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
        },
    )
    task = GroundTruthCreateLabelingJobOperator(
        task_id=TI.task_id, create_job_request=request, wait_for_completion=False
    )
    result = task.execute(task_context())
    described = aws_sagemaker.describe_labeling_job(LabelingJobName=result["job_name"])
    assert described["LabelingJobAlgorithmsConfig"] == request["LabelingJobAlgorithmsConfig"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"automated_labeling": "object-detection"},
         "ImageMultiClass is labeled by the 'image-classification' algorithm"),
        ({"automated_labeling": True, "labeling_task_type": "ImageMultiClassMultiLabel"},
         "automated data labeling is not available for ImageMultiClassMultiLabel"),
        ({"initial_active_learning_model_arn":
          "arn:aws:sagemaker:us-east-1:123456789012:model/m"}, "needs automated_labeling"),
    ],
)
def test_automated_labeling_that_does_not_fit_is_refused_before_anything_is_created(
    aws: LocalAws, inputs: Inputs, big_manifest: str, aws_sagemaker: Any,
    overrides: dict[str, Any], message: str,
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        classify(inputs, big_manifest, **overrides).execute(task_context())
    assert labeling_job_names(aws_sagemaker) == []


def test_automated_labeling_beside_a_raw_request_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="not both \\(automated_labeling\\)"):
        GroundTruthCreateLabelingJobOperator(
            task_id="t", create_job_request={"LabelingJobName": "x"}, automated_labeling=True)
