"""Ground Truth labels as Rekognition Custom Moderation manifests, for training an adapter.

A Custom Moderation manifest (Rekognition's guide, *Manifest file formats, Input manifest*) has
one line per image in S3, all in one bucket, with the image's moderation labels, an empty list for
an image that shows nothing unsafe::

    {"source-ref": "s3://bucket/1.jpg",
     "content-moderation-groundtruth": {"ModerationLabels": [{"Name": "Rude Gesture"}]}}

:func:`to_moderation` writes one (or a training and a testing one) from the output manifest of an
image classification, multi-label image classification or label verification job: each labeled
line keeps its ``source-ref``, and its class names become moderation labels through a
:class:`~airflow_gt.manifests.label_map.LabelMap`. Unlabeled and failed lines are left out and
counted. A multi-label line with no class selected is a safe image. The whole manifest is read
and checked before anything is published, so an error (a class outside the taxonomy, a second
bucket) leaves no file behind; the training and testing manifests are one output group
(``output_group.py``): both appear, or neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_gt.exceptions import (
    ConfigurationError,
    ImageSourceError,
    LabelFormatError,
    NoLabeledImagesError,
    UnknownModerationLabelError,
    UnsupportedLabelError,
)
from airflow_gt.manifests.attributes import LabelAttribute, check_read_attribute_name
from airflow_gt.manifests.destinations import check_outputs
from airflow_gt.manifests.label_map import SAFE, LabelMap
from airflow_gt.manifests.label_parsing import parse_label
from airflow_gt.manifests.label_state import LabelState, label_state
from airflow_gt.manifests.labels import ClassificationLabel, MultiLabelClassification
from airflow_gt.manifests.moderation_manifest import ModerationLine
from airflow_gt.manifests.moderation_split import check_test_fraction, split_lines
from airflow_gt.manifests.moderation_taxonomy import is_moderation_label
from airflow_gt.manifests.output_group import OutputGroup
from airflow_gt.manifests.reader import Record, read_manifest
from airflow_gt.manifests.storage import S3Location, Source, source_name

CONVERTIBLE_JOB_TYPES = frozenset(
    {"image-classification", "image-classification-multilabel", "label-verification"}
)


@dataclass(frozen=True)
class Conversion:
    """A Ground Truth manifest read as moderation lines, before anything is written."""

    source: str
    label_attribute: str
    lines_read: int
    lines: tuple[ModerationLine, ...]
    unlabeled: int
    failed: int


def _bucket(source: str, line: int, record: Record) -> str:
    value = record.get("source-ref")
    try:
        location = S3Location.parse(value) if isinstance(value, str) else None
    except ConfigurationError:
        location = None
    if location is None or not location.key:
        raise ImageSourceError(
            source, line, f"'source-ref' {value!r} is not an s3://bucket/key URI; Rekognition "
            "reads the images of a moderation dataset from S3",
        )
    return location.bucket


def _class_names(
    record: Record, attribute: LabelAttribute, source: str, line: int
) -> tuple[str, ...]:
    kind = attribute.job_type
    if kind is None or kind.name not in CONVERTIBLE_JOB_TYPES:
        raise UnsupportedLabelError(source, line, attribute.name, attribute.metadata_type)
    label = parse_label(record, attribute, source=source, line=line)
    if isinstance(label, MultiLabelClassification):
        missing = [index for index in label.class_ids if index not in label.class_map]
        if missing:
            raise LabelFormatError(
                source, line, attribute.name, f"class indexes {missing} are not in its class-map"
            )
        return tuple(label.class_map[index] for index in label.class_ids)
    assert isinstance(label, ClassificationLabel)  # verification labels are classifications
    return (label.class_name,)


def _moderation_labels(
    class_names: tuple[str, ...], label_map: LabelMap, line: int, unknown: dict[str, int]
) -> tuple[str, ...]:
    labels: dict[str, None] = {}
    for class_name in class_names:
        target = label_map.target(class_name)
        if target == SAFE:
            continue
        if is_moderation_label(target):
            labels.setdefault(target)
        else:
            unknown.setdefault(class_name, line)
    return tuple(labels)


def convert_to_moderation(
    source: Source,
    label_attribute: str,
    label_map: LabelMap | None = None,
    *,
    s3_client: Any = None,
) -> Conversion:
    """Read a Ground Truth output manifest as moderation lines; see the module docstring.

    :raises UnknownModerationLabelError: class names map to no moderation label (all named).
    :raises ImageSourceError: an image is not in S3, or not in the first image's bucket.
    :raises LabelFormatError: a line is not labeled, failed or unlabeled the way Ground Truth
        writes them (a label without metadata, metadata without ``type``...), or its label
        lacks its job type's shape.
    :raises ConfigurationError: no line carries ``label_attribute`` at all.
    :raises NoLabeledImagesError: lines carry it, but none is labeled.
    """
    name = source_name(source)
    label_map = label_map or LabelMap()
    lines: list[ModerationLine] = []
    unknown: dict[str, int] = {}
    first_bucket: tuple[str, int] | None = None
    lines_read = unlabeled = failed = 0
    seen = False
    for line, record in read_manifest(source, s3_client=s3_client):
        lines_read = line
        state, attribute = label_state(record, label_attribute, source=name, line=line)
        if attribute is not None and not seen:
            check_read_attribute_name(attribute, name, line)
            seen = True
        if state is LabelState.UNLABELED:
            unlabeled += 1
            continue
        if state is LabelState.FAILED:
            failed += 1
            continue
        assert attribute is not None
        class_names = _class_names(record, attribute, name, line)
        bucket = _bucket(name, line, record)
        if first_bucket is None:
            first_bucket = (bucket, line)
        elif bucket != first_bucket[0]:
            raise ImageSourceError(
                name, line, f"the image is in bucket {bucket!r} but the image on line "
                f"{first_bucket[1]} is in {first_bucket[0]!r}; Rekognition needs the images of "
                "a dataset in one bucket",
            )
        labels = _moderation_labels(class_names, label_map, line, unknown)
        lines.append(ModerationLine(line, record["source-ref"], labels))
    if unknown:
        raise UnknownModerationLabelError(name, unknown)
    if not lines:
        if not seen:
            raise ConfigurationError(
                "label_attribute", f"no line of {name} carries the label attribute "
                f"{label_attribute!r}",
            )
        raise NoLabeledImagesError(name, label_attribute, unlabeled, failed)
    return Conversion(name, label_attribute, lines_read, tuple(lines), unlabeled, failed)


@dataclass(frozen=True)
class ModerationResult:
    """What :func:`to_moderation` read and wrote.

    ``labels`` gives, for each moderation label, how many training and testing images carry it;
    ``safe`` counts the images with no moderation label.
    """

    source: str
    label_attribute: str
    lines_read: int
    images: int
    unlabeled: int
    failed: int
    safe: int
    training: str
    training_images: int
    testing: str | None
    testing_images: int
    labels: Mapping[str, Mapping[str, int]]

    def render_text(self) -> str:
        """The result for people: what was read, left out and written, and the label counts."""
        lines = [
            f"source: {self.source} (label attribute {self.label_attribute!r}, "
            f"{self.lines_read} lines)",
            f"converted: {self.images} images ({self.safe} safe); left out: "
            f"{self.unlabeled} unlabeled, {self.failed} failed",
            f"training: {self.training} ({self.training_images} images)",
        ]
        if self.testing is not None:
            lines.append(f"testing: {self.testing} ({self.testing_images} images)")
        lines.append(f"{'moderation label':<40}{'training':>9}{'testing':>9}")
        lines += [
            f"  {label:<38}{counts['training']:>9}{counts['testing']:>9}"
            for label, counts in self.labels.items()
        ]
        return "\n".join(lines)


def _label_counts(
    training: list[ModerationLine], testing: list[ModerationLine]
) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for side, lines in (("training", training), ("testing", testing)):
        for line in lines:
            for label in line.labels:
                counts.setdefault(label, {"training": 0, "testing": 0})[side] += 1
    return dict(sorted(counts.items()))


def to_moderation(
    source: Source,
    training: Source,
    *,
    label_attribute: str,
    testing: Source | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
    label_map: LabelMap | None = None,
    s3_client: Any = None,
) -> ModerationResult:
    """Write the Custom Moderation manifest(s) of a Ground Truth output manifest.

    :param source: the output manifest of an image classification, multi-label image
        classification or label verification job (path or ``s3://``).
    :param training: where the training manifest goes; every converted line when ``testing`` is
        None.
    :param label_attribute: the job's label attribute.
    :param testing: where a testing manifest goes: a seeded, label-stratified ``test_fraction``
        of the images (:mod:`~airflow_gt.manifests.moderation_split`), none of them in training.
    :param label_map: class name -> moderation label or ``"safe"``; the identity map if None.
    """
    if testing is not None:
        check_test_fraction(test_fraction)
        if source_name(testing) == source_name(training):
            raise ConfigurationError("testing", "must not be the training manifest's location")
    outputs = [training] if testing is None else [training, testing]
    check_outputs(outputs, [source])
    # The outputs open first, so a destination that cannot be written (a missing bucket) fails
    # before the source is read; they are published together, after everything is written.
    with OutputGroup(outputs, s3_client=s3_client) as writers:
        conversion = convert_to_moderation(
            source, label_attribute, label_map, s3_client=s3_client
        )
        train: list[ModerationLine] = list(conversion.lines)
        test: list[ModerationLine] = []
        if testing is not None:
            train, test = split_lines(conversion.lines, test_fraction, seed)
        writers[0].write_all(line.record() for line in train)
        if testing is not None:
            writers[1].write_all(line.record() for line in test)
    train_out, test_out = writers[0], writers[1] if testing is not None else None
    return ModerationResult(
        source=conversion.source,
        label_attribute=label_attribute,
        lines_read=conversion.lines_read,
        images=len(conversion.lines),
        unlabeled=conversion.unlabeled,
        failed=conversion.failed,
        safe=sum(not line.labels for line in conversion.lines),
        training=train_out.destination,
        training_images=len(train),
        testing=None if test_out is None else test_out.destination,
        testing_images=len(test),
        labels=_label_counts(train, test),
    )
