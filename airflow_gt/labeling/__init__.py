"""Labeling jobs as data: pure Python, no Airflow import (botocore only when a waiter is read).

What the Airflow layer decides about a Ground Truth labeling job, kept where it can be tested
alone: the default job name of a task run, the CreateLabelingJob request from friendly
arguments, what differs between that request and an existing job, what a job's state means
(done, failed, empty), and how far it is by its intermediate manifest.
"""

from airflow_gt.labeling.differences import category_differences, request_differences
from airflow_gt.labeling.names import default_job_name
from airflow_gt.labeling.outcome import (
    LabelCounters,
    LabelingJobResult,
    finished_result,
    has_ended,
    job_summary,
)
from airflow_gt.labeling.progress import (
    LabelingProgress,
    count_progress,
    intermediate_prefix,
    latest_intermediate_manifest,
    layout_of,
    progress_reached,
)
from airflow_gt.labeling.request import (
    LabelingJobArguments,
    category_config_uri,
    workforce_price,
)

__all__ = [
    "LabelCounters",
    "LabelingJobArguments",
    "LabelingJobResult",
    "LabelingProgress",
    "category_config_uri",
    "category_differences",
    "count_progress",
    "default_job_name",
    "finished_result",
    "has_ended",
    "intermediate_prefix",
    "job_summary",
    "latest_intermediate_manifest",
    "layout_of",
    "progress_reached",
    "request_differences",
    "workforce_price",
]
