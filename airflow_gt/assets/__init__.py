"""The Airflow Assets airflow-gt publishes, so other DAGs can be scheduled on labeled data."""
