"""The known truth of a data object, and where the stand-in keeps it.

The dataset generator (``datasets.py``) makes images and texts whose correct labels it knows and
records each object's truth in S3, beside the data, under a reserved prefix of the bucket the
manifest lives in::

    s3://<bucket>/.airflow-gt-truth/<sha256 of the source-ref or source text>.json

The simulated workforce looks an object's truth up there; an object with no truth record is labeled
deterministically from a hash of its source instead. Class names, not indexes, are stored: a
labeling job's label categories decide the indexes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson

TRUTH_PREFIX = ".airflow-gt-truth/"


@dataclass(frozen=True)
class Box:
    """A bounding box in pixels, with the name of its class."""

    label: str
    left: int
    top: int
    width: int
    height: int

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "left": self.left,
            "top": self.top,
            "width": self.width,
            "height": self.height,
        }


@dataclass(frozen=True)
class Span:
    """A labeled span of text, offsets in characters, end exclusive (as Ground Truth writes)."""

    label: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "startOffset": self.start, "endOffset": self.end}


@dataclass(frozen=True)
class Truth:
    """What is really in one data object.

    :param classes: the class names present, most prominent first. Single-label classification
        takes the first; multi-label takes them all.
    :param boxes: objects in an image, drawn in this order (later boxes cover earlier ones in the
        segmentation mask).
    :param image_size: ``(width, height, depth)`` of an image; None for text.
    :param background: the class name of mask pixels that no box covers.
    :param entities: named-entity spans in a text.
    :param moderation_labels: Rekognition moderation label names for a moderation image.
    """

    classes: tuple[str, ...] = ()
    boxes: tuple[Box, ...] = ()
    image_size: tuple[int, int, int] | None = None
    background: str = "BACKGROUND"
    entities: tuple[Span, ...] = ()
    moderation_labels: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "classes": list(self.classes),
            "boxes": [box.to_json() for box in self.boxes],
            "image_size": list(self.image_size) if self.image_size else None,
            "background": self.background,
            "entities": [span.to_json() for span in self.entities],
            "moderation_labels": list(self.moderation_labels),
        }

    def dumps(self) -> bytes:
        return orjson.dumps(self.to_json(), option=orjson.OPT_SORT_KEYS)

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Truth:
        size = document.get("image_size")
        return cls(
            classes=tuple(document.get("classes", ())),
            boxes=tuple(
                Box(b["label"], b["left"], b["top"], b["width"], b["height"])
                for b in document.get("boxes", ())
            ),
            image_size=(int(size[0]), int(size[1]), int(size[2])) if size else None,
            background=document.get("background", "BACKGROUND"),
            entities=tuple(
                Span(s["label"], s["startOffset"], s["endOffset"])
                for s in document.get("entities", ())
            ),
            moderation_labels=tuple(document.get("moderation_labels", ())),
        )

    @classmethod
    def loads(cls, data: bytes) -> Truth:
        return cls.from_json(orjson.loads(data))


def truth_key(source: str) -> str:
    """The S3 key, in the dataset's bucket, of the truth record of ``source``.

    ``source`` is the line's ``source-ref`` URI, or its inline ``source`` text.
    """
    return TRUTH_PREFIX + hashlib.sha256(source.encode("utf-8")).hexdigest() + ".json"


def source_hash(source: str, salt: str = "") -> int:
    """A stable 64-bit number from a source: what labels an object that has no truth record."""
    digest = hashlib.sha256((salt + "\0" + source).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")
