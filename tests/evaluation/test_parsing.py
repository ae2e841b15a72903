"""Strict reading of evaluation results files: the seed's example, and each way a file breaks."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.evaluation import Counts, ModelCounts, read_evaluation_results
from airflow_gt.exceptions import EvaluationResultsError, ManifestNotFoundError
from tests.conftest import BAD_SAMPLES
from tests.evaluation.documents import SAMPLE, THRESHOLDS, mutated, random_document, sample, write

MODERATION = "ContentModeration"
INPUT = "InputConfidenceThresholdEvalResults"
SWEEP = "AllConfidenceThresholdsEvalResults"


def test_the_seeds_example_reads_into_typed_values() -> None:
    results = read_evaluation_results(SAMPLE)
    assert results.source == str(SAMPLE)
    assert results.f1_score == 0.7317
    details = results.details
    assert details.end_time == datetime(2026, 11, 22, 5, 12, 44, tzinfo=UTC)
    assert details.labels == ("Rude Gesture", "Nudity")
    assert (details.testing_images, details.training_images) == (40, 160)
    assert details.project_version_arn.endswith("/1763783880000")
    assert results.threshold == 50.0
    assert results.input_threshold.aggregated == ModelCounts(
        base_model=Counts(9, 48, 12, 11), adapter=Counts(15, 54, 6, 5)
    )
    assert results.input_threshold.labels == {
        "Rude Gesture": ModelCounts(Counts(5, 24, 6, 5), Counts(8, 27, 3, 2)),
        "Nudity": ModelCounts(Counts(4, 24, 6, 6), Counts(7, 27, 3, 3)),
    }
    assert [at.threshold for at in results.sweep] == THRESHOLDS
    assert results.sweep[0].aggregated.adapter == Counts(19, 44, 16, 1)
    assert results.sweep[0].labels["Nudity"].base_model == Counts(7, 18, 12, 3)


@pytest.mark.parametrize("seed", range(5))
def test_generated_documents_read_back_count_for_count(tmp_path: Path, seed: int) -> None:
    doc = random_document(seed)
    rng = random.Random(seed)
    rng.shuffle(doc[MODERATION][SWEEP])  # any order: the sweep is read in threshold order
    results = read_evaluation_results(write(tmp_path / "evaluation.json", doc))
    by_threshold = {at["ConfidenceThreshold"]: at for at in doc[MODERATION][SWEEP]}
    for at in results.sweep:
        raw = by_threshold[at.threshold]
        for item in raw["LabelEvaluationResults"]:
            for model, key in (("adapter", "Adapter"), ("base_model", "BaseModel")):
                found = getattr(at.labels[item["Label"]], model)
                assert (found.true_positive, found.true_negative, found.false_positive,
                        found.false_negative) == tuple(item[key].values())


def test_unknown_fields_are_ignored_and_whole_thresholds_accepted(tmp_path: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["Extra"] = {"anything": [1, 2]}
        doc[MODERATION][INPUT]["ConfidenceThreshold"] = 47.5  # any input threshold from 5 to 100
        doc[MODERATION][SWEEP][0]["ConfidenceThreshold"] = 5

    results = read_evaluation_results(write(tmp_path / "e.json", mutated(sample(), change)))
    assert (results.threshold, results.sweep[0].threshold) == (47.5, 5.0)


def _delete(*path: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        for key in path[:-1]:
            doc = doc[key]
        del doc[path[-1]]

    return change


def _set(value: Any, *path: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        for key in path[:-1]:
            doc = doc[key]
        doc[path[-1]] = value

    return change


LABELS_AT_INPUT = (MODERATION, INPUT, "LabelEvaluationResults")
BAD_FILES = [
    ("no F1Score", _delete("AggregatedEvaluationResults", "F1Score"),
     "AggregatedEvaluationResults.F1Score", "missing"),
    ("F1Score above 1", _set(1.5, "AggregatedEvaluationResults", "F1Score"),
     "AggregatedEvaluationResults.F1Score", "must be from 0 to 1, found 1.5"),
    ("no input threshold", _delete(MODERATION, INPUT, "ConfidenceThreshold"),
     f"{MODERATION}.{INPUT}.ConfidenceThreshold", "missing"),
    ("a threshold of the sweep missing", _delete(MODERATION, SWEEP, 6),
     f"{MODERATION}.{SWEEP}", "lacks the results at threshold(s) 35 "),
    ("thresholds of the sweep missing", _set([], MODERATION, SWEEP),
     f"{MODERATION}.{SWEEP}", "lacks the results at threshold(s) 5, 10, 15, 20, 25, 30"),
    ("a sweep item without its threshold", _delete(MODERATION, SWEEP, 3, "ConfidenceThreshold"),
     f"{MODERATION}.{SWEEP}[3].ConfidenceThreshold", "missing"),
    ("negative label count", _set(-3, *LABELS_AT_INPUT, 1, "Adapter", "FalsePositive"),
     f"{MODERATION}.{INPUT}.LabelEvaluationResults[1].Adapter.FalsePositive",
     "must not be negative, found -3"),
    ("negative sweep count",
     _set(-1, MODERATION, SWEEP, 19, "AggregatedEvaluationResults", "BaseModel", "TrueNegative"),
     f"{MODERATION}.{SWEEP}[19].AggregatedEvaluationResults.BaseModel.TrueNegative",
     "must not be negative, found -1"),
    ("fractional count", _set(2.5, *LABELS_AT_INPUT, 0, "BaseModel", "TruePositive"),
     f"{MODERATION}.{INPUT}.LabelEvaluationResults[0].BaseModel.TruePositive",
     "must be a whole number, found a number 2.5"),
    ("count as text", _set("3", *LABELS_AT_INPUT, 0, "BaseModel", "TruePositive"),
     f"{MODERATION}.{INPUT}.LabelEvaluationResults[0].BaseModel.TruePositive",
     "must be a whole number, found a string '3'"),
    ("count as boolean", _set(True, *LABELS_AT_INPUT, 0, "BaseModel", "TruePositive"),
     f"{MODERATION}.{INPUT}.LabelEvaluationResults[0].BaseModel.TruePositive",
     "must be a whole number, found a boolean True"),
    ("input threshold below 5", _set(2.5, MODERATION, INPUT, "ConfidenceThreshold"),
     f"{MODERATION}.{INPUT}.ConfidenceThreshold", "must be from 5 to 100, found 2.5"),
    ("input threshold above 100", _set(100.5, MODERATION, INPUT, "ConfidenceThreshold"),
     f"{MODERATION}.{INPUT}.ConfidenceThreshold", "must be from 5 to 100, found 100.5"),
    ("sweep threshold 0", _set(0.0, MODERATION, SWEEP, 0, "ConfidenceThreshold"),
     f"{MODERATION}.{SWEEP}[0].ConfidenceThreshold", "must be from 5 to 100, found 0.0"),
    ("threshold as text", _set("50", MODERATION, INPUT, "ConfidenceThreshold"),
     f"{MODERATION}.{INPUT}.ConfidenceThreshold", "must be a number, found a string"),
    ("sweep threshold off the steps", _set(12.5, MODERATION, SWEEP, 2, "ConfidenceThreshold"),
     f"{MODERATION}.{SWEEP}[2].ConfidenceThreshold", "12.5 is not one of 5, 10, ..., 100"),
    ("sweep threshold twice", _set(5.0, MODERATION, SWEEP, 1, "ConfidenceThreshold"),
     f"{MODERATION}.{SWEEP}[1].ConfidenceThreshold", "5 appears twice"),
    ("label not in Labels", _set("Smoking", *LABELS_AT_INPUT, 0, "Label"),
     f"{MODERATION}.{INPUT}.LabelEvaluationResults[0].Label",
     "'Smoking' is not in EvaluationDetails.Labels (Rude Gesture, Nudity)"),
    ("sweep label not in Labels",
     _set("Rude Gestures", MODERATION, SWEEP, 9, "LabelEvaluationResults", 0, "Label"),
     f"{MODERATION}.{SWEEP}[9].LabelEvaluationResults[0].Label",
     "'Rude Gestures' is not in EvaluationDetails.Labels"),
    ("results of a label missing", _delete(*LABELS_AT_INPUT, 1),
     f"{MODERATION}.{INPUT}.LabelEvaluationResults", "has no results for label(s) 'Nudity'"),
    ("results of a label twice", _set("Rude Gesture", *LABELS_AT_INPUT, 1, "Label"),
     f"{MODERATION}.{INPUT}.LabelEvaluationResults[1].Label", "'Rude Gesture' has results twice"),
    ("no Labels", _set([], "EvaluationDetails", "Labels"),
     "EvaluationDetails.Labels", "lists no label"),
    ("a label listed twice", _set(["Nudity", "Nudity"], "EvaluationDetails", "Labels"),
     "EvaluationDetails.Labels[1]", "'Nudity' is listed twice"),
    ("bad timestamp", _set("yesterday", "EvaluationDetails", "EvaluationEndTimestamp"),
     "EvaluationDetails.EvaluationEndTimestamp", "is not an ISO 8601 date and time: 'yesterday'"),
    ("negative image count", _set(-40, "EvaluationDetails", "NumberOfTestingImages"),
     "EvaluationDetails.NumberOfTestingImages", "must not be negative, found -40"),
    ("ARN not text", _set(7, "EvaluationDetails", "ProjectVersionArn"),
     "EvaluationDetails.ProjectVersionArn", "must be a string, found a number"),
    ("no ContentModeration", _delete(MODERATION), MODERATION, "missing"),
    ("sweep not a list", _set({}, MODERATION, SWEEP),
     f"{MODERATION}.{SWEEP}", "must be an array, found an object"),
    ("no base model", _delete(MODERATION, INPUT, "AggregatedEvaluationResults", "BaseModel"),
     f"{MODERATION}.{INPUT}.AggregatedEvaluationResults.BaseModel", "missing"),
    ("counts not an object", _set(None, *LABELS_AT_INPUT, 0, "Adapter"),
     f"{MODERATION}.{INPUT}.LabelEvaluationResults[0].Adapter", "must be an object, found null"),
]


@pytest.mark.parametrize(
    ("change", "field", "detail"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_each_broken_field_is_named(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], field: str, detail: str
) -> None:
    source = write(tmp_path / "evaluation.json", mutated(sample(), change))
    with pytest.raises(EvaluationResultsError) as caught:
        read_evaluation_results(source)
    assert (caught.value.source, caught.value.field) == (source, field)
    assert detail in caught.value.detail
    assert str(caught.value) == f"{source}: {field}: {caught.value.detail}"


def test_a_document_that_is_not_an_object(tmp_path: Path) -> None:
    source = write(tmp_path / "evaluation.json", [sample()])
    with pytest.raises(EvaluationResultsError) as caught:
        read_evaluation_results(source)
    assert str(caught.value) == f"{source}: must be an object, found an array"


def test_the_seeds_example_as_printed_is_not_json() -> None:
    printed = BAD_SAMPLES / "evaluation-results-as-printed.json"
    with pytest.raises(EvaluationResultsError) as caught:
        read_evaluation_results(printed)
    assert caught.value.field is None
    assert re.fullmatch(
        re.escape(str(printed)) + r": not valid JSON \(.+ at line \d+, column \d+\)",
        str(caught.value),
    )


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ManifestNotFoundError):
        read_evaluation_results(tmp_path / "nowhere.json")


def test_reads_from_s3(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="out/EvaluationResultSummary-p-v1.json",
                  Body=SAMPLE.read_bytes())
    uri = f"s3://{bucket}/out/EvaluationResultSummary-p-v1.json"
    results = read_evaluation_results(uri, s3_client=s3)
    assert (results.source, results.f1_score) == (uri, 0.7317)
