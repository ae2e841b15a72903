"""Console links shown on tasks in the Airflow UI, one module per service."""
