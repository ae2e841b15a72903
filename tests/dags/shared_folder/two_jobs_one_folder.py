"""Two labeling jobs writing into one literal output folder, under two label attributes.

What the README's boxes -> verification example invites: both tasks publish their output
manifests as Assets, which must be two Assets (Airflow keeps one active Asset per URI).
"""

from __future__ import annotations

from airflow.sdk import DAG

from airflow_gt.operators.ground_truth import GroundTruthCreateLabelingJobOperator

FOLDER = "s3://shared-folder/jobs"
ROLE_ARN = "arn:aws:iam::123456789012:role/GroundTruthExecution"
WORKTEAM_ARN = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/labelers"

with DAG(dag_id="two_jobs_one_folder", schedule=None):
    for attribute, task_type in (("shape-boxes", "BoundingBox"),
                                 ("shape-class", "ImageMultiClass")):
        GroundTruthCreateLabelingJobOperator(
            task_id=attribute.replace("-", "_"),
            labeling_task_type=task_type,
            input_manifest_uri="s3://shared-folder/images/dataset.manifest",
            output_path=FOLDER,
            label_attribute_name=attribute,
            label_categories=["dog", "cat", "bone", "ball"],
            ui_template_uri="s3://shared-folder/templates/task.liquid.html",
            role_arn=ROLE_ARN,
            workteam_arn=WORKTEAM_ARN,
            poll_interval=1,
        )
