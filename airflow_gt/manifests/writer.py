"""Write a manifest atomically: readers see the old content or the whole new one, never a part.

Locally the lines go to a temporary file beside the destination (symbolic links followed), which
is renamed over it on success (``local_sink.py``). For S3 they go up as the parts of a multipart
upload, completed on success (``s3_sink.py``). On any error or interrupt the temporary file is
removed and the upload aborted: nothing is left behind.

A writer publishes on leaving its ``with`` block. Several outputs of one command are published
together by an :class:`~airflow_gt.manifests.output_group.OutputGroup`, through the writer's
steps: :meth:`ManifestWriter.stage`, :meth:`~ManifestWriter.publish`,
:meth:`~ManifestWriter.unpublish`, :meth:`~ManifestWriter.commit` and
:meth:`~ManifestWriter.discard`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Protocol

import orjson

from airflow_gt.manifests.local_sink import LocalSink
from airflow_gt.manifests.s3_sink import PART_BYTES, S3Sink
from airflow_gt.manifests.storage import Source, is_s3_uri, s3_object, source_name


class Sink(Protocol):
    """Where a writer's bytes go until published: a local temporary file, or an S3 upload."""

    def open(self) -> None: ...
    def write(self, data: bytes) -> None: ...
    def stage(self) -> None: ...
    def publish(self, *, keep_backup: bool = False) -> None: ...
    def unpublish(self) -> None: ...
    def commit(self) -> None: ...
    def discard(self) -> None: ...


def dump_line(record: Mapping[str, Any]) -> bytes:
    """One manifest line: compact JSON in the record's key order, UTF-8, newline-terminated."""
    return orjson.dumps(
        record if type(record) is dict else dict(record), option=orjson.OPT_APPEND_NEWLINE
    )


class ManifestWriter:
    """A context manager that writes records as manifest lines and publishes them on exit.

    >>> with ManifestWriter("out.manifest") as out:  # doctest: +SKIP
    ...     out.write({"source-ref": "s3://bucket/a.jpg"})

    The destination appears (or is replaced) only when the ``with`` block ends without an error.
    A local destination that exists and is not a regular file is refused (DestinationError);
    ``part_bytes`` is the size of an S3 upload's parts.
    """

    def __init__(
        self, destination: Source, *, s3_client: Any = None, part_bytes: int = PART_BYTES
    ) -> None:
        self.destination = source_name(destination)
        self.lines_written = 0
        self.is_s3 = is_s3_uri(destination)
        self._s3_client = s3_client
        self._part_bytes = part_bytes
        self._sink: Sink | None = None

    def open(self) -> None:
        """Make the temporary file or start the upload (what ``with`` does on entry)."""
        sink: Sink
        if self.is_s3:
            client, location = s3_object(self.destination, self._s3_client, "write")
            sink = S3Sink(client, location, part_bytes=self._part_bytes)
        else:
            sink = LocalSink(self.destination)
        sink.open()
        self._sink = sink

    def __enter__(self) -> ManifestWriter:
        self.open()
        return self

    def write(self, record: Mapping[str, Any]) -> None:
        self.write_raw(dump_line(record))
        self.lines_written += 1

    def write_raw(self, data: bytes) -> None:
        """Append bytes as they are (already-serialised content)."""
        if self._sink is None:
            raise RuntimeError("ManifestWriter used outside its with block")
        self._sink.write(data)

    def write_all(self, records: Iterable[Mapping[str, Any]]) -> int:
        for record in records:
            self.write(record)
        return self.lines_written

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.stage()
                self.publish()
                self.commit()
        finally:
            self.discard()

    def _opened(self) -> Sink:
        if self._sink is None:
            raise RuntimeError("ManifestWriter used outside its with block")
        return self._sink

    def stage(self) -> None:
        """Everything written is stored (synced, or every part uploaded); only publishing is
        left."""
        self._opened().stage()

    def publish(self, *, keep_backup: bool = False) -> None:
        """Make the output appear; ``keep_backup``: keep what it replaced until :meth:`commit`,
        for :meth:`unpublish` (local files only)."""
        self._opened().publish(keep_backup=keep_backup)

    def unpublish(self) -> None:
        """Take a published output back, if it is still the one written here."""
        self._opened().unpublish()

    def commit(self) -> None:
        """The output stays: drop what was kept for :meth:`unpublish`."""
        self._opened().commit()

    def discard(self) -> None:
        """Remove the temporary file or abort the upload, if not published; always safe."""
        if self._sink is not None:
            self._sink.discard()
            self._sink = None


def write_manifest(
    destination: Source, records: Iterable[Mapping[str, Any]], *, s3_client: Any = None
) -> int:
    """Write ``records`` to ``destination`` atomically; returns the number of lines."""
    with ManifestWriter(destination, s3_client=s3_client) as writer:
        return writer.write_all(records)


def write_bytes(destination: Source, data: bytes, *, s3_client: Any = None) -> None:
    """Write a small file (a label category configuration) with the same all-or-nothing rule."""
    with ManifestWriter(destination, s3_client=s3_client) as writer:
        writer.write_raw(data)
