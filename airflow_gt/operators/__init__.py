"""Airflow operators, one module per service (``ground_truth.py``; ``manifest.py`` validates,
chains and merges manifests); ``base.py`` holds the AWS parameters every operator and sensor
shares, ``arguments.py`` how the manifest operators read theirs."""
