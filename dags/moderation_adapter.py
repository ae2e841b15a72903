"""Moderation adapter: label images, check the labels, train a Rekognition adapter, gate it.

    label_images ─> validate_labels ─> to_moderation ─> validate_moderation
        ─> train_adapter ─> evaluate_adapter

1. A multi-label image classification job has workers pick, for each image, the moderation
   labels it shows (or ``safe``).
2. Its output is validated (every input image back, labels of the right shape and categories)
   before an adapter is paid for; broken labels alert and stop here.
3. The labels become Rekognition Custom Moderation manifests: a seeded, label-stratified split
   into training and testing images, written under ``adapter-data/<run>/``.
4. The training manifest is validated with the ``moderation-input`` suite.
5. An adapter version is trained in the project (created if missing). It is named after the run,
   so a retried task attaches to the version it already started.
6. Its evaluation is gated: F1 at least ``min_f1``, and better than the base model. A failing
   gate alerts and fails the run; the plot and a text report land beside the evaluation file.

Both long waits (labeling, training) are in the triggerer (``deferrable=True``); where no
triggerer runs, set ``MODERATION_ADAPTER_DEFERRABLE=false`` in the workers' environment and they
wait in a worker slot instead. Either way a retried task attaches to the job or adapter version
its first try started, so a worker that dies mid-wait costs a retry, not a second job.

The parameters' defaults work against the local stand-in (``airflow-gt local --bucket
moderation``, with a moderation image dataset under ``images/`` and the worker template written
there: see the README). On AWS, trigger the DAG with your own bucket, IAM role, work team and
SNS topic.
"""

from __future__ import annotations

import os

from airflow.sdk import DAG, Param

from airflow_gt.notifications.data_quality import sns_data_quality_notifier
from airflow_gt.operators.ground_truth import GroundTruthCreateLabelingJobOperator
from airflow_gt.operators.manifest import ManifestValidateOperator
from airflow_gt.operators.rekognition import (
    RekognitionCreateAdapterOperator,
    RekognitionModerationManifestOperator,
)
from airflow_gt.operators.rekognition_evaluation import RekognitionEvaluateAdapterOperator

# Rekognition moderation labels, and "safe" for an image that shows none of them. Class names
# that are not moderation labels need a label map (see RekognitionModerationManifestOperator).
CLASSES = ["Rude Gesture", "Nudity", "Smoking", "safe"]

# Seconds between two checks of a labeling job or a training adapter. Both take hours on AWS:
# once a minute is plenty. On the local stand-in they take seconds, so its tests set 1.
POLL_SECONDS = float(os.environ.get("MODERATION_ADAPTER_POLL_SECONDS", "60"))
# Wait in the triggerer (the default) or, with "false", in the worker that runs the task.
DEFERRABLE = os.environ.get("MODERATION_ADAPTER_DEFERRABLE", "true").lower() != "false"

BUCKET = "s3://{{ params.bucket }}"
INPUT = BUCKET + "/{{ params.input_manifest }}"
# This run's adapter data, in a folder of its own ("scheduled__2026-01-05T00_00_00+00_00").
DATA = BUCKET + "/adapter-data/{{ run_id | replace(':', '_') }}"

with DAG(
    dag_id="moderation_adapter",
    schedule="@weekly",
    catchup=False,
    doc_md=__doc__,
    tags=["airflow-gt", "rekognition", "example"],
    # A retried labeling or training task attaches to what its first try started.
    default_args={"retries": 2},
    params={
        "bucket": Param("moderation", type="string", description="The S3 bucket of everything"),
        "input_manifest": Param("images/dataset.manifest", type="string",
                                description="The images to label: a manifest's key"),
        "ui_template": Param("templates/multilabel.liquid.html", type="string",
                             description="The worker task template's key"),
        "role_arn": Param("arn:aws:iam::123456789012:role/GroundTruthExecution", type="string",
                          description="The IAM role Ground Truth assumes"),
        "workteam_arn": Param(
            "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/labelers",
            type="string", description="The work team that labels",
        ),
        "project_name": Param("moderation", type="string",
                              description="The Rekognition Custom Moderation project"),
        "confidence_threshold": Param(50, type="number", minimum=0, maximum=100,
                                      description="The threshold the adapter is evaluated at"),
        "min_f1": Param(0.5, type="number", minimum=0, maximum=1,
                        description="The lowest F1 an adapter may have"),
        "alert_topic_arn": Param("arn:aws:sns:us-east-1:123456789012:moderation-alerts",
                                 type="string", description="SNS topic of data-quality alerts"),
    },
):
    # Failed validations and failed gates go to this SNS topic (counts, what failed, reports).
    alerts = sns_data_quality_notifier("{{ params.alert_topic_arn }}")

    label_images = GroundTruthCreateLabelingJobOperator(
        task_id="label_images",
        labeling_task_type="ImageMultiClassMultiLabel",
        input_manifest_uri=INPUT,
        output_path=BUCKET + "/labels",
        label_attribute_name="moderation",
        label_categories=CLASSES,
        ui_template_uri=BUCKET + "/{{ params.ui_template }}",
        role_arn="{{ params.role_arn }}",
        workteam_arn="{{ params.workteam_arn }}",
        workers_per_object=3,  # each label is the workers' consolidated vote
        deferrable=DEFERRABLE,
        poll_interval=POLL_SECONDS,
    )
    validate_labels = ManifestValidateOperator(
        task_id="validate_labels",
        manifest=label_images.output,
        input_manifest=INPUT,
        label_categories=CLASSES,
        notifier=alerts,
    )
    # Unlabeled and failed images are left out; "safe" images get no moderation label.
    to_moderation = RekognitionModerationManifestOperator(
        task_id="to_moderation",
        source_manifest_uri=label_images.output,
        label_attribute_name="moderation",
        training_manifest_uri=DATA + "/train.manifest",
        testing_manifest_uri=DATA + "/test.manifest",
        test_fraction=0.2,
    )
    validate_moderation = ManifestValidateOperator(
        task_id="validate_moderation",
        manifest=to_moderation.output["training"],
        notifier=alerts,
    )
    train_adapter = RekognitionCreateAdapterOperator(
        task_id="train_adapter",
        project_name="{{ params.project_name }}",
        training_manifest_uri=to_moderation.output["training"],
        testing_manifest_uri=to_moderation.output["testing"],
        output_path=BUCKET + "/adapters",
        confidence_threshold="{{ params.confidence_threshold }}",
        tags={"pipeline": "moderation_adapter"},
        deferrable=DEFERRABLE,
        poll_interval=POLL_SECONDS,
    )
    evaluate_adapter = RekognitionEvaluateAdapterOperator(
        task_id="evaluate_adapter",
        evaluation_uri=train_adapter.output["evaluation_uri"],
        testing_output_uri=train_adapter.output["testing_output_uri"],
        min_f1="{{ params.min_f1 }}",
        require_improvement=True,
        notifier=alerts,
    )

    validate_labels >> to_moderation
    validate_moderation >> train_adapter
