"""Gates: the conditions an adapter's evaluation must meet before the adapter is used.

- ``min_f1``: the file's ``F1Score`` (the adapter's F1 at the input threshold) is at least this;
- ``require_improvement``: the adapter's F1 at the input threshold, summed over labels, is at least
  the base model's (an adapter that does no better than the model it adapts is not worth it);
- ``min_recall``: for each label named, the adapter's recall at the input threshold is at least
  the value given (a label the moderation must not miss).

Every gate asked for is checked and reported, passed or not; no gate asked for passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from airflow_gt.evaluation.results import EvaluationResults
from airflow_gt.exceptions import ConfigurationError


def _fraction(parameter: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ConfigurationError(parameter, f"must be between 0 and 1, got {value}")


@dataclass(frozen=True)
class Gates:
    """The gates to check; validated when made.

    :param min_f1: the lowest acceptable ``F1Score``, from 0 to 1.
    :param require_improvement: whether the adapter's F1 must be at least the base model's.
    :param min_recall: label -> the adapter's lowest acceptable recall for it, from 0 to 1.
    """

    min_f1: float | None = None
    require_improvement: bool = False
    min_recall: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.min_f1 is not None:
            _fraction("min_f1", self.min_f1)
        for label, value in self.min_recall.items():
            _fraction(f"min_recall[{label!r}]", value)
        object.__setattr__(self, "min_recall", MappingProxyType(dict(self.min_recall)))


@dataclass(frozen=True)
class GateOutcome:
    """One gate: its name, whether it held, and the figures compared, in words."""

    gate: str
    passed: bool
    detail: str

    def summary(self) -> dict[str, str | bool]:
        return {"gate": self.gate, "passed": self.passed, "detail": self.detail}


def check_gates(results: EvaluationResults, gates: Gates) -> list[GateOutcome]:
    """The outcome of every gate in ``gates``, in the order of the module docstring.

    :raises ConfigurationError: ``min_recall`` names a label the adapter was not evaluated on.
    """
    unknown = [label for label in gates.min_recall if label not in results.labels]
    if unknown:
        raise ConfigurationError(
            "min_recall",
            f"{', '.join(map(repr, unknown))} not among the evaluated labels "
            f"({', '.join(results.labels)}) of {results.source}",
        )
    outcomes = []
    at_input = results.input_threshold
    if gates.min_f1 is not None:
        outcomes.append(GateOutcome(
            "min_f1",
            results.f1_score >= gates.min_f1,
            f"F1Score {results.f1_score:.4f}, at least {gates.min_f1:.4f} required",
        ))
    if gates.require_improvement:
        adapter, base = at_input.aggregated.adapter.f1, at_input.aggregated.base_model.f1
        outcomes.append(GateOutcome(
            "require_improvement",
            adapter >= base,
            f"adapter F1 {adapter:.4f}, base model F1 {base:.4f} at threshold "
            f"{results.threshold:g}",
        ))
    for label, minimum in gates.min_recall.items():
        recall = at_input.labels[label].adapter.recall
        outcomes.append(GateOutcome(
            f"min_recall {label}",
            recall >= minimum,
            f"adapter recall of {label!r} {recall:.4f}, at least {minimum:.4f} required",
        ))
    return outcomes
