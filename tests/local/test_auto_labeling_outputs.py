"""Machine-labeled output of each of the four task types with automated labeling: shaped like
the seed's examples, and passing the job type's validation suite."""

from __future__ import annotations

import pytest

from airflow_gt.local import LocalAws
from airflow_gt.validation.validator import validate_manifest
from tests.local.auto_labeling import AutoJob, small_images
from tests.local.test_labeling_outputs import assert_like_seed


@pytest.mark.parametrize(
    ("task", "attribute", "sample", "seed_attribute", "class_index", "job_type"),
    [
        ("ImageMultiClass", "species", "image-classification.manifest", "species", True,
         "image-classification"),
        ("TextMultiClass", "mood", "text-classification.manifest", "mood", True,
         "text-classification"),
        ("BoundingBox", "bounding-box", "object-detection.manifest", "bounding-box", False,
         "object-detection"),
        ("SemanticSegmentation", "city-streets-ref",
         "semantic-segmentation-verification.manifest", "city-streets-ref", False,
         "semantic-segmentation"),
    ],
)
def test_machine_labels_are_shaped_like_the_seed_and_pass_the_suite(
    manual_aws: LocalAws, task: str, attribute: str, sample: str, seed_attribute: str,
    class_index: bool, job_type: str,
) -> None:
    segmentation = task == "SemanticSegmentation"
    job = AutoJob(manual_aws, task=task, attribute=attribute, workers=1 if segmentation else 3)
    lines = small_images(job.s3) if segmentation else None
    done = job.run(job.request(lines))
    assert done["LabelingJobStatus"] == "Completed", done.get("FailureReason")
    assert done["LabelCounters"]["MachineLabeled"] > 0
    output = done["LabelingJobOutput"]["OutputDatasetS3Uri"]
    machine = [line for line in job.lines(output) if job.metadata(line)["human-annotated"] == "no"]
    assert len(machine) == done["LabelCounters"]["MachineLabeled"]
    whole = [assert_like_seed(line, attribute, sample, seed_attribute, class_index)
             for line in machine]
    assert any(whole)
    if segmentation:
        for line in machine[:20]:
            confidences = {entry["confidence"]
                           for entry in job.metadata(line)["internal-color-map"].values()}
            assert len(confidences) == 1
            bucket, _, key = line[attribute].removeprefix("s3://").partition("/")
            assert "/activelearning/auto-labeled/output/iteration-" in f"/{key}"
            assert job.s3.get_object(Bucket=bucket, Key=key)["Body"].read()[:4] == b"\x89PNG"
    result = validate_manifest(output, s3_client=job.s3, label_categories=list(
        ("dog", "cat", "bone", "ball")))
    summary = result.summary()
    assert summary["job_type"] == job_type
    assert summary["success"], summary["failed_expectations"]
