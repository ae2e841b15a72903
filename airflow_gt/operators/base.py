"""What every airflow-gt operator and sensor shares: how it reaches AWS.

:class:`AwsParamsMixin` takes the keyword-only AWS parameters once, for operators and sensors
alike (one ``__init__``, not one per base class), builds the hook from them once, and hands the
same values to the triggers a task defers to, so the deferred half polls the region, endpoint and
botocore configuration the first half used. The hook is the Ground Truth one unless a class says
otherwise: ``class X(AwsParamsMixin[RekognitionHook], BaseOperator)`` with
``aws_hook_class = RekognitionHook``.
"""

from __future__ import annotations

from functools import cache, cached_property
from typing import Any, ClassVar, Generic, cast

from airflow.sdk.bases.operator import BaseOperatorMeta
from typing_extensions import TypeVar

from airflow_gt.hooks.base import RetryingAwsHook
from airflow_gt.hooks.ground_truth import GroundTruthHook
from airflow_gt.hooks.retries import DEFAULT_RETRY_BUDGET

AWS_TEMPLATE_FIELDS = ("aws_conn_id", "region_name", "verify")
HookT = TypeVar("HookT", bound=RetryingAwsHook, default=GroundTruthHook)


@cache
def aws_template_fields(*fields: str) -> tuple[str, ...]:
    """``fields`` and the templated AWS parameters, sorted and without repeats."""
    return tuple(sorted({*AWS_TEMPLATE_FIELDS, *fields}))


class AwsParamsMixin(Generic[HookT]):
    """The AWS parameters of an airflow-gt operator or sensor.

    :param aws_conn_id: the Airflow ``aws`` connection with credentials and, for the local
        stand-in, ``endpoint_url`` in its extra. None or empty uses boto3's default credential
        chain (on every worker). (templated)
    :param region_name: the AWS region; when not given, the connection's, else boto3's default.
        (templated)
    :param verify: whether to verify SSL certificates, or the path of a CA bundle; see boto3's
        ``Session.client``. (templated)
    :param botocore_config: botocore client configuration as a dict (``{"retries":
        {"mode": "standard"}}``); see botocore's ``Config``.
    :param retry_budget: seconds during which a throttled or transiently failed AWS call is
        retried, with jittered exponential backoff, before the task fails.
    """

    aws_hook_class: ClassVar[type[RetryingAwsHook]] = GroundTruthHook
    """The hook :attr:`hook` is made of; a subclass for another service names its own."""

    # Airflow fills unset keyword arguments from ``default_args`` only for a BaseOperator
    # subclass's own __init__; a mixin asks for the same treatment explicitly.
    @BaseOperatorMeta._apply_defaults  # type: ignore[type-var]
    def __init__(
        self,
        *,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        verify: bool | str | None = None,
        botocore_config: dict[str, Any] | None = None,
        retry_budget: float = DEFAULT_RETRY_BUDGET,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.verify = verify
        self.botocore_config = botocore_config
        self.retry_budget = retry_budget

    def trigger_aws_params(self) -> dict[str, Any]:
        """The values a trigger is given, so the deferred half reaches AWS the same way.

        The region is the one the hook's client resolved (from the argument, the connection or
        boto3's default), not the argument: a triggerer with another default region must still
        poll the region the job was created in.
        """
        return {
            "aws_conn_id": self.aws_conn_id,
            "region_name": self.hook.conn_region_name,
            "verify": self.verify,
            "botocore_config": self.botocore_config,
            "retry_budget": self.retry_budget,
        }

    @cached_property
    def hook(self) -> HookT:
        """The hook, built once from the parameters."""
        hook = self.aws_hook_class(
            aws_conn_id=self.aws_conn_id,
            region_name=self.region_name,
            verify=self.verify,
            config=self.botocore_config,
            retry_budget=self.retry_budget,
        )
        return cast(HookT, hook)
