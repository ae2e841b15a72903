"""Airflow operators, one module per service (``ground_truth.py``); ``base.py`` holds the AWS
parameters every operator and sensor shares."""
