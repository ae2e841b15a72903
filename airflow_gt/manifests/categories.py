"""The label category configuration file that CreateLabelingJob reads from S3.

::

    {"document-version": "2018-11-28",
     "labels": [{"label": "dog"}, {"label": "cat"}],
     "instructions": {"shortInstruction": "...", "fullInstruction": "..."},   # NER
     "auditLabelAttributeName": "bounding-box"}                               # verify/adjust

Video frame and 3D point cloud jobs use ``{"documentVersion": "2020-03-01", ...}`` instead. Keys
this module does not model (``categoryGlobalAttributes``, a label's ``categoryAttributes`` ...)
are kept and written back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import orjson

from airflow_gt.exceptions import LabelCategoryConfigError, NameRuleError
from airflow_gt.manifests.attributes import validate_label_attribute_name
from airflow_gt.manifests.job_types import BuiltInTask
from airflow_gt.manifests.reader import json_document_error
from airflow_gt.manifests.storage import Source, read_bytes, source_name
from airflow_gt.manifests.writer import write_bytes

DOCUMENT_VERSION = "2018-11-28"
VERSION_KEYS = {"2018-11-28": "document-version", "2020-03-01": "documentVersion"}
"""Each accepted document version and the key it is written under."""
_MODELLED_KEYS = frozenset(
    {*VERSION_KEYS.values(), "labels", "instructions", "auditLabelAttributeName"}
)
_CLASSIFICATION_TYPES = frozenset({
    "image-classification", "text-classification",
    "image-classification-multilabel", "text-classification-multilabel",
})


@dataclass(frozen=True)
class LabelCategory:
    """One entry of ``labels``: the label text, an NER short display name, other keys kept."""

    label: str
    short_display_name: str | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"label": self.label}
        if self.short_display_name is not None:
            entry["shortDisplayName"] = self.short_display_name
        entry.update(self.extra)
        return entry


@dataclass(frozen=True)
class LabelCategoryConfig:
    """A label category configuration; it validates itself when made."""

    labels: tuple[LabelCategory, ...]
    instructions: Mapping[str, str] | None = None
    audit_label_attribute_name: str | None = None
    document_version: str = DOCUMENT_VERSION
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    source: str = "<label category configuration>"

    def __post_init__(self) -> None:
        if self.document_version not in VERSION_KEYS:
            known = " or ".join(f"{key} {value!r}" for value, key in VERSION_KEYS.items())
            self._fail(f"the document version must be {known}, found {self.document_version!r}")
        if not self.labels:
            self._fail("labels must list at least one label")
        seen: set[str] = set()
        for category in self.labels:
            if not category.label.strip():
                self._fail("a label must not be empty")
            if category.label in seen:
                self._fail(f"label {category.label!r} is listed twice")
            seen.add(category.label)
        if self.audit_label_attribute_name is not None:
            try:
                validate_label_attribute_name(self.audit_label_attribute_name)
            except NameRuleError as exc:
                self._fail(f"auditLabelAttributeName: {exc}")

    def _fail(self, detail: str) -> None:
        raise LabelCategoryConfigError(self.source, detail)

    def check_for(self, task: BuiltInTask) -> LabelCategoryConfig:
        """Check what ``task`` needs beyond the common rules; returns self."""
        if task.job_type in _CLASSIFICATION_TYPES and len(self.labels) < 2:
            self._fail(f"task {task.name} needs at least 2 labels, found {len(self.labels)}")
        if task.job_type == "text-span" and not (
            self.instructions
            and self.instructions.get("shortInstruction")
            and self.instructions.get("fullInstruction")
        ):
            self._fail(f"task {task.name} needs instructions with shortInstruction and "
                       "fullInstruction")
        if task.audit and self.audit_label_attribute_name is None:
            self._fail(f"task {task.name} works on an earlier label: set "
                       "auditLabelAttributeName to that label's attribute")
        return self

    @classmethod
    def from_labels(
        cls,
        labels: Iterable[str],
        *,
        audit_label_attribute_name: str | None = None,
        instructions: Mapping[str, str] | None = None,
    ) -> LabelCategoryConfig:
        """A configuration from plain label names, as an operator's arguments give them."""
        return cls(
            tuple(LabelCategory(label) for label in labels),
            instructions=instructions,
            audit_label_attribute_name=audit_label_attribute_name,
        )

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(category.label for category in self.labels)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            VERSION_KEYS[self.document_version]: self.document_version,
            "labels": [category.to_json() for category in self.labels],
        }
        if self.instructions is not None:
            document["instructions"] = dict(self.instructions)
        if self.audit_label_attribute_name is not None:
            document["auditLabelAttributeName"] = self.audit_label_attribute_name
        document.update(self.extra)
        return document

    def dumps(self) -> bytes:
        return orjson.dumps(self.to_json(), option=orjson.OPT_INDENT_2)

    @classmethod
    def parse(
        cls, data: bytes, source: str = "<label category configuration>"
    ) -> LabelCategoryConfig:
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise LabelCategoryConfigError(source, json_document_error(exc)) from None
        if not isinstance(document, dict):
            raise LabelCategoryConfigError(source, "must be a JSON object")
        raw_labels = document.get("labels")
        if not isinstance(raw_labels, list):
            raise LabelCategoryConfigError(source, "labels must be a list")
        labels = []
        for i, entry in enumerate(raw_labels):
            if not isinstance(entry, dict) or not isinstance(entry.get("label"), str):
                raise LabelCategoryConfigError(source, f"labels[{i}] must be {{\"label\": text}}")
            short = entry.get("shortDisplayName")
            if short is not None and not isinstance(short, str):
                raise LabelCategoryConfigError(source, f"labels[{i}].shortDisplayName must be text")
            rest = {k: v for k, v in entry.items() if k not in ("label", "shortDisplayName")}
            labels.append(LabelCategory(entry["label"], short, MappingProxyType(rest)))
        instructions = document.get("instructions")
        if instructions is not None and not (
            isinstance(instructions, dict)
            and all(isinstance(v, str) for v in instructions.values())
        ):
            raise LabelCategoryConfigError(source, "instructions must map names to text")
        audit = document.get("auditLabelAttributeName")
        if audit is not None and not isinstance(audit, str):
            raise LabelCategoryConfigError(source, "auditLabelAttributeName must be text")
        versions = [document[key] for key in VERSION_KEYS.values() if key in document]
        if len(versions) != 1:
            raise LabelCategoryConfigError(
                source, "needs exactly one of document-version and documentVersion"
            )
        version = versions[0]
        return cls(
            tuple(labels),
            instructions=instructions,
            audit_label_attribute_name=audit,
            document_version=version if isinstance(version, str) else repr(version),
            extra=MappingProxyType({k: v for k, v in document.items() if k not in _MODELLED_KEYS}),
            source=source,
        )


def read_label_categories(source: Source, *, s3_client: Any = None) -> LabelCategoryConfig:
    """Read and validate a label category configuration file (local path or ``s3://``)."""
    return LabelCategoryConfig.parse(read_bytes(source, s3_client), source_name(source))


def write_label_categories(
    config: LabelCategoryConfig, destination: Source, *, s3_client: Any = None
) -> None:
    """Write a label category configuration file, all or nothing."""
    write_bytes(destination, config.dumps(), s3_client=s3_client)
