"""Several outputs of one command, published together or not at all.

>>> with OutputGroup(["train.manifest", "test.manifest"]) as (train, test):  # doctest: +SKIP
...     train.write({"source-ref": "s3://bucket/1.jpg"})

Entering the group checks the destinations (``destinations.py``: each can be written, none is
named twice) and opens a writer for each (a temporary file, or an S3 upload). Leaving it without
an error first stages every output in full (synced, or every part uploaded), then publishes
them: S3 uploads first (completing one is the step most likely to fail), local renames last. If
publishing one fails, those already published are taken back, each only while it is still the
one this group wrote: a local file gets back the file it replaced (kept as a hard link until the
group is done), or is removed if there was none; an S3 object is deleted (S3 keeps no earlier
object to put back). An error or an interrupt inside the block publishes nothing, and every
temporary file and upload is discarded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from airflow_gt.interrupts import deferred
from airflow_gt.manifests.destinations import check_outputs
from airflow_gt.manifests.storage import Source
from airflow_gt.manifests.writer import ManifestWriter


class OutputGroup:
    """A context manager giving one :class:`ManifestWriter` per destination, in order."""

    def __init__(self, destinations: Sequence[Source], *, s3_client: Any = None) -> None:
        self.destinations = list(destinations)
        self.writers = [ManifestWriter(d, s3_client=s3_client) for d in self.destinations]

    def __enter__(self) -> list[ManifestWriter]:
        check_outputs(self.destinations)
        try:
            for writer in self.writers:
                writer.open()
        except BaseException:
            self._discard()
            raise
        return self.writers

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self._publish()
        finally:
            self._discard()

    def _publish(self) -> None:
        for writer in self.writers:
            writer.stage()
        keep_backup = len(self.writers) > 1
        published: list[ManifestWriter] = []
        try:
            for writer in sorted(self.writers, key=lambda w: not w.is_s3):
                with deferred():  # a signal comes between two outputs, never inside one
                    writer.publish(keep_backup=keep_backup)
                    published.append(writer)
        except BaseException:
            for writer in reversed(published):
                with contextlib.suppress(Exception):  # the first error is the one to report
                    writer.unpublish()
            raise
        for writer in published:
            writer.commit()

    def _discard(self) -> None:
        for writer in self.writers:
            writer.discard()
