"""The training of a Custom Moderation adapter, simulated: no HTTP, only the stand-in's S3.

When a version's training time is over, :func:`train_adapter` reads and checks its manifests
(``adapter_datasets.py``), splits a test set off when ``TestingData.AutoCreate`` is set, simulates
the adapter's and the base model's predictions for every testing image, and writes three files
under the version's ``OutputConfig``::

    s3://<S3Bucket>/<S3KeyPrefix>/<project>/<version>/manifests/output/training_output.manifest
    s3://<S3Bucket>/<S3KeyPrefix>/<project>/<version>/manifests/output/testing_output.manifest
    s3://<S3Bucket>/<S3KeyPrefix>/EvaluationResultSummary-<project>-<version>.json

Rekognition documents the contents of these files but not their keys for adapters; the summary's
name follows the one Rekognition Custom Labels documents, and DescribeProjectVersions gives all
three locations. The training output has the training lines as given; the testing output adds
``detect-moderation-labels`` (the adapter) and ``detect-moderation-labels-base-model`` to each
testing line, with the predictions at confidence 5 or more.

Predictions are deterministic from the stand-in's seed and the image's source-ref. What an image
really shows is its generator truth record (``truth.py``) when there is one, else its manifest
ground truth. For each label the adapter knows, both models are right with their configured
accuracy (one shared draw, so the adapter is right wherever the base model is); a right "present"
has a confidence of 50-100, a right "absent" mostly below 5.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.local.adapter_datasets import (
    AdapterTrainingError,
    Dataset,
    ManifestImage,
    auto_split,
    read_dataset,
)
from airflow_gt.local.adapter_evaluation import EvaluationInput, TestImage, evaluation_results
from airflow_gt.local.s3store import S3Store
from airflow_gt.local.truth import Truth, truth_key
from airflow_gt.manifests.moderation_taxonomy import is_moderation_label, parent_name
from airflow_gt.manifests.storage import S3Location

MODERATION_MODEL_VERSION = "7.0"
"""The base moderation model version adapters are trained on and answer with."""
KEPT_CONFIDENCE = 5.0
"""Output manifests hold predictions at this confidence or above."""
DEFAULT_CONFIDENCE_THRESHOLD = 50.0
"""The threshold evaluated when FeatureConfig gives none: DetectModerationLabels' default."""
ADAPTER_ATTRIBUTE = "detect-moderation-labels"
BASE_MODEL_ATTRIBUTE = "detect-moderation-labels-base-model"
ADAPTER = "adapter"
BASE_MODEL = "base-model"
JSON_FILE_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
"""The evaluation results file: indented by two spaces, ending with a newline."""


