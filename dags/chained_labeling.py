"""Chained labeling: draw boxes, have the least certain ones verified, fix those judged bad.

    label_boxes ─> validate_boxes ─> chain_verification ─> verify_boxes ─> chain_adjustment
        ─> adjust_boxes ─> merge ─> validate_merged
    label_boxes ─> check_workforce

1. A bounding-box job labels the images of ``input_manifest``.
2. Its output is validated before anything more is paid for; broken labels alert and stop here.
   Beside it, its workforce is checked: a worker whose boxes agree with their co-workers' less
   than ``min_worker_accuracy`` is named in an alert (the run goes on: the verification below
   catches the boxes that matter; the report says whom to retrain or remove).
3. The least certain share of the labeled images (``verify_share``) goes to a verification job,
   where other workers judge each image's boxes "good" or "bad".
4. The images judged bad go to an adjustment job, where workers correct the boxes. When none is
   judged bad, the adjustment is skipped.
5. The three outputs are merged into one manifest (one line per image, every job's labels on it),
   which is validated too; this time a failure alerts but lets the run succeed.

Every labeling job waits in the triggerer (``deferrable=True``), and a retried task attaches to the
job it already created instead of paying for a second one.

The parameters' defaults work against the local stand-in (``airflow-gt local --bucket labeling``,
with the images and worker templates written there: see the README). On AWS, trigger the DAG with
your own bucket, IAM role, work team and SNS topic.
"""

from __future__ import annotations

import os

from airflow.sdk import DAG, Param

from airflow_gt.notifications.data_quality import sns_data_quality_notifier
from airflow_gt.operators.ground_truth import GroundTruthCreateLabelingJobOperator
from airflow_gt.operators.manifest import (
    ManifestChainOperator,
    ManifestMergeOperator,
    ManifestValidateOperator,
)
from airflow_gt.operators.workforce import GroundTruthWorkforceOperator

CLASSES = ["dog", "cat", "bone", "ball"]
JUDGEMENTS = ["good", "bad"]  # the first means "the boxes are right"

# Seconds between two checks of a running labeling job. Real jobs take hours: once a minute is
# plenty. Jobs on the local stand-in take seconds, so its tests set 1.
POLL_SECONDS = float(os.environ.get("CHAINED_LABELING_POLL_SECONDS", "60"))

INPUT = "s3://{{ params.bucket }}/{{ params.input_manifest }}"
OUTPUT = "s3://{{ params.bucket }}/{{ params.output_prefix }}"
TEMPLATES = "s3://{{ params.bucket }}/{{ params.templates_prefix }}"

