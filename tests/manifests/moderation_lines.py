"""Ground Truth output lines for the moderation conversion tests, shaped as in the seed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

DATE = "2026-11-20T10:00:00.000000"
ATTRIBUTE = "moderation"


def image(n: int, bucket: str = "moderation-images") -> str:
    return f"s3://{bucket}/photos/{n:04d}.jpg"


def _metadata(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        **fields,
        "type": f"groundtruth/{kind}",
        "job-name": f"labeling-job/{ATTRIBUTE}",
        "human-annotated": "yes",
        "creation-date": DATE,
    }


def classification(n: int, class_name: str, *, classes: Sequence[str] = (), **extra: Any) -> dict:
    """An image classification line; the class index is the name's place in ``classes``."""
    index = list(classes).index(class_name) if class_name in classes else 0
    return {
        "source-ref": image(n),
        ATTRIBUTE: index,
        f"{ATTRIBUTE}-metadata": _metadata(
            "image-classification", **{"class-name": class_name, "confidence": 0.9}
        ),
        **extra,
    }


def multilabel(n: int, class_names: Sequence[str], *, bucket: str = "moderation-images") -> dict:
    """A multi-label line selecting ``class_names``; its class-map holds only those (as AWS's)."""
    indexes = list(range(len(class_names)))
    return {
        "source-ref": image(n, bucket),
        ATTRIBUTE: indexes,
        f"{ATTRIBUTE}-metadata": _metadata(
            "image-classification-multilabel",
            **{
                "class-map": {str(i): name for i, name in zip(indexes, class_names, strict=True)},
                "confidence-map": {str(i): 0.8 for i in indexes},
            },
        ),
    }


def verification(n: int, judgment: str) -> dict:
    """A label verification line: an earlier box label, and the workers' judgment of it."""
    return {
        "source-ref": image(n),
        "bounding-box": {
            "image_size": [{"width": 500, "height": 400, "depth": 3}],
            "annotations": [{"class_id": 0, "left": 11, "top": 13, "width": 60, "height": 80}],
        },
        "bounding-box-metadata": _metadata(
            "object-detection", objects=[{"confidence": 0.8}], **{"class-map": {"0": "hand"}}
        ),
        ATTRIBUTE: "0",
        f"{ATTRIBUTE}-metadata": _metadata(
            "label-verification", **{"class-name": judgment, "confidence": 0.93}
        ),
    }


def failed(n: int, kind: str = "image-classification") -> dict:
    return {
        "source-ref": image(n),
        f"{ATTRIBUTE}-metadata": _metadata(kind, **{"failure-reason": "ClientError: timed out"}),
    }


def unlabeled(n: int) -> dict:
    return {"source-ref": image(n)}
