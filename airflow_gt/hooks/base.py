"""What every airflow-gt hook shares: one boto3 client, a retry budget, and S3 on the same terms.

A service hook (:mod:`~airflow_gt.hooks.ground_truth`, :mod:`~airflow_gt.hooks.rekognition`)
names its client type and its waiter file; this base pins the client, retries throttled and
transiently failed calls within the budget (:mod:`airflow_gt.hooks.retries`), and gives an S3
client of the same connection, region, SSL setting and botocore configuration, for the manifests
and reports beside the service's resources.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

from airflow_gt.exceptions import ManifestNotFoundError
from airflow_gt.hooks.retries import DEFAULT_RETRY_BUDGET, RetryBudget, s3_config
from airflow_gt.manifests.storage import read_bytes


class RetryingAwsHook(AwsBaseHook):
    """The AWS hook of one service, with a retry budget.

    Takes the arguments of ``AwsBaseHook`` (``aws_conn_id``, ``region_name``, ``verify``,
    ``config``) except ``client_type``, and:

    :param retry_budget: seconds during which a throttled or transiently failed call is retried
        (with jittered exponential backoff) before the call fails.
    """

    aws_client_type: ClassVar[str]
    """The boto3 client the hook is for (``sagemaker``, ``rekognition``)."""
    waiter_file: ClassVar[Path]
    """Our waiter file for the service, so ``get_waiter`` finds its waiters."""

    def __init__(self, *args: Any, retry_budget: float = DEFAULT_RETRY_BUDGET, **kwargs: Any):
        kwargs["client_type"] = self.aws_client_type
        super().__init__(*args, **kwargs)
        self.retry_budget = RetryBudget(seconds=retry_budget)

    @cached_property
    def waiter_path(self) -> os.PathLike[str] | None:
        return self.waiter_file

    def call(self, operation: str, function: Callable[[], Any]) -> Any:
        """``function()`` (an AWS call named ``operation``), retried within the budget."""
        return self.retry_budget.call(operation, function, log=self.log)

    @cached_property
    def s3_client(self) -> Any:
        """A boto3 S3 client of the same connection, region, SSL setting and botocore config
        (the hook's, else the connection's), retried as :func:`s3_config` says."""
        s3 = AwsBaseHook(
            aws_conn_id=self.aws_conn_id, region_name=self._region_name, verify=self._verify,
            config=s3_config(self.config), client_type="s3",
        )
        return s3.conn

    def read_json_object(self, uri: str) -> Any:
        """A small JSON object from S3, or None if it does not exist."""
        import orjson

        try:
            return orjson.loads(read_bytes(uri, self.s3_client))
        except ManifestNotFoundError:
            return None
