"""Deferrable waits for Ground Truth labeling jobs, run by the triggerer with aiobotocore.

They live in the installed package because a triggerer imports a trigger by its class path and
cannot import one defined in a DAG file. Each only reports what it saw; the task that deferred
decides what it means (:mod:`airflow_gt.labeling`), the same way as on the synchronous path.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Mapping
from typing import Any

from airflow_gt.labeling.outcome import LabelCounters, has_ended, job_summary
from airflow_gt.labeling.progress import (
    LabelingProgress,
    count_progress,
    intermediate_prefix,
    latest_intermediate_manifest,
    layout_of,
)
from airflow_gt.manifests.reader import parse_lines
from airflow_gt.manifests.storage import S3Location, error_code
from airflow_gt.triggers.base import AwsPollingTrigger, async_client
from airflow_gt.waiters import LABELING_JOB_COMPLETED, waiter_defaults

DONE = "done"
SPOOL_BYTES = 16 << 20
READ_CHUNK_BYTES = 1 << 20


class GroundTruthLabelingJobTrigger(AwsPollingTrigger):
    """Fires when a labeling job ends (Completed, Failed or Stopped, as its waiter says).

    The event is ``{"status": "done", "job": <the DescribeLabelingJob fields that matter>}``, or
    ``{"status": "error", "message": ...}`` when the job cannot be watched to its end.

    :param job_name: the labeling job.
    :param stop_on_kill: stop the job when a user kills the deferred task (for the task that
        created the job; a sensor watching someone else's job leaves it running).
    :param polling: the polling and AWS parameters of :class:`AwsPollingTrigger`.
    """

    default_poll_interval, default_max_attempts = waiter_defaults(LABELING_JOB_COMPLETED)

    def __init__(self, *, job_name: str, stop_on_kill: bool = False, **polling: Any) -> None:
        super().__init__(**polling)
        self.job_name = job_name
        self.stop_on_kill = stop_on_kill

    def trigger_fields(self) -> dict[str, Any]:
        return {"job_name": self.job_name, "stop_on_kill": self.stop_on_kill}

    @property
    def subject(self) -> str:
        return f"labeling job {self.job_name!r}"

    async def describe(self, sagemaker: Any) -> dict[str, Any]:
        description: dict[str, Any] = await self.call(
            "DescribeLabelingJob",
            lambda: sagemaker.describe_labeling_job(LabelingJobName=self.job_name),
        )
        self.last_seen = description["LabelingJobStatus"]
        self.log.info(
            "Labeling job %s is %s: %s", self.job_name, self.last_seen,
            LabelCounters.from_description(description),
        )
        return description

    async def check(self, clients: Mapping[str, Any]) -> dict[str, Any] | None:
        description = await self.describe(clients["sagemaker"])
        if has_ended(description):
            return {"status": DONE, "job": job_summary(description)}
        return None

    async def on_kill(self) -> None:
        if not self.stop_on_kill:
            return
        async with await async_client(self.aws_hook("sagemaker")) as sagemaker:
            await self.call(
                "StopLabelingJob",
                lambda: sagemaker.stop_labeling_job(LabelingJobName=self.job_name),
            )
        self.log.info("Asked AWS to stop labeling job %s", self.job_name)


class GroundTruthIntermediateManifestTrigger(GroundTruthLabelingJobTrigger):
    """Fires when a share of a job's objects is labeled in its intermediate manifest, or it ends.

    The event is ``{"status": "done", "job": ..., "progress": ...}`` with the job's fields and
    the latest intermediate manifest's counts (None before there is one); the sensor decides
    whether that is enough.

    :param min_labeled_fraction: the share of objects (0 to 1) that must be labeled.
    """

    client_types = ("sagemaker", "s3")

    def __init__(self, *, min_labeled_fraction: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.min_labeled_fraction = min_labeled_fraction

    def trigger_fields(self) -> dict[str, Any]:
        return {**super().trigger_fields(), "min_labeled_fraction": self.min_labeled_fraction}

    async def check(self, clients: Mapping[str, Any]) -> dict[str, Any] | None:
        description = await self.describe(clients["sagemaker"])
        progress = await self.progress(clients["s3"], description)
        if progress is not None:
            self.last_seen = f"{self.last_seen}, {progress}"
            self.log.info("Intermediate manifest: %s", progress)
        reached = (
            progress is not None
            and progress.objects > 0
            and progress.fraction >= self.min_labeled_fraction
        )
        if reached or has_ended(description):
            return {
                "status": DONE,
                "job": job_summary(description),
                "progress": progress.to_xcom() if progress is not None else None,
            }
        return None

    async def progress(self, s3: Any, description: dict[str, Any]) -> LabelingProgress | None:
        """Count the latest intermediate manifest; None before Ground Truth has written one."""
        layout = layout_of(description)
        prefix = intermediate_prefix(layout)
        listing = await self.call(
            "ListObjectsV2",
            lambda: s3.list_objects_v2(Bucket=prefix.bucket, Prefix=prefix.key, Delimiter="/"),
        )
        uri = latest_intermediate_manifest(
            layout, [entry["Prefix"] for entry in listing.get("CommonPrefixes", [])]
        )
        if uri is None:
            return None
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b") as spool:
            if not await self._download(s3, uri, spool):
                return None
            spool.seek(0)
            attribute = description["LabelAttributeName"]
            return await asyncio.to_thread(
                lambda: count_progress(parse_lines(spool, uri), attribute, uri)
            )

    async def _download(self, s3: Any, uri: str, spool: Any) -> bool:
        """Stream the object into ``spool`` (memory up to a limit, then disk); False if absent."""
        from botocore.exceptions import ClientError

        location = S3Location.parse(uri)
        try:
            response = await self.call(
                "GetObject", lambda: s3.get_object(Bucket=location.bucket, Key=location.key)
            )
        except ClientError as error:
            if error_code(error) in ("NoSuchKey", "404"):
                return False
            raise
        # Entered as itself, not `as body`: aiobotocore 2 hands the raw aiohttp response to `as`.
        body = response["Body"]
        async with body:
            async for chunk in body.iter_chunks(READ_CHUNK_BYTES):
                spool.write(chunk)
        return True
