"""What a labeling job writes into the output line of one data object.

The seed's "Output Data" page says the label and its value "overwrite any existing JSON data in
the input file with the new value", and that every other key passes through unchanged. So a job
whose label attribute ``X`` is already in an input line (an earlier job's label, or any value
under that key) replaces it; AWS refuses nothing here. What the line had under the attribute is
its label forms: ``X`` and ``X-ref`` (the value, whichever form the earlier job used) and
``X-metadata``.

- **Labeled**: the new value and metadata replace those keys. A key the new label writes keeps its
  place in the line; a form the new label does not write (``X`` when a segmentation job writes
  ``X-ref``) is dropped, so the line never pairs an old value with the new metadata.
- **Failed**: the job writes only ``X-metadata`` (with ``failure-reason``); it replaces the old
  metadata, and the old value is dropped too. Our reading of the seed: this job's output for the
  attribute is "no label, and why", and an earlier job's value left beside this job's metadata
  would describe a label this job never gave (readers see the line as failed either way, since
  ``failure-reason`` decides).
- **Unlabeled** (the job stopped first): the line is not touched. The seed says an object that has
  not been labeled "is written to the intermediate output file identically to the manifest file",
  so the earlier label and its metadata stay as they were.

The data object's own key (``source-ref``, ``source``) is never one of the label forms, whatever
the attribute is called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_gt.manifests.attributes import METADATA_SUFFIX, REF_SUFFIX, SOURCE_KEYS

__all__ = ["label_forms", "output_record"]


def label_forms(label_attribute: str) -> tuple[str, ...]:
    """The keys a line's label under ``label_attribute`` can occupy: ``X``, ``X-ref``,
    ``X-metadata`` (``X`` being the attribute without ``-ref``)."""
    base = label_attribute.removesuffix(REF_SUFFIX)
    return tuple(
        key for key in (base, base + REF_SUFFIX, base + METADATA_SUFFIX) if key not in SOURCE_KEYS
    )


def output_record(
    record: Mapping[str, Any], label_attribute: str, written: Mapping[str, Any]
) -> dict[str, Any]:
    """The output line of ``record``: ``written`` (the keys the job wrote for the object: its
    value and metadata when labeled, its metadata alone when failed) in place of whatever the
    line had under ``label_attribute``; every other key as it was, in its place."""
    stale = set(label_forms(label_attribute)) - written.keys()
    kept = {key: value for key, value in record.items() if key not in stale}
    return {**kept, **written}
