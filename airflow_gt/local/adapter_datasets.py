"""The training and testing datasets of a moderation adapter: read, checked, and auto-split.

A Custom Moderation manifest has one JSON line per image (Rekognition's guide, *Manifest file
formats, Input manifest*)::

    {"source-ref": "s3://bucket/images/1.jpg",
     "content-moderation-groundtruth": {"ModerationLabels": [{"Name": "Rude Gesture"}]}}

Every image must exist and all images of a dataset must be in one bucket. A broken manifest fails
training; :class:`AdapterTrainingError` carries the status message, which names the manifest and
the 1-based line. ``TestingData.AutoCreate`` splits a test set off the training images: a seeded,
label-stratified 20%, where the lines of one image always go to the same side.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from airflow_gt.exceptions import ConfigurationError, ManifestLineError
from airflow_gt.local.s3store import S3Store
from airflow_gt.manifests.moderation_taxonomy import is_moderation_label
from airflow_gt.manifests.reader import parse_lines
from airflow_gt.manifests.storage import S3Location

GROUND_TRUTH_ATTRIBUTE = "content-moderation-groundtruth"
SOURCE_REF = "source-ref"
AUTO_SPLIT_FRACTION = 0.2


class AdapterTrainingError(Exception):
    """Training cannot go on; ``str(error)`` is the version's ``StatusMessage``."""


@dataclass(frozen=True)
class ManifestImage:
    """One manifest line: where it is, its image, its ground truth, and the line as given."""

    line: int
    source_ref: str
    ground_truth: tuple[str, ...]
    raw: bytes
    record: dict[str, Any]


@dataclass(frozen=True)
class Dataset:
    """A checked dataset: its lines, and the SHA-256 digest of each image's bytes."""

    uri: str
    images: tuple[ManifestImage, ...]
    digests: dict[str, str]
    """Image digest (hex) -> source-ref."""

    @property
    def bucket(self) -> str:
        return S3Location.parse(self.uri).bucket


def _line_error(uri: str, line: int, detail: str) -> AdapterTrainingError:
    return AdapterTrainingError(str(ManifestLineError(uri, line, detail)))


def _source_ref(uri: str, line: int, record: dict[str, Any]) -> str:
    value = record.get(SOURCE_REF)
    if not isinstance(value, str):
        raise _line_error(uri, line, f"'{SOURCE_REF}' is missing or not a string")
    try:
        location = S3Location.parse(value)
    except ConfigurationError:
        location = None
    if location is None or not location.key:
        raise _line_error(uri, line, f"'{SOURCE_REF}' {value!r} is not an s3://bucket/key URI")
    return value


def _ground_truth(uri: str, line: int, record: dict[str, Any]) -> tuple[str, ...]:
    value = record.get(GROUND_TRUTH_ATTRIBUTE)
    labels = value.get("ModerationLabels") if isinstance(value, dict) else None
    if not isinstance(labels, list):
        detail = f"'{GROUND_TRUTH_ATTRIBUTE}' must be an object with a 'ModerationLabels' list"
        raise _line_error(uri, line, detail)
    names: list[str] = []
    for position, label in enumerate(labels, 1):
        name = label.get("Name") if isinstance(label, dict) else None
        if not isinstance(name, str):
            raise _line_error(uri, line, f"ModerationLabels item {position} has no 'Name' string")
        if not is_moderation_label(name):
            raise _line_error(uri, line, f"{name!r} is not a Rekognition moderation label")
        if name not in names:
            names.append(name)
    return tuple(names)


