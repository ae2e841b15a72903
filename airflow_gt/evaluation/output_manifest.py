"""Which images the adapter gets wrong that the base model got right, and the reverse.

An adapter's testing output manifest (Rekognition's guide, *Manifest file formats, Output
manifest*) holds each testing image's ground truth and both models' predictions at confidence 5
or more, in the shape of a DetectModerationLabels answer::

    {"source-ref": ..., "content-moderation-groundtruth": {"ModerationLabels": [{"Name"}]},
     "detect-moderation-labels": {"ModerationLabels": [{"Confidence", "Name", "ParentName"}],
                                  "ModerationModelVersion", "ProjectVersion"},
     "detect-moderation-labels-base-model": {...the same...}}

At the evaluation's input threshold a model predicts a label when its confidence is at least the
threshold; it is right about an (image, label) when that agrees with the ground truth. For each
evaluated label, a *regression* is an image where the adapter is wrong and the base model right,
an *improvement* the reverse. The counts are recomputed on the way, and compared with the
evaluation file's: they should agree, as both come from the same predictions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_gt.evaluation.metrics import Counts, ModelCounts
from airflow_gt.evaluation.results import EvaluationResults
from airflow_gt.exceptions import LabelFormatError
from airflow_gt.manifests.moderation_manifest import parse_moderation_line
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.storage import Source, source_name

ADAPTER_KEY = "detect-moderation-labels"
BASE_MODEL_KEY = "detect-moderation-labels-base-model"


def predictions(record: Mapping[str, Any], key: str, source: str, line: int) -> dict[str, float]:
    """Label -> confidence of one model's predictions on a line (the highest, if repeated)."""
    value = record.get(key)
    items = value.get("ModerationLabels") if isinstance(value, Mapping) else None
    if not isinstance(items, list):
        raise LabelFormatError(
            source, line, key, "missing, or not an object with a 'ModerationLabels' list (only "
            "the testing output manifest has predictions)",
        )
    found: dict[str, float] = {}
    for position, item in enumerate(items):
        where = f"ModerationLabels[{position}]"
        name = item.get("Name") if isinstance(item, Mapping) else None
        confidence = item.get("Confidence") if isinstance(item, Mapping) else None
        if not isinstance(name, str):
            raise LabelFormatError(source, line, key, f"{where} has no 'Name' string")
        if (isinstance(confidence, bool) or not isinstance(confidence, int | float)
                or not 0 <= confidence <= 100):
            raise LabelFormatError(
                source, line, key, f"{where}.Confidence must be a number from 0 to 100, "
                f"found {confidence!r}",
            )
        found[name] = max(float(confidence), found.get(name, 0.0))
    return found


@dataclass(frozen=True)
class Disagreement:
    """An image and a label where one model is right and the other wrong."""

    line: int
    source_ref: str
    label: str
    present: bool
    """Whether the ground truth has the label."""
    adapter_confidence: float | None
    base_model_confidence: float | None

    @property
    def error(self) -> str:
        """What the wrong model did: missed the label, or flagged it where it is not."""
        return "false negative" if self.present else "false positive"

    def summary(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "source_ref": self.source_ref,
            "error": self.error,
            "adapter_confidence": self.adapter_confidence,
            "base_model_confidence": self.base_model_confidence,
        }


@dataclass
class _Tally:
    """Counts of one label for one model, built image by image."""

    tp: int = 0
    tn: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, present: bool, predicted: bool) -> bool:
        """Count one image; True when the model is right about it."""
        if present:
            self.tp += predicted
            self.fn += not predicted
        else:
            self.fp += predicted
            self.tn += not predicted
        return present == predicted

    def counts(self) -> Counts:
        return Counts(self.tp, self.tn, self.fp, self.fn)


@dataclass
class _LabelTally:
    adapter: _Tally = field(default_factory=_Tally)
    base_model: _Tally = field(default_factory=_Tally)
    regressions: list[Disagreement] = field(default_factory=list)
    improvements: list[Disagreement] = field(default_factory=list)


@dataclass(frozen=True)
class LabelAnalysis:
    """One label: both models' counts from the manifest, its regressions and improvements."""

    label: str
    counts: ModelCounts
    regressions: tuple[Disagreement, ...]
    """Images where the adapter is wrong and the base model right."""
    improvements: tuple[Disagreement, ...]
    """Images where the adapter is right and the base model wrong."""


@dataclass(frozen=True)
class OutputManifestAnalysis:
    """A testing output manifest read against its evaluation results.

    :param mismatched_labels: labels whose counts here differ from the evaluation file's at the
        input threshold; empty when the two agree.
    """

    source: str
    threshold: float
    images: int
    labels: tuple[LabelAnalysis, ...]
    mismatched_labels: tuple[str, ...]

    @property
    def regressions(self) -> int:
        return sum(len(label.regressions) for label in self.labels)

    @property
    def improvements(self) -> int:
        return sum(len(label.improvements) for label in self.labels)

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "threshold": self.threshold,
            "images": self.images,
            "regressions": self.regressions,
            "improvements": self.improvements,
            "counts_match": not self.mismatched_labels,
            "mismatched_labels": list(self.mismatched_labels),
            "per_label": [
                {
                    "label": label.label,
                    "regressions": [d.summary() for d in label.regressions],
                    "improvements": [d.summary() for d in label.improvements],
                }
                for label in self.labels
            ],
        }


def analyze_output_manifest(
    source: Source, results: EvaluationResults, *, s3_client: Any = None
) -> OutputManifestAnalysis:
    """Read the testing output manifest ``source`` against ``results``; streamed, line by line.

    :raises LabelFormatError: a line lacks its ground truth or a model's predictions.
    """
    name = source_name(source)
    threshold = results.threshold
    tallies = {label: _LabelTally() for label in results.labels}
    images = 0
    for line, record in read_manifest(source, s3_client=s3_client):
        image = parse_moderation_line(record, name, line)
        adapter = predictions(record, ADAPTER_KEY, name, line)
        base = predictions(record, BASE_MODEL_KEY, name, line)
        images += 1
        for label, tally in tallies.items():
            present = label in image.labels
            adapter_right = tally.adapter.add(present, adapter.get(label, -1.0) >= threshold)
            base_right = tally.base_model.add(present, base.get(label, -1.0) >= threshold)
            if adapter_right != base_right:
                found = Disagreement(
                    line, image.source_ref, label, present, adapter.get(label), base.get(label)
                )
                (tally.improvements if adapter_right else tally.regressions).append(found)
    labels = tuple(
        LabelAnalysis(
            label,
            ModelCounts(tally.base_model.counts(), tally.adapter.counts()),
            tuple(tally.regressions),
            tuple(tally.improvements),
        )
        for label, tally in tallies.items()
    )
    expected = results.input_threshold.labels
    mismatched = tuple(item.label for item in labels if item.counts != expected[item.label])
    return OutputManifestAnalysis(name, threshold, images, labels, mismatched)
