"""Rekognition Custom Moderation adapters as data: pure Python, no Airflow import (botocore only
when a waiter is read).

What the Airflow layer decides about an adapter version, kept where it can be tested alone: the
project and version name rules and the default version name of a task run, the
CreateProjectVersion request from friendly arguments, what differs between that request and an
existing version, and what a version's state means (trained, failed, still training).
"""

from airflow_gt.adapters.names import (
    default_version_name,
    names_of_version_arn,
    validate_project_name,
    validate_version_name,
)
from airflow_gt.adapters.outcome import (
    AdapterVersionResult,
    finished_result,
    has_ended,
    training_state,
    version_summary,
)
from airflow_gt.adapters.request import (
    AdapterVersionArguments,
    manifest_assets,
    version_differences,
)

__all__ = [
    "AdapterVersionArguments",
    "AdapterVersionResult",
    "default_version_name",
    "finished_result",
    "has_ended",
    "manifest_assets",
    "names_of_version_arn",
    "training_state",
    "validate_project_name",
    "validate_version_name",
    "version_differences",
    "version_summary",
]
