"""Rekognition Custom Moderation adapter evaluation: pure Python, no Airflow import.

Read an adapter's evaluation results file strictly, compute precision, recall and F1 for the
adapter and the base model (summed and per label), find the adapter's best threshold, check gates,
find the images where the adapter regresses from the base model in the testing output manifest,
and draw it all in one PNG (matplotlib is imported only when a plot is drawn).

::

    results = read_evaluation_results("s3://bucket/EvaluationResultSummary-project-v1.json")
    evaluation = evaluate(results, Gates(min_f1=0.7, require_improvement=True))
    evaluation.passed, evaluation.best.threshold, evaluation.summary()
"""

from airflow_gt.evaluation.evaluate import BestThreshold, Evaluation, best_threshold, evaluate
from airflow_gt.evaluation.gates import GateOutcome, Gates, check_gates
from airflow_gt.evaluation.metrics import Counts, ModelCounts
from airflow_gt.evaluation.output_manifest import (
    Disagreement,
    LabelAnalysis,
    OutputManifestAnalysis,
    analyze_output_manifest,
)
from airflow_gt.evaluation.parsing import parse_evaluation_results, read_evaluation_results
from airflow_gt.evaluation.plots import render_plot, write_plot
from airflow_gt.evaluation.report import render_text
from airflow_gt.evaluation.results import (
    SWEEP_THRESHOLDS,
    EvaluationDetails,
    EvaluationResults,
    ThresholdResults,
)

__all__ = [
    "SWEEP_THRESHOLDS",
    "BestThreshold",
    "Counts",
    "Disagreement",
    "Evaluation",
    "EvaluationDetails",
    "EvaluationResults",
    "GateOutcome",
    "Gates",
    "LabelAnalysis",
    "ModelCounts",
    "OutputManifestAnalysis",
    "ThresholdResults",
    "analyze_output_manifest",
    "best_threshold",
    "check_gates",
    "evaluate",
    "parse_evaluation_results",
    "read_evaluation_results",
    "render_plot",
    "render_text",
    "write_plot",
]
