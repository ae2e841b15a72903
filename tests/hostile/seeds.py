"""Valid lines of every job type, from ``tests/sample/``, to corrupt one field at a time.

Each :class:`Seed` is one sample line and the label attribute it is about. A manifest made from a
seed (:func:`seed_lines`) holds copies of the line with distinct sources, so rules across lines
(one source per object) hold and only the corruption is wrong.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

SAMPLES = Path(__file__).parent.parent / "sample"
BAD_SAMPLES = SAMPLES / "bad"

Record = dict[str, Any]


@dataclass(frozen=True)
class Seed:
    """A sample line and the label attribute (with its metadata key) it carries."""

    name: str
    sample: str
    attribute: str
    job_type: str

    @property
    def metadata_key(self) -> str | None:
        """Where the metadata is (None for Rekognition's moderation manifests, which have none)."""
        if self.job_type.startswith("moderation-"):
            return None
        return self.attribute.removesuffix("-ref") + "-metadata"

    @property
    def record(self) -> Record:
        line = (SAMPLES / self.sample).read_bytes().splitlines()[0]
        record: Record = orjson.loads(line)
        return record

    @property
    def scope(self) -> tuple[str, ...]:
        """The keys whose fields are corrupted: the source, the label and its metadata."""
        keys = [key for key in ("source-ref", "source") if key in self.record]
        keys.append(self.attribute)
        if self.metadata_key is not None:
            keys.append(self.metadata_key)
        return tuple(keys)


SEEDS = (
    Seed("image-classification", "image-classification.manifest", "species",
         "image-classification"),
    Seed("image-classification-index-as-number", "image-classification-sport.manifest", "sport",
         "image-classification"),
    Seed("text-classification", "text-classification.manifest", "mood", "text-classification"),
    Seed("image-classification-multilabel", "image-classification-multilabel.manifest",
         "image-label-attribute-name", "image-classification-multilabel"),
    Seed("text-classification-multilabel", "text-classification-multilabel.manifest",
         "text-label-attribute-name", "text-classification-multilabel"),
    Seed("object-detection", "object-detection.manifest", "bounding-box", "object-detection"),
    Seed("object-detection-adjustment", "object-detection-adjustment.manifest",
         "adjusted-bounding-box", "object-detection"),
    Seed("label-verification", "label-verification-bounding-box.manifest", "verify-bounding-box",
         "label-verification"),
    Seed("label-verification-of-masks", "semantic-segmentation-verification.manifest",
         "verify-city-streets", "label-verification"),
    Seed("semantic-segmentation", "semantic-segmentation-adjustment.manifest",
         "city-streets-ref", "semantic-segmentation"),
    Seed("semantic-segmentation-adjustment", "semantic-segmentation-adjustment.manifest",
         "adjusted-city-streets-ref", "semantic-segmentation"),
    Seed("text-span", "text-span.manifest", "entities", "text-span"),
    Seed("moderation-input", "moderation-input.manifest", "content-moderation-groundtruth",
         "moderation-input"),
    Seed("moderation-output", "moderation-output.manifest", "detect-moderation-labels",
         "moderation-output"),
)
SEEDS_BY_NAME = {seed.name: seed for seed in SEEDS}
GROUND_TRUTH_SEEDS = tuple(seed for seed in SEEDS if seed.metadata_key is not None)

CONVERTIBLE = ("image-classification", "image-classification-index-as-number",
               "image-classification-multilabel", "label-verification",
               "label-verification-of-masks")
"""Seeds whose labels ``to-moderation`` converts (image classes and verification judgments)."""

LABEL_MAP = {
    "dog": "safe", "football": "Violence", "bicycle": "safe", "person": "safe",
    "clothing": "Nudity", "bad": "Nudity", "good": "safe",
}
"""Every class name of the convertible seeds, mapped to a moderation label or ``safe``."""


def with_source(record: Record, n: int) -> Record:
    """A copy of the line about the n-th data object (its source made distinct)."""
    copied = copy.deepcopy(record)
    if "source-ref" in copied:
        copied["source-ref"] = f"s3://example-bucket/images/{n:04d}.jpg"
    else:
        copied["source"] = f"{copied.get('source', '')} ({n})"
    return copied


def seed_lines(seed: Seed, count: int) -> list[Record]:
    """``count`` copies of the seed's line, about distinct data objects."""
    return [with_source(seed.record, n) for n in range(1, count + 1)]


def evaluation_document() -> Any:
    """The sample adapter evaluation results, parsed."""
    return orjson.loads((SAMPLES / "evaluation-results.json").read_bytes())
