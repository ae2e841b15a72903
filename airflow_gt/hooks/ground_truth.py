"""The Ground Truth hook: labeling jobs on the Amazon provider's AWS hook.

Thin, as the provider's service hooks are: it pins the ``sagemaker`` client, retries throttled
calls within a budget (both in :mod:`airflow_gt.hooks.base`), and adds the few helpers the
operators and sensors need. What a job's state means is decided in :mod:`airflow_gt.labeling`,
and when a job is done is the ``LabelingJobCompleted`` waiter of :mod:`airflow_gt.waiters`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from airflow_gt.exceptions import LabelingJobWaitError, ManifestNotFoundError
from airflow_gt.hooks.base import RetryingAwsHook
from airflow_gt.labeling.outcome import LabelCounters, has_ended
from airflow_gt.labeling.progress import (
    LabelingProgress,
    count_progress,
    intermediate_prefix,
    latest_intermediate_manifest,
    layout_of,
)
from airflow_gt.manifests.categories import LabelCategoryConfig, write_label_categories
from airflow_gt.manifests.layout import LabelingJobOutputLayout
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.storage import error_code
from airflow_gt.waiters import GROUND_TRUTH_WAITERS, LABELING_JOB_COMPLETED, waiter_defaults

NOT_FOUND = "ResourceNotFound"


class GroundTruthHook(RetryingAwsHook):
    """Amazon SageMaker Ground Truth labeling jobs, through a boto3 ``sagemaker`` client.

    Takes the arguments of ``AwsBaseHook`` (``aws_conn_id``, ``region_name``, ``verify``,
    ``config``) except ``client_type``, and:

    :param retry_budget: seconds during which a throttled or transiently failed call is retried
        (with jittered exponential backoff) before the call fails.
    """

    hook_name = "Amazon SageMaker Ground Truth"
    aws_client_type = "sagemaker"
    waiter_file = GROUND_TRUTH_WAITERS

    # -- labeling jobs --------------------------------------------------------------------

    def create_labeling_job(self, request: dict[str, Any]) -> str:
        """Create a labeling job from a CreateLabelingJob request; returns its ARN."""
        response = self.call("CreateLabelingJob", lambda: self.conn.create_labeling_job(**request))
        return str(response["LabelingJobArn"])

    def describe_labeling_job(self, job_name: str) -> dict[str, Any]:
        response: dict[str, Any] = self.call(
            "DescribeLabelingJob",
            lambda: self.conn.describe_labeling_job(LabelingJobName=job_name),
        )
        return response

    def find_labeling_job(self, job_name: str) -> dict[str, Any] | None:
        """The job's DescribeLabelingJob answer, or None if no job has that name here."""
        from botocore.exceptions import ClientError

        try:
            return self.describe_labeling_job(job_name)
        except ClientError as error:
            if error_code(error) == NOT_FOUND:
                return None
            raise

    def stop_labeling_job(self, job_name: str) -> None:
        """Ask AWS to stop the job; it goes ``Stopping``, then ``Stopped``."""
        self.call("StopLabelingJob", lambda: self.conn.stop_labeling_job(LabelingJobName=job_name))

    @staticmethod
    def label_counters(description: dict[str, Any]) -> LabelCounters:
        return LabelCounters.from_description(description)

    def wait_for_labeling_job(
        self,
        job_name: str,
        *,
        poll_interval: float | None = None,
        max_attempts: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> dict[str, Any]:
        """Describe the job every ``poll_interval`` seconds until it ends; returns the last answer.

        The end is what the ``LabelingJobCompleted`` waiter says (Completed, Failed, Stopped);
        the caller decides what that end means. Defaults come from the waiter file.
        """
        delay, attempts = waiter_defaults(LABELING_JOB_COMPLETED)
        delay_s = delay if poll_interval is None else poll_interval
        attempts = attempts if max_attempts is None else max_attempts
        status = "unknown"
        for attempt in range(1, attempts + 1):
            description = self.describe_labeling_job(job_name)
            status = description["LabelingJobStatus"]
            self.log.info(
                "Labeling job %s is %s: %s", job_name, status, self.label_counters(description)
            )
            if has_ended(description):
                return description
            if attempt < attempts:
                sleep(delay_s)
        raise LabelingJobWaitError(
            job_name, f"still {status} after {attempts} checks {delay_s:g} s apart; the job goes "
            "on in AWS: wait for it with a sensor, or give a larger max_attempts",
        )

    # -- files in S3, on the same connection (``s3_client``) ------------------------------

    def upload_label_categories(self, config: LabelCategoryConfig, uri: str) -> None:
        write_label_categories(config, uri, s3_client=self.s3_client)

    def latest_intermediate_manifest(self, layout: LabelingJobOutputLayout) -> str | None:
        """The URI of the job's latest intermediate manifest; None before there is one."""
        prefix = intermediate_prefix(layout)
        listing = self.call(
            "ListObjectsV2",
            lambda: self.s3_client.list_objects_v2(
                Bucket=prefix.bucket, Prefix=prefix.key, Delimiter="/"
            ),
        )
        folders = [entry["Prefix"] for entry in listing.get("CommonPrefixes", [])]
        return latest_intermediate_manifest(layout, folders)

    def intermediate_progress(self, description: dict[str, Any]) -> LabelingProgress | None:
        """The labeled share of the job's latest intermediate manifest; None before there is one.

        The lines are read by the manifest core as they stream in.
        """
        uri = self.latest_intermediate_manifest(layout_of(description))
        if uri is None:
            return None
        try:
            return count_progress(
                read_manifest(uri, s3_client=self.s3_client),
                description["LabelAttributeName"], uri,
            )
        except ManifestNotFoundError:
            return None
