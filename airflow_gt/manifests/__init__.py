"""The manifest core: pure Python, no Airflow import.

Read and write Ground Truth manifests (local or ``s3://``), know every job type, find and check
label attributes, view labels as typed objects, locate a job's output, chain or merge jobs, and
turn labels into Rekognition Custom Moderation manifests.
"""

from airflow_gt.manifests.attributes import (
    LabelAttribute,
    find_label_attribute,
    label_attributes,
    source_of,
    validate_job_name,
    validate_label_attribute_name,
)
from airflow_gt.manifests.categories import (
    LabelCategory,
    LabelCategoryConfig,
    read_label_categories,
    write_label_categories,
)
from airflow_gt.manifests.chaining import ChainResult, Selection, chain_manifest, select_lines
from airflow_gt.manifests.destinations import check_outputs
from airflow_gt.manifests.job_types import (
    BUILT_IN_TASKS,
    JOB_TYPES,
    LAMBDA_ACCOUNTS,
    BuiltInTask,
    JobType,
    LabelShape,
    built_in_task,
    job_type,
    lambda_arn,
    tasks_for_job_type,
)
from airflow_gt.manifests.label_map import LabelMap, read_label_map
from airflow_gt.manifests.label_parsing import parse_label
from airflow_gt.manifests.labels import (
    BoundingBox,
    BoundingBoxLabel,
    ClassificationLabel,
    ColorMapEntry,
    ImageSize,
    Label,
    LabelMetadata,
    MultiLabelClassification,
    ReferenceLabel,
    SegmentationLabel,
    TextSpan,
    TextSpanLabel,
    VerificationLabel,
)
from airflow_gt.manifests.layout import LabelingJobOutputLayout, parse_worker_response_key
from airflow_gt.manifests.merging import MergeIssue, MergeResult, merge_manifests
from airflow_gt.manifests.moderation import (
    Conversion,
    ModerationResult,
    convert_to_moderation,
    to_moderation,
)
from airflow_gt.manifests.moderation_manifest import ModerationLine, read_moderation_manifest
from airflow_gt.manifests.moderation_taxonomy import (
    MODERATION_LABELS,
    ModerationLabel,
    is_moderation_label,
    parent_name,
    taxonomy_level,
    unknown_labels,
)
from airflow_gt.manifests.output_group import OutputGroup
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.storage import S3Location
from airflow_gt.manifests.worker_responses import (
    WorkerAnswer,
    WorkerResponse,
    parse_worker_response,
    read_worker_responses,
)
from airflow_gt.manifests.writer import ManifestWriter, write_manifest

__all__ = [
    "BUILT_IN_TASKS",
    "JOB_TYPES",
    "LAMBDA_ACCOUNTS",
    "MODERATION_LABELS",
    "BoundingBox",
    "BoundingBoxLabel",
    "BuiltInTask",
    "ChainResult",
    "ClassificationLabel",
    "ColorMapEntry",
    "Conversion",
    "ImageSize",
    "JobType",
    "Label",
    "LabelAttribute",
    "LabelCategory",
    "LabelCategoryConfig",
    "LabelMap",
    "LabelMetadata",
    "LabelShape",
    "LabelingJobOutputLayout",
    "ManifestWriter",
    "MergeIssue",
    "MergeResult",
    "ModerationLabel",
    "ModerationLine",
    "ModerationResult",
    "MultiLabelClassification",
    "OutputGroup",
    "ReferenceLabel",
    "S3Location",
    "SegmentationLabel",
    "Selection",
    "TextSpan",
    "TextSpanLabel",
    "VerificationLabel",
    "WorkerAnswer",
    "WorkerResponse",
    "built_in_task",
    "chain_manifest",
    "check_outputs",
    "convert_to_moderation",
    "find_label_attribute",
    "is_moderation_label",
    "job_type",
    "label_attributes",
    "lambda_arn",
    "merge_manifests",
    "parent_name",
    "parse_label",
    "parse_worker_response",
    "parse_worker_response_key",
    "read_label_categories",
    "read_label_map",
    "read_manifest",
    "read_moderation_manifest",
    "read_worker_responses",
    "select_lines",
    "source_of",
    "tasks_for_job_type",
    "taxonomy_level",
    "to_moderation",
    "unknown_labels",
    "validate_job_name",
    "validate_label_attribute_name",
    "write_label_categories",
    "write_manifest",
]
