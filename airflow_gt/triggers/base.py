"""The base of airflow-gt's triggers: it serializes, opens the async clients and runs the loop.

A trigger says what one check is (:meth:`AwsPollingTrigger.check`, given aiobotocore clients) and
which of its own fields to serialize (:meth:`AwsPollingTrigger.trigger_fields`); the base does the
rest, the same way for every trigger:

- it serializes the AWS parameters of the task that deferred (connection id, region, SSL
  verification, botocore configuration, retry budget), so the triggerer polls what the task
  created, where it created it;
- it checks every ``poll_interval`` seconds, at most ``max_attempts`` times;
- each AWS call goes through the retry budget (:mod:`airflow_gt.hooks.retries`): throttling is
  retried with jittered backoff, counted, and given up at the budget;
- it ends with exactly one event: the check's payload, or ``{"status": "error", "message": ...}``
  with the trigger's own fields (the job name...), so the resumed task can say what failed.
"""

from __future__ import annotations

import asyncio
from abc import abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from typing import Any, ClassVar, TypeVar

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_gt.exceptions import AirflowGtError
from airflow_gt.hooks.retries import DEFAULT_RETRY_BUDGET, RetryBudget

T = TypeVar("T")

ERROR = "error"


def event(payload: dict[str, Any]) -> TriggerEvent:
    return TriggerEvent(payload)  # type: ignore[no-untyped-call]




async def async_client(hook: AwsBaseHook) -> Any:
    """The hook's aiobotocore client context (``async with await async_client(hook) as c``)."""
    return await hook.get_async_conn()  # type: ignore[no-untyped-call]


class AwsPollingTrigger(BaseTrigger):
    """Polls AWS with aiobotocore clients until a check says it is done.

    :param poll_interval: seconds between two checks.
    :param max_attempts: how many checks to make before giving up with an error event.
    :param aws_conn_id: the task's AWS connection id.
    :param region_name: the region the task's client resolved.
    :param verify: the task's SSL verification setting.
    :param botocore_config: the task's botocore configuration (a dict).
    :param retry_budget: seconds during which a throttled or transiently failed call is retried.
    """

    client_types: ClassVar[tuple[str, ...]] = ("sagemaker",)
    """The aiobotocore clients :meth:`check` is given, by botocore service name."""
    default_poll_interval: ClassVar[float] = 60.0
    default_max_attempts: ClassVar[int] = 60
    """What ``poll_interval`` and ``max_attempts`` are when not given (a subclass takes its
    waiter's delay and attempts)."""

    def __init__(
        self,
        *,
        poll_interval: float | None = None,
        max_attempts: int | None = None,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        verify: bool | str | None = None,
        botocore_config: dict[str, Any] | None = None,
        retry_budget: float = DEFAULT_RETRY_BUDGET,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.poll_interval = self.default_poll_interval if poll_interval is None else poll_interval
        self.max_attempts = self.default_max_attempts if max_attempts is None else max_attempts
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.verify = verify
        self.botocore_config = botocore_config
        self.retry_budget = retry_budget
        self.last_seen = "not checked yet"
        """What the last check saw, for the message when the attempts run out."""

    @abstractmethod
    def trigger_fields(self) -> dict[str, Any]:
        """The subclass's own constructor arguments, to serialize with the common ones."""

    @property
    @abstractmethod
    def subject(self) -> str:
        """What is waited for, in words (``labeling job 'x'``)."""

    @abstractmethod
    async def check(self, clients: Mapping[str, Any]) -> dict[str, Any] | None:
        """One check: the event payload when done, None to check again later."""

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                **self.trigger_fields(),
                "poll_interval": self.poll_interval,
                "max_attempts": self.max_attempts,
                "aws_conn_id": self.aws_conn_id,
                "region_name": self.region_name,
                "verify": self.verify,
                "botocore_config": self.botocore_config,
                "retry_budget": self.retry_budget,
            },
        )

    def aws_hook(self, client_type: str) -> AwsBaseHook:
        """A hook of the task's connection, region, verification and config for ``client_type``."""
        return AwsBaseHook(
            aws_conn_id=self.aws_conn_id, region_name=self.region_name, verify=self.verify,
            config=self.botocore_config, client_type=client_type,
        )

    async def call(self, operation: str, function: Callable[[], Awaitable[T]]) -> T:
        """``await function()`` (an AWS call named ``operation``) within the retry budget."""
        budget = RetryBudget(seconds=self.retry_budget)
        return await budget.call_async(operation, function, log=self.log)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            async with AsyncExitStack() as stack:
                clients = {
                    name: await stack.enter_async_context(await async_client(self.aws_hook(name)))
                    for name in self.client_types
                }
                for attempt in range(1, self.max_attempts + 1):
                    payload = await self.check(clients)
                    if payload is not None:
                        yield event(payload)
                        return
                    if attempt < self.max_attempts:
                        await asyncio.sleep(self.poll_interval)
        except (AirflowGtError, ClientError, BotoCoreError) as error:
            self.log.error("%s: %s", self.subject, error)
            yield self.error_event(str(error), type(error).__name__)
            return
        yield self.error_event(
            f"not done after {self.max_attempts} checks {self.poll_interval:g} s apart "
            f"(last seen: {self.last_seen})",
            "MaxAttemptsExceeded",
        )

    def error_event(self, message: str, error: str) -> TriggerEvent:
        """``{"status": "error", "message", "error"}`` with the trigger's own fields."""
        return event({**self.trigger_fields(), "status": ERROR, "message": message, "error": error})
