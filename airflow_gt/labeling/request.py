"""A CreateLabelingJob request from friendly arguments, checked before anything is sent.

:class:`LabelingJobArguments` holds what a user says (a built-in task type, label names as a
list, a price in dollars) and turns it into the request AWS wants: the region's PRE- and ACS-
Lambda functions for the task, the label category file's URI, the price in dollars, cents and
tenths of a cent, automated data labeling as the region's built-in algorithm for the task. It
checks, when made, what can be known before calling AWS: the task type, the label attribute rules
for that task, the label categories the task needs, that automated labeling fits the task.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from airflow_gt.exceptions import ConfigurationError, LabelCategoryConfigError
from airflow_gt.manifests.attributes import validate_label_attribute_name
from airflow_gt.manifests.auto_labeling import algorithm_arn, algorithm_for
from airflow_gt.manifests.categories import LabelCategoryConfig
from airflow_gt.manifests.job_types import BuiltInTask, built_in_task
from airflow_gt.manifests.storage import S3Location

CATEGORY_FILE_NAME = "label-categories.json"


def category_config_uri(output_path: str, job_name: str) -> str:
    """Where the label category file of a job made from a label list is uploaded.

    Beside the job's own output, in the folder Ground Truth names after the job, so one run's
    files stay together and a retry finds the same file.
    """
    return str(S3Location.parse(output_path).child(job_name, CATEGORY_FILE_NAME))


def workforce_price(amount: float | str | Decimal) -> dict[str, int]:
    """A price per task in US dollars as ``PublicWorkforceTaskPrice.AmountInUsd``."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise ConfigurationError("public_workforce_price", f"{amount!r} is not a number") from None
    tenths = value * 1000
    if value < 0 or tenths != tenths.to_integral_value():
        raise ConfigurationError(
            "public_workforce_price",
            f"{amount!r}: must be a positive amount in whole tenths of a cent (0.036 is 3.6 cents)",
        )
    whole = int(tenths)
    return {"Dollars": whole // 1000, "Cents": whole % 1000 // 10,
            "TenthFractionsOfACent": whole % 10}


