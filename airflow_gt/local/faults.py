"""Fault injection: throttling, server errors and slow answers per operation, and forced failures.

For reliability tests of client code (retries, backoff, time budgets). Faults apply to the
stand-in's own SageMaker and Rekognition operations and to moto's S3 and SNS
(:mod:`airflow_gt.local.moto_faults`); an operation is named as AWS names it
(``DescribeLabelingJob``, ``GetObject``, ``Publish``), and ``*`` sets a default for all of them.
Draws come from a random generator seeded like the rest of the stand-in, so a run with the same
seed fails the same calls.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.local.errors import AwsError

ANY_OPERATION = "*"


@dataclass(frozen=True)
class OperationFaults:
    """How one operation misbehaves.

    :param throttle_rate: the share of calls answered with a throttling error (0 to 1).
    :param error_rate: the share of calls answered with a 5xx service error (0 to 1).
    :param latency: seconds added to every call, really slept, so client timeouts can be tested.
    """

    throttle_rate: float = 0.0
    error_rate: float = 0.0
    latency: float = 0.0

    def __post_init__(self) -> None:
        for name in ("throttle_rate", "error_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigurationError(name, f"must be between 0 and 1, got {value}")
        if self.throttle_rate + self.error_rate > 1.0:
            raise ConfigurationError("error_rate", "throttle_rate + error_rate exceeds 1")
        if self.latency < 0:
            raise ConfigurationError("latency", f"must not be negative, got {self.latency}")


@dataclass(frozen=True)
class Fault:
    """What to do to one call: wait ``latency`` seconds, then maybe answer with ``error``."""

    latency: float
    error: AwsError | None


@dataclass
class FaultInjector:
    """The faults in force; safe to change while the stand-in serves requests."""

    seed: int = 0
    operations: dict[str, OperationFaults] = field(default_factory=dict)
    failing_resources: dict[str, str] = field(default_factory=dict)
    _random: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def set(self, operation: str = ANY_OPERATION, **settings: float) -> None:
        """Set faults for ``operation`` (or every operation with ``*``); unset keys are kept."""
        with self._lock:
            current = self.operations.get(operation, OperationFaults())
            try:
                self.operations[operation] = replace(current, **settings)
            except TypeError as error:
                raise ConfigurationError("faults", str(error)) from None

    def fail(self, resource_name: str, reason: str = "Failed by fault injection") -> None:
        """Make the labeling job or adapter version of this name fail, with ``reason``."""
        with self._lock:
            self.failing_resources[resource_name] = reason

    def clear(self) -> None:
        with self._lock:
            self.operations.clear()
            self.failing_resources.clear()

    def forced_failure(self, resource_name: str) -> str | None:
        """The reason the named job or version must fail, or None."""
        with self._lock:
            return self.failing_resources.get(resource_name)

    def draw(self, operation: str, throttling: AwsError, server_error: AwsError) -> Fault:
        """Decide this call's fault, given the service's own throttling and 5xx errors."""
        with self._lock:
            faults = self.operations.get(operation) or self.operations.get(ANY_OPERATION)
            if faults is None:
                return Fault(0.0, None)
            roll = self._random.random()
        error = None
        if roll < faults.throttle_rate:
            error = throttling
        elif roll < faults.throttle_rate + faults.error_rate:
            error = server_error
        return Fault(faults.latency, error)

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "operations": {
                    name: {
                        "throttle_rate": f.throttle_rate,
                        "error_rate": f.error_rate,
                        "latency": f.latency,
                    }
                    for name, f in sorted(self.operations.items())
                },
                "failing_resources": dict(sorted(self.failing_resources.items())),
            }


def parse_fault_spec(spec: str) -> tuple[str, dict[str, float]]:
    """Read ``Operation:throttle=0.2,error=0.1,latency=0.5`` (the command line's ``--fault``)."""
    operation, sep, settings = spec.partition(":")
    if not sep or not operation:
        raise ConfigurationError("--fault", f"{spec!r}: expected OPERATION:key=value[,key=value]")
    names: Mapping[str, str] = {
        "throttle": "throttle_rate", "error": "error_rate", "latency": "latency",
    }
    parsed: dict[str, float] = {}
    for item in settings.split(","):
        key, eq, value = item.partition("=")
        if not eq or key.strip() not in names:
            raise ConfigurationError(
                "--fault", f"{spec!r}: {item!r} is not one of throttle=, error=, latency="
            )
        try:
            parsed[names[key.strip()]] = float(value)
        except ValueError:
            raise ConfigurationError("--fault", f"{spec!r}: {value!r} is not a number") from None
    OperationFaults(**parsed)  # check ranges now, with the command line's wording
    return operation.strip(), parsed
