"""Precision, recall and F1, recomputed by hand, including every zero denominator."""

from __future__ import annotations

import pytest

from airflow_gt.evaluation import Counts


@pytest.mark.parametrize(
    ("counts", "precision", "recall", "f1"),
    [
        # the seed's adapter at threshold 50: TP 15, TN 54, FP 6, FN 5
        (Counts(15, 54, 6, 5), 15 / 21, 15 / 20, 30 / 41),
        # the seed's base model at threshold 50: TP 9, TN 48, FP 12, FN 11
        (Counts(9, 48, 12, 11), 9 / 21, 9 / 20, 18 / 41),
        (Counts(5, 0, 0, 0), 1.0, 1.0, 1.0),
        # nothing predicted, nothing present: every denominator is 0
        (Counts(0, 40, 0, 0), 0.0, 0.0, 0.0),
        # nothing predicted, 4 present: precision's denominator is 0
        (Counts(0, 36, 0, 4), 0.0, 0.0, 0.0),
        # 3 predicted, none present: recall's denominator is 0
        (Counts(0, 37, 3, 0), 0.0, 0.0, 0.0),
        (Counts(0, 0, 0, 0), 0.0, 0.0, 0.0),
        (Counts(1, 0, 3, 0), 1 / 4, 1.0, 2 / 5),
        (Counts(2, 7, 0, 6), 1.0, 2 / 8, 4 / 10),
    ],
)
def test_metrics(counts: Counts, precision: float, recall: float, f1: float) -> None:
    assert counts.precision == pytest.approx(precision)
    assert counts.recall == pytest.approx(recall)
    assert counts.f1 == pytest.approx(f1)
    assert counts.summary() == {
        "tp": counts.true_positive, "fp": counts.false_positive, "fn": counts.false_negative,
        "tn": counts.true_negative, "precision": pytest.approx(precision),
        "recall": pytest.approx(recall), "f1": pytest.approx(f1),
    }


def test_counts_add_up() -> None:
    assert Counts(1, 2, 3, 4) + Counts(10, 20, 30, 40) == Counts(11, 22, 33, 44)
