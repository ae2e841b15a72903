"""Label maps: which Rekognition moderation label each Ground Truth class name stands for.

A label map file is one JSON object, class name -> moderation label name, or ``"safe"`` for a
class whose images show nothing unsafe (they get an empty ``ModerationLabels`` list)::

    {"middle-finger": "Middle Finger", "nude": "Nudity", "ok": "safe"}

A class the map does not name stands for itself (the identity map, the default), so a labeling job
whose categories already are moderation labels needs no map. Every value is checked against the
taxonomy when the map is made, and the error names the file and the classes at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import orjson

from airflow_gt.exceptions import LabelMapError
from airflow_gt.manifests.moderation_taxonomy import is_moderation_label
from airflow_gt.manifests.reader import json_document_error
from airflow_gt.manifests.storage import Source, read_bytes, source_name

SAFE = "safe"
"""The map value of a class whose images carry no moderation label."""


@dataclass(frozen=True)
class LabelMap:
    """Class name -> moderation label name or :data:`SAFE`; unnamed classes map to themselves.

    :param mapping: the entries; every value must be a moderation label or ``"safe"``.
    :param source: where the map was read from, for messages.
    """

    mapping: Mapping[str, str] = field(default_factory=dict)
    source: str = "<label map>"

    def __post_init__(self) -> None:
        bad_keys = [key for key in self.mapping if not isinstance(key, str) or not key]
        if bad_keys:
            raise LabelMapError(self.source, f"class names must be non-empty, found {bad_keys!r}")
        bad = {
            key: value for key, value in self.mapping.items()
            if not isinstance(value, str) or (value != SAFE and not is_moderation_label(value))
        }
        if bad:
            listed = ", ".join(f"{key!r} -> {value!r}" for key, value in bad.items())
            raise LabelMapError(
                self.source,
                f"each class must map to a Rekognition moderation label or to {SAFE!r}; "
                f"these do not: {listed}",
            )
        object.__setattr__(self, "mapping", MappingProxyType(dict(self.mapping)))

    def target(self, class_name: str) -> str:
        """The moderation label (or ``"safe"``) that ``class_name`` stands for."""
        return self.mapping.get(class_name, class_name)


def parse_label_map(data: bytes, source: str = "<label map>") -> LabelMap:
    """A label map from a JSON document's bytes; :class:`LabelMapError` names what is wrong."""
    try:
        document: Any = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise LabelMapError(source, json_document_error(exc)) from None
    if not isinstance(document, dict):
        raise LabelMapError(
            source, "must be a JSON object of class name -> moderation label or \"safe\""
        )
    return LabelMap(document, source)


def read_label_map(source: Source, *, s3_client: Any = None) -> LabelMap:
    """Read a label map file, local or ``s3://``."""
    return parse_label_map(read_bytes(source, s3_client), source_name(source))
