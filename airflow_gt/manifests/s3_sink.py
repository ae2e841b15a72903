"""An S3 destination written all-or-nothing: one PUT, or a multipart upload, on publish.

S3 shows an object only once it is whole. An output smaller than one part (a category file, a
report, most manifests of a day's labeling) is kept in memory and sent by one ``PutObject`` when
published: the fewest calls, so the fewest to be throttled. A bigger one becomes a multipart
upload as soon as a part's worth is written: parts are sent while writing (``part_bytes`` at a
time, the size growing every 1,000 parts so S3's 10,000 parts go far beyond any manifest), so
memory holds one part and nothing spills to disk; :meth:`S3Sink.stage` sends the last part and
:meth:`S3Sink.publish` completes the upload. On any failure (an error, an exception in the writing
code, an interrupt) :meth:`S3Sink.discard` aborts the upload, so no incomplete upload is left to
hold storage. This is done here rather than by boto3's ``upload_fileobj`` so that every output of
a group is uploaded before any is completed, and so the abort does not depend on how
s3transfer's threads meet an interrupt.

Parts and objects carry CRC32 checksums when the client computes checksums by default (botocore
1.36 and later), as boto3's own transfer does. A bucket that does not exist or cannot be written
fails the first call: the upload's creation, or the one PUT when the output is published.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from airflow_gt.exceptions import ManifestWriteError
from airflow_gt.interrupts import deferred
from airflow_gt.manifests.s3_errors import s3_errors
from airflow_gt.manifests.storage import S3Location

MIN_PART_BYTES = 5 << 20
"""S3's smallest part, but for the last."""
PART_BYTES = 8 << 20
PARTS_PER_SIZE = 1000


class S3Sink:
    """The bytes of one ``s3://`` output, as the parts of a multipart upload until published."""

    def __init__(
        self, client: Any, location: S3Location, *, part_bytes: int = PART_BYTES
    ) -> None:
        if part_bytes < MIN_PART_BYTES:
            raise ValueError(f"part_bytes must be at least {MIN_PART_BYTES}, got {part_bytes}")
        self.client = client
        self.location = location
        self.uri = str(location)
        self.part_bytes = part_bytes
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []
        self._buffer = bytearray()
        self._etag: str | None = None
        config = getattr(getattr(client, "meta", None), "config", None)
        calculation = getattr(config, "request_checksum_calculation", None)
        self._checksum = {"ChecksumAlgorithm": "CRC32"} if calculation == "when_supported" else {}

    @contextlib.contextmanager
    def _calls(self) -> Iterator[None]:
        """S3's refusals are write errors; botocore's own failures say what to check."""
        from botocore.exceptions import ClientError

        try:
            with s3_errors(self.uri, "write", self.client):
                yield
        except ClientError as exc:
            raise ManifestWriteError(self.uri, str(exc)) from exc

    def open(self) -> None:
        """Nothing to do until a part's worth is written, or the output is published."""

    def _create_upload(self) -> None:
        with deferred(), self._calls():  # created and recorded together, so discard aborts it
            created = self.client.create_multipart_upload(
                Bucket=self.location.bucket, Key=self.location.key, **self._checksum
            )
            self.upload_id = created["UploadId"]

    def _part_size(self) -> int:
        return self.part_bytes * (1 + len(self.parts) // PARTS_PER_SIZE)

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= self._part_size():
            if self.upload_id is None:
                self._create_upload()
            self._send(self._part_size())

    def _send(self, size: int) -> None:
        number = len(self.parts) + 1
        with self._calls():
            sent = self.client.upload_part(
                Bucket=self.location.bucket, Key=self.location.key, UploadId=self.upload_id,
                PartNumber=number, Body=bytes(self._buffer[:size]), **self._checksum,
            )
        part = {"ETag": sent["ETag"], "PartNumber": number}
        if "ChecksumCRC32" in sent and self._checksum:
            part["ChecksumCRC32"] = sent["ChecksumCRC32"]
        self.parts.append(part)
        del self._buffer[:size]

    def stage(self) -> None:
        """Send what is left as the last part of an upload; an output smaller than a part stays
        in memory for its one PUT."""
        if self.upload_id is not None and self._buffer:
            self._send(len(self._buffer))

    def publish(self, *, keep_backup: bool = False) -> None:
        """Complete the upload, or PUT the small output: the object appears whole. (S3 keeps no
        earlier object to put back, so ``keep_backup`` changes nothing here.)"""
        with deferred(), self._calls():  # published and recorded together, for unpublish
            if self.upload_id is None:
                done = self.client.put_object(
                    Bucket=self.location.bucket, Key=self.location.key,
                    Body=bytes(self._buffer), **self._checksum,
                )
                self._buffer = bytearray()
            else:
                done = self.client.complete_multipart_upload(
                    Bucket=self.location.bucket, Key=self.location.key,
                    UploadId=self.upload_id, MultipartUpload={"Parts": self.parts},
                )
                self.upload_id = None
            self._etag = done.get("ETag")

    def unpublish(self) -> None:
        """Delete the object published, while it is still ours (same ETag)."""
        etag, self._etag = self._etag, None
        if etag is None:
            return
        with self._calls():
            head = self.client.head_object(Bucket=self.location.bucket, Key=self.location.key)
            if head.get("ETag") == etag:
                self.client.delete_object(Bucket=self.location.bucket, Key=self.location.key)

    def commit(self) -> None:
        self._etag = None

    def discard(self) -> None:
        """Abort the upload if it was not completed (best effort: S3 may be unreachable)."""
        self._buffer = bytearray()
        upload_id, self.upload_id = self.upload_id, None
        if upload_id is not None:
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(
                    Bucket=self.location.bucket, Key=self.location.key, UploadId=upload_id
                )
