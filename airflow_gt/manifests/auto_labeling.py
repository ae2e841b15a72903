"""Ground Truth's automated data labeling: its four built-in algorithms and their rules.

A labeling job uses automated data labeling (active learning) when its CreateLabelingJob request
carries ``LabelingJobAlgorithmsConfig.LabelingJobAlgorithmSpecificationArn``, the ARN of one of
four built-in algorithms, each for one built-in task type. AWS's API reference gives them as
``arn:aws:sagemaker:<region>:027400017018:labeling-job-algorithm-specification/<algorithm>``: the
same account in every region, unlike the PRE-/ACS- Lambda functions (see ``job_types.py``).

The numbers below are AWS's, from the developer guide ("Automate Data Labeling", "Input Data
Quotas"): the dataset minimum, the validation set's share, the accuracy each task's auto-labels
must reach, and the label category quota of segmentation jobs that use active learning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.manifests.job_types import LAMBDA_ACCOUNTS, BuiltInTask, built_in_task

ALGORITHM_ACCOUNT = "027400017018"
"""The account in every region's algorithm ARN, as AWS's API reference writes them."""

ALGORITHMS: dict[str, str] = {
    "ImageMultiClass": "image-classification",
    "TextMultiClass": "text-classification",
    "BoundingBox": "object-detection",
    "SemanticSegmentation": "semantic-segmentation",
}
"""The built-in task each algorithm labels, by task name. Multi-label classification,
verification, adjustment, named entity recognition, video and 3D tasks have none."""

MINIMUM_OBJECTS = 1250
"""The fewest data objects AWS allows a job with automated data labeling."""
RECOMMENDED_OBJECTS = 5000
"""AWS strongly suggests at least this many; it is also where the validation set shrinks."""
SEGMENTATION_MAX_CATEGORIES = 20
"""Label categories a semantic segmentation job with active learning may have (API quota)."""

TARGET_ACCURACY: dict[str, float] = {
    "image-classification": 0.95,
    "text-classification": 0.95,
    "object-detection": 0.6,
    "semantic-segmentation": 0.7,
}
"""What the auto-labeled objects must reach on the validation set, per algorithm: label
accuracy for classification, mean IoU for boxes and for masks."""

_ALGORITHM_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z\-]*):sagemaker:(?P<region>[a-z0-9\-]+):(?P<account>\d{12}):"
    r"labeling-job-algorithm-specification/(?P<algorithm>[a-z\-]+)"
)


@dataclass(frozen=True)
class AlgorithmArn:
    """What a ``labeling-job-algorithm-specification`` ARN names."""

    partition: str
    region: str
    account: str
    algorithm: str


def parse_algorithm_arn(arn: str) -> AlgorithmArn | None:
    """The parts of an algorithm specification ARN; None when ``arn`` is not one."""
    match = _ALGORITHM_ARN.fullmatch(arn)
    if match is None:
        return None
    return AlgorithmArn(match["partition"], match["region"], match["account"], match["algorithm"])


def supported_tasks() -> str:
    """The tasks automated data labeling is for, as a sentence fragment for messages."""
    return ", ".join(f"{task} ({algorithm})" for task, algorithm in ALGORITHMS.items())


def algorithm_for(task: BuiltInTask | str) -> str:
    """The automated labeling algorithm of a built-in task (``image-classification`` for
    ``ImageMultiClass``).

    :raises ConfigurationError: for a task that automated data labeling does not support.
    """
    name = task.name if isinstance(task, BuiltInTask) else built_in_task(task).name
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise ConfigurationError(
            "automated_labeling",
            f"automated data labeling is not available for {name}; it is for {supported_tasks()}",
        ) from None


def algorithm_arn(task: BuiltInTask | str, region: str, partition: str = "aws") -> str:
    """The ``LabelingJobAlgorithmSpecificationArn`` of ``task`` in ``region``.

    :raises ConfigurationError: for an unsupported task, or a region without Ground Truth.
    """
    if region not in LAMBDA_ACCOUNTS:
        raise ConfigurationError(
            "region_name",
            f"Ground Truth is not offered in {region!r}; regions: "
            f"{', '.join(sorted(LAMBDA_ACCOUNTS))}",
        )
    return (
        f"arn:{partition}:sagemaker:{region}:{ALGORITHM_ACCOUNT}:"
        f"labeling-job-algorithm-specification/{algorithm_for(task)}"
    )


def validation_set_size(objects: int) -> int:
    """How many objects the validation set has: 20 % of a dataset under
    :data:`RECOMMENDED_OBJECTS` objects, 10 % of a larger one (at least one)."""
    share = 0.2 if objects < RECOMMENDED_OBJECTS else 0.1
    return max(1, round(objects * share))
