"""Flatten manifest lines into columns, frame by frame, for column expectations.

GX's per-row JSON-schema expectation is far too slow at scale, so each job type's flattener turns a
chunk of lines into plain column lists that GX checks with column expectations:

- ``lines``: one row per manifest line, for every type (where the data is, whether it failed);
- ``labels``: one row per labeled line, with the metadata every type has, and the type's own
  per-line columns. A line with a label is labeled unless its metadata has ``failure-reason``:
  a label whose metadata is missing, not an object, or without ``type`` is a labeled line whose
  ``metadata_type`` says so (``(no X-metadata)``...), so the suite's metadata type expectation
  fails on it, as chaining refuses it (``manifests/label_state.py``);
- frames of the type's parts, one row per part: ``boxes``, ``classes``, ``colors``, ``entities``...

Every frame has a ``line`` column, the 1-based manifest line, so a failing value is reported with
its line. A flattener keeps state across chunks (the first class name seen for each class index),
so a rule across lines holds across chunks too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from airflow_gt.validation.frames import ArrayFrames

Columns = dict[str, list[Any]]
Frames = dict[str, Columns]
Chunk = Sequence[tuple[int, Mapping[str, Any]]]

SOURCE_KEYS = ("source-ref", "source")
NUMBER_TYPES = frozenset({int, float})
"""``type(x) in NUMBER_TYPES``: a JSON number, and not a boolean (whose type is bool)."""


def new_frame(*names: str) -> Columns:
    return {name: [] for name in ("line", *names)}


class Flattener:
    """Turns chunks of manifest lines into frames for one label attribute of one job type.

    :param attribute: the label attribute (``bounding-box``, ``city-streets-ref``).
    :param metadata_key: where its metadata is (``bounding-box-metadata``).
    """

    job_type: ClassVar[str]
    label_columns: ClassVar[tuple[str, ...]] = ()
    """The type's own columns of the ``labels`` frame."""
    part_columns: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = ()
    """The type's part frames (``boxes``...) and their columns besides ``line``."""

    def __init__(self, attribute: str, metadata_key: str) -> None:
        self.attribute = attribute
        self.metadata_key = metadata_key

    def flatten(self, chunk: Chunk) -> Frames:
        frames: Frames = {
            "lines": new_frame("source", "source_keys", "source_ref", "labeled", "failed"),
            "labels": new_frame(
                "metadata_type", "job_name", "human_annotated", "creation_date",
                *self.label_columns,
            ),
        }
        for name, _ in self.part_columns:
            frames[name] = self.new_part_frame(name)
        lines = frames["lines"]
        labels = frames["labels"]
        attribute, metadata_key = self.attribute, self.metadata_key
        no_metadata: dict[str, Any] = {}
        for number, record in chunk:
            metadata = record.get(metadata_key)
            if type(metadata) is not dict:
                metadata = None
            failed = metadata is not None and "failure-reason" in metadata
            value = record.get(attribute)
            labeled = attribute in record and not failed  # a null label is a label, wrong
            source_ref = record.get("source-ref")
            lines["line"].append(number)
            lines["source"].append(source_ref if source_ref is not None else record.get("source"))
            lines["source_keys"].append(("source-ref" in record) + ("source" in record))
            lines["source_ref"].append(source_ref)
            lines["labeled"].append(labeled)
            lines["failed"].append(int(failed))
            if labeled:
                meta = no_metadata if metadata is None else metadata
                metadata_type = meta.get("type")
                labels["line"].append(number)
                labels["metadata_type"].append(
                    self.missing_type(record) if metadata_type is None else metadata_type
                )
                labels["job_name"].append(meta.get("job-name"))
                labels["human_annotated"].append(meta.get("human-annotated"))
                labels["creation_date"].append(meta.get("creation-date"))
                self.flatten_label(number, record, value, meta, frames)
        return frames

    def missing_type(self, record: Mapping[str, Any]) -> str:
        """The ``metadata_type`` of a labeled line without a metadata type: what is missing."""
        key = self.metadata_key
        if key not in record:
            return f"(no {key})"
        if type(record[key]) is not dict:
            return f"({key} is not an object)"
        return f"(no type in {key})"

    def arrow_fields(self) -> list[Any] | None:
        """The top-level fields (``pyarrow.Field``) ``flatten_table`` reads, or None where the
        type is flattened line by line only."""
        return None

    def flatten_table(self, table: Any, first: int) -> ArrayFrames | None:
        """The frames of a block of lines that Arrow read (``arrow_blocks.read_block``), the
        first being line ``first``: the same as ``flatten`` gives for them. None where only
        ``flatten`` reads these lines right."""
        return None

    def saved_state(self) -> Any:
        """What ``flatten_table`` may change of the flattener's state across blocks (the first
        class names seen...), to put back with ``restore_state`` when the block is flattened line
        by line after all. None for a flattener without such state."""
        return None

    def restore_state(self, state: Any) -> None:
        """Put back the state ``saved_state`` gave."""

    def new_part_frame(self, name: str) -> Columns:
        """An empty frame of the type's parts (``boxes``...), as ``part_columns`` declares."""
        return new_frame(*dict(self.part_columns)[name])

    def flatten_label(self, number: int, record: Mapping[str, Any], value: Any,
                      metadata: Mapping[str, Any], frames: Frames) -> None:
        """Add the type's columns of one labeled line: its ``labels`` columns and its parts."""


def text(value: Any) -> str | None:
    """A value as a string column entry; None stays None (GX skips nulls where it should)."""
    return None if value is None else str(value)


def number(value: Any) -> int | float | None:
    """A JSON number as a float column entry; anything else (a string, a bool) becomes None,
    which the suite's not-null expectations then report."""
    return value if type(value) in NUMBER_TYPES else None


def json_type(value: Any) -> str:
    """The JSON type of a value: ``number``, ``string``, ``boolean``, ``array``, ``object``,
    ``null``. A column of these lets a suite require a type where a value column cannot hold
    a wrong one."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
