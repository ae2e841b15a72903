"""Airflow hooks, one module per AWS service (``ground_truth.py``, ``rekognition.py``); thin, on
the Amazon provider's ``AwsBaseHook``, with what they share (a retry budget, S3 on the same
connection) in ``base.py``."""
