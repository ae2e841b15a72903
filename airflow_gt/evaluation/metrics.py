"""Precision, recall and F1 from true/false positive/negative counts.

As ``airflow-gt evaluate`` reports them (``../shared/DESIGN.md``)::

    precision = TP / (TP + FP)      recall = TP / (TP + FN)      F1 = 2TP / (2TP + FP + FN)

and 0 wherever a denominator is 0: a model that flags nothing has precision 0, a label no testing
image shows has recall 0. True negatives enter none of the three; they are reported beside them.
"""

from __future__ import annotations

from dataclasses import dataclass


def ratio(numerator: int, denominator: int) -> float:
    """``numerator / denominator``, or 0.0 when the denominator is 0."""
    return numerator / denominator if denominator else 0.0


@dataclass(frozen=True)
class Counts:
    """One model's counts, for one label or summed over the labels, at one threshold."""

    true_positive: int
    true_negative: int
    false_positive: int
    false_negative: int

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.true_positive + other.true_positive,
            self.true_negative + other.true_negative,
            self.false_positive + other.false_positive,
            self.false_negative + other.false_negative,
        )

    @property
    def precision(self) -> float:
        return ratio(self.true_positive, self.true_positive + self.false_positive)

    @property
    def recall(self) -> float:
        return ratio(self.true_positive, self.true_positive + self.false_negative)

    @property
    def f1(self) -> float:
        return ratio(
            2 * self.true_positive,
            2 * self.true_positive + self.false_positive + self.false_negative,
        )

    def summary(self) -> dict[str, int | float]:
        """The block of ``evaluate --format json``: the counts and the three metrics."""
        return {
            "tp": self.true_positive,
            "fp": self.false_positive,
            "fn": self.false_negative,
            "tn": self.true_negative,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


ZERO = Counts(0, 0, 0, 0)


@dataclass(frozen=True)
class ModelCounts:
    """The base model's and the adapter's counts for the same label (or total) and threshold."""

    base_model: Counts
    adapter: Counts

    def summary(self) -> dict[str, dict[str, int | float]]:
        return {"adapter": self.adapter.summary(), "base_model": self.base_model.summary()}
