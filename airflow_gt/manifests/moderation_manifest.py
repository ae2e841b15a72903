"""Read Rekognition Custom Moderation manifests: one image and its moderation labels a line.

The line of an input manifest (Rekognition's guide, *Manifest file formats, Input manifest*)::

    {"source-ref": "s3://bucket/1.jpg",
     "content-moderation-groundtruth": {"ModerationLabels": [{"Name": "Rude Gesture"}]}}

Training and testing output manifests have the same two keys on every line (a testing output line
adds the predictions, which :mod:`airflow_gt.evaluation.output_manifest` reads).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from airflow_gt.exceptions import LabelFormatError
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.storage import Source, source_name

GROUND_TRUTH_KEY = "content-moderation-groundtruth"


@dataclass(frozen=True)
class ModerationLine:
    """One image of a moderation manifest: its line, its S3 URI and its moderation labels."""

    line: int
    source_ref: str
    labels: tuple[str, ...]

    def record(self) -> dict[str, Any]:
        """The manifest line, as Rekognition's guide writes it."""
        return {
            "source-ref": self.source_ref,
            GROUND_TRUTH_KEY: {"ModerationLabels": [{"Name": name} for name in self.labels]},
        }


def parse_moderation_line(record: Mapping[str, Any], source: str, line: int) -> ModerationLine:
    """One line of a moderation manifest, checked: an ``s3://`` source-ref and label names.

    :raises LabelFormatError: the line lacks either, or they are not of the guide's shape.
    """
    source_ref = record.get("source-ref")
    if not isinstance(source_ref, str):
        raise LabelFormatError(source, line, "source-ref", "missing or not a string")
    value = record.get(GROUND_TRUTH_KEY)
    items = value.get("ModerationLabels") if isinstance(value, Mapping) else None
    if not isinstance(items, list):
        raise LabelFormatError(
            source, line, GROUND_TRUTH_KEY, "must be an object with a 'ModerationLabels' list"
        )
    names: dict[str, None] = {}
    for position, item in enumerate(items):
        name = item.get("Name") if isinstance(item, Mapping) else None
        if not isinstance(name, str):
            raise LabelFormatError(
                source, line, GROUND_TRUTH_KEY, f"ModerationLabels[{position}] has no 'Name' string"
            )
        names.setdefault(name)
    return ModerationLine(line, source_ref, tuple(names))


def read_moderation_manifest(
    source: Source, *, s3_client: Any = None
) -> Iterator[ModerationLine]:
    """The lines of a moderation manifest (input, or a training or testing output), streamed."""
    name = source_name(source)
    for line, record in read_manifest(source, s3_client=s3_client):
        yield parse_moderation_line(record, name, line)
