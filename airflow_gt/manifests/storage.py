"""Where manifests live: a local path or an ``s3://bucket/key`` URI.

boto3 is imported only when an S3 location is used without a client, so importing this module
stays cheap. Callers that hold a client (an Airflow hook's, a test's) pass it in; otherwise
``boto3.client("s3")`` is made, which honours ``AWS_ENDPOINT_URL`` for the local stand-in.
botocore's own failures (no endpoint, no credentials, a refused request) become
:class:`~airflow_gt.exceptions.S3AccessError` naming the URI (``s3_errors.py``), while opening an
object and while streaming it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from airflow_gt.exceptions import ConfigurationError, ManifestError, ManifestNotFoundError
from airflow_gt.manifests.s3_errors import make_client, s3_errors

S3_SCHEME = "s3://"
READ_CHUNK_BYTES = 1 << 20
BLOCK_BYTES = 4 << 20
_MISSING_CODES = frozenset({"NoSuchKey", "NoSuchBucket", "404", "NotFound"})

Source = str | os.PathLike[str]
"""A manifest's location: a local path or an ``s3://`` URI."""


@dataclass(frozen=True)
class S3Location:
    """A bucket and key, parsed from or printed as ``s3://bucket/key``."""

    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str, *, require_key: bool = False) -> S3Location:
        """The bucket and key of ``uri``; ``require_key`` when it must name an object (to read
        or write one), not only a bucket or prefix."""
        if not uri.startswith(S3_SCHEME):
            raise ConfigurationError("uri", f"{uri!r} is not an s3:// URI")
        bucket, _, key = uri[len(S3_SCHEME) :].partition("/")
        if not bucket:
            raise ConfigurationError("uri", f"{uri!r} names no bucket")
        if require_key and not key:
            raise ConfigurationError(
                "uri", f"{uri!r} names a bucket but no object; give the object's whole URI, "
                f"{S3_SCHEME}{bucket}/KEY"
            )
        return cls(bucket, key)

    def child(self, *parts: str) -> S3Location:
        """The location of ``parts`` joined under this one, as under a folder."""
        prefix = self.key.rstrip("/")
        joined = "/".join(part.strip("/") for part in parts if part)
        return S3Location(self.bucket, f"{prefix}/{joined}" if prefix else joined)

    def __str__(self) -> str:
        return f"{S3_SCHEME}{self.bucket}/{self.key}"


def is_s3_uri(source: Source) -> bool:
    return isinstance(source, str) and source.startswith(S3_SCHEME)


def source_name(source: Source) -> str:
    """How a source is named in messages: the URI as given, or the local path."""
    return source if isinstance(source, str) else os.fspath(source)


def default_s3_client(uri: str = S3_SCHEME, action: str = "read") -> Any:
    """A boto3 S3 client from the environment (credentials, region, ``AWS_ENDPOINT_URL``);
    ``uri`` and ``action`` name what it is for in an error about the configuration."""
    return make_client(uri, action)


def s3_object(source: Source, s3_client: Any, action: str = "read") -> tuple[Any, S3Location]:
    """The client to use and the object ``source`` (an ``s3://`` URI naming an object) is."""
    uri = str(source)
    location = S3Location.parse(uri, require_key=True)
    return (s3_client if s3_client is not None else default_s3_client(uri, action)), location


def error_code(exc: Exception) -> str:
    """The AWS error code of a botocore ``ClientError`` (empty for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def get_s3_body(client: Any, location: S3Location) -> Any:
    """Open an S3 object for streaming; a missing object or bucket is ManifestNotFoundError."""
    from botocore.exceptions import ClientError

    try:
        with s3_errors(str(location), "read", client):
            return client.get_object(Bucket=location.bucket, Key=location.key)["Body"]
    except ClientError as exc:
        if error_code(exc) in _MISSING_CODES:
            raise ManifestNotFoundError(str(location)) from None
        raise ManifestError(f"{location}: cannot be read ({exc})") from exc


def iter_s3_lines(client: Any, location: S3Location) -> Iterator[bytes]:
    """The object's lines (split on ``\\n`` only), read in chunks: memory stays flat."""
    pending = b""
    for chunk in iter_s3_chunks(client, location):
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        yield from lines
    if pending:
        yield pending