@dataclass(frozen=True)
class AdapterTrainingConfig:
    """How the simulated training behaves.

    :param training_seconds: stand-in clock seconds from CreateProjectVersion to the end.
    :param min_training_images: fewest training manifest lines; Rekognition's best practices ask
        for at least 20 false positives (or 50 false negatives) and 20 testing images.
    :param adapter_accuracy: the share of (image, label) pairs the adapter gets right.
    :param base_model_accuracy: the same for the base model; at most ``adapter_accuracy``.
    :param min_testing_images: fewest testing images (given or auto-split).
    :param max_training_images: most training manifest lines (Rekognition's limit is 10,000).
    :param max_concurrent_trainings: versions training at once in a region before
        CreateProjectVersion answers LimitExceededException; None for no limit.
    :param deletion_seconds: how long a deleted project or version stays DELETING.
    """

    training_seconds: float = 15.0
    min_training_images: int = 20
    adapter_accuracy: float = 0.9
    base_model_accuracy: float = 0.7
    min_testing_images: int = 1
    max_training_images: int = 10_000
    max_concurrent_trainings: int | None = None
    deletion_seconds: float = 0.0

    def __post_init__(self) -> None:
        for name in ("adapter_accuracy", "base_model_accuracy"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigurationError(name, f"must be between 0 and 1, got {value}")
        if self.base_model_accuracy > self.adapter_accuracy:
            raise ConfigurationError("base_model_accuracy", "must not exceed adapter_accuracy")
        if self.training_seconds < 0 or self.deletion_seconds < 0:
            raise ConfigurationError("training_seconds", "times must not be negative")
        if self.min_training_images < 1 or self.min_testing_images < 1:
            raise ConfigurationError("min_training_images", "minimums must be at least 1")


@dataclass(frozen=True)
class TrainingRequest:
    """What CreateProjectVersion asked for, as the simulation needs it."""

    project_name: str
    version_name: str
    version_arn: str
    training_manifest: str
    testing_manifest: str | None
    """None when ``TestingData.AutoCreate`` is set."""
    output_bucket: str
    output_prefix: str
    confidence_threshold: float
    seed: int


@dataclass(frozen=True)
class OutputLocations:
    """Where a version's training writes its files."""

    training_manifest: S3Location
    testing_manifest: S3Location
    evaluation_results: S3Location

    @classmethod
    def of(cls, request: TrainingRequest) -> OutputLocations:
        root = S3Location(request.output_bucket, request.output_prefix.strip("/"))
        folder = root.child(request.project_name, request.version_name, "manifests", "output")
        return cls(
            training_manifest=folder.child("training_output.manifest"),
            testing_manifest=folder.child("testing_output.manifest"),
            evaluation_results=root.child(
                f"EvaluationResultSummary-{request.project_name}-{request.version_name}.json"
            ),
        )


@dataclass(frozen=True)
class TrainedAdapter:
    """A trained adapter: what it knows, how it scored, and where its files are."""

    labels: tuple[str, ...]
    truths: dict[str, frozenset[str]]
    """Source-ref of every manifest image -> the labels the simulation takes it to show."""
    digests: dict[str, str]
    """SHA-256 of an image's bytes -> its source-ref, to know images sent as bytes."""
    f1_score: float
    outputs: OutputLocations
    training_images: int
    testing_images: int


def _uniform(seed: int, *parts: str) -> float:
    """A number in [0, 1) fixed by the seed and the parts."""
    digest = hashlib.sha256("\0".join((str(seed), *parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def simulated_confidence(
    seed: int, model: str, source_ref: str, label: str, present: bool, accuracy: float
) -> float:
    """The confidence ``model`` gives ``label`` on the image, with 1 to 3 decimals."""
    right = _uniform(seed, "difficulty", source_ref, label) < accuracy
    draw = _uniform(seed, model, source_ref, label)
    decimals = 1 + int(_uniform(seed, model, "decimals", source_ref, label) * 3)
    if present == right:  # said present: a true or a false positive
        value = 50.0 + 50.0 * math.sqrt(draw)
    elif present:  # missed
        value = 50.0 * draw
    else:  # rightly absent: mostly below the 5 that output manifests keep
        value = 50.0 * draw**6
    return round(value, decimals)


def predicted_labels(
    seed: int,
    model: str,
    source_ref: str,
    truth: Iterable[str],
    labels: Iterable[str],
    accuracy: float,
    minimum: float = KEPT_CONFIDENCE,
) -> list[tuple[str, float]]:
    """``(label, confidence)`` of ``labels`` at ``minimum`` or above, most confident first."""
    present = frozenset(truth)
    found = []
    for label in labels:
        confidence = simulated_confidence(
            seed, model, source_ref, label, label in present, accuracy
        )
        if confidence >= minimum:
            found.append((label, confidence))
    return sorted(found, key=lambda item: (-item[1], item[0]))


def prediction_object(found: Sequence[tuple[str, float]], project_version: str) -> dict[str, Any]:
    """A prediction as output manifests hold it, like a DetectModerationLabels answer."""
    return {
        "ModerationLabels": [
            {"Confidence": confidence, "Name": name, "ParentName": parent_name(name)}
            for name, confidence in found
        ],
        "ModerationModelVersion": MODERATION_MODEL_VERSION,
        "ProjectVersion": project_version,
    }


def image_truth(s3: S3Store, manifest_bucket: str, image: ManifestImage) -> frozenset[str]:
    """The generator's truth for the image if recorded, else the manifest's ground truth."""
    recorded = s3.get(manifest_bucket, truth_key(image.source_ref))
    if recorded is None:
        return frozenset(image.ground_truth)
    return frozenset(
        name for name in Truth.loads(recorded).moderation_labels if is_moderation_label(name)
    )


def _labels_of(images: Iterable[ManifestImage]) -> tuple[str, ...]:
    labels: dict[str, None] = {}
    for image in images:
        for name in image.ground_truth:
            labels.setdefault(name)
    return tuple(labels)


@dataclass(frozen=True)
class _Split:
    training: list[ManifestImage]
    testing: list[ManifestImage]
    testing_bucket: str
    digests: dict[str, str]


def _split(s3: S3Store, request: TrainingRequest, config: AdapterTrainingConfig) -> _Split:
    training: Dataset = read_dataset(
        s3, request.training_manifest, "training", config.min_training_images
    )
    if len(training.images) > config.max_training_images:
        raise AdapterTrainingError(
            f"The training manifest {request.training_manifest} has {len(training.images)} "
            f"image lines; at most {config.max_training_images} are allowed."
        )
    if request.testing_manifest is None:
        seed = f"{request.seed}\0{request.training_manifest}"
        train, test = auto_split(training.images, seed)
        split = _Split(train, test, training.bucket, training.digests)
    else:
        testing = read_dataset(s3, request.testing_manifest, "testing", config.min_testing_images)
        split = _Split(
            list(training.images), list(testing.images), testing.bucket,
            {**testing.digests, **training.digests},
        )
    if len(split.testing) < config.min_testing_images:
        raise AdapterTrainingError(
            f"The automatically created test set has {len(split.testing)} image(s); at least "
            f"{config.min_testing_images} are needed. Add lines to {request.training_manifest}."
        )
    return split


def _write(s3: S3Store, location: S3Location, data: bytes) -> None:
    if not s3.bucket_exists(location.bucket):
        raise AdapterTrainingError(f"The output bucket {location.bucket} does not exist.")
    s3.put(location.bucket, location.key, data)


def _testing_output(
    request: TrainingRequest,
    config: AdapterTrainingConfig,
    images: Sequence[ManifestImage],
    labels: Sequence[str],
    truths: dict[str, frozenset[str]],
) -> tuple[bytes, list[TestImage]]:
    """The testing output manifest, and the testing images as the evaluation counts them."""
    lines, evaluated = [], []
    for image in images:
        truth = truths[image.source_ref]
        adapter = predicted_labels(
            request.seed, ADAPTER, image.source_ref, truth, labels, config.adapter_accuracy
        )
        base = predicted_labels(
            request.seed, BASE_MODEL, image.source_ref, truth, labels, config.base_model_accuracy
        )
        record = {
            **image.record,
            ADAPTER_ATTRIBUTE: prediction_object(adapter, request.version_arn),
            BASE_MODEL_ATTRIBUTE: prediction_object(base, ""),
        }
        lines.append(orjson.dumps(record) + b"\n")
        evaluated.append(TestImage(frozenset(image.ground_truth), dict(adapter), dict(base)))
    return b"".join(lines), evaluated


def train_adapter(
    s3: S3Store, request: TrainingRequest, config: AdapterTrainingConfig, now: float
) -> TrainedAdapter:
    """Train the adapter and write its files; AdapterTrainingError says why training failed."""
    split = _split(s3, request, config)
    labels = _labels_of(split.training)
    if not labels:
        raise AdapterTrainingError(
            f"The training images of {request.training_manifest} carry no moderation label; "
            "an adapter needs at least one labeled image."
        )
    training_bucket = S3Location.parse(request.training_manifest).bucket
    truths = {image.source_ref: image_truth(s3, training_bucket, image) for image in split.training}
    for image in split.testing:
        truths[image.source_ref] = image_truth(s3, split.testing_bucket, image)
    testing_manifest, evaluated = _testing_output(request, config, split.testing, labels, truths)
    results = evaluation_results(
        EvaluationInput(
            images=evaluated,
            labels=labels,
            confidence_threshold=request.confidence_threshold,
            training_images=len(split.training),
            project_version_arn=request.version_arn,
            end_time=now,
        )
    )
    outputs = OutputLocations.of(request)
    _write(s3, outputs.training_manifest, b"".join(i.raw + b"\n" for i in split.training))
    _write(s3, outputs.testing_manifest, testing_manifest)
    _write(s3, outputs.evaluation_results, orjson.dumps(results, option=JSON_FILE_OPTIONS))
    return TrainedAdapter(
        labels=labels,
        truths=truths,
        digests=split.digests,
        f1_score=float(results["AggregatedEvaluationResults"]["F1Score"]),
        outputs=outputs,
        training_images=len(split.training),
        testing_images=len(split.testing),
    )
