"""Read an adapter's evaluation results file strictly into :mod:`~airflow_gt.evaluation.results`.

Every field the format has is required and checked: counts are whole numbers, 0 or more;
thresholds are numbers from 5 to 100; the sweep has each of 5, 10, ..., 100 once; every result
lists each label of ``EvaluationDetails.Labels`` once and no other. A broken file raises
:class:`~airflow_gt.exceptions.EvaluationResultsError`, which names the file and the field by its
path (``ContentModeration.AllConfidenceThresholdsEvalResults[3].Adapter.TruePositive``), or the
line and column when the file is not JSON. Fields the format does not have are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from airflow_gt.evaluation.metrics import Counts, ModelCounts
from airflow_gt.evaluation.results import (
    MAX_THRESHOLD,
    MIN_THRESHOLD,
    SWEEP_THRESHOLDS,
    EvaluationDetails,
    EvaluationResults,
    ThresholdResults,
)
from airflow_gt.exceptions import EvaluationResultsError
from airflow_gt.manifests.reader import json_document_error
from airflow_gt.manifests.storage import Source, read_bytes, source_name

COUNT_KEYS = ("TruePositive", "TrueNegative", "FalsePositive", "FalseNegative")
_KINDS = {dict: "an object", list: "an array", str: "a string", int: "a number",
          float: "a number", bool: "a boolean", type(None): "null"}


def _kind(value: Any) -> str:
    return _KINDS.get(type(value), type(value).__name__)


class _Field:
    """A value of the document and its path, with typed accessors that raise on a mismatch."""

    def __init__(self, source: str, path: str, value: Any) -> None:
        self.source = source
        self.path = path
        self.value = value

    def error(self, detail: str) -> EvaluationResultsError:
        return EvaluationResultsError(self.source, self.path or None, detail)

    def __getitem__(self, key: str) -> _Field:
        mapping = self.mapping()
        path = f"{self.path}.{key}" if self.path else key
        if key not in mapping:
            raise EvaluationResultsError(self.source, path, "missing")
        return _Field(self.source, path, mapping[key])

    def mapping(self) -> Mapping[str, Any]:
        if not isinstance(self.value, dict):
            raise self.error(f"must be an object, found {_kind(self.value)}")
        return self.value

    def items(self) -> list[_Field]:
        if not isinstance(self.value, list):
            raise self.error(f"must be an array, found {_kind(self.value)}")
        return [_Field(self.source, f"{self.path}[{i}]", v) for i, v in enumerate(self.value)]

    def text(self) -> str:
        if not isinstance(self.value, str):
            raise self.error(f"must be a string, found {_kind(self.value)}")
        return self.value

    def number(self, low: float, high: float) -> float:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"must be a number, found {_kind(value)}")
        if not low <= value <= high:
            raise self.error(f"must be from {low:g} to {high:g}, found {value!r}")
        return float(value)

    def count(self) -> int:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"must be a whole number, found {_kind(value)} {value!r}")
        if value < 0:
            raise self.error(f"must not be negative, found {value}")
        return value


def _counts(field: _Field) -> Counts:
    return Counts(*(field[key].count() for key in COUNT_KEYS))


def _model_counts(field: _Field) -> ModelCounts:
    return ModelCounts(base_model=_counts(field["BaseModel"]), adapter=_counts(field["Adapter"]))


def _threshold_results(field: _Field, labels: tuple[str, ...]) -> ThresholdResults:
    threshold = field["ConfidenceThreshold"].number(MIN_THRESHOLD, MAX_THRESHOLD)
    aggregated = _model_counts(field["AggregatedEvaluationResults"])
    per_label: dict[str, ModelCounts] = {}
    results = field["LabelEvaluationResults"]
    for item in results.items():
        label_field = item["Label"]
        label = label_field.text()
        if label not in labels:
            raise label_field.error(
                f"{label!r} is not in EvaluationDetails.Labels ({', '.join(labels)})"
            )
        if label in per_label:
            raise label_field.error(f"{label!r} has results twice")
        per_label[label] = _model_counts(item)
    missing = [label for label in labels if label not in per_label]
    if missing:
        raise results.error(f"has no results for label(s) {', '.join(map(repr, missing))}")
    return ThresholdResults(threshold, aggregated, {label: per_label[label] for label in labels})


def _labels(field: _Field) -> tuple[str, ...]:
    labels: list[str] = []
    for item in field.items():
        name = item.text()
        if name in labels:
            raise item.error(f"{name!r} is listed twice")
        labels.append(name)
    if not labels:
        raise field.error("lists no label")
    return tuple(labels)


def _details(field: _Field) -> EvaluationDetails:
    end = field["EvaluationEndTimestamp"]
    try:
        end_time = datetime.fromisoformat(end.text())
    except ValueError:
        raise end.error(f"is not an ISO 8601 date and time: {end.value!r}") from None
    return EvaluationDetails(
        end_time=end_time,
        labels=_labels(field["Labels"]),
        testing_images=field["NumberOfTestingImages"].count(),
        training_images=field["NumberOfTrainingImages"].count(),
        project_version_arn=field["ProjectVersionArn"].text(),
    )


def _sweep(field: _Field, labels: tuple[str, ...]) -> tuple[ThresholdResults, ...]:
    found: dict[float, ThresholdResults] = {}
    for item in field.items():
        results = _threshold_results(item, labels)
        where = item["ConfidenceThreshold"]
        if results.threshold not in SWEEP_THRESHOLDS:
            raise where.error(f"{results.threshold:g} is not one of 5, 10, ..., 100")
        if results.threshold in found:
            raise where.error(f"{results.threshold:g} appears twice")
        found[results.threshold] = results
    missing = [f"{t:g}" for t in SWEEP_THRESHOLDS if t not in found]
    if missing:
        raise field.error(
            f"lacks the results at threshold(s) {', '.join(missing)} (Rekognition gives "
            "every threshold from 5 to 100 in steps of 5)"
        )
    return tuple(found[t] for t in SWEEP_THRESHOLDS)


def parse_evaluation_results(
    data: bytes, source: str = "<evaluation results>"
) -> EvaluationResults:
    """The evaluation results in a JSON document's bytes; see the module docstring."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise EvaluationResultsError(source, None, json_document_error(exc)) from None
    root = _Field(source, "", document)
    root.mapping()
    details = _details(root["EvaluationDetails"])
    moderation = root["ContentModeration"]
    return EvaluationResults(
        source=source,
        f1_score=root["AggregatedEvaluationResults"]["F1Score"].number(0.0, 1.0),
        details=details,
        input_threshold=_threshold_results(
            moderation["InputConfidenceThresholdEvalResults"], details.labels
        ),
        sweep=_sweep(moderation["AllConfidenceThresholdsEvalResults"], details.labels),
    )


def read_evaluation_results(source: Source, *, s3_client: Any = None) -> EvaluationResults:
    """Read and check an evaluation results file, local or ``s3://``."""
    return parse_evaluation_results(read_bytes(source, s3_client), source_name(source))
