"""Write a manifest atomically: readers see the old content or the whole new one, never a part.

Locally the lines go to a temporary file beside the destination, which is renamed over it on
success. For S3 they go to a spooled temporary file (memory up to a limit, then disk) that is
uploaded once complete; S3 shows an object only when its single PUT or its multipart upload
completes, and boto3 aborts a failed multipart upload. On any error nothing is left behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import orjson

from airflow_gt.exceptions import ManifestWriteError
from airflow_gt.manifests.storage import (
    S3Location,
    Source,
    default_s3_client,
    is_s3_uri,
    source_name,
)

SPOOL_BYTES = 16 << 20


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
    """

    def __init__(self, destination: Source, *, s3_client: Any = None) -> None:
        self.destination = source_name(destination)
        self.lines_written = 0
        self._s3 = S3Location.parse(self.destination) if is_s3_uri(destination) else None
        self._s3_client = s3_client
        self._handle: IO[bytes] | None = None
        self._temp_path: Path | None = None

    def __enter__(self) -> ManifestWriter:
        if self._s3 is not None:
            self._handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b")
        else:
            final = Path(self.destination)
            try:
                final.parent.mkdir(parents=True, exist_ok=True)
                fd, name = tempfile.mkstemp(
                    dir=final.parent, prefix=f".{final.name}.", suffix=".partial"
                )
            except OSError as exc:
                raise ManifestWriteError(self.destination, str(exc.strerror or exc)) from exc
            self._temp_path = Path(name)
            # mkstemp makes the file readable by its owner only; the manifest gets the mode any
            # new file would get (0666 less the umask), as after a plain open().
            os.fchmod(fd, 0o666 & ~_umask())
            self._handle = os.fdopen(fd, "wb")
        return self

    def write(self, record: Mapping[str, Any]) -> None:
        self.write_raw(dump_line(record))
        self.lines_written += 1

    def write_raw(self, data: bytes) -> None:
        """Append bytes as they are (already-serialised content)."""
        if self._handle is None:
            raise RuntimeError("ManifestWriter used outside its with block")
        self._handle.write(data)

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
                self._publish()
        finally:
            self._discard()

    def _publish(self) -> None:
        handle = self._handle
        assert handle is not None
        try:
            if self._s3 is not None:
                handle.seek(0)
                client = self._s3_client if self._s3_client is not None else default_s3_client()
                client.upload_fileobj(handle, self._s3.bucket, self._s3.key)
            else:
                assert self._temp_path is not None
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
                os.replace(self._temp_path, self.destination)
                self._temp_path = None
        except Exception as exc:
            raise ManifestWriteError(self.destination, str(exc)) from exc

    def _discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._temp_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self._temp_path.unlink()
            self._temp_path = None


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


def _umask() -> int:
    """The process's umask (read from /proc where there is one: setting it is not thread-safe)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
