"""Waiters as data: when a labeling job is done, as botocore waiter acceptors.

botocore has no waiter for labeling jobs, so ``ground_truth.json`` defines one in botocore's
waiter format (version 2). Both ways of waiting read it:

- the synchronous path (operators, sensors) and the asynchronous one (triggers) describe the job
  themselves, with their own retry budget for throttling, and ask :func:`waiter_state` which
  acceptor the answer matches: ``success`` and ``failure`` end the wait, anything else goes on;
- ``GroundTruthHook.get_waiter("LabelingJobCompleted")`` returns it as a plain botocore waiter,
  for anyone who wants botocore's own loop.

The acceptors are matched by botocore's own matchers, so the JSON means what it means to botocore.
botocore is imported on first use.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.waiter import SingleWaiterConfig

GROUND_TRUTH_WAITERS = Path(__file__).with_name("ground_truth.json")
LABELING_JOB_COMPLETED = "LabelingJobCompleted"
ENDING_STATES = frozenset({"success", "failure"})


def waiter_document() -> dict[str, Any]:
    """The waiter file as loaded JSON (a fresh copy: botocore may change what it is given)."""
    document: dict[str, Any] = json.loads(GROUND_TRUTH_WAITERS.read_text(encoding="utf-8"))
    return document


@cache
def waiter_config(name: str) -> SingleWaiterConfig:
    """botocore's view of one waiter of the file (its operation, delay, attempts, acceptors)."""
    from botocore.waiter import WaiterModel

    return WaiterModel(waiter_document()).get_waiter(name)


def waiter_state(name: str, response: dict[str, Any]) -> str | None:
    """The state (``success``, ``failure``, ``retry``) of the first acceptor ``response`` matches.

    None when no acceptor matches: as in botocore, the wait goes on.
    """
    for acceptor in waiter_config(name).acceptors:
        if acceptor.matcher_func(response):
            return str(acceptor.state)
    return None


def waiter_defaults(name: str) -> tuple[int, int]:
    """The waiter's ``delay`` (seconds between checks) and ``maxAttempts``."""
    config = waiter_config(name)
    return int(config.delay), int(config.max_attempts)
