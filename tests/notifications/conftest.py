"""The Airflow-layer fixtures (see tests/airflow_support.py)."""

from tests.airflow_support import aws  # noqa: F401
