"""Label attributes: finding them in a line, and the naming rules Ground Truth enforces.

A label lives under its attribute ``X`` with its metadata under ``X-metadata``; for semantic
segmentation (and other mask or sequence outputs) the label is ``X-ref`` and the metadata is still
``X-metadata``. A line can carry the labels of several chained jobs. A failed object has the
metadata (with ``failure-reason``) but no label value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_gt.exceptions import LabelAttributeNameError, NameRuleError
from airflow_gt.manifests.job_types import (
    BUILT_IN_TASKS,
    TYPE_PREFIX,
    BuiltInTask,
    JobType,
    job_type,
    job_type_of_metadata,
)

METADATA_SUFFIX = "-metadata"
REF_SUFFIX = "-ref"
SOURCE_KEYS = ("source-ref", "source")

LABEL_ATTRIBUTE_PATTERN = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,126}")
LABEL_ATTRIBUTE_MAX_LENGTH = 127
JOB_NAME_PATTERN = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
JOB_NAME_MAX_LENGTH = 63


@dataclass(frozen=True)
class LabelAttribute:
    """One label found in a line: where its value and metadata are, and what kind it is."""

    name: str
    """The key of the label value: ``bounding-box``, or ``city-streets-ref``."""
    metadata_key: str
    metadata_type: str | None
    """The metadata ``type`` as written, e.g. ``groundtruth/object-detection``."""

    @property
    def job_type(self) -> JobType | None:
        return job_type_of_metadata(self.metadata_type)

    @property
    def base_name(self) -> str:
        """The name without ``-ref``: what ``-metadata`` is appended to."""
        return self.metadata_key[: -len(METADATA_SUFFIX)]

    def value(self, record: Mapping[str, Any]) -> Any:
        return record.get(self.name)

    def metadata(self, record: Mapping[str, Any]) -> Mapping[str, Any]:
        found = record.get(self.metadata_key)
        return found if isinstance(found, Mapping) else {}

    def is_labeled(self, record: Mapping[str, Any]) -> bool:
        """True when the line has a label value here and no failure."""
        return self.name in record and not self.is_failed(record)

    def is_failed(self, record: Mapping[str, Any]) -> bool:
        return "failure-reason" in self.metadata(record)


def label_attributes(record: Mapping[str, Any]) -> list[LabelAttribute]:
    """Every label attribute in a line, in the order their metadata keys appear."""
    found = []
    for key, metadata in record.items():
        if not key.endswith(METADATA_SUFFIX) or not isinstance(metadata, Mapping):
            continue
        base = key[: -len(METADATA_SUFFIX)]
        metadata_type = metadata.get("type")
        type_string = metadata_type if isinstance(metadata_type, str) else None
        if base in record:
            name = base
        elif base + REF_SUFFIX in record:
            name = base + REF_SUFFIX
        elif (type_string or "").startswith(TYPE_PREFIX) or "failure-reason" in metadata:
            known = job_type_of_metadata(type_string)
            name = base + REF_SUFFIX if known is not None and known.ref_attribute else base
        else:
            continue  # a pass-through key that only happens to end in -metadata
        found.append(LabelAttribute(name, key, type_string))
    return found


def find_label_attribute(record: Mapping[str, Any], name: str) -> LabelAttribute | None:
    """The label attribute called ``name`` (``X`` or ``X-ref``) in a line, if there is one."""
    for attribute in label_attributes(record):
        if name in (attribute.name, attribute.base_name):
            return attribute
    return None


def source_of(record: Mapping[str, Any]) -> str | None:
    """The ``source-ref`` URI or the inline ``source`` text of a line."""
    for key in SOURCE_KEYS:
        value = record.get(key)
        if isinstance(value, str):
            return value
    return None


def _pattern_rule(name: str, pattern: re.Pattern[str], max_length: int) -> str | None:
    """Which part of the name pattern ``name`` breaks, in words, or None."""
    if not name:
        return "must not be empty"
    if len(name) > max_length:
        return f"is {len(name)} characters long; at most {max_length} are allowed"
    bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c == "-"))})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        return f"contains {shown}; only ASCII letters, digits and hyphens are allowed"
    if name[0] == "-" or name[-1] == "-":
        return "must start and end with a letter or a digit"
    if pattern.fullmatch(name) is None:  # pragma: no cover - the checks above are exhaustive
        return f"must match {pattern.pattern}"
    return None


def validate_job_name(name: str) -> str:
    """Return ``name`` if it is a valid labeling job name, else raise NameRuleError."""
    rule = _pattern_rule(name, JOB_NAME_PATTERN, JOB_NAME_MAX_LENGTH)
    if rule is not None:
        raise NameRuleError("labeling job name", name, rule)
    return name


def validate_label_attribute_name(
    name: str, kind: JobType | BuiltInTask | str | None = None
) -> str:
    """Return ``name`` if it is a valid label attribute for ``kind``, else raise NameRuleError.

    ``kind`` is a job type or a built-in task, or the name of either; without it only the
    rules common to every type are checked.
    """
    rule = _pattern_rule(name, LABEL_ATTRIBUTE_PATTERN, LABEL_ATTRIBUTE_MAX_LENGTH)
    if rule is None and METADATA_SUFFIX in name:
        rule = "must not contain '-metadata'"
    if isinstance(kind, str) and kind in BUILT_IN_TASKS:
        kind = BUILT_IN_TASKS[kind]
    if rule is None and kind is not None:
        if isinstance(kind, BuiltInTask):
            wants_ref, what = kind.requires_ref_attribute, f"task {kind.name}"
        else:
            resolved = job_type(kind) if isinstance(kind, str) else kind
            wants_ref, what = resolved.ref_attribute, f"job type {resolved.name}"
        if wants_ref and not name.endswith(REF_SUFFIX):
            rule = f"must end in '-ref' for {what}"
        elif not wants_ref and name.endswith(REF_SUFFIX):
            rule = f"must not end in '-ref' for {what}"
    if rule is not None:
        raise NameRuleError("label attribute", name, rule)
    return name


def check_read_attribute_name(attribute: LabelAttribute, source: str, line: int) -> None:
    """Refuse a label attribute read from line ``line`` of ``source`` whose name breaks a rule
    every job type has (:func:`validate_label_attribute_name` without a type: the name pattern,
    and no ``-metadata`` in it, which would make its metadata key ambiguous).

    Whether it ends in ``-ref`` as its type wants is the semantic segmentation suite's
    expectation, checked on each of its lines.

    :raises LabelAttributeNameError: naming the file, the line and the rule.
    """
    try:
        validate_label_attribute_name(attribute.name)
    except NameRuleError as exc:
        raise LabelAttributeNameError(source, line, attribute.name, exc.rule) from None
