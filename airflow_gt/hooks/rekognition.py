"""The Rekognition hook: Custom Moderation projects and adapter versions on the AWS hook.

Thin, as the Ground Truth hook is: it pins the ``rekognition`` client, retries throttled calls
within a budget (:mod:`airflow_gt.hooks.base`), and adds the few helpers the operators need. What a
version's state means is decided in :mod:`airflow_gt.adapters`, and when training is done is the
``AdapterTrainingCompleted`` waiter of :mod:`airflow_gt.waiters`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from airflow_gt.adapters.outcome import has_ended
from airflow_gt.exceptions import AdapterWaitError
from airflow_gt.hooks.base import RetryingAwsHook
from airflow_gt.manifests.storage import error_code
from airflow_gt.waiters import ADAPTER_TRAINING_COMPLETED, REKOGNITION_WAITERS, waiter_defaults

CONTENT_MODERATION = "CONTENT_MODERATION"
IN_USE = "ResourceInUseException"
NOT_FOUND = "ResourceNotFoundException"
INVALID_PARAMETER = "InvalidParameterException"


class RekognitionHook(RetryingAwsHook):
    """Amazon Rekognition Custom Moderation adapters, through a boto3 ``rekognition`` client.

    Takes the arguments of ``AwsBaseHook`` (``aws_conn_id``, ``region_name``, ``verify``,
    ``config``) except ``client_type``, and:

    :param retry_budget: seconds during which a throttled or transiently failed call is retried
        (with jittered exponential backoff) before the call fails.
    """

    hook_name = "Amazon Rekognition Custom Moderation"
    aws_client_type = "rekognition"
    waiter_file = REKOGNITION_WAITERS

    # -- projects -------------------------------------------------------------------------

    def find_project(self, project_name: str) -> dict[str, Any] | None:
        """The Custom Moderation project of that name (its DescribeProjects entry), or None."""
        response = self.call(
            "DescribeProjects",
            lambda: self.conn.describe_projects(
                ProjectNames=[project_name], Features=[CONTENT_MODERATION]
            ),
        )
        descriptions = response.get("ProjectDescriptions", [])
        return dict(descriptions[0]) if descriptions else None

    def create_project(
        self,
        project_name: str,
        *,
        auto_update: str = "DISABLED",
        tags: dict[str, str] | None = None,
    ) -> str:
        """Create a Custom Moderation project; returns its ARN."""
        extra = {"Tags": tags} if tags else {}
        response = self.call(
            "CreateProject",
            lambda: self.conn.create_project(
                ProjectName=project_name, Feature=CONTENT_MODERATION, AutoUpdate=auto_update,
                **extra,
            ),
        )
        return str(response["ProjectArn"])

    # -- adapter versions -----------------------------------------------------------------

    def create_project_version(self, request: dict[str, Any]) -> str:
        """Start training an adapter from a CreateProjectVersion request; returns its ARN."""
        response = self.call(
            "CreateProjectVersion", lambda: self.conn.create_project_version(**request)
        )
        return str(response["ProjectVersionArn"])

    def find_project_version(self, project_arn: str, version_name: str) -> dict[str, Any] | None:
        """The version's DescribeProjectVersions entry, or None if the project has no such one."""
        response = self.call(
            "DescribeProjectVersions",
            lambda: self.conn.describe_project_versions(
                ProjectArn=project_arn, VersionNames=[version_name]
            ),
        )
        descriptions = response.get("ProjectVersionDescriptions", [])
        return dict(descriptions[0]) if descriptions else None

    def describe_project_version(self, project_arn: str, version_name: str) -> dict[str, Any]:
        description = self.find_project_version(project_arn, version_name)
        if description is None:
            raise AdapterWaitError(version_name, f"no such version in project {project_arn}")
        return description

    def stop_project_version(self, version_arn: str) -> bool:
        """Ask Rekognition to stop the version; False if it refuses because adapters cannot be.

        StopProjectVersion is documented for Custom Labels models; Rekognition answers an
        adapter's ARN with InvalidParameterException, and training goes on to its end.
        """
        from botocore.exceptions import ClientError

        try:
            self.call(
                "StopProjectVersion",
                lambda: self.conn.stop_project_version(ProjectVersionArn=version_arn),
            )
        except ClientError as error:
            if error_code(error) == INVALID_PARAMETER:
                return False
            raise
        return True

    def wait_for_project_version(
        self,
        project_arn: str,
        version_name: str,
        *,
        poll_interval: float | None = None,
        max_attempts: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> dict[str, Any]:
        """Describe the version every ``poll_interval`` seconds until training ends; returns the
        last answer.

        The end is what the ``AdapterTrainingCompleted`` waiter says; the caller decides what it
        means. Defaults come from the waiter file.
        """
        delay, attempts = waiter_defaults(ADAPTER_TRAINING_COMPLETED)
        delay_s = delay if poll_interval is None else poll_interval
        attempts = attempts if max_attempts is None else max_attempts
        status = "unknown"
        for attempt in range(1, attempts + 1):
            description = self.describe_project_version(project_arn, version_name)
            status = description["Status"]
            self.log.info("Adapter version %s is %s", version_name, status)
            if has_ended(description):
                return description
            if attempt < attempts:
                sleep(delay_s)
        raise AdapterWaitError(
            version_name, f"still {status} after {attempts} checks {delay_s:g} s apart; training "
            "goes on in AWS: give a larger max_attempts, or evaluate it later",
        )