def _open_local(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise ManifestNotFoundError(os.fspath(path)) from None
    except OSError as exc:
        raise ManifestError(f"{path}: cannot be read ({exc.strerror})") from exc


def iter_local_lines(path: Path) -> Iterator[bytes]:
    """The file's lines (split on ``\\n`` only, as bytes)."""
    with _open_local(path) as handle:
        yield from handle


def iter_local_chunks(path: Path, size: int = READ_CHUNK_BYTES) -> Iterator[bytes]:
    """The file's bytes, ``size`` at a time."""
    with _open_local(path) as handle:
        while chunk := handle.read(size):
            yield chunk


def iter_s3_chunks(client: Any, location: S3Location) -> Iterator[bytes]:
    """The object's bytes, streamed ``READ_CHUNK_BYTES`` at a time."""
    body = get_s3_body(client, location)
    try:
        chunks = body.iter_chunks(READ_CHUNK_BYTES)
        while True:
            with s3_errors(str(location), "read", client):
                chunk = next(chunks, None)
            if chunk is None:
                return
            yield chunk
    finally:
        body.close()


def iter_blocks(source: Source, lines: int, s3_client: Any = None,
                size: int = BLOCK_BYTES) -> Iterator[tuple[int, bytes]]:
    """``(lines in the block, block)``: the source's bytes cut into blocks of whole lines, of
    about ``size`` bytes (more if one line is longer) and at most ``lines`` lines; each line keeps
    its ``\\n``, except a last line that has none."""
    if lines < 1:
        raise ConfigurationError("lines", f"must be at least 1, got {lines}")
    if is_s3_uri(source):
        chunks = iter_s3_chunks(*s3_object(source, s3_client))
    else:
        chunks = iter_local_chunks(Path(source), max(size, READ_CHUNK_BYTES))
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        while len(pending) >= size:
            end = pending.rfind(b"\n", 0, size) + 1 or pending.find(b"\n", size) + 1
            if not end:
                break  # one line longer than a block: wait for its end
            yield from _cut(pending, end, lines)
    while pending:  # the end: a last line without its newline stays in the block before it
        end = len(pending) if len(pending) <= size else pending.rfind(b"\n", 0, size) + 1
        yield from _cut(pending, end or len(pending), lines)


def _cut(pending: bytearray, end: int, lines: int) -> Iterator[tuple[int, bytes]]:
    """Take ``pending[:end]`` off as blocks of at most ``lines`` lines."""
    count = pending.count(b"\n", 0, end) + (not pending.endswith(b"\n", 0, end))
    while count > lines:
        cut = -1
        for _ in range(lines):
            cut = pending.index(b"\n", cut + 1)
        yield lines, bytes(memoryview(pending)[:cut + 1])
        del pending[:cut + 1]
        end -= cut + 1
        count -= lines
    # One copy (a slice of a bytearray is a copy, and bytes() of it another); taking bytes off
    # the front of a bytearray moves no memory.
    yield count, bytes(memoryview(pending)[:end])
    del pending[:end]


def iter_lines(source: Source, s3_client: Any = None) -> Iterator[bytes]:
    """The raw lines of a local file or S3 object, streamed."""
    if is_s3_uri(source):
        return iter_s3_lines(*s3_object(source, s3_client))
    return iter_local_lines(Path(source))


def read_bytes(source: Source, s3_client: Any = None) -> bytes:
    """The whole content of a small local file or S3 object (a configuration, a response)."""
    if is_s3_uri(source):
        client, location = s3_object(source, s3_client)
        body = get_s3_body(client, location)
        try:
            with s3_errors(str(location), "read", client):
                return bytes(body.read())
        finally:
            body.close()
    try:
        return Path(source).read_bytes()
    except FileNotFoundError:
        raise ManifestNotFoundError(source_name(source)) from None
    except OSError as exc:
        raise ManifestError(f"{source_name(source)}: cannot be read ({exc.strerror})") from exc
