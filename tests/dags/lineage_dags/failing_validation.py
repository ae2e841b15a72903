"""One validation of a manifest with a box of negative width: it fails, warns, and reports it.

Run by tests/dags/test_lineage.py, whose stand-in holds the planted manifest, to check that the
OpenLineage event of a failing validation carries which expectation failed.
"""

from __future__ import annotations

from airflow.sdk import DAG

from airflow_gt.operators.manifest import ManifestValidateOperator

with DAG(dag_id="failing_validation", schedule=None, tags=["airflow-gt", "test"]):
    ManifestValidateOperator(
        task_id="validate_planted",
        manifest="s3://lineage/planted/bad.manifest",
        on_failure="warn",
    )
