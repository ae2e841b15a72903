"""Regressions and improvements of the adapter, read from a testing output manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_gt.evaluation import (
    Counts,
    EvaluationResults,
    ModelCounts,
    analyze_output_manifest,
    read_evaluation_results,
)
from airflow_gt.exceptions import LabelFormatError
from airflow_gt.manifests.writer import write_manifest
from tests.conftest import SAMPLES
from tests.evaluation.documents import SAMPLE, document, write

RUDE, NUDITY = "Rude Gesture", "Nudity"
ARN = "arn:aws:rekognition:us-east-1:111122223333:project/mod/version/v1/1763783880000"


def prediction(version: str, **found: float) -> dict[str, Any]:
    names = {"rude": RUDE, "nudity": NUDITY}
    return {
        "ModerationLabels": [
            {"Confidence": c, "Name": names[n], "ParentName": "Explicit Nudity" if n == "nudity"
             else ""} for n, c in found.items()
        ],
        "ModerationModelVersion": "7.0",
        "ProjectVersion": version,
    }


def output_line(
    n: int, truth: list[str], adapter: dict[str, float], base: dict[str, float]
) -> dict[str, Any]:
    return {
        "source-ref": f"s3://images/{n}.jpg",
        "content-moderation-groundtruth": {"ModerationLabels": [{"Name": x} for x in truth]},
        "detect-moderation-labels": prediction(ARN, **adapter),
        "detect-moderation-labels-base-model": prediction("", **base),
    }


LINES = [
    output_line(1, [RUDE], {"rude": 91.5}, {"rude": 12.25}),
    output_line(2, [RUDE, NUDITY], {"rude": 88.0, "nudity": 67.5}, {"nudity": 95.0}),
    output_line(3, [], {}, {"rude": 7.5}),
    output_line(4, [NUDITY], {"nudity": 30.0}, {"nudity": 50.0}),  # 50 at threshold 50 is predicted
    output_line(5, [], {"rude": 60.0}, {}),
    output_line(6, [], {"nudity": 55.0}, {"nudity": 70.0}),
]
# Worked out by hand from LINES at threshold 50 (TP, TN, FP, FN):
BY_HAND = {
    RUDE: ModelCounts(base_model=Counts(0, 4, 0, 2), adapter=Counts(2, 3, 1, 0)),
    NUDITY: ModelCounts(base_model=Counts(2, 3, 1, 0), adapter=Counts(1, 3, 1, 1)),
}


def results_with(tmp_path: Path, counts: dict[str, ModelCounts]) -> EvaluationResults:
    def quad(c: Counts) -> tuple[int, int, int, int]:
        return (c.true_positive, c.true_negative, c.false_positive, c.false_negative)

    per_label = {label: (quad(m.base_model), quad(m.adapter)) for label, m in counts.items()}
    doc = document([RUDE, NUDITY], 50.0, lambda _: per_label, len(LINES))
    return read_evaluation_results(write(tmp_path / "evaluation.json", doc))


def test_regressions_and_improvements_per_label(tmp_path: Path) -> None:
    source = tmp_path / "testing_output.manifest"
    write_manifest(source, LINES)
    analysis = analyze_output_manifest(source, results_with(tmp_path, BY_HAND))
    assert (analysis.images, analysis.threshold) == (6, 50.0)
    rude, nudity = analysis.labels
    assert [(d.line, d.error, d.adapter_confidence, d.base_model_confidence)
            for d in rude.regressions] == [(5, "false positive", 60.0, None)]
    assert [(d.line, d.error) for d in rude.improvements] == [
        (1, "false negative"), (2, "false negative")
    ]
    assert [(d.line, d.source_ref, d.error, d.adapter_confidence, d.base_model_confidence)
            for d in nudity.regressions] == [(4, "s3://images/4.jpg", "false negative", 30.0, 50.0)]
    assert nudity.improvements == ()
    assert {label.label: label.counts for label in analysis.labels} == BY_HAND
    assert (analysis.regressions, analysis.improvements, analysis.mismatched_labels) == (2, 2, ())


def test_counts_that_differ_from_the_evaluation_are_reported(tmp_path: Path) -> None:
    source = tmp_path / "testing_output.manifest"
    write_manifest(source, LINES)
    other = {**BY_HAND, NUDITY: ModelCounts(Counts(2, 3, 1, 0), Counts(2, 3, 1, 0))}
    analysis = analyze_output_manifest(source, results_with(tmp_path, other))
    assert analysis.mismatched_labels == (NUDITY,)
    summary = analysis.summary()
    assert (summary["counts_match"], summary["mismatched_labels"]) == (False, [NUDITY])
    assert summary["per_label"][0]["regressions"] == [{
        "line": 5, "source_ref": "s3://images/5.jpg", "error": "false positive",
        "adapter_confidence": 60.0, "base_model_confidence": None,
    }]


def test_the_guides_output_manifest(tmp_path: Path) -> None:
    analysis = analyze_output_manifest(
        SAMPLES / "moderation-output.manifest", read_evaluation_results(SAMPLE)
    )
    assert analysis.images == 3
    rude, nudity = analysis.labels
    assert [(d.line, d.source_ref) for d in rude.improvements] == [
        (1, "s3://foo/bar/1.jpg"), (2, "s3://foo/bar/2.jpg")
    ]
    assert rude.regressions == nudity.regressions == nudity.improvements == ()
    # 3 images cannot give the example evaluation's 40-image counts
    assert analysis.mismatched_labels == (RUDE, NUDITY)


def _broken(change: Any) -> dict[str, Any]:
    line = output_line(1, [RUDE], {"rude": 91.5}, {})
    change(line)
    return line


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (_broken(lambda x: x.pop("detect-moderation-labels")),
         r"line 2: label attribute 'detect-moderation-labels': missing, .*only the testing output"),
        (_broken(lambda x: x.pop("detect-moderation-labels-base-model")),
         r"line 2: label attribute 'detect-moderation-labels-base-model': missing"),
        (_broken(lambda x: x["detect-moderation-labels"]["ModerationLabels"][0].update(
            Confidence=120)),
         r"ModerationLabels\[0\].Confidence must be a number from 0 to 100, found 120"),
        (_broken(lambda x: x["detect-moderation-labels"]["ModerationLabels"][0].update(
            Confidence="high")),
         r"Confidence must be a number from 0 to 100, found 'high'"),
        (_broken(lambda x: x["detect-moderation-labels"]["ModerationLabels"][0].pop("Name")),
         r"ModerationLabels\[0\] has no 'Name' string"),
        (_broken(lambda x: x.pop("content-moderation-groundtruth")),
         r"line 2: label attribute 'content-moderation-groundtruth': must be an object"),
    ],
)
def test_broken_lines_are_named(tmp_path: Path, line: dict[str, Any], message: str) -> None:
    source = tmp_path / "testing_output.manifest"
    write_manifest(source, [LINES[0], line])
    with pytest.raises(LabelFormatError, match=message) as caught:
        analyze_output_manifest(source, results_with(tmp_path, BY_HAND))
    assert (caught.value.source, caught.value.line) == (str(source), 2)
