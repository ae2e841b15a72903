"""Merging: join the output manifests of several jobs on ``source-ref`` / ``source``.

This is the seed document's "consolidate the results of the two jobs into one output file": the
lines that describe the same data object are joined into one, keeping every key of each. Nothing
is dropped silently:

- a data object missing from some manifests is reported (and kept, dropped, or an error, as
  ``on_missing`` says);
- a key present on two sides with different values is a conflict (an error, or the first
  manifest's value kept and reported, as ``on_conflict`` says);
- a data object listed twice in one manifest, or a line without a source, is an error.

The first manifest is streamed; the others are indexed in a temporary SQLite file, so memory
stays bounded whatever their size. Output follows the first manifest's order, then the objects
only the others have, in their order.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson

from airflow_gt.exceptions import ConfigurationError, MergeError
from airflow_gt.manifests.attributes import source_of
from airflow_gt.manifests.destinations import check_outputs
from airflow_gt.manifests.reader import Record, read_manifest
from airflow_gt.manifests.storage import Source, source_name
from airflow_gt.manifests.writer import ManifestWriter

OnMissing = Literal["keep", "drop", "error"]
OnConflict = Literal["error", "first"]
MAX_REPORTED = 100


@dataclass(frozen=True)
class MergeIssue:
    """A data object missing from a manifest, or a key whose values disagree."""

    kind: Literal["missing", "conflict"]
    data_object: str
    manifest: str
    """The manifest that lacks the object, or whose value lost the conflict."""
    key: str | None = None

    def __str__(self) -> str:
        if self.kind == "missing":
            return f"{self.data_object!r} is missing from {self.manifest}"
        return f"{self.data_object!r}: key {self.key!r} differs in {self.manifest}"


@dataclass
class MergeResult:
    """What a merge wrote and what it found; ``issues`` holds the first ``MAX_REPORTED``."""

    destination: str
    lines_written: int = 0
    missing_count: int = 0
    conflict_count: int = 0
    dropped_count: int = 0
    issues: list[MergeIssue] = field(default_factory=list)

    def report(self, issue: MergeIssue) -> None:
        if issue.kind == "missing":
            self.missing_count += 1
        else:
            self.conflict_count += 1
        if len(self.issues) < MAX_REPORTED:
            self.issues.append(issue)


def _sourced(source: Source, s3_client: Any) -> Iterator[tuple[int, str, Record]]:
    name = source_name(source)
    for line, record in read_manifest(source, s3_client=s3_client):
        data_object = source_of(record)
        if data_object is None:
            raise MergeError(f"{name}, line {line}: no source-ref or source to join on")
        yield line, data_object, record


class _Index:
    """The manifests after the first, keyed by (manifest number, data object), on disk."""

    def __init__(self, directory: str) -> None:
        self.db = sqlite3.connect(Path(directory) / "merge.sqlite")
        self.db.execute(
            "CREATE TABLE line (manifest INTEGER, object TEXT, number INTEGER, record BLOB,"
            " used INTEGER DEFAULT 0, PRIMARY KEY (manifest, object))"
        )
        self.db.execute("CREATE TABLE first (object TEXT PRIMARY KEY, number INTEGER)")

    def claim_first(self, name: str, data_object: str, number: int) -> None:
        """Remember a data object of the first manifest; a repeat is an error."""
        try:
            self.db.execute("INSERT INTO first VALUES (?, ?)", (data_object, number))
        except sqlite3.IntegrityError:
            (first,) = self.db.execute(
                "SELECT number FROM first WHERE object = ?", (data_object,)
            ).fetchone()
            raise MergeError(
                f"{name}, line {number}: {data_object!r} is already at line {first}; "
                "a data object may appear once per manifest"
            ) from None

    def add(self, manifest: int, name: str, source: Source, s3_client: Any) -> None:
        for number, data_object, record in _sourced(source, s3_client):
            try:
                self.db.execute(
                    "INSERT INTO line (manifest, object, number, record) VALUES (?, ?, ?, ?)",
                    (manifest, data_object, number, orjson.dumps(record)),
                )
            except sqlite3.IntegrityError:
                (first,) = self.db.execute(
                    "SELECT number FROM line WHERE manifest = ? AND object = ?",
                    (manifest, data_object),
                ).fetchone()
                raise MergeError(
                    f"{name}, line {number}: {data_object!r} is already at line {first}; "
                    "a data object may appear once per manifest"
                ) from None

    def take(self, manifest: int, data_object: str) -> Record | None:
        row = self.db.execute(
            "SELECT record FROM line WHERE manifest = ? AND object = ? AND used = 0",
            (manifest, data_object),
        ).fetchone()
        if row is None:
            return None
        self.db.execute(
            "UPDATE line SET used = 1 WHERE manifest = ? AND object = ?", (manifest, data_object)
        )
        record: Record = orjson.loads(row[0])
        return record

    def unused(self, manifest: int, batch: int = 1000) -> Iterator[tuple[str, Record]]:
        """The lines of ``manifest`` not joined yet, in line order, a batch at a time."""
        after = 0
        while True:
            rows = self.db.execute(
                "SELECT number, object, record FROM line WHERE manifest = ? AND used = 0"
                " AND number > ? ORDER BY number LIMIT ?",
                (manifest, after, batch),
            ).fetchall()
            if not rows:
                return
            for number, data_object, blob in rows:
                after = number
                yield data_object, orjson.loads(blob)

    def close(self) -> None:
        self.db.close()


def merge_manifests(
    sources: Sequence[Source],
    destination: Source,
    *,
    on_missing: OnMissing = "keep",
    on_conflict: OnConflict = "error",
    s3_client: Any = None,
) -> MergeResult:
    """Join the lines of ``sources`` that share a data object into one manifest."""
    if len(sources) < 2:
        raise ConfigurationError("sources", "name at least two manifests to merge")
    if on_missing not in ("keep", "drop", "error"):
        raise ConfigurationError("on_missing", "must be keep, drop or error")
    if on_conflict not in ("error", "first"):
        raise ConfigurationError("on_conflict", "must be error or first")
    check_outputs([destination], sources)
    names = [source_name(s) for s in sources]
    result = MergeResult(source_name(destination))

    def join(data_object: str, found: dict[int, Record]) -> Record | None:
        merged: Record = {}
        for manifest, record in sorted(found.items()):
            for key, value in record.items():
                if key not in merged:
                    merged[key] = value
                elif merged[key] != value:
                    if on_conflict == "error":
                        raise MergeError(
                            f"{data_object!r}: key {key!r} has different values in "
                            f"{names[min(found)]} and {names[manifest]}"
                        )
                    result.report(MergeIssue("conflict", data_object, names[manifest], key))
        missing = [i for i in range(len(sources)) if i not in found]
        for manifest in missing:
            if on_missing == "error":
                raise MergeError(f"{data_object!r} is missing from {names[manifest]}")
            result.report(MergeIssue("missing", data_object, names[manifest]))
        if missing and on_missing == "drop":
            result.dropped_count += 1
            return None
        return merged

    # The writer opens first: a destination that cannot be written fails before any reading.
    with (
        ManifestWriter(destination, s3_client=s3_client) as writer,
        tempfile.TemporaryDirectory(prefix="airflow-gt-merge-") as directory,
    ):
        index = _Index(directory)

        def join_and_write(manifest: int, data_object: str, record: Record) -> None:
            """Join a line of ``manifest`` with the later manifests' lines, write it."""
            found = {manifest: record}
            for other in range(manifest + 1, len(sources)):
                taken = index.take(other, data_object)
                if taken is not None:
                    found[other] = taken
            merged = join(data_object, found)
            if merged is not None:
                writer.write(merged)

        try:
            for manifest in range(1, len(sources)):
                index.add(manifest, names[manifest], sources[manifest], s3_client)
            for number, data_object, record in _sourced(sources[0], s3_client):
                index.claim_first(names[0], data_object, number)
                join_and_write(0, data_object, record)
            for manifest in range(1, len(sources)):
                for data_object, record in index.unused(manifest):
                    join_and_write(manifest, data_object, record)
        finally:
            index.close()
    result.lines_written = writer.lines_written
    return result
