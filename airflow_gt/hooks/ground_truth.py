"""The Ground Truth hook: labeling jobs on the Amazon provider's AWS hook.

Thin, as the provider's service hooks are: it pins the ``sagemaker`` client, retries throttled
calls within a budget (:mod:`airflow_gt.hooks.retries`), and adds the few helpers the operators
and sensors need. What a job's state means is decided in :mod:`airflow_gt.labeling`, and when a
job is done is the ``LabelingJobCompleted`` waiter of :mod:`airflow_gt.waiters`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import cached_property
from typing import Any

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

from airflow_gt.exceptions import LabelingJobWaitError, ManifestNotFoundError
from airflow_gt.hooks.retries import DEFAULT_RETRY_BUDGET, RetryBudget
from airflow_gt.labeling.outcome import LabelCounters, has_ended
from airflow_gt.labeling.progress import (
    LabelingProgress,
    count_progress,
    intermediate_prefix,
    latest_intermediate_manifest,
    layout_of,
)
from airflow_gt.manifests.categories import LabelCategoryConfig, write_label_categories
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.storage import error_code, read_bytes
from airflow_gt.waiters import GROUND_TRUTH_WAITERS, LABELING_JOB_COMPLETED, waiter_defaults

NOT_FOUND = "ResourceNotFound"


class GroundTruthHook(AwsBaseHook):
    """Amazon SageMaker Ground Truth labeling jobs, through a boto3 ``sagemaker`` client.

    Takes the arguments of ``AwsBaseHook`` (``aws_conn_id``, ``region_name``, ``verify``,
    ``config``) except ``client_type``, and:

    :param retry_budget: seconds during which a throttled or transiently failed call is retried
        (with jittered exponential backoff) before the call fails.
    """

    hook_name = "Amazon SageMaker Ground Truth"

    def __init__(self, *args: Any, retry_budget: float = DEFAULT_RETRY_BUDGET, **kwargs: Any):
        kwargs["client_type"] = "sagemaker"
        super().__init__(*args, **kwargs)
        self.retry_budget = RetryBudget(seconds=retry_budget)

    @cached_property
    def waiter_path(self) -> os.PathLike[str] | None:
        """Our waiter file, so ``get_waiter("LabelingJobCompleted")`` finds it."""
        return GROUND_TRUTH_WAITERS

    def call(self, operation: str, function: Callable[[], Any]) -> Any:
        """``function()`` (an AWS call named ``operation``), retried within the budget."""
        return self.retry_budget.call(operation, function, log=self.log)

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

    # -- files in S3, on the same connection ----------------------------------------------

    @cached_property
    def s3_client(self) -> Any:
        """A boto3 S3 client of the same connection, region, SSL setting and botocore config."""
        s3 = AwsBaseHook(
            aws_conn_id=self.aws_conn_id, region_name=self._region_name, verify=self._verify,
            config=self._config, client_type="s3",
        )
        return s3.conn

    def upload_label_categories(self, config: LabelCategoryConfig, uri: str) -> None:
        write_label_categories(config, uri, s3_client=self.s3_client)

    def read_json_object(self, uri: str) -> Any:
        """A small JSON object from S3, or None if it does not exist."""
        import orjson

        try:
            return orjson.loads(read_bytes(uri, self.s3_client))
        except ManifestNotFoundError:
            return None

    def intermediate_progress(self, description: dict[str, Any]) -> LabelingProgress | None:
        """The labeled share of the job's latest intermediate manifest; None before there is one.

        The lines are read by the manifest core as they stream in.
        """
        layout = layout_of(description)
        prefix = intermediate_prefix(layout)
        listing = self.call(
            "ListObjectsV2",
            lambda: self.s3_client.list_objects_v2(
                Bucket=prefix.bucket, Prefix=prefix.key, Delimiter="/"
            ),
        )
        folders = [entry["Prefix"] for entry in listing.get("CommonPrefixes", [])]
        uri = latest_intermediate_manifest(layout, folders)
        if uri is None:
            return None
        try:
            return count_progress(
                read_manifest(uri, s3_client=self.s3_client),
                description["LabelAttributeName"], uri,
            )
        except ManifestNotFoundError:
            return None
