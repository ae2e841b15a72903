"""Retrying throttled and transiently failed AWS calls, within a time budget.

botocore already retries a few times; when AWS keeps throttling past that (a busy account, many
tasks polling at once), the call is retried again here with jittered exponential backoff
(tenacity's ``wait_random_exponential``: a random wait up to ``first_delay * 2**n`` seconds,
capped at ``max_delay``) -- but only until ``seconds`` have passed since the first try, and at
most ``max_retries`` times whatever the clock says. Then
:class:`~airflow_gt.exceptions.RetryBudgetExhaustedError` says which call, how many retries, for
how long and with which error code. The budget is per call: a wait that polls for days gets a
fresh budget for each check, and a check that cannot get through in the budget fails the task
instead of retrying forever.

What is retried is decided by error codes and exception types, never by message text:
throttling codes, AWS's transient server codes and 5xx statuses, and connection failures.
Anything else (a validation error, a missing job, a job name in use) is raised at once.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from airflow_gt.exceptions import ConfigurationError, RetryBudgetExhaustedError
from airflow_gt.manifests.storage import error_code

T = TypeVar("T")

THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
    "RequestThrottledException", "TooManyRequestsException", "RequestLimitExceeded",
    "ProvisionedThroughputExceededException", "BandwidthLimitExceeded", "SlowDown",
    "PriorRequestNotComplete", "TransactionInProgressException", "EC2ThrottledException",
})
TRANSIENT_CODES = frozenset({
    "InternalError", "InternalFailure", "InternalServerError", "InternalServerException",
    "ServiceUnavailable", "ServiceUnavailableException", "RequestTimeout",
    "RequestTimeoutException",
})
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
DEFAULT_RETRY_BUDGET = 300.0

_log = logging.getLogger(__name__)


def transient_error(error: BaseException) -> str | None:
    """Why ``error`` is worth retrying (its error code or exception type), or None if it is not."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError, SSLError

    if isinstance(error, ClientError):
        code = error_code(error)
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in THROTTLING_CODES or code in TRANSIENT_CODES:
            return code
        if status in TRANSIENT_STATUSES:
            return code or f"HTTP {status}"
        return None
    if isinstance(error, SSLError):  # a certificate problem does not go away by itself
        return None
    if isinstance(error, (ConnectionError, HTTPClientError)):
        return type(error).__name__
    return None


def _is_transient(error: BaseException) -> bool:
    return transient_error(error) is not None


@dataclass(frozen=True)
class RetryBudget:
    """How long, and how fast, to retry one throttled or transiently failed call.

    :param seconds: the time from the first try after which no retry starts.
    :param first_delay: the scale of the first waits, in seconds (waits double, with jitter).
    :param max_delay: the longest single wait, in seconds.
    :param max_retries: a cap on the count as well, whatever the clock says.
    """

    seconds: float = DEFAULT_RETRY_BUDGET
    first_delay: float = 1.0
    max_delay: float = 30.0
    max_retries: int = 100

    def __post_init__(self) -> None:
        for name in ("seconds", "first_delay", "max_delay"):
            value = getattr(self, name)
            if not value > 0:
                raise ConfigurationError(
                    "retry_budget", f"{name} must be more than 0 seconds, got {value!r}"
                )
        if self.max_retries < 0:
            raise ConfigurationError("retry_budget", "max_retries must not be negative")

    def call(
        self,
        operation: str,
        function: Callable[[], T],
        *,
        log: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> T:
        """``function()``, retried within the budget; ``operation`` names it in messages."""
        retrying = Retrying(sleep=sleep, **self._options(operation, log or _log))
        return retrying(function)

    async def call_async(
        self, operation: str, function: Callable[[], Awaitable[T]], *, log: Any = None
    ) -> T:
        """``await function()``, retried within the budget without blocking the event loop."""
        async def attempt() -> T:  # tenacity awaits only what a coroutine function returns
            return await function()

        retrying = AsyncRetrying(**self._options(operation, log or _log))
        return await retrying(attempt)

    def _options(self, operation: str, log: Any) -> dict[str, Any]:
        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome is not None else None
            wait = state.next_action.sleep if state.next_action is not None else 0.0
            log.warning(
                "%s: %s; retry %d in %.1f s (retry budget %g s)",
                operation, transient_error(error) if error else "error",
                state.attempt_number, wait, self.seconds,
            )

        def give_up(state: RetryCallState) -> NoReturn:
            error = state.outcome.exception() if state.outcome is not None else None
            code = (transient_error(error) if error else None) or "an unknown error"
            raise RetryBudgetExhaustedError(
                operation, state.attempt_number - 1, state.seconds_since_start or 0.0,
                self.seconds, code,
            ) from error

        return {
            "stop": stop_before_delay(self.seconds) | stop_after_attempt(self.max_retries + 1),
            "wait": wait_random_exponential(multiplier=self.first_delay, max=self.max_delay),
            "retry": retry_if_exception(_is_transient),
            "before_sleep": before_sleep,
            "retry_error_callback": give_up,
        }


S3_RETRIES = {"mode": "standard", "total_max_attempts": 10}
"""How the hooks' S3 calls are retried unless configured otherwise: S3 answers ``SlowDown``
(503) under load, and botocore's legacy default of 5 attempts lets about one call in 400 fail
when 30% are refused. Tasks wait for hours anyway; the command line keeps botocore's defaults, so
that a wrong endpoint fails in seconds."""


def s3_config(config: Any = None) -> Any:
    """``config`` (a botocore ``Config``, or None) with :data:`S3_RETRIES` where it sets no
    retries of its own; the ``AWS_RETRY_MODE`` and ``AWS_MAX_ATTEMPTS`` variables also win."""
    from botocore.config import Config

    if (config is not None and config.retries) or (
        "AWS_RETRY_MODE" in os.environ or "AWS_MAX_ATTEMPTS" in os.environ
    ):
        return config
    retries = Config(retries=S3_RETRIES)
    return retries if config is None else config.merge(retries)