def parse_dataset(uri: str, data: bytes, role: str) -> list[ManifestImage]:
    """The lines of a manifest's bytes, each checked; ``role`` is "training" or "testing"."""
    lines = data.split(b"\n")
    images = []
    try:
        for number, record in parse_lines(lines, uri):
            images.append(
                ManifestImage(
                    line=number,
                    source_ref=_source_ref(uri, number, record),
                    ground_truth=_ground_truth(uri, number, record),
                    raw=lines[number - 1].rstrip(b"\r"),
                    record=record,
                )
            )
    except ManifestLineError as error:
        raise AdapterTrainingError(f"The {role} manifest is invalid: {error}") from None
    except AdapterTrainingError as error:
        raise AdapterTrainingError(f"The {role} manifest is invalid: {error}") from None
    return images


def _image_digests(s3: S3Store, uri: str, images: Sequence[ManifestImage]) -> dict[str, str]:
    digests: dict[str, str] = {}
    bucket = S3Location.parse(images[0].source_ref).bucket if images else ""
    for image in images:
        location = S3Location.parse(image.source_ref)
        if location.bucket != bucket:
            raise _line_error(
                uri, image.line,
                f"the image is in bucket {location.bucket!r} but the dataset's first image is in "
                f"{bucket!r}; all images of a dataset must be in one bucket",
            )
        data = s3.get(location.bucket, location.key)
        if data is None:
            raise _line_error(uri, image.line, f"the image {image.source_ref} does not exist")
        digests.setdefault(hashlib.sha256(data).hexdigest(), image.source_ref)
    return digests


def read_dataset(s3: S3Store, uri: str, role: str, minimum: int) -> Dataset:
    """Read and check the ``role`` ("training", "testing") manifest at ``uri``."""
    data = s3.get_uri(uri)
    if data is None:
        raise AdapterTrainingError(f"The {role} manifest {uri} does not exist.")
    images = parse_dataset(uri, data, role)
    if len(images) < minimum:
        raise AdapterTrainingError(
            f"The {role} manifest {uri} is too small: it has {len(images)} image line(s) and "
            f"at least {minimum} are needed."
        )
    try:
        digests = _image_digests(s3, uri, images)
    except AdapterTrainingError as error:
        raise AdapterTrainingError(f"The {role} manifest is invalid: {error}") from None
    return Dataset(uri, tuple(images), digests)


Strata = dict[tuple[str, ...], list[str]]
"""Distinct source-refs grouped by their sorted label set."""


def _test_quotas(strata: Strata, total: int) -> dict[tuple[str, ...], int]:
    """How many images of each stratum go to testing: proportional, largest remainders first."""
    units = sum(len(refs) for refs in strata.values())
    exact = {key: len(refs) * total / units for key, refs in strata.items()}
    quotas = {key: math.floor(share) for key, share in exact.items()}
    by_remainder = sorted(strata, key=lambda key: (quotas[key] - exact[key], key))
    for key in by_remainder[: total - sum(quotas.values())]:
        quotas[key] += 1
    return quotas


def auto_split(
    images: Sequence[ManifestImage], seed: str, fraction: float = AUTO_SPLIT_FRACTION
) -> tuple[list[ManifestImage], list[ManifestImage]]:
    """``(training, testing)`` lines: ``fraction`` of the images, stratified by label set.

    All lines of one image (one source-ref) go to the same side; both sides keep manifest order.
    """
    strata: Strata = {}
    seen: set[str] = set()
    for image in images:
        if image.source_ref not in seen:
            seen.add(image.source_ref)
            strata.setdefault(tuple(sorted(image.ground_truth)), []).append(image.source_ref)
    if len(seen) < 2:
        raise AdapterTrainingError(
            f"TestingData.AutoCreate needs at least 2 distinct images to split; found {len(seen)}."
        )
    total = min(len(seen) - 1, max(1, round(fraction * len(seen))))
    rng = random.Random(seed)
    testing_refs: set[str] = set()
    for key, quota in sorted(_test_quotas(strata, total).items()):
        refs = list(strata[key])
        rng.shuffle(refs)
        testing_refs.update(refs[:quota])
    training = [image for image in images if image.source_ref not in testing_refs]
    testing = [image for image in images if image.source_ref in testing_refs]
    return training, testing
