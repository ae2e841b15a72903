"""Friendly arguments become a CreateLabelingJob request, checked before AWS is called."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from airflow_gt.exceptions import ConfigurationError, NameRuleError
from airflow_gt.labeling.request import (
    LabelingJobArguments,
    category_config_uri,
    workforce_price,
)
from airflow_gt.manifests.job_types import LAMBDA_ACCOUNTS


def arguments(**overrides: Any) -> LabelingJobArguments:
    values: dict[str, Any] = {
        "task_type": "BoundingBox",
        "input_manifest_uri": "s3://bucket/in/input.manifest",
        "output_path": "s3://bucket/out/",
        "label_attribute_name": "bounding-box",
        "role_arn": "arn:aws:iam::123456789012:role/GroundTruth",
        "workteam_arn": "arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/t",
        "ui_template_uri": "s3://bucket/ui.liquid.html",
        "label_categories": ["dog", "cat"],
    }
    values.update(overrides)
    return LabelingJobArguments(**values)


@pytest.mark.parametrize("region", ["eu-west-1", "ap-southeast-2"])
def test_the_lambda_functions_are_the_regions_for_the_task(region: str) -> None:
    request = arguments().to_request("my-job", region)
    human = request["HumanTaskConfig"]
    account = LAMBDA_ACCOUNTS[region]
    assert human["PreHumanTaskLambdaArn"] == (
        f"arn:aws:lambda:{region}:{account}:function:PRE-BoundingBox"
    )
    assert human["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"] == (
        f"arn:aws:lambda:{region}:{account}:function:ACS-BoundingBox"
    )


def test_the_request_has_what_was_given_and_only_that() -> None:
    request = arguments(
        workers_per_object=3, task_time_limit=600, max_labeled_objects=10,
        public_workforce_price="0.036", tags={"team": "vision"}, output_kms_key_id="key-1",
    ).to_request("my-job", "us-east-1")
    assert request["LabelingJobName"] == "my-job"
    assert request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"] == (
        "s3://bucket/in/input.manifest"
    )
    assert request["OutputConfig"] == {"S3OutputPath": "s3://bucket/out/", "KmsKeyId": "key-1"}
    assert request["LabelCategoryConfigS3Uri"] == "s3://bucket/out/my-job/label-categories.json"
    assert request["StoppingConditions"] == {"MaxHumanLabeledObjectCount": 10}
    assert request["Tags"] == [{"Key": "team", "Value": "vision"}]
    human = request["HumanTaskConfig"]
    assert human["NumberOfHumanWorkersPerDataObject"] == 3
    assert human["TaskTimeLimitInSeconds"] == 600
    assert human["PublicWorkforceTaskPrice"] == {
        "AmountInUsd": {"Dollars": 0, "Cents": 3, "TenthFractionsOfACent": 6}
    }
    assert "TaskAvailabilityLifetimeInSeconds" not in human
    assert "MaxConcurrentTaskCount" not in human


def test_a_category_file_uri_is_used_as_given() -> None:
    given = arguments(label_categories=None, label_category_config_uri="s3://b/c.json")
    assert given.categories() is None
    assert given.to_request("j", "us-east-1")["LabelCategoryConfigS3Uri"] == "s3://b/c.json"


def test_category_files_go_beside_the_jobs_output() -> None:
    assert category_config_uri("s3://b/out", "job") == "s3://b/out/job/label-categories.json"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1.2", {"Dollars": 1, "Cents": 20, "TenthFractionsOfACent": 0}),
        (0.012, {"Dollars": 0, "Cents": 1, "TenthFractionsOfACent": 2}),
        (Decimal("2.999"), {"Dollars": 2, "Cents": 99, "TenthFractionsOfACent": 9}),
    ],
)
def test_prices_are_split_into_dollars_cents_and_tenths(
    amount: Any, expected: dict[str, int]
) -> None:
    assert workforce_price(amount) == expected


@pytest.mark.parametrize("amount", ["0.0365", "-1", "free"])
def test_prices_finer_than_a_tenth_of_a_cent_or_negative_are_refused(amount: str) -> None:
    with pytest.raises(ConfigurationError, match="public_workforce_price"):
        workforce_price(amount)


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"task_type": "Boxes"}, ConfigurationError, "unknown built-in task"),
        ({"label_attribute_name": "boxes-ref"}, NameRuleError, "must not end in '-ref'"),
        ({"ui_template_uri": None}, ConfigurationError, "exactly one of ui_template_uri"),
        ({"human_task_ui_arn": "arn:x"}, ConfigurationError, "exactly one of ui_template_uri"),
        ({"label_category_config_uri": "s3://b/c.json"}, ConfigurationError, "either"),
        ({"label_categories": "dog"}, ConfigurationError, "list of label names"),
        ({"task_type": "ImageMultiClass", "label_attribute_name": "class",
          "label_categories": ["only-one"]}, ConfigurationError, "at least 2 labels"),
        ({"task_type": "VerificationBoundingBox", "label_attribute_name": "verify"},
         ConfigurationError, "auditLabelAttributeName"),
        ({"output_path": "/local/folder"}, ConfigurationError, "^output_path: .*not an s3://"),
        ({"input_manifest_uri": "s3:///key"}, ConfigurationError, "^input_manifest_uri: .*bucket"),
    ],
)
def test_bad_arguments_are_refused_with_the_rule_they_break(
    overrides: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        arguments(**overrides)


def test_verification_tasks_get_the_audited_attribute_and_a_fitting_description() -> None:
    request = arguments(
        task_type="VerificationBoundingBox", label_attribute_name="verify-boxes",
        label_categories=["good", "bad"], audit_label_attribute_name="bounding-box",
    )
    categories = request.categories()
    assert categories is not None
    assert categories.audit_label_attribute_name == "bounding-box"
    human = request.to_request("j", "us-east-1")["HumanTaskConfig"]
    assert human["TaskDescription"].startswith("Judge")
    assert human["PreHumanTaskLambdaArn"].endswith("PRE-VerificationBoundingBox")
