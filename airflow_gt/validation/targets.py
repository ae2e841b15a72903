"""Which label attributes a validation checks, and with which job type's suite.

They are the label attributes of the first block of lines with data (every chained job's label,
each with its own type's suite), or the one ``label_attribute`` names. An attribute read from the
lines must follow the naming rules of every Ground Truth job type, as chaining requires (the
name pattern, and ``-metadata`` nowhere in the name): one that does not is refused, naming the
file and the first line that has it. (A mask attribute without ``-ref`` is the semantic
segmentation suite's expectation.) An attribute named that no line has is refused too
(``LabelAttributeNotFoundError``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from airflow_gt.exceptions import ConfigurationError, LabelAttributeNotFoundError
from airflow_gt.manifests.attributes import (
    METADATA_SUFFIX,
    REF_SUFFIX,
    check_read_attribute_name,
    label_attributes,
    validate_label_attribute_name,
)
from airflow_gt.manifests.job_types import job_type as lookup_job_type

MODERATION_KEYS = {
    "content-moderation-groundtruth": "moderation-input",
    "detect-moderation-labels": "moderation-output",
}


@dataclass(frozen=True)
class Target:
    """One label attribute to check, and the job type whose suite checks it.

    ``assumed``: named, with its job type, but on no line of the first block; whether any line
    has it is known only once every line is read.
    """

    attribute: str
    metadata_key: str
    job_type: str
    assumed: bool = False


def job_type_name(value: str) -> str:
    """The job type named ``value``, a Ground Truth type or a moderation manifest's."""
    if value in MODERATION_KEYS.values():
        return value
    return lookup_job_type(value).name


def find_targets(
    chunk: Sequence[tuple[int, Any]],
    label_attribute: str | None,
    job_type: str | None,
    *,
    source: str = "<manifest>",
    whole_file: bool = False,
) -> list[Target]:
    """The label attributes of the first chunk's lines, in the order they first appear.

    :param whole_file: the chunk holds every line of ``source``, so an attribute named that is
        not in it is on no line.
    """
    found: dict[str, Target] = {}
    for number, record in chunk:
        for key, kind in MODERATION_KEYS.items():
            if key in record and key not in found:
                found[key] = Target(key, key, kind)
        for attribute in label_attributes(record):
            known = attribute.job_type
            if attribute.name not in found and known is not None:
                if label_attribute in (None, attribute.name, attribute.base_name):
                    check_read_attribute_name(attribute, source, number)
                found[attribute.name] = Target(attribute.name, attribute.metadata_key, known.name)
    targets = list(found.values())
    if label_attribute is not None:
        named = [t for t in targets
                 if label_attribute in (t.attribute, t.metadata_key.removesuffix(METADATA_SUFFIX))]
        if not named:
            named = [_assumed(label_attribute, job_type, chunk, source, whole_file)]
        targets = named
    if job_type is not None:
        wanted = job_type_name(job_type)
        targets = [Target(t.attribute, t.metadata_key, wanted, t.assumed) for t in targets
                   if label_attribute is not None or t.job_type == wanted]
    if not targets:
        raise ConfigurationError(
            "label_attribute", f"{source} has no label attribute in its first "
            f"{len(chunk)} lines; name one with --label-attribute and --job-type"
        )
    return targets


def _assumed(
    label_attribute: str, job_type: str | None, chunk: Sequence[tuple[int, Any]], source: str,
    whole_file: bool,
) -> Target:
    """The target of an attribute named that the first chunk has no known job type for."""
    if whole_file and not any(_has(record, label_attribute) for _, record in chunk):
        raise LabelAttributeNotFoundError(source, label_attribute)
    if job_type is None:
        raise ConfigurationError(
            "label_attribute", f"{source} has no label {label_attribute!r} in its first "
            f"{len(chunk)} lines; give --job-type to check it anyway"
        )
    kind = job_type_name(job_type)
    if kind not in MODERATION_KEYS.values():
        validate_label_attribute_name(label_attribute)
    base = label_attribute.removesuffix(REF_SUFFIX)
    return Target(label_attribute, base + METADATA_SUFFIX, kind, assumed=True)


def _has(record: Any, name: str) -> bool:
    """Whether a line has label attribute ``name`` at all: a value, or metadata under it."""
    base = name.removesuffix(REF_SUFFIX)
    return any(key in record for key in (name, base, base + REF_SUFFIX, base + METADATA_SUFFIX))


def check_found(targets: Sequence[Target], counts: Sequence[tuple[int, int]], source: str) -> None:
    """Refuse an assumed target that no line turned out to have: ``counts`` gives each target's
    labeled and failed lines."""
    for target, (labeled, failed) in zip(targets, counts, strict=True):
        if target.assumed and labeled == failed == 0:
            raise LabelAttributeNotFoundError(source, target.attribute)
