"""The workforce checked with Great Expectations: the suite ``workforce.json`` over the frames.

Three frames go to GX (``gx_runner.py``), each with a ``line`` column GX reports failing rows by:

- ``objects``: one row per data object the workers answered (``line`` is its manifest line);
- ``workers``: one row per worker, in the per-worker table's order (``line`` is the row);
- ``judged_workers``: the rows of ``workers`` with at least ``min_tasks`` tasks and a measured
  accuracy: only they are held to ``min_worker_accuracy``.

The thresholds are suite parameters; one not given leaves its expectation out. GX's verdict on
each expectation is the check's; every worker GX finds below the accuracy threshold becomes one
entry of ``failed_checks``, naming the worker and the figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.validation.results import ExpectationOutcome, FailingValue
from airflow_gt.validation.suites import SuiteSpec, read_suite
from airflow_gt.workforce.measures import WorkerTally, WorkforceMeasures

AGGREGATE_EXPECTATIONS = frozenset({"expect_column_mean_to_be_between"})


@dataclass(frozen=True)
class WorkforceThresholds:
    """What the workforce is held to.

    :param min_agreement: the job's mean agreement must be at least this.
    :param min_worker_accuracy: each judged worker's accuracy must be at least this.
    :param min_tasks: workers with fewer tasks are not judged.
    """

    min_agreement: float | None = None
    min_worker_accuracy: float | None = None
    min_tasks: int = 1

    def __post_init__(self) -> None:
        for name in ("min_agreement", "min_worker_accuracy"):
            value = getattr(self, name)
            if value is not None and not (
                isinstance(value, (int, float)) and not isinstance(value, bool)
                and 0.0 <= value <= 1.0
            ):
                raise ConfigurationError(name, f"must be a number between 0 and 1, got {value!r}")
        if isinstance(self.min_tasks, bool) or not isinstance(self.min_tasks, int) or (
            self.min_tasks < 1
        ):
            raise ConfigurationError("min_tasks", f"must be a whole number >= 1, got "
                                     f"{self.min_tasks!r}")

    def parameters(self) -> dict[str, Any]:
        """The suite parameters: the thresholds that are set."""
        found: dict[str, Any] = {"min_tasks": self.min_tasks}
        if self.min_agreement is not None:
            found["min_agreement"] = float(self.min_agreement)
        if self.min_worker_accuracy is not None:
            found["min_worker_accuracy"] = float(self.min_worker_accuracy)
        return found


def load_workforce_suite() -> SuiteSpec:
    return read_suite(resources.files("airflow_gt.workforce") / "expectations" / "workforce.json")


@dataclass
class WorkforceResult:
    """The measures, the thresholds, every expectation's outcome and the failed checks."""

    measures: WorkforceMeasures
    thresholds: WorkforceThresholds
    suite: str
    outcomes: list[ExpectationOutcome]
    failed_checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(outcome.success for outcome in self.outcomes)

    @property
    def flagged_workers(self) -> list[str]:
        """The workers below the accuracy threshold, in the per-worker table's order."""
        return [c["worker_id"] for c in self.failed_checks if c.get("worker_id") is not None]

    def summary(self, low_agreement: int | None = None) -> dict[str, Any]:
        """The command line's JSON contract (``airflow-gt workers --format json``)."""
        m = self.measures
        lows = m.low_agreement() if low_agreement is None else m.low_agreement(low_agreement)
        flagged = set(self.flagged_workers)
        return {
            "success": self.success,
            "source": m.source,
            "job_name": m.job_name,
            "job_type": m.job_type,
            "label_attribute": m.label_attribute,
            "objects": len(m.objects),
            "answers": m.answers,
            "workers": len(m.workers),
            "mean_agreement": m.mean_agreement,
            "alpha": m.alpha,
            "unmeasured": m.unmeasured,
            "thresholds": {
                "min_agreement": self.thresholds.min_agreement,
                "min_worker_accuracy": self.thresholds.min_worker_accuracy,
                "min_tasks": self.thresholds.min_tasks,
            },
            "per_worker": [
                {**worker.to_json(), "flagged": worker.worker_id in flagged}
                for worker in m.per_worker()
            ],
            "low_agreement": [
                {"source": o.source, "line": o.index + 1, "workers": o.workers,
                 "agreement": o.agreement}
                for o in lows
            ],
            "failed_checks": self.failed_checks,
            "suite": self.suite,
            "expectations": [outcome.to_json() for outcome in self.outcomes],
        }


def _judged(worker: WorkerTally, min_tasks: int) -> bool:
    return worker.tasks >= min_tasks and worker.accuracy is not None


def _number(value: float | None) -> float:
    return math.nan if value is None else value


