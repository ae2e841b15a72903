"""The registry of Ground Truth job types and built-in task types.

Two levels, because AWS has two:

- a **job type** is what an output line says it is: the metadata ``type`` after ``groundtruth/``
  (``object-detection``), with the shape of its label value and whether its label attribute ends
  in ``-ref``;
- a **built-in task** is what CreateLabelingJob runs: its pre-annotation (``PRE-``) and annotation
  consolidation (``ACS-``) Lambda functions, which AWS hosts in one account per region. Several
  tasks write the same job type: ``BoundingBox`` and ``AdjustmentBoundingBox`` both write
  ``object-detection`` (adjustment adds ``adjustment-status``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from airflow_gt.exceptions import ConfigurationError

TYPE_PREFIX = "groundtruth/"


class LabelShape(enum.Enum):
    """The shape of a label value in an output manifest."""

    CLASS_INDEX = "class index"  # 0 or "0", with class-name in the metadata
    CLASS_INDEX_LIST = "list of class indexes"  # [1, 0, 8], with class-map / confidence-map
    BOUNDING_BOXES = "bounding boxes"  # {"image_size": [...], "annotations": [...]}
    MASK_REF = "S3 URI of a PNG mask"  # with internal-color-map in the metadata
    TEXT_SPANS = "text spans"  # {"annotations": {"entities": [...], "labels": [...]}}
    SEQUENCE_REF = "S3 URI of a sequence label file"  # video frame and 3D point cloud jobs
    CUBOIDS = "3D cuboids"  # {"annotations": [{"center-x", ..., "class-id"}]}, inline
    CLASS_NAME = "class name"  # video clip classification


@dataclass(frozen=True)
class JobType:
    """One kind of output line, named by its metadata ``type`` after ``groundtruth/``."""

    name: str
    label_shape: LabelShape
    media: str
    ref_attribute: bool
    validated: bool = True
    """False for video and 3D point cloud types: created and watched, checked only in common."""

    @property
    def metadata_type(self) -> str:
        return TYPE_PREFIX + self.name


@dataclass(frozen=True)
class BuiltInTask:
    """A built-in task type of CreateLabelingJob and its AWS-hosted Lambda functions."""

    name: str
    job_type: str
    audits: str | None = None
    """For a verification or adjustment task, the job type of the earlier label it works on
    (named by the label category configuration's ``auditLabelAttributeName``): bounding boxes
    for ``VerificationBoundingBox``, masks for ``AdjustmentSemanticSegmentation``."""

    @property
    def audit(self) -> bool:
        """Whether the task verifies or adjusts an earlier label."""
        return self.audits is not None

    @property
    def pre_lambda_name(self) -> str:
        return f"PRE-{self.name}"

    @property
    def acs_lambda_name(self) -> str:
        return f"ACS-{self.name}"

    def pre_lambda_arn(self, region: str) -> str:
        return lambda_arn(region, self.pre_lambda_name)

    def acs_lambda_arn(self, region: str) -> str:
        return lambda_arn(region, self.acs_lambda_name)

    @property
    def requires_ref_attribute(self) -> bool:
        """CreateLabelingJob wants ``-ref`` exactly when the task's job type writes a reference
        (so VerificationSemanticSegmentation, which writes label-verification, must not)."""
        return job_type(self.job_type).ref_attribute


_JOB_TYPES = (
    JobType("image-classification", LabelShape.CLASS_INDEX, "image", False),
    JobType("text-classification", LabelShape.CLASS_INDEX, "text", False),
    JobType("image-classification-multilabel", LabelShape.CLASS_INDEX_LIST, "image", False),
    JobType("text-classification-multilabel", LabelShape.CLASS_INDEX_LIST, "text", False),
    JobType("object-detection", LabelShape.BOUNDING_BOXES, "image", False),
    JobType("label-verification", LabelShape.CLASS_INDEX, "image", False),
    JobType("semantic-segmentation", LabelShape.MASK_REF, "image", True),
    JobType("text-span", LabelShape.TEXT_SPANS, "text", False),
    # Video clip classification: the type string is not in AWS's output documentation.
    JobType("video-classification", LabelShape.CLASS_NAME, "video", False, validated=False),
    JobType("video-object-detection", LabelShape.SEQUENCE_REF, "video", True, validated=False),
    JobType("video-object-tracking", LabelShape.SEQUENCE_REF, "video", True, validated=False),
    # 3D point cloud types are written with underscores by Ground Truth.
    JobType("point_cloud_object_detection", LabelShape.CUBOIDS, "point-cloud", False, False),
    JobType("point_cloud_object_tracking", LabelShape.SEQUENCE_REF, "point-cloud", True, False),
    JobType(
        "point_cloud_single_frame_semantic_segmentation", LabelShape.SEQUENCE_REF, "point-cloud",
        True, validated=False,
    ),
)

_TASKS = (
    BuiltInTask("ImageMultiClass", "image-classification"),
    BuiltInTask("ImageMultiClassMultiLabel", "image-classification-multilabel"),
    BuiltInTask("TextMultiClass", "text-classification"),
    BuiltInTask("TextMultiClassMultiLabel", "text-classification-multilabel"),
    BuiltInTask("BoundingBox", "object-detection"),
    BuiltInTask("AdjustmentBoundingBox", "object-detection", audits="object-detection"),
    BuiltInTask("VerificationBoundingBox", "label-verification", audits="object-detection"),
    BuiltInTask("SemanticSegmentation", "semantic-segmentation"),
    BuiltInTask(
        "AdjustmentSemanticSegmentation", "semantic-segmentation", audits="semantic-segmentation"
    ),
    BuiltInTask(
        "VerificationSemanticSegmentation", "label-verification", audits="semantic-segmentation"
    ),
    BuiltInTask("NamedEntityRecognition", "text-span"),
    BuiltInTask("VideoMultiClass", "video-classification"),
    BuiltInTask("VideoObjectDetection", "video-object-detection"),
    BuiltInTask(
        "AdjustmentVideoObjectDetection", "video-object-detection",
        audits="video-object-detection",
    ),
    BuiltInTask("VideoObjectTracking", "video-object-tracking"),
    BuiltInTask(
        "AdjustmentVideoObjectTracking", "video-object-tracking", audits="video-object-tracking"
    ),
    BuiltInTask("3DPointCloudObjectDetection", "point_cloud_object_detection"),
    BuiltInTask(
        "Adjustment3DPointCloudObjectDetection", "point_cloud_object_detection",
        audits="point_cloud_object_detection",
    ),
    BuiltInTask("3DPointCloudObjectTracking", "point_cloud_object_tracking"),
    BuiltInTask(
        "Adjustment3DPointCloudObjectTracking", "point_cloud_object_tracking",
        audits="point_cloud_object_tracking",
    ),
    BuiltInTask(
        "3DPointCloudSemanticSegmentation", "point_cloud_single_frame_semantic_segmentation"
    ),
    BuiltInTask(
        "Adjustment3DPointCloudSemanticSegmentation",
        "point_cloud_single_frame_semantic_segmentation",
        audits="point_cloud_single_frame_semantic_segmentation",
    ),
)

LAMBDA_ACCOUNTS: dict[str, str] = {
    "us-east-1": "432418664414",
    "us-east-2": "266458841044",
    "us-west-2": "081040173940",
    "ca-central-1": "918755190332",
    "eu-west-1": "568282634449",
    "eu-west-2": "487402164563",
    "eu-central-1": "203001061592",
    "ap-northeast-1": "477331159723",
    "ap-northeast-2": "845288260483",
    "ap-south-1": "565803892007",
    "ap-southeast-1": "377565633583",
    "ap-southeast-2": "454466003867",
}
"""The AWS account that hosts the built-in PRE-/ACS- Lambda functions, per Ground Truth region."""

JOB_TYPES: dict[str, JobType] = {t.name: t for t in _JOB_TYPES}
BUILT_IN_TASKS: dict[str, BuiltInTask] = {t.name: t for t in _TASKS}


def job_type(name: str) -> JobType:
    """The job type named ``name`` (``object-detection``) or by its metadata ``type``."""
    key = name.removeprefix(TYPE_PREFIX)
    try:
        return JOB_TYPES[key]
    except KeyError:
        raise ConfigurationError(
            "job_type", f"unknown job type {name!r}; known: {', '.join(sorted(JOB_TYPES))}"
        ) from None


def job_type_of_metadata(metadata_type: object) -> JobType | None:
    """The job type a metadata ``type`` value names, or None if it names none we know."""
    if isinstance(metadata_type, str) and metadata_type.startswith(TYPE_PREFIX):
        return JOB_TYPES.get(metadata_type[len(TYPE_PREFIX) :])
    return None


def built_in_task(name: str) -> BuiltInTask:
    """The built-in task ``name`` (``BoundingBox``; a ``PRE-``/``ACS-`` prefix is allowed)."""
    key = name.removeprefix("PRE-").removeprefix("ACS-")
    try:
        return BUILT_IN_TASKS[key]
    except KeyError:
        raise ConfigurationError(
            "task_type",
            f"unknown built-in task {name!r}; known: {', '.join(sorted(BUILT_IN_TASKS))}",
        ) from None


def tasks_for_job_type(name: str) -> tuple[BuiltInTask, ...]:
    """Every built-in task that writes job type ``name``."""
    key = job_type(name).name
    return tuple(task for task in _TASKS if task.job_type == key)


def follow_up_kind(follow_up: JobType | BuiltInTask | str) -> JobType | BuiltInTask:
    """A follow-up job as given to chaining: a built-in task (``VerificationBoundingBox``) or a
    job type (``label-verification``), or the name of either."""
    if not isinstance(follow_up, str):
        return follow_up
    if follow_up in BUILT_IN_TASKS:
        return BUILT_IN_TASKS[follow_up]
    return job_type(follow_up)


def audited_job_types(follow_up: JobType | BuiltInTask) -> tuple[str, ...] | None:
    """The job types of the earlier labels a follow-up job can work on, or None for any.

    A verification or adjustment task works on one job type. A job type does so when every task
    that writes it does: ``label-verification`` verifies bounding boxes or masks, while
    ``object-detection`` is also a new bounding-box job, which can follow any labels.
    """
    if isinstance(follow_up, BuiltInTask):
        return None if follow_up.audits is None else (follow_up.audits,)
    audited = [task.audits for task in tasks_for_job_type(follow_up.name)]
    if not audited or None in audited:
        return None
    return tuple(sorted({kind for kind in audited if kind is not None}))


def lambda_arn(region: str, function_name: str) -> str:
    """The ARN of an AWS-hosted Ground Truth Lambda function in ``region``."""
    try:
        account = LAMBDA_ACCOUNTS[region]
    except KeyError:
        raise ConfigurationError(
            "region_name",
            f"Ground Truth's built-in Lambda functions are not hosted in {region!r}; "
            f"regions: {', '.join(sorted(LAMBDA_ACCOUNTS))}",
        ) from None
    return f"arn:aws:lambda:{region}:{account}:function:{function_name}"
