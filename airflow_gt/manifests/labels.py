"""Typed, read-only views of the label of each job type.

A view is built from a line's raw dict by :func:`~airflow_gt.manifests.label_parsing.parse_label`
and keeps that dict's label value and metadata as they are (``value``, ``metadata.raw``), so
nothing is lost: the typed fields are read from them, never copied in place of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LabelMetadata:
    """The metadata common to every job type, over the raw ``X-metadata`` object."""

    raw: Mapping[str, Any]

    @property
    def type(self) -> str | None:
        value = self.raw.get("type")
        return value if isinstance(value, str) else None

    @property
    def job_name(self) -> str | None:
        """The labeling job's name; Ground Truth writes it plain or as ``labeling-job/<name>``."""
        value = self.raw.get("job-name")
        return value.removeprefix("labeling-job/") if isinstance(value, str) else None

    @property
    def human_annotated(self) -> bool | None:
        value = self.raw.get("human-annotated")
        return {"yes": True, "no": False}.get(value) if isinstance(value, str) else None

    @property
    def creation_date(self) -> str | None:
        value = self.raw.get("creation-date")
        return value if isinstance(value, str) else None

    @property
    def confidence(self) -> float | None:
        value = self.raw.get("confidence")
        return float(value) if isinstance(value, int | float) else None

    @property
    def failure_reason(self) -> str | None:
        value = self.raw.get("failure-reason")
        return None if value is None else str(value)


@dataclass(frozen=True)
class Label:
    """What every view has: the attribute, its raw value and its metadata."""

    attribute: str
    value: Any
    metadata: LabelMetadata

    @property
    def confidences(self) -> tuple[float, ...]:
        """Every confidence score the label carries (per box, per class, or one)."""
        confidence = self.metadata.confidence
        return () if confidence is None else (confidence,)

    @property
    def class_names(self) -> frozenset[str]:
        """The class names the label assigns."""
        return frozenset()


@dataclass(frozen=True)
class ClassificationLabel(Label):
    """Image or text classification: one class index, its class name and a confidence."""

    class_id: int
    class_name: str

    @property
    def class_names(self) -> frozenset[str]:
        return frozenset({self.class_name})


@dataclass(frozen=True)
class VerificationLabel(ClassificationLabel):
    """Label verification: a judgment class (such as ``bad``) and the workers' comments."""

    worker_feedback: tuple[str, ...]


@dataclass(frozen=True)
class MultiLabelClassification(Label):
    """Multi-label classification: the selected indexes, ``class-map`` and ``confidence-map``."""

    class_ids: tuple[int, ...]
    class_map: Mapping[int, str]
    confidence_map: Mapping[int, float]

    @property
    def confidences(self) -> tuple[float, ...]:
        return tuple(self.confidence_map.values())

    @property
    def class_names(self) -> frozenset[str]:
        return frozenset(self.class_map[i] for i in self.class_ids if i in self.class_map)


@dataclass(frozen=True)
class ImageSize:
    width: float
    height: float
    depth: float


@dataclass(frozen=True)
class BoundingBox:
    class_id: int
    class_name: str | None
    left: float
    top: float
    width: float
    height: float
    confidence: float | None


@dataclass(frozen=True)
class BoundingBoxLabel(Label):
    """Object detection: the image size, the boxes, and (adjustment jobs) adjustment-status."""

    image_size: ImageSize
    boxes: tuple[BoundingBox, ...]
    class_map: Mapping[int, str]

    @property
    def adjustment_status(self) -> str | None:
        value = self.metadata.raw.get("adjustment-status")
        return value if isinstance(value, str) else None

    @property
    def confidences(self) -> tuple[float, ...]:
        return tuple(b.confidence for b in self.boxes if b.confidence is not None)

    @property
    def class_names(self) -> frozenset[str]:
        return frozenset(b.class_name for b in self.boxes if b.class_name is not None)


@dataclass(frozen=True)
class ColorMapEntry:
    class_id: int
    class_name: str
    confidence: float | None
    hex_color: str


@dataclass(frozen=True)
class SegmentationLabel(Label):
    """Semantic segmentation: the S3 URI of the PNG mask and the internal color map."""

    mask_ref: str
    color_map: tuple[ColorMapEntry, ...]

    @property
    def confidences(self) -> tuple[float, ...]:
        return tuple(e.confidence for e in self.color_map if e.confidence is not None)

    @property
    def class_names(self) -> frozenset[str]:
        return frozenset(e.class_name for e in self.color_map)


@dataclass(frozen=True)
class TextSpan:
    label: str
    start_offset: int
    end_offset: int
    confidence: float | None


@dataclass(frozen=True)
class TextSpanLabel(Label):
    """Named entity recognition: the entities (offsets into the text) and the label list."""

    entities: tuple[TextSpan, ...]
    labels: tuple[str, ...]

    @property
    def confidences(self) -> tuple[float, ...]:
        return tuple(e.confidence for e in self.entities if e.confidence is not None)

    @property
    def class_names(self) -> frozenset[str]:
        return frozenset(e.label for e in self.entities)


@dataclass(frozen=True)
class ReferenceLabel(Label):
    """Video frame and 3D point cloud jobs: the S3 URI of the sequence label file."""

    ref: str
