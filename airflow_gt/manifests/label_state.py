"""Where a line stands under one label attribute: labeled, failed, unlabeled, or malformed.

The seed document (``sms-data-output``) gives every output line one of three shapes under a
label attribute ``X``:

- **labeled**: the label under ``X`` (``X-ref`` for masks and sequences) and its metadata under
  ``X-metadata``, an object whose ``type`` names the job type;
- **failed**: the metadata, with ``failure-reason``, and no label;
- **unlabeled**: neither; the line is as it was in the input manifest.

Anything else was not written by Ground Truth and cannot be read as a label, so it is an error
naming the file and line: a label with no ``X-metadata``, an ``X-metadata`` that is not an object,
or a labeled line whose metadata has no ``type`` string. (Metadata with neither a label nor a
``failure-reason`` is not one of the shapes either, but is read as unlabeled, as before.)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from airflow_gt.exceptions import LabelFormatError
from airflow_gt.manifests.attributes import (
    METADATA_SUFFIX,
    REF_SUFFIX,
    LabelAttribute,
    find_label_attribute,
)
from airflow_gt.manifests.reader import JSON_KINDS


class LabelState(enum.Enum):
    UNLABELED = "unlabeled"
    LABELED = "labeled"
    FAILED = "failed"


def metadata_key_of(name: str) -> str:
    """Where the metadata of label attribute ``name`` (``X`` or ``X-ref``) is: ``X-metadata``."""
    return name.removesuffix(REF_SUFFIX) + METADATA_SUFFIX


def label_state(
    record: Mapping[str, Any], name: str, *, source: str = "<record>", line: int = 0
) -> tuple[LabelState, LabelAttribute | None]:
    """The state of a line under label attribute ``name`` (``X`` or ``X-ref``), and the
    attribute where the line has its metadata.

    :raises LabelFormatError: the line has none of the three shapes (see the module docstring).
    """
    found = find_label_attribute(record, name)
    if found is None:
        metadata_key = metadata_key_of(name)
        metadata = record.get(metadata_key, {})
        if not isinstance(metadata, Mapping):
            kind = JSON_KINDS.get(type(metadata), "a value")
            raise LabelFormatError(
                source, line, name, f"its metadata {metadata_key!r} must be an object, "
                f"found {kind}",
            )
        base = name.removesuffix(REF_SUFFIX)
        for key in dict.fromkeys((name, base, base + REF_SUFFIX)):
            if key in record:
                where = "" if key == name else f" under {key!r}"
                raise LabelFormatError(
                    source, line, name, f"the line has a label{where} but no metadata "
                    f"{metadata_key!r}",
                )
        return LabelState.UNLABELED, None
    if found.is_failed(record):
        return LabelState.FAILED, found
    if not found.is_labeled(record):
        return LabelState.UNLABELED, found
    if found.metadata_type is None:
        raise LabelFormatError(
            source, line, found.name, f"its metadata {found.metadata_key!r} has no 'type' string "
            "(such as 'groundtruth/image-classification')",
        )
    return LabelState.LABELED, found