def _frames(measures: WorkforceMeasures, min_tasks: int) -> dict[str, dict[str, Any]]:
    import numpy

    objects = measures.objects
    workers = measures.per_worker()
    judged = [(row, w) for row, w in enumerate(workers, 1) if _judged(w, min_tasks)]

    def text(values: list[str]) -> Any:
        array = numpy.empty(len(values), dtype=object)
        array[:] = values
        return array

    return {
        "objects": {
            "line": numpy.array([o.index + 1 for o in objects], dtype=numpy.int64),
            "source": text([o.source for o in objects]),
            "workers": numpy.array([o.workers for o in objects], dtype=numpy.float64),
            "agreement": numpy.array([_number(o.agreement) for o in objects]),
        },
        "workers": {
            "line": numpy.arange(1, len(workers) + 1, dtype=numpy.int64),
            "worker_id": text([w.worker_id for w in workers]),
            "tasks": numpy.array([w.tasks for w in workers], dtype=numpy.float64),
            "judged": numpy.array([w.judged for w in workers], dtype=numpy.float64),
            "accuracy": numpy.array([_number(w.accuracy) for w in workers]),
            "mean_seconds": numpy.array([_number(w.mean_seconds) for w in workers]),
        },
        "judged_workers": {
            "line": numpy.array([row for row, _ in judged], dtype=numpy.int64),
            "worker_id": text([w.worker_id for _, w in judged]),
            "tasks": numpy.array([w.tasks for _, w in judged], dtype=numpy.float64),
            "accuracy": numpy.array([_number(w.accuracy) for _, w in judged]),
        },
    }


def _refuse_unmeasured(measures: WorkforceMeasures, thresholds: WorkforceThresholds) -> None:
    if measures.unmeasured is None:
        return
    for name in ("min_agreement", "min_worker_accuracy"):
        if getattr(thresholds, name) is not None:
            raise ConfigurationError(
                name, f"agreement and accuracy are not measured for {measures.job_type} jobs: "
                f"{measures.unmeasured}"
            )


def check_workforce(measures: WorkforceMeasures, thresholds: WorkforceThresholds
                    ) -> WorkforceResult:
    """Run the workforce suite over the measures' frames (imports GX: seconds, once)."""
    from airflow_gt.validation.gx_runner import GxRunner

    _refuse_unmeasured(measures, thresholds)
    suite = load_workforce_suite()
    parameters = thresholds.parameters()
    expectations = suite.runnable(parameters)
    workers = measures.per_worker()
    runner = GxRunner(f"workforce-{measures.job_name}", expectations, parameters,
                      sample_count=max(len(workers), len(measures.objects), 1))
    found = runner.validate(_frames(measures, thresholds.min_tasks))
    result = WorkforceResult(measures, thresholds, suite.name, [])
    for position, spec in enumerate(expectations):
        outcome = ExpectationOutcome(
            expectation=spec.type, column=spec.column, frame=spec.frame, rule=spec.rule,
            kwargs=spec.filled(parameters), aggregate=spec.type in AGGREGATE_EXPECTATIONS,
        )
        chunk = found.get(position)
        if chunk is not None:
            outcome.element_count = chunk.element_count
            outcome.unexpected_count = chunk.unexpected_count
            outcome.observed_value = chunk.observed_value
            outcome.success = chunk.success
            outcome.samples = [
                FailingValue(line, _row_name(measures, workers, spec.frame, line), value)
                for line, value in chunk.samples
            ]
        result.outcomes.append(outcome)
        if not outcome.success:
            result.failed_checks.extend(_failed_checks(outcome, workers, parameters))
    return result


def _row_name(measures: WorkforceMeasures, workers: list[WorkerTally], frame: str,
              line: int) -> str | None:
    if frame == "objects":
        return next((o.source for o in measures.objects if o.index + 1 == line), None)
    return workers[line - 1].worker_id if 0 < line <= len(workers) else None


def _failed_checks(outcome: ExpectationOutcome, workers: list[WorkerTally],
                   parameters: dict[str, Any]) -> list[dict[str, Any]]:
    if outcome.frame == "judged_workers" and outcome.column == "accuracy":
        return [
            {"check": "min_worker_accuracy", "rule": outcome.rule,
             "worker_id": workers[sample.line - 1].worker_id,
             "measure": "accuracy", "value": workers[sample.line - 1].accuracy,
             "threshold": parameters["min_worker_accuracy"],
             "tasks": workers[sample.line - 1].tasks,
             "judged": workers[sample.line - 1].judged}
            for sample in outcome.samples
        ]
    if outcome.aggregate and outcome.column == "agreement":
        return [{"check": "min_agreement", "rule": outcome.rule, "measure": "mean_agreement",
                 "value": outcome.observed_value, "threshold": parameters["min_agreement"]}]
    return [{"check": outcome.expectation, "rule": outcome.rule,
             "measure": f"{outcome.frame}.{outcome.column}",
             "value": outcome.unexpected_count, "threshold": None,
             "sample_lines": [sample.line for sample in outcome.samples]}]
