"""The local stand-in for S3, SageMaker Ground Truth labeling jobs and Rekognition adapters.

One loopback endpoint that boto3 (and Airflow's ``aws`` connection) reach through ``endpoint_url``
with dummy credentials::

    from airflow_gt.local import LocalAws

    with LocalAws(seed=7) as aws:
        sagemaker = boto3.client("sagemaker", endpoint_url=aws.endpoint_url, ...)

Run it as a process with ``airflow-gt local``. Importing this package loads moto and botocore:
never import it from a DAG file.
"""

from airflow_gt.local.adapter_training import AdapterTrainingConfig
from airflow_gt.local.clock import Clock, ManualClock, WallClock
from airflow_gt.local.errors import AwsError
from airflow_gt.local.faults import FaultInjector, OperationFaults
from airflow_gt.local.labeling_jobs import LabelingJobService
from airflow_gt.local.rekognition import RekognitionService
from airflow_gt.local.server import LocalAws
from airflow_gt.local.service import LocalContext, Request, Service
from airflow_gt.local.tasks import WorkerSkill
from airflow_gt.local.workforce import WorkforceConfig

__all__ = [
    "AdapterTrainingConfig",
    "AwsError",
    "Clock",
    "FaultInjector",
    "LabelingJobService",
    "LocalAws",
    "LocalContext",
    "ManualClock",
    "OperationFaults",
    "RekognitionService",
    "Request",
    "Service",
    "WallClock",
    "WorkerSkill",
    "WorkforceConfig",
]