@dataclass(frozen=True)
class LabelingJobArguments:
    """The friendly form of a CreateLabelingJob request; checks itself when made.

    Give the label categories either as ``label_categories`` (a list of label names, uploaded as
    the category file) or as ``label_category_config_uri`` (a file already in S3), and the worker
    UI either as ``ui_template_uri`` (image and text tasks) or ``human_task_ui_arn``.

    ``automated_labeling`` is True (the task's built-in algorithm) or the algorithm's name
    (``image-classification``, ``text-classification``, ``object-detection``,
    ``semantic-segmentation``), which must be the task's; it becomes
    ``LabelingJobAlgorithmsConfig`` with the region's algorithm ARN.
    ``initial_active_learning_model_arn`` (a former job's ``FinalActiveLearningModelArn``) needs it.
    """

    task_type: str
    input_manifest_uri: str
    output_path: str
    label_attribute_name: str
    role_arn: str
    workteam_arn: str
    ui_template_uri: str | None = None
    human_task_ui_arn: str | None = None
    label_categories: Sequence[str] | None = None
    label_category_config_uri: str | None = None
    audit_label_attribute_name: str | None = None
    instructions: Mapping[str, str] | None = None
    task_title: str | None = None
    task_description: str | None = None
    task_keywords: Sequence[str] | None = None
    workers_per_object: int = 1
    task_time_limit: int = 300
    task_availability_lifetime: int | None = None
    max_concurrent_tasks: int | None = None
    public_workforce_price: float | str | Decimal | None = None
    max_labeled_objects: int | None = None
    max_labeled_percentage: int | None = None
    output_kms_key_id: str | None = None
    tags: Mapping[str, str] | None = None
    automated_labeling: bool | str = False
    initial_active_learning_model_arn: str | None = None

    def __post_init__(self) -> None:
        task = self.task
        validate_label_attribute_name(self.label_attribute_name, task)
        if (self.ui_template_uri is None) == (self.human_task_ui_arn is None):
            raise ConfigurationError(
                "ui_template_uri", "give exactly one of ui_template_uri and human_task_ui_arn"
            )
        if self.label_categories is not None and self.label_category_config_uri is not None:
            raise ConfigurationError(
                "label_categories",
                "give either label_categories (uploaded for you) or label_category_config_uri",
            )
        if isinstance(self.label_categories, str):
            raise ConfigurationError("label_categories", "must be a list of label names")
        for name in ("input_manifest_uri", "output_path"):
            try:
                S3Location.parse(getattr(self, name))
            except ConfigurationError as error:
                raise ConfigurationError(name, error.detail) from None
        self.categories()  # checks the labels for the task now, not after the upload
        if self.public_workforce_price is not None:
            workforce_price(self.public_workforce_price)
        self.algorithm()

    def algorithm(self) -> str | None:
        """The automated labeling algorithm asked for, checked against the task; None if none."""
        if self.automated_labeling is False:
            if self.initial_active_learning_model_arn is not None:
                raise ConfigurationError(
                    "initial_active_learning_model_arn", "needs automated_labeling"
                )
            return None
        algorithm = algorithm_for(self.task)
        chosen = self.automated_labeling
        if chosen is not True and chosen != algorithm:
            raise ConfigurationError(
                "automated_labeling",
                f"{chosen!r}: {self.task.name} is labeled by the {algorithm!r} algorithm; give "
                "True or that name",
            )
        return algorithm

    @property
    def task(self) -> BuiltInTask:
        return built_in_task(self.task_type)

    def categories(self) -> LabelCategoryConfig | None:
        """The category file to upload, made from ``label_categories``; None if given as a URI."""
        if self.label_categories is None:
            return None
        try:
            return LabelCategoryConfig.from_labels(
                self.label_categories,
                audit_label_attribute_name=self.audit_label_attribute_name,
                instructions=self.instructions,
            ).check_for(self.task)
        except LabelCategoryConfigError as error:
            raise ConfigurationError("label_categories", error.detail) from None

    def category_uri(self, job_name: str) -> str | None:
        if self.label_categories is not None:
            return category_config_uri(self.output_path, job_name)
        return self.label_category_config_uri

    def to_request(self, job_name: str, region: str) -> dict[str, Any]:
        """The CreateLabelingJob request for ``job_name`` in ``region``."""
        task = self.task
        human: dict[str, Any] = {
            "WorkteamArn": self.workteam_arn,
            "UiConfig": (
                {"UiTemplateS3Uri": self.ui_template_uri}
                if self.ui_template_uri is not None
                else {"HumanTaskUiArn": self.human_task_ui_arn}
            ),
            "PreHumanTaskLambdaArn": task.pre_lambda_arn(region),
            "TaskTitle": self.task_title or f"{task.name} labeling",
            "TaskDescription": self.task_description or default_description(task),
            "NumberOfHumanWorkersPerDataObject": self.workers_per_object,
            "TaskTimeLimitInSeconds": self.task_time_limit,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": task.acs_lambda_arn(region)
            },
        }
        optional_human = {
            "TaskKeywords": list(self.task_keywords) if self.task_keywords else None,
            "TaskAvailabilityLifetimeInSeconds": self.task_availability_lifetime,
            "MaxConcurrentTaskCount": self.max_concurrent_tasks,
            "PublicWorkforceTaskPrice": (
                {"AmountInUsd": workforce_price(self.public_workforce_price)}
                if self.public_workforce_price is not None
                else None
            ),
        }
        human.update({key: value for key, value in optional_human.items() if value is not None})
        output: dict[str, Any] = {"S3OutputPath": self.output_path}
        if self.output_kms_key_id is not None:
            output["KmsKeyId"] = self.output_kms_key_id
        request: dict[str, Any] = {
            "LabelingJobName": job_name,
            "LabelAttributeName": self.label_attribute_name,
            "InputConfig": {
                "DataSource": {"S3DataSource": {"ManifestS3Uri": self.input_manifest_uri}}
            },
            "OutputConfig": output,
            "RoleArn": self.role_arn,
            "HumanTaskConfig": human,
        }
        category_uri = self.category_uri(job_name)
        if category_uri is not None:
            request["LabelCategoryConfigS3Uri"] = category_uri
        stopping = {
            key: value
            for key, value in (
                ("MaxHumanLabeledObjectCount", self.max_labeled_objects),
                ("MaxPercentageOfInputDatasetLabeled", self.max_labeled_percentage),
            )
            if value is not None
        }
        if stopping:
            request["StoppingConditions"] = stopping
        if self.algorithm() is not None:
            config = {"LabelingJobAlgorithmSpecificationArn": algorithm_arn(task, region)}
            if self.initial_active_learning_model_arn is not None:
                config["InitialActiveLearningModelArn"] = self.initial_active_learning_model_arn
            request["LabelingJobAlgorithmsConfig"] = config
        if self.tags:
            request["Tags"] = [{"Key": key, "Value": value} for key, value in self.tags.items()]
        return request


def default_description(task: BuiltInTask) -> str:
    """A plain task description for workers, when none is given."""
    if task.name.startswith("Verification"):
        return "Judge whether the earlier label is correct"
    if task.name.startswith("Adjustment"):
        return "Correct the earlier label where it is wrong"
    return _DESCRIPTIONS.get(task.job_type, "Label each data object")


_DESCRIPTIONS = {
    "image-classification": "Choose the category that best describes the image",
    "image-classification-multilabel": "Choose every category that applies to the image",
    "text-classification": "Choose the category that best describes the text",
    "text-classification-multilabel": "Choose every category that applies to the text",
    "object-detection": "Draw a box around each object of the listed categories",
    "semantic-segmentation": "Paint the pixels of each object with its category",
    "text-span": "Mark each named entity and choose its type",
}
