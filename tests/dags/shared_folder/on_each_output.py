"""One DAG scheduled on each of the two Assets that two_jobs_one_folder publishes."""

from __future__ import annotations

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from airflow_gt.assets.ground_truth import labeling_output_asset

FOLDER = "s3://shared-folder/jobs"

for attribute in ("shape-boxes", "shape-class"):
    with DAG(dag_id=f"on_{attribute.replace('-', '_')}",
             schedule=[labeling_output_asset(FOLDER, attribute)]):
        EmptyOperator(task_id="use_the_labels")
