"""The checks CreateLabelingJob makes on ``LabelingJobAlgorithmsConfig`` (automated labeling).

The server has checked the shapes already (botocore's model: the algorithm ARN is ``arn:.*``,
``InitialActiveLearningModelArn`` a SageMaker ``model/`` ARN, ``LabelingJobResourceConfig``'s
members). What is left is what AWS knows: the four built-in algorithm ARNs of the job's region
(one account, ``027400017018``, in every region, as AWS's API reference gives them), which task
each is for, that an initial model exists, and the developer guide's limits: at least
:data:`~airflow_gt.manifests.auto_labeling.MINIMUM_OBJECTS` data objects, and at most
:data:`~airflow_gt.manifests.auto_labeling.SEGMENTATION_MAX_CATEGORIES` label categories for
semantic segmentation.

**When the dataset minimum is checked.** AWS documents 1,250 as "the minimum number of objects
allowed", a condition on the request, and its CreateLabelingJob reads the input manifest before
it answers (a missing manifest is a ValidationException, not a failed job). The stand-in does as
that suggests: it counts the manifest's lines when the request arrives and answers
ValidationException below the minimum. What only running the job finds stays a job failure
(``ClientError: ...`` as ``FailureReason``): a line that is not JSON, a manifest replaced by a
shorter one before the job started, more than 10 % of the first human sample failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_gt.local.errors import validation_error
from airflow_gt.manifests.auto_labeling import (
    ALGORITHM_ACCOUNT,
    ALGORITHMS,
    MINIMUM_OBJECTS,
    SEGMENTATION_MAX_CATEGORIES,
    parse_algorithm_arn,
    supported_tasks,
)
from airflow_gt.manifests.categories import LabelCategoryConfig
from airflow_gt.manifests.job_types import BuiltInTask

MEMBER = "LabelingJobAlgorithmsConfig"


@dataclass(frozen=True)
class AutoLabelingSpec:
    """What a checked ``LabelingJobAlgorithmsConfig`` asks for.

    :param initial_model_algorithm: the algorithm the initial model was trained with; it gives
        the run a head start (the model has seen that many more labeled objects).
    :param initial_model_objects: how many human-labeled objects trained the initial model.
    """

    algorithm: str
    algorithm_arn: str
    initial_model_arn: str | None = None
    initial_model_objects: int = 0


def manifest_objects(manifest: bytes) -> int:
    """The data objects of an input manifest as AWS counts them: its non-blank lines."""
    return sum(1 for line in manifest.splitlines() if line.strip())


def _check_algorithm(arn: str, task: BuiltInTask, region: str) -> str:
    parts = parse_algorithm_arn(arn)
    member = f"{MEMBER}.LabelingJobAlgorithmSpecificationArn"
    if parts is None or parts.account != ALGORITHM_ACCOUNT or (
        parts.algorithm not in ALGORITHMS.values()
    ):
        raise validation_error(
            f"{member} {arn!r} is not one of Ground Truth's built-in automated labeling "
            f"algorithms: arn:aws:sagemaker:{region}:{ALGORITHM_ACCOUNT}:"
            f"labeling-job-algorithm-specification/ followed by one of "
            f"{', '.join(ALGORITHMS.values())}"
        )
    if parts.region != region:
        raise validation_error(
            f"{member} {arn!r} is in {parts.region}, but the labeling job is created in {region}: "
            f"use the algorithm of {region}"
        )
    expected = ALGORITHMS.get(task.name)
    if expected is None:
        raise validation_error(
            f"{member}: automated data labeling is not available for the task type {task.name}; "
            f"it is for {supported_tasks()}"
        )
    if parts.algorithm != expected:
        raise validation_error(
            f"{member}: the algorithm {parts.algorithm} does not fit the task type {task.name}, "
            f"whose algorithm is {expected}"
        )
    return expected


def _check_initial_model(
    arn: str | None, algorithm: str, region: str, models: Mapping[str, tuple[str, int]]
) -> int:
    if arn is None:
        return 0
    member = f"{MEMBER}.InitialActiveLearningModelArn"
    model_region = arn.split(":")[3] if arn.count(":") >= 5 else ""
    if model_region != region:
        raise validation_error(
            f"{member} {arn!r} is in {model_region or 'no region'}, but the labeling job is "
            f"created in {region}"
        )
    known = models.get(arn)
    if known is None:
        raise validation_error(f"{member}: could not find model {arn!r}")
    if known[0] != algorithm:
        raise validation_error(
            f"{member} {arn!r} was trained by the {known[0]} algorithm; this job uses {algorithm}"
        )
    return known[1]


def check_algorithms_config(
    request: Mapping[str, Any],
    task: BuiltInTask,
    region: str,
    categories: LabelCategoryConfig,
    manifest: bytes,
    models: Mapping[str, tuple[str, int]],
) -> AutoLabelingSpec | None:
    """Check a request's ``LabelingJobAlgorithmsConfig`` as AWS does; None when it has none.

    :param manifest: the input manifest's bytes, as read when the request arrived.
    :param models: the models earlier jobs of this stand-in trained, by ARN: their algorithm
        and how many human-labeled objects trained them.
    :raises AwsError: the ValidationException AWS would answer.
    """
    config = request.get(MEMBER)
    if not config:
        return None
    arn = config["LabelingJobAlgorithmSpecificationArn"]
    algorithm = _check_algorithm(arn, task, region)
    initial = config.get("InitialActiveLearningModelArn")
    trained_on = _check_initial_model(initial, algorithm, region, models)
    objects = manifest_objects(manifest)
    if objects < MINIMUM_OBJECTS:
        raise validation_error(
            f"{MEMBER}: automated data labeling needs at least {MINIMUM_OBJECTS} data objects; "
            f"the input manifest has {objects}"
        )
    count = len(categories.label_names)
    if algorithm == "semantic-segmentation" and count > SEGMENTATION_MAX_CATEGORIES:
        raise validation_error(
            f"LabelCategoryConfigS3Uri: a semantic segmentation job with automated data labeling "
            f"may have at most {SEGMENTATION_MAX_CATEGORIES} label categories; it has {count}"
        )
    return AutoLabelingSpec(algorithm, arn, initial, trained_on)
