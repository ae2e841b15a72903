"""The evaluation summary (the contract of ``evaluate --format json``), best threshold and gates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_gt.evaluation import Gates, evaluate, read_evaluation_results
from airflow_gt.exceptions import ConfigurationError
from tests.evaluation.documents import (
    SAMPLE,
    THRESHOLDS,
    document,
    expected_block,
    f1_of,
    random_document,
    write,
)

CONTRACT_KEYS = {
    "passed", "f1", "threshold", "adapter", "base_model", "best_threshold", "per_label"
}
BLOCK_KEYS = {"tp", "fp", "fn", "tn", "precision", "recall", "f1"}


def test_the_seeds_example_recomputed_by_hand() -> None:
    summary = evaluate(read_evaluation_results(SAMPLE)).summary()
    assert set(summary) >= CONTRACT_KEYS
    assert (summary["passed"], summary["f1"], summary["threshold"]) == (True, 0.7317, 50.0)
    assert summary["adapter"] == {
        "tp": 15, "fp": 6, "fn": 5, "tn": 54,
        "precision": pytest.approx(15 / 21), "recall": 0.75, "f1": pytest.approx(30 / 41),
    }
    assert summary["base_model"] == {
        "tp": 9, "fp": 12, "fn": 11, "tn": 48,
        "precision": pytest.approx(9 / 21), "recall": 0.45, "f1": pytest.approx(18 / 41),
    }
    rude, nudity = summary["per_label"]
    assert rude == {
        "label": "Rude Gesture",
        "adapter": {"tp": 8, "fp": 3, "fn": 2, "tn": 27, "precision": pytest.approx(8 / 11),
                    "recall": 0.8, "f1": pytest.approx(16 / 21)},
        "base_model": {"tp": 5, "fp": 6, "fn": 5, "tn": 24, "precision": pytest.approx(5 / 11),
                       "recall": 0.5, "f1": pytest.approx(10 / 21)},
    }
    assert nudity["label"] == "Nudity"
    assert nudity["adapter"]["f1"] == pytest.approx(14 / 20)
    assert nudity["base_model"]["recall"] == pytest.approx(4 / 10)
    # The sweep's adapter F1 is highest at 70 and 75: 2*13 / (2*13 + 2 + 7) = 26/35 at both.
    assert summary["best_threshold"] == {"threshold": 70.0, "f1": pytest.approx(26 / 35)}
    assert (summary["gates"], summary["labels"]) == ([], ["Rude Gesture", "Nudity"])
    assert (summary["testing_images"], summary["training_images"]) == (40, 160)
    assert [at["threshold"] for at in summary["sweep"]] == THRESHOLDS


def _best_by_hand(doc: dict[str, Any]) -> tuple[float, float]:
    at_input = doc["ContentModeration"]["InputConfidenceThresholdEvalResults"]
    scored = [
        (f1_of(at["AggregatedEvaluationResults"]["Adapter"]), at["ConfidenceThreshold"])
        for at in doc["ContentModeration"]["AllConfidenceThresholdsEvalResults"]
    ]
    top = max(f1 for f1, _ in scored)
    tied = [t for f1, t in scored if f1 == top]
    nearest = min(abs(t - at_input["ConfidenceThreshold"]) for t in tied)
    return min(t for t in tied if abs(t - at_input["ConfidenceThreshold"]) == nearest), top


@pytest.mark.parametrize("seed", range(8))
def test_generated_documents_recomputed_from_their_counts(tmp_path: Path, seed: int) -> None:
    threshold = 47.5 if seed % 2 else 50.0
    doc = random_document(seed, input_threshold=threshold)
    summary = evaluate(read_evaluation_results(write(tmp_path / "e.json", doc))).summary()
    at_input = doc["ContentModeration"]["InputConfidenceThresholdEvalResults"]
    totals = at_input["AggregatedEvaluationResults"]
    assert summary["threshold"] == threshold
    assert summary["f1"] == doc["AggregatedEvaluationResults"]["F1Score"]
    assert summary["adapter"] == pytest.approx(expected_block(totals["Adapter"]))
    assert summary["base_model"] == pytest.approx(expected_block(totals["BaseModel"]))
    assert summary["per_label"] == [
        {"label": item["Label"], "adapter": pytest.approx(expected_block(item["Adapter"])),
         "base_model": pytest.approx(expected_block(item["BaseModel"]))}
        for item in at_input["LabelEvaluationResults"]
    ]
    best, f1 = _best_by_hand(doc)
    assert summary["best_threshold"] == {"threshold": best, "f1": pytest.approx(f1)}
    sweep = {at["ConfidenceThreshold"]: at for at in
             doc["ContentModeration"]["AllConfidenceThresholdsEvalResults"]}
    for at in summary["sweep"]:
        raw = sweep[at["threshold"]]["AggregatedEvaluationResults"]
        assert at["adapter"] == pytest.approx(expected_block(raw["Adapter"]))
        assert set(at["base_model"]) == BLOCK_KEYS


def test_a_label_never_shown_nor_predicted_scores_zero(tmp_path: Path) -> None:
    doc = random_document(3)
    results = read_evaluation_results(write(tmp_path / "e.json", doc))
    at_100 = results.sweep[-1].labels["Smoking"]  # all 30 images are true negatives there
    for counts in (at_100.adapter, at_100.base_model):
        assert (counts.true_negative, counts.precision, counts.recall, counts.f1) == (30, 0, 0, 0)


def _flat(f1_counts: tuple[int, int, int, int], threshold: float) -> dict[str, Any]:
    """Every threshold has the same counts, so every threshold ties for the best F1."""
    pair = ((1, 20, 5, 4), f1_counts)
    return document(["Nudity"], threshold, lambda _: {"Nudity": pair}, 30)


@pytest.mark.parametrize(("threshold", "best"), [(50.0, 50.0), (47.5, 45.0), (63.0, 65.0)])
def test_ties_go_to_the_threshold_nearest_the_input_then_the_lower(
    tmp_path: Path, threshold: float, best: float
) -> None:
    doc = _flat((10, 10, 5, 5), threshold)
    evaluation = evaluate(read_evaluation_results(write(tmp_path / "e.json", doc)))
    assert (evaluation.best.threshold, evaluation.best.f1) == (best, pytest.approx(20 / 30))


# --- gates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gates", "outcomes"),
    [
        (Gates(min_f1=0.7317), [("min_f1", True)]),
        (Gates(min_f1=0.7318), [("min_f1", False)]),
        (Gates(require_improvement=True), [("require_improvement", True)]),
        (Gates(min_recall={"Nudity": 0.7, "Rude Gesture": 0.8}),
         [("min_recall Nudity", True), ("min_recall Rude Gesture", True)]),
        (Gates(min_recall={"Nudity": 0.71}), [("min_recall Nudity", False)]),
        (Gates(min_f1=0.9, require_improvement=True, min_recall={"Nudity": 0.5}),
         [("min_f1", False), ("require_improvement", True), ("min_recall Nudity", True)]),
    ],
)
def test_gates_on_the_seeds_example(gates: Gates, outcomes: list[tuple[str, bool]]) -> None:
    evaluation = evaluate(read_evaluation_results(SAMPLE), gates)
    assert [(g.gate, g.passed) for g in evaluation.gates] == outcomes
    assert evaluation.passed == all(passed for _, passed in outcomes)
    summary = evaluation.summary()
    assert summary["passed"] == evaluation.passed
    assert [(g["gate"], g["passed"]) for g in summary["gates"]] == outcomes


def test_gate_details_give_the_figures_compared() -> None:
    gates = Gates(min_f1=0.8, require_improvement=True, min_recall={"Nudity": 0.75})
    details = [g.detail for g in evaluate(read_evaluation_results(SAMPLE), gates).gates]
    assert details == [
        "F1Score 0.7317, at least 0.8000 required",
        "adapter F1 0.7317, base model F1 0.4390 at threshold 50",
        "adapter recall of 'Nudity' 0.7000, at least 0.7500 required",
    ]


@pytest.mark.parametrize(
    ("adapter", "passed"),
    [((1, 20, 5, 4), True), ((1, 20, 6, 4), False), ((2, 20, 5, 4), True)],
)
def test_require_improvement_compares_with_the_base_model(
    tmp_path: Path, adapter: tuple[int, int, int, int], passed: bool
) -> None:
    doc = document(["Nudity"], 50.0, lambda _: {"Nudity": ((1, 20, 5, 4), adapter)}, 30)
    results = read_evaluation_results(write(tmp_path / "e.json", doc))
    (outcome,) = evaluate(results, Gates(require_improvement=True)).gates
    assert outcome.passed is passed


def test_recall_of_a_label_that_was_not_evaluated_is_a_bad_argument() -> None:
    with pytest.raises(ConfigurationError, match=r"'Smoking' not among the evaluated labels"):
        evaluate(read_evaluation_results(SAMPLE), Gates(min_recall={"Smoking": 0.5}))


@pytest.mark.parametrize(
    "arguments", [{"min_f1": 1.5}, {"min_f1": -0.1}, {"min_recall": {"Nudity": 2.0}}]
)
def test_gate_values_are_fractions(arguments: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="must be between 0 and 1"):
        Gates(**arguments)
