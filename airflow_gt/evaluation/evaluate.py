"""An adapter's evaluation judged: metrics, its best threshold, and the gates it passes.

:func:`evaluate` combines a parsed results file with the gates asked for; :meth:`Evaluation.summary`
is the JSON object ``airflow-gt evaluate --format json`` prints, whose keys are a contract
(``../shared/DESIGN.md``): ``passed``, ``f1`` (the file's ``F1Score``), ``threshold`` (the input
confidence threshold), ``adapter`` and ``base_model`` (counts and metrics at that threshold, summed
over labels), ``best_threshold`` (``{threshold, f1}`` of the adapter over the sweep), and
``per_label`` (``label`` and the same two blocks); then ``gates``, ``sweep`` and the details.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_gt.evaluation.gates import GateOutcome, Gates, check_gates
from airflow_gt.evaluation.results import EvaluationResults


@dataclass(frozen=True)
class BestThreshold:
    """The sweep threshold where the adapter's F1 (summed over labels) is highest."""

    threshold: float
    f1: float


def best_threshold(results: EvaluationResults) -> BestThreshold:
    """The adapter's best threshold of the sweep.

    Among thresholds with the same F1, the one nearest the input threshold wins (no reason to
    move it), then the lower one.
    """
    best = min(
        results.sweep,
        key=lambda at: (
            -at.aggregated.adapter.f1, abs(at.threshold - results.threshold), at.threshold
        ),
    )
    return BestThreshold(best.threshold, best.aggregated.adapter.f1)


@dataclass(frozen=True)
class Evaluation:
    """A results file, its adapter's best threshold and the outcome of each gate checked."""

    results: EvaluationResults
    best: BestThreshold
    gates: tuple[GateOutcome, ...]

    @property
    def passed(self) -> bool:
        """True when every gate held (and when none was asked for)."""
        return all(outcome.passed for outcome in self.gates)

    def summary(self) -> dict[str, Any]:
        """The JSON object of ``airflow-gt evaluate --format json``."""
        results = self.results
        at_input = results.input_threshold
        return {
            "source": results.source,
            "passed": self.passed,
            "f1": results.f1_score,
            "threshold": results.threshold,
            **at_input.aggregated.summary(),
            "best_threshold": {"threshold": self.best.threshold, "f1": self.best.f1},
            "per_label": [
                {"label": label, **counts.summary()} for label, counts in at_input.labels.items()
            ],
            "gates": [outcome.summary() for outcome in self.gates],
            "labels": list(results.labels),
            "testing_images": results.details.testing_images,
            "training_images": results.details.training_images,
            "project_version_arn": results.details.project_version_arn,
            "sweep": [
                {"threshold": at.threshold, **at.aggregated.summary()} for at in results.sweep
            ],
        }


def evaluate(results: EvaluationResults, gates: Gates | None = None) -> Evaluation:
    """Judge ``results`` against ``gates`` (none: the evaluation passes)."""
    outcomes = check_gates(results, gates or Gates())
    return Evaluation(results, best_threshold(results), tuple(outcomes))
