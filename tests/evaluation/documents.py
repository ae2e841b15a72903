"""Evaluation results documents for the tests: the seed's example, generated ones, and the
figures every test recomputes from a document's raw counts, independently of the package.

A generated document has random counts that add up as Rekognition's do: per label, the four
counts of a model sum to the number of testing images, and the aggregated counts are the sums
over the labels. ``F1Score`` is the adapter's F1 at the input threshold, rounded to 4 decimals.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.conftest import SAMPLES

SAMPLE = SAMPLES / "evaluation-results.json"
KEYS = ("TruePositive", "TrueNegative", "FalsePositive", "FalseNegative")
THRESHOLDS = [float(t) for t in range(5, 101, 5)]
ARN = "arn:aws:rekognition:us-east-1:111122223333:project/mod/version/v1/1763783880000"

Quad = tuple[int, int, int, int]
"""TP, TN, FP, FN."""
PerLabel = Mapping[str, tuple[Quad, Quad]]
"""Label -> (base model counts, adapter counts)."""


def sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text())  # type: ignore[no-any-return]


def counts(quad: Quad) -> dict[str, int]:
    return dict(zip(KEYS, quad, strict=True))


def at_threshold(threshold: float, per_label: PerLabel) -> dict[str, Any]:
    def total(model: int) -> dict[str, int]:
        return {key: sum(pair[model][i] for pair in per_label.values())
                for i, key in enumerate(KEYS)}

    return {
        "ConfidenceThreshold": threshold,
        "AggregatedEvaluationResults": {"BaseModel": total(0), "Adapter": total(1)},
        "LabelEvaluationResults": [
            {"Label": label, "BaseModel": counts(base), "Adapter": counts(adapter)}
            for label, (base, adapter) in per_label.items()
        ],
    }


def f1_of(c: Mapping[str, int]) -> float:
    """2TP / (2TP + FP + FN), 0 when nothing is counted: as the tests expect it, by hand."""
    denominator = 2 * c["TruePositive"] + c["FalsePositive"] + c["FalseNegative"]
    return 2 * c["TruePositive"] / denominator if denominator else 0.0


def document(
    labels: Sequence[str],
    input_threshold: float,
    per_label_at: Callable[[float], PerLabel],
    testing_images: int,
) -> dict[str, Any]:
    at_input = at_threshold(input_threshold, per_label_at(input_threshold))
    return {
        "AggregatedEvaluationResults": {
            "F1Score": round(f1_of(at_input["AggregatedEvaluationResults"]["Adapter"]), 4)
        },
        "EvaluationDetails": {
            "EvaluationEndTimestamp": "2026-11-22T05:12:44.000Z",
            "Labels": list(labels),
            "NumberOfTestingImages": testing_images,
            "NumberOfTrainingImages": 4 * testing_images,
            "ProjectVersionArn": ARN,
        },
        "ContentModeration": {
            "InputConfidenceThresholdEvalResults": at_input,
            "AllConfidenceThresholdsEvalResults": [
                at_threshold(t, per_label_at(t)) for t in THRESHOLDS
            ],
        },
    }


def _random_quad(rng: random.Random, images: int) -> Quad:
    cuts = sorted(rng.randint(0, images) for _ in range(3))
    return (cuts[0], cuts[1] - cuts[0], cuts[2] - cuts[1], images - cuts[2])


def random_document(
    seed: int, labels: Sequence[str] = ("Nudity", "Rude Gesture", "Smoking"), images: int = 30,
    input_threshold: float = 50.0,
) -> dict[str, Any]:
    """Random counts at every threshold; the last label is never shown nor predicted at 100."""
    rng = random.Random(seed)
    drawn = {
        t: {label: (_random_quad(rng, images), _random_quad(rng, images)) for label in labels}
        for t in sorted({*THRESHOLDS, input_threshold})
    }
    nothing = (0, images, 0, 0)
    drawn[100.0][labels[-1]] = (nothing, nothing)
    return document(labels, input_threshold, drawn.__getitem__, images)


def write(path: Path, doc: Any) -> str:
    path.write_text(json.dumps(doc, indent=2))
    return str(path)


def mutated(doc: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    changed = copy.deepcopy(doc)
    change(changed)
    return changed


def expected_block(c: Mapping[str, int]) -> dict[str, int | float]:
    """The ``adapter`` / ``base_model`` block the contract asks for, worked out by hand."""
    tp, fp, fn = c["TruePositive"], c["FalsePositive"], c["FalseNegative"]
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": c["TrueNegative"],
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "f1": f1_of(c),
    }
