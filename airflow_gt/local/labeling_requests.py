"""The checks CreateLabelingJob makes beyond the request's shape, and the job they describe.

The server has already checked the request against botocore's model (required members, lengths,
patterns, ranges). What is left is what AWS checks with knowledge of the world: which built-in task
the Lambda ARNs name (and that they are the region's), the label attribute rules for that task,
that the input manifest, the label category file and the UI template exist in S3, and automated
data labeling's ``LabelingJobAlgorithmsConfig`` (``auto_labeling_requests.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_gt.exceptions import AirflowGtError, NameRuleError
from airflow_gt.local.auto_labeling_requests import AutoLabelingSpec, check_algorithms_config
from airflow_gt.local.errors import AwsError, validation_error
from airflow_gt.local.s3store import S3Store
from airflow_gt.manifests.attributes import validate_label_attribute_name
from airflow_gt.manifests.categories import LabelCategoryConfig
from airflow_gt.manifests.job_types import BUILT_IN_TASKS, LAMBDA_ACCOUNTS, BuiltInTask
from airflow_gt.manifests.storage import S3Location

PUBLIC_WORKFORCE_ACCOUNT = "394669845002"
SIMULATED_TASKS = frozenset({
    "ImageMultiClass", "ImageMultiClassMultiLabel", "TextMultiClass", "TextMultiClassMultiLabel",
    "BoundingBox", "AdjustmentBoundingBox", "VerificationBoundingBox",
    "SemanticSegmentation", "AdjustmentSemanticSegmentation", "VerificationSemanticSegmentation",
    "NamedEntityRecognition",
})
_LAMBDA_ARN = re.compile(
    r"arn:aws[a-z\-]*:lambda:(?P<region>[a-z0-9\-]+):(?P<account>\d{12}):function:(?P<name>.+)"
)


@dataclass(frozen=True)
class LabelingJobSpec:
    """What a checked CreateLabelingJob request asks for."""

    name: str
    task: BuiltInTask
    label_attribute: str
    manifest_uri: str
    output_path: str
    categories: LabelCategoryConfig
    workers_per_object: int
    task_time_limit: int
    max_concurrent_tasks: int
    max_labeled_objects: int | None
    max_labeled_percentage: int | None
    public_workforce: bool
    auto_labeling: AutoLabelingSpec | None = None

    @property
    def metadata_key(self) -> str:
        return self.label_attribute.removesuffix("-ref") + "-metadata"


def _built_in_task(arn: str, prefix: str, region: str, member: str) -> BuiltInTask:
    match = _LAMBDA_ARN.fullmatch(arn)
    if match is None:
        raise validation_error(f"{member} {arn!r} is not a Lambda function ARN")
    name = match["name"]
    task = BUILT_IN_TASKS.get(name.removeprefix(prefix)) if name.startswith(prefix) else None
    if task is None or match["account"] != LAMBDA_ACCOUNTS.get(match["region"]):
        raise validation_error(
            f"{member} {arn!r} is not one of Ground Truth's built-in {prefix} Lambda functions; "
            "the local stand-in does not run custom Lambda functions"
        )
    if match["region"] != region:
        raise validation_error(
            f"{member} {arn!r} is in {match['region']}, but the labeling job is created in "
            f"{region}: use the built-in function of {region}"
        )
    return task


def task_of(request: dict[str, Any], region: str) -> BuiltInTask:
    """The built-in task the request's PRE- and ACS- Lambda ARNs name; they must agree."""
    human = request["HumanTaskConfig"]
    pre = human.get("PreHumanTaskLambdaArn")
    acs = (human.get("AnnotationConsolidationConfig") or {}).get(
        "AnnotationConsolidationLambdaArn"
    )
    if pre is None and acs is None:
        raise validation_error(
            "HumanTaskConfig needs PreHumanTaskLambdaArn or AnnotationConsolidationConfig to "
            "name the task type"
        )
    tasks = []
    if pre is not None:
        tasks.append(_built_in_task(pre, "PRE-", region, "PreHumanTaskLambdaArn"))
    if acs is not None:
        tasks.append(_built_in_task(acs, "ACS-", region, "AnnotationConsolidationLambdaArn"))
    if len({task.name for task in tasks}) > 1:
        raise validation_error(
            f"PreHumanTaskLambdaArn is for {tasks[0].name} but AnnotationConsolidationLambdaArn "
            f"is for {tasks[1].name}: both must be for the same task type"
        )
    if tasks[0].name not in SIMULATED_TASKS:
        raise validation_error(
            f"the local stand-in has no simulated workforce for {tasks[0].name} (video and 3D "
            f"point cloud tasks); tasks it simulates: {', '.join(sorted(SIMULATED_TASKS))}"
        )
    return tasks[0]


