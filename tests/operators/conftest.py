"""The Airflow-layer fixtures (see tests/airflow_support.py)."""

from tests.airflow_support import (  # noqa: F401
    aws,
    aws_s3,
    aws_sagemaker,
    failing_workforce_aws,
    inputs,
)
