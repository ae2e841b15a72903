"""Airflow hooks, one module per AWS service (``ground_truth.py``); thin, on the Amazon provider's
``AwsBaseHook``."""
