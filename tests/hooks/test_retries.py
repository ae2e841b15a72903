"""The retry budget: what is retried (by error code and type), how often, and when it gives up."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError, SSLError

from airflow_gt.exceptions import ConfigurationError, RetryBudgetExhaustedError
from airflow_gt.hooks.retries import RetryBudget, transient_error


def aws_error(code: str, status: int = 400, message: str = "") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message},
         "ResponseMetadata": {"HTTPStatusCode": status}},
        "DescribeLabelingJob",
    )


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (aws_error("ThrottlingException"), "ThrottlingException"),
        (aws_error("SlowDown", 503), "SlowDown"),
        (aws_error("InternalFailure", 500), "InternalFailure"),
        (aws_error("", 502), "HTTP 502"),
        (aws_error("SomethingNew", 503), "SomethingNew"),
        (EndpointConnectionError(endpoint_url="http://x"), "EndpointConnectionError"),
        (ReadTimeoutError(endpoint_url="http://x"), "ReadTimeoutError"),
        (aws_error("ValidationException", message="Rate exceeded"), None),
        (aws_error("ResourceInUse"), None),
        (aws_error("ResourceLimitExceeded"), None),
        (aws_error("NotImplemented", 501), None),
        (SSLError(endpoint_url="http://x", error="bad certificate"), None),
        (ValueError("ThrottlingException"), None),
    ],
)
def test_transient_errors_are_known_by_code_and_type_not_by_message(
    error: Exception, reason: str | None
) -> None:
    assert transient_error(error) == reason


def failing(times: int, error: Exception, calls: list[int]) -> Callable[[], str]:
    def call() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "answer"

    return call


def test_a_call_is_retried_with_growing_jittered_waits_until_it_succeeds() -> None:
    calls: list[int] = []
    waits: list[float] = []
    budget = RetryBudget(seconds=60, first_delay=1.0, max_delay=4.0)
    result = budget.call("Describe", failing(5, aws_error("ThrottlingException"), calls),
                         sleep=waits.append)
    assert result == "answer"
    assert len(calls) == 6
    assert len(waits) == 5
    caps = [min(4.0, 1.0 * 2**n) for n in range(1, 6)]
    assert all(0 <= wait <= cap for wait, cap in zip(waits, caps, strict=True))


def test_the_count_cap_holds_even_when_no_time_passes() -> None:
    calls: list[int] = []
    budget = RetryBudget(seconds=3600, max_retries=7)
    with pytest.raises(RetryBudgetExhaustedError) as caught:
        budget.call("Describe", failing(10**6, aws_error("ThrottlingException"), calls),
                    sleep=lambda seconds: None)
    assert caught.value.retries == 7 == len(calls) - 1
    assert caught.value.last_error == "ThrottlingException"
    assert "after 7 retries" in str(caught.value)


def test_the_time_budget_stops_before_a_wait_would_pass_it() -> None:
    calls: list[int] = []
    budget = RetryBudget(seconds=0.05, first_delay=1.0)
    with pytest.raises(RetryBudgetExhaustedError) as caught:
        budget.call("Describe", failing(10**6, aws_error("InternalFailure", 500), calls))
    assert caught.value.elapsed < 0.05 + 1.0
    assert caught.value.budget == 0.05


def test_errors_that_are_not_transient_are_raised_at_once() -> None:
    calls: list[int] = []
    with pytest.raises(ClientError):
        RetryBudget().call("Create", failing(1, aws_error("ResourceInUse"), calls),
                           sleep=lambda seconds: pytest.fail("must not wait"))
    assert len(calls) == 1


def test_the_async_call_awaits_each_try() -> None:
    calls: list[int] = []

    async def describe() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise aws_error("ThrottlingException")
        return "answer"

    budget = RetryBudget(seconds=10, first_delay=0.001, max_delay=0.002)
    assert asyncio.run(budget.call_async("Describe", describe)) == "answer"
    assert len(calls) == 3


@pytest.mark.parametrize("settings", [{"seconds": 0}, {"first_delay": -1}, {"max_retries": -1}])
def test_a_budget_must_be_positive(settings: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="retry_budget"):
        RetryBudget(**settings)
