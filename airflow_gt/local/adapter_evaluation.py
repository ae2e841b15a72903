"""The evaluation results of a trained moderation adapter, counted from its test predictions.

After training, Rekognition writes an evaluation results file: the adapter's F1 score, details of
the evaluation, and true/false positive/negative counts of the base model and of the adapter, per
label and summed over the labels, at the confidence threshold given to training and at every
threshold from 5 to 100 in steps of 5. This module counts them from the predictions the stand-in
simulated for the testing images, against the testing manifest's ground truth, and lays the file
out in the structure and key order of Rekognition's Custom Moderation guide (*Manifest file formats,
Evaluation results manifest*).

A label counts as predicted for an image when the prediction's confidence is at least the
threshold. Predictions below 5 are not kept (the output manifest holds those at 5 or above), so
every count here can be recomputed from the testing output manifest alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ALL_THRESHOLDS: tuple[float, ...] = tuple(float(step) for step in range(5, 101, 5))
"""The thresholds of ``AllConfidenceThresholdsEvalResults``: 5, 10, ..., 100."""

F1_DECIMALS = 4

Confidences = Mapping[str, float]
"""One model's predictions for one image: label name -> confidence (0-100)."""


@dataclass(frozen=True)
class Counts:
    """True/false positives and negatives of one model, for one label or summed over labels."""

    true_positive: int = 0
    true_negative: int = 0
    false_positive: int = 0
    false_negative: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.true_positive + other.true_positive,
            self.true_negative + other.true_negative,
            self.false_positive + other.false_positive,
            self.false_negative + other.false_negative,
        )

    def to_json(self) -> dict[str, int]:
        return {
            "TruePositive": self.true_positive,
            "TrueNegative": self.true_negative,
            "FalsePositive": self.false_positive,
            "FalseNegative": self.false_negative,
        }


@dataclass(frozen=True)
class TestImage:
    """One testing image: its ground-truth labels and the two models' kept predictions."""

    __test__ = False  # not a pytest test class, despite its name

    ground_truth: frozenset[str]
    adapter: Confidences
    base_model: Confidences


def count_label(
    images: Sequence[TestImage], label: str, threshold: float, *, adapter: bool
) -> Counts:
    """One model's counts for ``label`` at ``threshold`` over the testing images."""
    tp = tn = fp = fn = 0
    for image in images:
        predictions = image.adapter if adapter else image.base_model
        predicted = predictions.get(label, -1.0) >= threshold
        present = label in image.ground_truth
        if present and predicted:
            tp += 1
        elif present:
            fn += 1
        elif predicted:
            fp += 1
        else:
            tn += 1
    return Counts(tp, tn, fp, fn)


def f1_score(counts: Counts) -> float:
    """``2TP / (2TP + FP + FN)``, rounded as Rekognition writes it; 0 when nothing is counted."""
    denominator = 2 * counts.true_positive + counts.false_positive + counts.false_negative
    if denominator == 0:
        return 0.0
    return round(2 * counts.true_positive / denominator, F1_DECIMALS)


def threshold_results(
    images: Sequence[TestImage], labels: Sequence[str], threshold: float
) -> dict[str, Any]:
    """Aggregated and per-label counts of both models at one threshold."""
    per_label = [
        (
            label,
            count_label(images, label, threshold, adapter=False),
            count_label(images, label, threshold, adapter=True),
        )
        for label in labels
    ]
    base_total = sum((base for _, base, _ in per_label), Counts())
    adapter_total = sum((adapted for _, _, adapted in per_label), Counts())
    return {
        "ConfidenceThreshold": float(threshold),
        "AggregatedEvaluationResults": {
            "BaseModel": base_total.to_json(),
            "Adapter": adapter_total.to_json(),
        },
        "LabelEvaluationResults": [
            {"Label": label, "BaseModel": base.to_json(), "Adapter": adapted.to_json()}
            for label, base, adapted in per_label
        ],
    }


def adapter_f1(images: Sequence[TestImage], labels: Sequence[str], threshold: float) -> float:
    """The adapter's F1 score over all its labels at ``threshold``: the version's ``F1Score``."""
    total = sum(
        (count_label(images, label, threshold, adapter=True) for label in labels), Counts()
    )
    return f1_score(total)


def evaluation_timestamp(seconds: float) -> str:
    """``2026-11-22T05:12:44.000Z``: ISO 8601 in UTC with milliseconds."""
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class EvaluationInput:
    """What the evaluation results file is made from."""

    images: Sequence[TestImage]
    labels: Sequence[str]
    confidence_threshold: float
    training_images: int
    project_version_arn: str
    end_time: float


def evaluation_results(evaluation: EvaluationInput) -> dict[str, Any]:
    """The evaluation results document, in Rekognition's structure and key order."""
    images, labels = evaluation.images, evaluation.labels
    return {
        "AggregatedEvaluationResults": {
            "F1Score": adapter_f1(images, labels, evaluation.confidence_threshold),
        },
        "EvaluationDetails": {
            "EvaluationEndTimestamp": evaluation_timestamp(evaluation.end_time),
            "Labels": list(labels),
            "NumberOfTestingImages": len(images),
            "NumberOfTrainingImages": evaluation.training_images,
            "ProjectVersionArn": evaluation.project_version_arn,
        },
        "ContentModeration": {
            "InputConfidenceThresholdEvalResults": threshold_results(
                images, labels, evaluation.confidence_threshold
            ),
            "AllConfidenceThresholdsEvalResults": [
                threshold_results(images, labels, threshold) for threshold in ALL_THRESHOLDS
            ],
        },
    }
