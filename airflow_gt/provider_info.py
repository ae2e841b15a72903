"""What `airflow providers list` shows for airflow-gt (its `apache_airflow_provider` entry).

Airflow validates this against its provider schema when it starts; an invalid entry stops every
Airflow command, so a test keeps it valid.
"""

from __future__ import annotations

from typing import Any

from airflow_gt import __version__

GROUND_TRUTH = "Amazon SageMaker Ground Truth"
REKOGNITION = "Amazon Rekognition Custom Moderation"


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "airflow-gt",
        "name": "Amazon SageMaker Ground Truth labeling pipelines",
        "description": (
            "Operators, sensors and deferrable triggers for Amazon SageMaker Ground Truth "
            "labeling jobs and Amazon Rekognition Custom Moderation adapters, with manifest "
            "validation by Great Expectations and a local AWS stand-in."
        ),
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": GROUND_TRUTH,
                "external-doc-url": "https://docs.aws.amazon.com/sagemaker/latest/dg/sms.html",
                "tags": ["aws"],
            },
            {
                "integration-name": REKOGNITION,
                "external-doc-url": (
                    "https://docs.aws.amazon.com/rekognition/latest/dg/"
                    "moderation-custom-moderation.html"
                ),
                "tags": ["aws"],
            },
        ],
        "hooks": [
            {
                "integration-name": GROUND_TRUTH,
                "python-modules": ["airflow_gt.hooks.ground_truth"],
            },
            {
                "integration-name": REKOGNITION,
                "python-modules": ["airflow_gt.hooks.rekognition"],
            },
        ],
        "operators": [
            {
                "integration-name": GROUND_TRUTH,
                "python-modules": [
                    "airflow_gt.operators.ground_truth",
                    "airflow_gt.operators.manifest",
                    "airflow_gt.operators.workforce",
                ],
            },
            {
                "integration-name": REKOGNITION,
                "python-modules": [
                    "airflow_gt.operators.rekognition",
                    "airflow_gt.operators.rekognition_evaluation",
                ],
            },
        ],
        "sensors": [
            {
                "integration-name": GROUND_TRUTH,
                "python-modules": ["airflow_gt.sensors.ground_truth"],
            },
        ],
        "triggers": [
            {
                "integration-name": GROUND_TRUTH,
                "python-modules": ["airflow_gt.triggers.ground_truth"],
            },
            {
                "integration-name": REKOGNITION,
                "python-modules": ["airflow_gt.triggers.rekognition"],
            },
        ],
        "extra-links": [
            "airflow_gt.links.ground_truth.GroundTruthLabelingJobLink",
            "airflow_gt.links.rekognition.RekognitionAdapterLink",
        ],
    }
