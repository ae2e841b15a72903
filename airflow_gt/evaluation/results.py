"""The evaluation results of a Rekognition Custom Moderation adapter, as typed values.

After training an adapter, Rekognition writes one JSON file (Rekognition's guide, *Manifest file
formats, Evaluation results manifest*; its S3 location is ``EvaluationResult.Summary.S3Object`` of
DescribeProjectVersions)::

    AggregatedEvaluationResults.F1Score            the adapter's F1 at the input threshold
    EvaluationDetails                               end time, Labels, image counts, version ARN
    ContentModeration.InputConfidenceThresholdEvalResults
        ConfidenceThreshold, AggregatedEvaluationResults.{BaseModel,Adapter},
        LabelEvaluationResults[{Label, BaseModel, Adapter}]
    ContentModeration.AllConfidenceThresholdsEvalResults
        the same at each threshold from 5 to 100 in steps of 5

where each ``BaseModel`` / ``Adapter`` holds TruePositive, TrueNegative, FalsePositive and
FalseNegative. :mod:`~airflow_gt.evaluation.parsing` reads a file into these classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from airflow_gt.evaluation.metrics import ModelCounts

SWEEP_THRESHOLDS: tuple[float, ...] = tuple(float(t) for t in range(5, 101, 5))
"""The thresholds of ``AllConfidenceThresholdsEvalResults``: 5, 10, ..., 100."""
MIN_THRESHOLD, MAX_THRESHOLD = 5.0, 100.0


@dataclass(frozen=True)
class ThresholdResults:
    """Both models' counts at one confidence threshold: summed over labels, and per label."""

    threshold: float
    aggregated: ModelCounts
    labels: Mapping[str, ModelCounts]
    """Label -> its counts, in the order of ``EvaluationDetails.Labels``."""


@dataclass(frozen=True)
class EvaluationDetails:
    """``EvaluationDetails``: when, on which labels and images, for which adapter version."""

    end_time: datetime
    labels: tuple[str, ...]
    testing_images: int
    training_images: int
    project_version_arn: str


@dataclass(frozen=True)
class EvaluationResults:
    """One evaluation results file.

    :param source: where it was read from (path or ``s3://`` URI), for messages.
    :param f1_score: ``AggregatedEvaluationResults.F1Score`` as the file gives it.
    :param input_threshold: the results at the confidence threshold training was given.
    :param sweep: the results at 5, 10, ..., 100, in that order.
    """

    source: str
    f1_score: float
    details: EvaluationDetails
    input_threshold: ThresholdResults
    sweep: tuple[ThresholdResults, ...]

    @property
    def threshold(self) -> float:
        """The input confidence threshold."""
        return self.input_threshold.threshold

    @property
    def labels(self) -> tuple[str, ...]:
        return self.details.labels
