from __future__ import annotations

import re

import pytest

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.manifests.job_types import (
    BUILT_IN_TASKS,
    JOB_TYPES,
    LAMBDA_ACCOUNTS,
    LabelShape,
    audited_job_types,
    built_in_task,
    follow_up_kind,
    job_type,
    job_type_of_metadata,
    lambda_arn,
    tasks_for_job_type,
)

DESIGN_TYPES = {
    "image-classification", "text-classification", "image-classification-multilabel",
    "text-classification-multilabel", "object-detection", "label-verification",
    "semantic-segmentation", "text-span",
}
DESIGN_TASKS = {
    "BoundingBox", "ImageMultiClass", "ImageMultiClassMultiLabel", "SemanticSegmentation",
    "TextMultiClass", "TextMultiClassMultiLabel", "NamedEntityRecognition",
    "VerificationBoundingBox", "VerificationSemanticSegmentation", "AdjustmentBoundingBox",
    "AdjustmentSemanticSegmentation",
}


def test_every_design_type_and_task_is_registered() -> None:
    assert set(JOB_TYPES) >= DESIGN_TYPES
    assert set(BUILT_IN_TASKS) >= DESIGN_TASKS
    assert {name for name, t in JOB_TYPES.items() if t.validated} == DESIGN_TYPES


def test_every_task_writes_a_registered_type() -> None:
    for task in BUILT_IN_TASKS.values():
        assert task.job_type in JOB_TYPES, task.name


@pytest.mark.parametrize(
    ("name", "shape", "ref"),
    [
        ("image-classification", LabelShape.CLASS_INDEX, False),
        ("text-classification-multilabel", LabelShape.CLASS_INDEX_LIST, False),
        ("object-detection", LabelShape.BOUNDING_BOXES, False),
        ("label-verification", LabelShape.CLASS_INDEX, False),
        ("semantic-segmentation", LabelShape.MASK_REF, True),
        ("text-span", LabelShape.TEXT_SPANS, False),
        ("video-object-tracking", LabelShape.SEQUENCE_REF, True),
        ("point_cloud_object_detection", LabelShape.CUBOIDS, False),
    ],
)
def test_shape_and_ref_rule(name: str, shape: LabelShape, ref: bool) -> None:
    kind = job_type(name)
    assert kind.label_shape is shape
    assert kind.ref_attribute is ref
    assert kind.metadata_type == f"groundtruth/{name}"
    assert job_type(kind.metadata_type) is kind


@pytest.mark.parametrize(
    ("task", "ref"),
    [
        ("SemanticSegmentation", True),
        ("AdjustmentSemanticSegmentation", True),
        ("VerificationSemanticSegmentation", False),  # writes label-verification
        ("BoundingBox", False),
        ("VideoObjectDetection", True),
        ("3DPointCloudObjectDetection", False),
        ("3DPointCloudObjectTracking", True),
    ],
)
def test_ref_rule_of_tasks_follows_botocore(task: str, ref: bool) -> None:
    assert built_in_task(task).requires_ref_attribute is ref


def test_adjustment_and_verification_tasks_are_audits() -> None:
    audits = {name for name, task in BUILT_IN_TASKS.items() if task.audit}
    assert audits == {n for n in BUILT_IN_TASKS if n.startswith(("Adjustment", "Verification"))}
    assert {t.name for t in tasks_for_job_type("object-detection")} == {
        "BoundingBox", "AdjustmentBoundingBox"
    }
    assert {t.name for t in tasks_for_job_type("label-verification")} == {
        "VerificationBoundingBox", "VerificationSemanticSegmentation"
    }


def test_each_audit_task_works_on_the_job_type_it_verifies_or_adjusts() -> None:
    audited = {name: task.audits for name, task in BUILT_IN_TASKS.items() if task.audit}
    assert audited["VerificationBoundingBox"] == "object-detection"
    assert audited["VerificationSemanticSegmentation"] == "semantic-segmentation"
    for name, kind in audited.items():
        if name.startswith("Adjustment"):  # an adjustment writes the type it adjusts
            assert kind == BUILT_IN_TASKS[name].job_type
        assert kind in JOB_TYPES


@pytest.mark.parametrize(
    ("follow_up", "accepted"),
    [
        ("VerificationSemanticSegmentation", ("semantic-segmentation",)),
        ("AdjustmentBoundingBox", ("object-detection",)),
        ("label-verification", ("object-detection", "semantic-segmentation")),
        ("groundtruth/label-verification", ("object-detection", "semantic-segmentation")),
        ("BoundingBox", None),
        ("object-detection", None),  # also a new bounding-box job, which follows anything
        ("semantic-segmentation", None),
        ("image-classification", None),
    ],
)
def test_which_labels_a_follow_up_works_on(
    follow_up: str, accepted: tuple[str, ...] | None
) -> None:
    assert audited_job_types(follow_up_kind(follow_up)) == accepted


def test_an_unknown_follow_up_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="job_type: unknown job type 'Verify'"):
        follow_up_kind("Verify")
    assert follow_up_kind(BUILT_IN_TASKS["BoundingBox"]) is BUILT_IN_TASKS["BoundingBox"]


def test_lambda_arns_per_region() -> None:
    task = built_in_task("PRE-BoundingBox")
    assert task.pre_lambda_arn("us-east-1") == (
        "arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox"
    )
    assert task.acs_lambda_arn("eu-west-1") == (
        "arn:aws:lambda:eu-west-1:568282634449:function:ACS-BoundingBox"
    )
    assert built_in_task("ImageMultiClass").pre_lambda_arn("ap-southeast-2") == (
        "arn:aws:lambda:ap-southeast-2:454466003867:function:PRE-ImageMultiClass"
    )
    assert len(LAMBDA_ACCOUNTS) == 12
    pattern = re.compile(r"arn:aws:lambda:[a-z]+-[a-z]+-\d:\d{12}:function:(PRE|ACS)-[0-9A-Za-z]+")
    for region in LAMBDA_ACCOUNTS:
        for task in BUILT_IN_TASKS.values():
            assert pattern.fullmatch(task.pre_lambda_arn(region))
            assert pattern.fullmatch(task.acs_lambda_arn(region))


def test_unknown_names_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="unknown job type 'boxes'"):
        job_type("boxes")
    with pytest.raises(ConfigurationError, match="unknown built-in task 'Boxes'"):
        built_in_task("Boxes")
    with pytest.raises(ConfigurationError, match="not hosted in 'eu-north-1'") as caught:
        lambda_arn("eu-north-1", "PRE-BoundingBox")
    assert caught.value.parameter == "region_name"


def test_metadata_types() -> None:
    assert job_type_of_metadata("groundtruth/text-span") is JOB_TYPES["text-span"]
    assert job_type_of_metadata("groundtruth/unknown") is None
    assert job_type_of_metadata("object-detection") is None
    assert job_type_of_metadata(3) is None
