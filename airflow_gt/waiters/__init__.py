"""Waiters as data: when a labeling job or an adapter's training is done, as botocore acceptors.

botocore has no waiter for labeling jobs, so ``ground_truth.json`` defines one in botocore's
waiter format (version 2); ``rekognition.json`` defines one for a Custom Moderation adapter
version's training (``AdapterTrainingCompleted``: botocore's own ``ProjectVersionTrainingCompleted``
knows only two of an adapter's states). Both ways of waiting read them:

- the synchronous path (operators, sensors) and the asynchronous one (triggers) describe the job
  or version themselves, with their own retry budget for throttling, and ask
  :func:`waiter_state` which acceptor the answer matches: ``success`` and ``failure`` end the
  wait, anything else goes on;
- ``GroundTruthHook.get_waiter("LabelingJobCompleted")`` and
  ``RekognitionHook.get_waiter("AdapterTrainingCompleted")`` return them as plain botocore
  waiters, for anyone who wants botocore's own loop.

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
REKOGNITION_WAITERS = Path(__file__).with_name("rekognition.json")
WAITER_FILES = (GROUND_TRUTH_WAITERS, REKOGNITION_WAITERS)
LABELING_JOB_COMPLETED = "LabelingJobCompleted"
ADAPTER_TRAINING_COMPLETED = "AdapterTrainingCompleted"
ENDING_STATES = frozenset({"success", "failure"})


def waiter_document(path: Path = GROUND_TRUTH_WAITERS) -> dict[str, Any]:
    """A waiter file as loaded JSON (a fresh copy: botocore may change what it is given)."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


@cache
def waiter_config(name: str) -> SingleWaiterConfig:
    """botocore's view of one waiter of our files (its operation, delay, attempts, acceptors)."""
    from botocore.waiter import WaiterModel

    for path in WAITER_FILES:
        document = waiter_document(path)
        if name in document["waiters"]:
            return WaiterModel(document).get_waiter(name)
    raise KeyError(f"no waiter named {name!r} in {', '.join(p.name for p in WAITER_FILES)}")


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
