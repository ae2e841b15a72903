"""When the simulated workers answer: the schedule of one labeling job's tasks.

Each data object is offered, in input-manifest order, as soon as fewer than
``MaxConcurrentTaskCount`` objects are being worked on. ``NumberOfHumanWorkersPerDataObject``
different workers then accept it after a short pick-up delay and spend a random time on it; a
worker who goes past ``TaskTimeLimitInSeconds`` loses the task, which goes to another worker (at
most :data:`ATTEMPTS_PER_ANSWER` tries per answer). The object is done when its last answer is in.
Everything is drawn from a generator seeded by the stand-in's seed, the job name and the object's
index, so the same job gives the same schedule.
"""

from __future__ import annotations

import hashlib
import heapq
import random
import re
from dataclasses import dataclass, field, replace

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.local.clock import file_timestamp
from airflow_gt.local.tasks import WorkerSkill

ATTEMPTS_PER_ANSWER = 3
TASK_EFFORT = {
    "image-classification": 1.0,
    "text-classification": 1.0,
    "image-classification-multilabel": 1.3,
    "text-classification-multilabel": 1.3,
    "label-verification": 1.0,
    "text-span": 2.0,
    "object-detection": 3.0,
    "semantic-segmentation": 5.0,
}
"""How long each kind of task takes, relative to a single-label classification."""
_WORKER_NAME = re.compile(r"[^\s,=/]+")
"""A named worker: no whitespace, comma, ``=`` or ``/`` (``--workers`` separates by them)."""


@dataclass(frozen=True)
class WorkforceConfig:
    """How the simulated workforce behaves.

    :param seconds_per_task: mean seconds a worker spends on one classification task; other kinds
        take longer (:data:`TASK_EFFORT`).
    :param initializing_seconds: how long a job stays ``Initializing``.
    :param stopping_seconds: how long a job stays ``Stopping`` after StopLabelingJob.
    :param skill: how well the workers answer (accuracy, box jitter, comments).
    :param object_failure_rate: the share of data objects that fail with a ``failure-reason``.
    :param workers: the size of the work team that answers (when ``named_workers`` is empty).
    :param auto_labeling_seconds: with automated data labeling, how long each iteration's model
        step (training, then batch transform of the validation set and the unlabeled objects)
        takes after the iteration's workers are done.
    :param named_workers: ``(name, accuracy)`` pairs: when given, the work team of every
        labeling job is exactly these workers, in this order; their names are the ``workerId``
        of their answers, and each answers with its own accuracy (the rest of ``skill`` is
        shared). A job that asks for more workers per object than there are is refused.
    """

    seconds_per_task: float = 1.5
    initializing_seconds: float = 2.0
    stopping_seconds: float = 1.0
    skill: WorkerSkill = field(default_factory=WorkerSkill)
    object_failure_rate: float = 0.0
    workers: int = 12
    auto_labeling_seconds: float = 3.0
    named_workers: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        for name in ("seconds_per_task", "initializing_seconds", "stopping_seconds",
                     "auto_labeling_seconds"):
            if getattr(self, name) < 0:
                raise ConfigurationError(name, f"must not be negative, got {getattr(self, name)}")
        if not 0.0 <= self.object_failure_rate <= 1.0:
            raise ConfigurationError("object_failure_rate", "must be between 0 and 1")
        if self.workers < 1:
            raise ConfigurationError("workers", "must be at least 1")
        _check_named_workers(self.named_workers)

    def worker_skills(self) -> dict[str, WorkerSkill]:
        """Each named worker's skill: :attr:`skill` with that worker's accuracy."""
        return {
            name: replace(self.skill, accuracy=float(accuracy))
            for name, accuracy in self.named_workers
        }


def _check_named_workers(named: tuple[tuple[str, float], ...]) -> None:
    seen: set[str] = set()
    for item in named:
        if not (isinstance(item, tuple) and len(item) == 2):
            raise ConfigurationError("workers", f"{item!r} is not a (name, accuracy) pair")
        name, accuracy = item
        if not isinstance(name, str) or not _WORKER_NAME.fullmatch(name):
            raise ConfigurationError(
                "workers", f"worker name {name!r} must be non-empty, without whitespace, ',', "
                "'=' or '/'"
            )
        if name in seen:
            raise ConfigurationError("workers", f"worker {name!r} is named twice")
        seen.add(name)
        if isinstance(accuracy, bool) or not isinstance(accuracy, (int, float)) or not (
            0.0 <= accuracy <= 1.0
        ):
            raise ConfigurationError(
                "workers", f"the accuracy of worker {name!r} must be between 0 and 1, got "
                f"{accuracy!r}"
            )