with DAG(
    dag_id="chained_labeling",
    schedule=None,
    doc_md=__doc__,
    tags=["airflow-gt", "ground-truth", "example"],
    # A retried labeling task attaches to the job its first try created: retrying is safe.
    default_args={"retries": 2},
    params={
        "bucket": Param("labeling", type="string", description="The S3 bucket of everything"),
        "input_manifest": Param("shapes/dataset.manifest", type="string",
                                description="The images to label: a manifest's key"),
        "output_prefix": Param("chained", type="string",
                               description="Where the jobs and this DAG write"),
        "templates_prefix": Param(
            "templates", type="string",
            description="Folder of bounding-box, verification and adjustment .liquid.html",
        ),
        "role_arn": Param("arn:aws:iam::123456789012:role/GroundTruthExecution", type="string",
                          description="The IAM role Ground Truth assumes"),
        "workteam_arn": Param(
            "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/labelers",
            type="string", description="The work team that labels",
        ),
        "alert_topic_arn": Param("arn:aws:sns:us-east-1:123456789012:labeling-data-quality",
                                 type="string", description="SNS topic of data-quality alerts"),
        "verify_share": Param(0.5, type="number", minimum=0.01, maximum=1,
                              description="Share of the least certain images to verify"),
        "min_worker_accuracy": Param(
            0.5, type="number", minimum=0, maximum=1,
            description="Alert on workers whose boxes match their co-workers' less than this",
        ),
    },
):
    # What every labeling job shares. A job is named after the DAG, task and run, so a retry
    # finds the job of its first try.
    job = {
        "output_path": OUTPUT + "/jobs",
        "role_arn": "{{ params.role_arn }}",
        "workteam_arn": "{{ params.workteam_arn }}",
        "deferrable": True,
        "poll_interval": POLL_SECONDS,
    }
    # Data-quality alerts (counts, failed checks, report location) go to this SNS topic.
    alerts = sns_data_quality_notifier("{{ params.alert_topic_arn }}")

    label_boxes = GroundTruthCreateLabelingJobOperator(
        task_id="label_boxes",
        labeling_task_type="BoundingBox",
        input_manifest_uri=INPUT,
        label_attribute_name="bounding-box",
        label_categories=CLASSES,
        ui_template_uri=TEMPLATES + "/bounding-box.liquid.html",
        workers_per_object=3,  # their agreement is each box's confidence
        **job,
    )
    # Every input line must come back, with labels of the right shape; reports land beside the
    # output manifest.
    validate_boxes = ManifestValidateOperator(
        task_id="validate_boxes",
        manifest=label_boxes.output,
        input_manifest=INPUT,
        notifier=alerts,
    )
    # How far each worker's boxes match their co-workers' (F1 at IoU 0.5); workers with fewer
    # than 5 tasks are not judged. The report lands in the job's output folder.
    check_workforce = GroundTruthWorkforceOperator(
        task_id="check_workforce",
        labeling_job=label_boxes.output,
        min_worker_accuracy="{{ params.min_worker_accuracy }}",
        min_tasks=5,
        on_failure="warn",
        notifier=alerts,
    )
    # The least certain boxes, compared only with boxes of the same job and kind of labeler.
    chain_verification = ManifestChainOperator(
        task_id="chain_verification",
        source=label_boxes.output,
        destination=OUTPUT + "/inputs/",
        label_attribute="bounding-box",
        status="labeled",
        lowest_quantile="{{ params.verify_share }}",
        new_label_attribute="verify-bounding-box",
        follow_up="VerificationBoundingBox",
    )
    verify_boxes = GroundTruthCreateLabelingJobOperator(
        task_id="verify_boxes",
        labeling_task_type="VerificationBoundingBox",
        input_manifest_uri=chain_verification.output["manifest_uri"],
        label_attribute_name="verify-bounding-box",
        audit_label_attribute_name="bounding-box",
        label_categories=JUDGEMENTS,
        ui_template_uri=TEMPLATES + "/verification.liquid.html",
        **job,
    )
    # Only the images judged bad; none at all skips this task and the adjustment job.
    chain_adjustment = ManifestChainOperator(
        task_id="chain_adjustment",
        source=verify_boxes.output,
        destination=OUTPUT + "/inputs/",
        label_attribute="verify-bounding-box",
        class_names=["bad"],
        new_label_attribute="adjusted-bounding-box",
        follow_up="AdjustmentBoundingBox",
    )
    adjust_boxes = GroundTruthCreateLabelingJobOperator(
        task_id="adjust_boxes",
        labeling_task_type="AdjustmentBoundingBox",
        input_manifest_uri=chain_adjustment.output["manifest_uri"],
        label_attribute_name="adjusted-bounding-box",
        audit_label_attribute_name="bounding-box",
        label_categories=CLASSES,
        ui_template_uri=TEMPLATES + "/adjustment.liquid.html",
        **job,
    )
    # One line per image with every job's labels; a skipped adjustment is left out.
    merge = ManifestMergeOperator(
        task_id="merge",
        sources=[label_boxes.output, verify_boxes.output, adjust_boxes.output],
        destination=OUTPUT + "/merged/",
        trigger_rule="none_failed",
    )
    validate_merged = ManifestValidateOperator(
        task_id="validate_merged",
        manifest=merge.output,
        on_failure="warn",
        notifier=alerts,
    )

    validate_boxes >> chain_verification
