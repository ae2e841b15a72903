"""Validate Ground Truth and Rekognition manifests with a Great Expectations suite per job type.

Importing this package is cheap: great_expectations and pandas are imported only when a
validation runs (``validate_manifest``), never by a DAG file that merely imports the operators.
"""

from airflow_gt.validation.results import (
    AttributeResult,
    ExpectationOutcome,
    FailingValue,
    ValidationResult,
)
from airflow_gt.validation.suites import ExpectationSpec, SuiteSpec, load_suite, suite_names
from airflow_gt.validation.validator import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_CHUNK_LINES,
    validate_manifest,
)

__all__ = [
    "DEFAULT_CHUNK_BYTES",
    "DEFAULT_CHUNK_LINES",
    "AttributeResult",
    "ExpectationOutcome",
    "ExpectationSpec",
    "FailingValue",
    "SuiteSpec",
    "ValidationResult",
    "load_suite",
    "suite_names",
    "validate_manifest",
]