def parse_named_workers(text: str) -> tuple[tuple[str, float], ...]:
    """``"w1=0.95,w2=0.9,w3=0.4"`` as ``(("w1", 0.95), ("w2", 0.9), ("w3", 0.4))``.

    :raises ConfigurationError: naming ``--workers`` and the bad item.
    """
    if not text.strip():
        raise ConfigurationError("--workers", "expected NAME=ACCURACY,..., got nothing")
    named: list[tuple[str, float]] = []
    for item in text.split(","):
        name, equals, value = item.strip().partition("=")
        if not equals:
            raise ConfigurationError("--workers", f"{item!r}: expected NAME=ACCURACY")
        try:
            accuracy = float(value)
        except ValueError:
            raise ConfigurationError(
                "--workers", f"{item!r}: the accuracy {value!r} is not a number"
            ) from None
        try:
            _check_named_workers((*named, (name, accuracy)))
        except ConfigurationError as error:
            raise ConfigurationError("--workers", f"{item.strip()!r}: {error.detail}") from None
        named.append((name, accuracy))
    return tuple(named)


@dataclass(frozen=True)
class PlannedAnswer:
    """One worker's answer to one object: who, when accepted, when submitted."""

    worker_id: str
    accepted: float
    submitted: float


@dataclass(frozen=True)
class PlannedObject:
    """When an object is done, with which answers, and whether it fails."""

    index: int
    offered_at: float
    done_at: float
    answers: tuple[PlannedAnswer, ...]
    failure_reason: str | None


def object_random(seed: int, job_name: str, index: int, purpose: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}\0{job_name}\0{index}\0{purpose}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def worker_ids(seed: int, team: str, region: str, count: int) -> list[str]:
    """Stable worker IDs of a work team, shaped like Ground Truth's private workforce IDs."""
    return [
        f"private.{region}." + hashlib.sha256(f"{seed}\0{team}\0{k}".encode()).hexdigest()[:26]
        for k in range(count)
    ]


def _distinct_seconds(answers: list[PlannedAnswer]) -> list[PlannedAnswer]:
    # Each answer is its own file named by its submission second: two answers of one object may
    # not share a second, so a later one is moved to the next free second.
    used: set[str] = set()
    kept = []
    for answer in sorted(answers, key=lambda a: a.submitted):
        submitted = answer.submitted
        while file_timestamp(submitted) in used:
            submitted += 1.0
        used.add(file_timestamp(submitted))
        kept.append(PlannedAnswer(answer.worker_id, answer.accepted, submitted))
    return kept


@dataclass(frozen=True)
class ScheduleRequest:
    seed: int
    job_name: str
    objects: int
    start: float
    workers_per_object: int
    max_concurrent: int
    time_limit: float
    effort: float
    team: list[str]
    """The work team's worker IDs: at least ``workers_per_object`` of them."""
    indexes: tuple[int, ...] = ()
    """The data objects to plan, by index (an iteration of automated labeling); when empty,
    ``0 .. objects - 1``."""

    def __post_init__(self) -> None:
        if len(self.team) < self.workers_per_object:
            raise ConfigurationError(
                "workers", f"a team of {len(self.team)} cannot give {self.workers_per_object} "
                "different workers to one object"
            )


def _answers(req: ScheduleRequest, index: int, start: float, config: WorkforceConfig
             ) -> tuple[list[PlannedAnswer], float]:
    rng = object_random(req.seed, req.job_name, index, "schedule")
    mean = config.seconds_per_task * req.effort
    # Every slot has its own worker; a task that timed out goes to a worker not yet used.
    pool = rng.sample(req.team, k=len(req.team))
    spare = iter(pool[req.workers_per_object:] * ATTEMPTS_PER_ANSWER)
    answers, last = [], start
    for slot in range(req.workers_per_object):
        offered = start
        worker = pool[slot % len(pool)]
        for attempt in range(ATTEMPTS_PER_ANSWER):
            if attempt:
                worker = next(spare, worker)
            accepted = offered + rng.uniform(0.0, 0.2 * mean)
            spent = mean * rng.lognormvariate(0.0, 0.35)
            if spent <= req.time_limit:
                answers.append(PlannedAnswer(worker, accepted, accepted + spent))
                last = max(last, accepted + spent)
                break
            offered = accepted + req.time_limit
            last = max(last, offered)
    answers = _distinct_seconds(answers)
    if answers:
        last = max(last, answers[-1].submitted)
    return answers, last


def plan_schedule(req: ScheduleRequest, config: WorkforceConfig) -> list[PlannedObject]:
    """Plan every object's answers; the result is sorted by the time each object is done."""
    free_at = [req.start] * min(req.max_concurrent, max(req.objects, 1))
    heapq.heapify(free_at)
    planned = []
    for index in req.indexes or range(req.objects):
        start = heapq.heappop(free_at)
        answers, done_at = _answers(req, index, start, config)
        failure = None
        if not answers:
            failure = (
                "ClientError: no worker submitted an answer within TaskTimeLimitInSeconds "
                f"({req.time_limit:g} s) after {ATTEMPTS_PER_ANSWER} tries"
            )
        elif object_random(req.seed, req.job_name, index, "failure").random() < (
            config.object_failure_rate
        ):
            failure = "ClientError: annotation consolidation failed for this data object"
        planned.append(PlannedObject(index, start, done_at, tuple(answers), failure))
        heapq.heappush(free_at, done_at)
    planned.sort(key=lambda p: (p.done_at, p.index))
    return planned
