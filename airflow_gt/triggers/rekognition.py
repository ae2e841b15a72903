"""A deferrable wait for a Custom Moderation adapter's training, run by the triggerer.

It lives in the installed package because a triggerer imports a trigger by its class path and
cannot import one defined in a DAG file. It only reports what it saw; the task that deferred
decides what it means (:mod:`airflow_gt.adapters`), the same way as on the synchronous path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_gt.adapters.outcome import has_ended, version_summary
from airflow_gt.hooks.rekognition import INVALID_PARAMETER
from airflow_gt.manifests.storage import error_code
from airflow_gt.triggers.base import AwsPollingTrigger, async_client
from airflow_gt.waiters import ADAPTER_TRAINING_COMPLETED, waiter_defaults

DONE = "done"


class RekognitionAdapterTrainingTrigger(AwsPollingTrigger):
    """Fires when an adapter version's training ends (as its waiter says), or it is gone.

    The event is ``{"status": "done", "project_arn", "version_name", "version": <the
    DescribeProjectVersions fields that matter, or None if there is no such version>}``, or
    ``{"status": "error", "message": ...}`` when training cannot be watched to its end.

    :param project_arn: the project's ARN.
    :param version_name: the adapter version.
    :param stop_on_kill: ask Rekognition to stop the version when a user kills the deferred task
        (for the task that created it; Rekognition refuses for adapters, see
        :meth:`~airflow_gt.hooks.rekognition.RekognitionHook.stop_project_version`).
    :param polling: the polling and AWS parameters of :class:`AwsPollingTrigger`.
    """

    default_poll_interval, default_max_attempts = waiter_defaults(ADAPTER_TRAINING_COMPLETED)

    client_types = ("rekognition",)

    def __init__(self, *, project_arn: str, version_name: str, stop_on_kill: bool = False,
                 **polling: Any) -> None:
        super().__init__(**polling)
        self.project_arn = project_arn
        self.version_name = version_name
        self.stop_on_kill = stop_on_kill

    def trigger_fields(self) -> dict[str, Any]:
        return {
            "project_arn": self.project_arn,
            "version_name": self.version_name,
            "stop_on_kill": self.stop_on_kill,
        }

    @property
    def subject(self) -> str:
        return f"adapter version {self.version_name!r}"

    async def describe(self, rekognition: Any) -> dict[str, Any] | None:
        response = await self.call(
            "DescribeProjectVersions",
            lambda: rekognition.describe_project_versions(
                ProjectArn=self.project_arn, VersionNames=[self.version_name]
            ),
        )
        descriptions = response.get("ProjectVersionDescriptions", [])
        if not descriptions:
            self.last_seen = "no such version"
            return None
        description: dict[str, Any] = descriptions[0]
        self.last_seen = description["Status"]
        self.log.info("Adapter version %s is %s", self.version_name, self.last_seen)
        return description

    async def check(self, clients: Mapping[str, Any]) -> dict[str, Any] | None:
        description = await self.describe(clients["rekognition"])
        if description is None or has_ended(description):
            summary = None if description is None else version_summary(description)
            return {"status": DONE, **self.trigger_fields(), "version": summary}
        return None

    async def on_kill(self) -> None:
        if not self.stop_on_kill:
            return
        from botocore.exceptions import ClientError

        async with await async_client(self.aws_hook("rekognition")) as rekognition:
            description = await self.describe(rekognition)
            if description is None or has_ended(description):
                return
            arn = description["ProjectVersionArn"]
            try:
                await self.call(
                    "StopProjectVersion",
                    lambda: rekognition.stop_project_version(ProjectVersionArn=arn),
                )
            except ClientError as error:
                if error_code(error) != INVALID_PARAMETER:
                    raise
                self.log.warning(
                    "Rekognition cannot stop adapter version %s (%s); its training goes on to "
                    "its end, and it can be deleted once it has ended", self.version_name, arn,
                )
                return
        self.log.info("Asked Rekognition to stop adapter version %s", self.version_name)