def _existing_object(s3: S3Store, uri: str, member: str) -> bytes:
    try:
        location = S3Location.parse(uri)
    except AirflowGtError:
        raise validation_error(f"{member} {uri!r} is not an s3:// URI") from None
    data = s3.get(location.bucket, location.key)
    if data is None:
        raise validation_error(f"{member}: the object {uri} does not exist or is not readable")
    return data


def _categories(s3: S3Store, uri: str | None, task: BuiltInTask) -> LabelCategoryConfig:
    if uri is None:
        raise validation_error(f"LabelCategoryConfigS3Uri is required for task {task.name}")
    data = _existing_object(s3, uri, "LabelCategoryConfigS3Uri")
    try:
        return LabelCategoryConfig.parse(data, uri).check_for(task)
    except AirflowGtError as error:
        raise validation_error(f"LabelCategoryConfigS3Uri: {error}") from None


def _check_ui(s3: S3Store, human: dict[str, Any]) -> None:
    ui = human["UiConfig"]
    template = ui.get("UiTemplateS3Uri")
    if template is None:
        raise validation_error(
            "UiConfig.UiTemplateS3Uri is required for image and text tasks (HumanTaskUiArn is "
            "for video frame and 3D point cloud tasks)"
        )
    _existing_object(s3, template, "UiConfig.UiTemplateS3Uri")


def _check_workforce(human: dict[str, Any]) -> bool:
    public = f":{PUBLIC_WORKFORCE_ACCOUNT}:workteam/public-crowd/" in human["WorkteamArn"]
    if public and "PublicWorkforceTaskPrice" not in human:
        raise validation_error(
            "PublicWorkforceTaskPrice is required when WorkteamArn is the public workforce"
        )
    return public


def check_create_request(
    request: dict[str, Any], region: str, s3: S3Store,
    models: Mapping[str, tuple[str, int]] | None = None,
) -> LabelingJobSpec:
    """Check a CreateLabelingJob request as AWS does; raise the AwsError AWS would answer.

    :param models: the automated-labeling models earlier jobs trained (see
        :func:`~airflow_gt.local.auto_labeling_requests.check_algorithms_config`).
    """
    task = task_of(request, region)
    attribute = request["LabelAttributeName"]
    try:
        validate_label_attribute_name(attribute, task)
    except NameRuleError as error:
        raise validation_error(f"LabelAttributeName: {error}") from None
    source = request["InputConfig"]["DataSource"]
    if "S3DataSource" not in source:
        raise validation_error(
            "InputConfig.DataSource: the local stand-in emulates S3DataSource input manifests, "
            "not streaming (SnsDataSource) labeling jobs"
        )
    manifest_uri = source["S3DataSource"]["ManifestS3Uri"]
    manifest = _existing_object(
        s3, manifest_uri, "InputConfig.DataSource.S3DataSource.ManifestS3Uri"
    )
    output_path = request["OutputConfig"]["S3OutputPath"]
    output_bucket = S3Location.parse(output_path).bucket if output_path.startswith("s3://") else ""
    if not s3.bucket_exists(output_bucket):
        raise validation_error(f"OutputConfig.S3OutputPath: the bucket of {output_path} does not "
                               "exist")
    human = request["HumanTaskConfig"]
    _check_ui(s3, human)
    public = _check_workforce(human)
    categories = _categories(s3, request.get("LabelCategoryConfigS3Uri"), task)
    auto_labeling = check_algorithms_config(
        request, task, region, categories, manifest, models or {}
    )
    stopping = request.get("StoppingConditions") or {}
    return LabelingJobSpec(
        name=request["LabelingJobName"],
        task=task,
        label_attribute=attribute,
        manifest_uri=manifest_uri,
        output_path=output_path.rstrip("/"),
        categories=categories,
        workers_per_object=human["NumberOfHumanWorkersPerDataObject"],
        task_time_limit=human["TaskTimeLimitInSeconds"],
        max_concurrent_tasks=human.get("MaxConcurrentTaskCount", 1000),
        max_labeled_objects=stopping.get("MaxHumanLabeledObjectCount"),
        max_labeled_percentage=stopping.get("MaxPercentageOfInputDatasetLabeled"),
        public_workforce=public,
        auto_labeling=auto_labeling,
    )


def check_team_size(spec: LabelingJobSpec, team: Sequence[str]) -> None:
    """Refuse a job that asks more different workers per object than the work team has (the
    stand-in's named workers)."""
    if spec.workers_per_object > len(team):
        raise validation_error(
            f"HumanTaskConfig.NumberOfHumanWorkersPerDataObject is {spec.workers_per_object}, "
            f"but the work team has only {len(team)} workers ({', '.join(team)}): each data "
            "object needs that many different workers"
        )


def resource_in_use(name: str, arn: str) -> AwsError:
    return AwsError(
        "ResourceInUse",
        f"Labeling job name {name!r} must be unique within an AWS account and region, and a "
        f"labeling job with this name already exists ({arn})",
    )
