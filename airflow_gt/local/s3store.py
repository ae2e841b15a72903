"""The stand-in's own access to the S3 data that moto's server holds.

The labeling and training simulations read input manifests and write thousands of output objects;
going through HTTP to our own endpoint for each would cost more than the simulation itself. This
module is the one place that reaches into moto's in-memory S3 backend, so that what clients see over
HTTP and what the stand-in writes are the same objects.
"""

from __future__ import annotations

from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends

from airflow_gt.manifests.storage import S3Location

PARTITION = "aws"


class S3Store:
    """Objects in the stand-in's S3, by bucket and key."""

    def __init__(self, account_id: str = DEFAULT_ACCOUNT_ID) -> None:
        self.account_id = account_id

    @property
    def _backend(self) -> Any:
        return s3_backends[self.account_id][PARTITION]

    def bucket_exists(self, bucket: str) -> bool:
        try:
            self._backend.get_bucket(bucket)
        except MissingBucket:
            return False
        return True

    def create_bucket(self, bucket: str, region: str = "us-east-1") -> None:
        if not self.bucket_exists(bucket):
            self._backend.create_bucket(bucket, region)

    def get(self, bucket: str, key: str) -> bytes | None:
        """The object's bytes; None when the bucket or the key does not exist."""
        try:
            found = self._backend.get_object(bucket, key)
        except MissingBucket:
            return None
        return None if found is None else bytes(found.value)

    def exists(self, bucket: str, key: str) -> bool:
        try:
            return self._backend.get_object(bucket, key) is not None
        except MissingBucket:
            return False

    def put(self, bucket: str, key: str, data: bytes) -> None:
        """Write an object whole, as one PUT does; the bucket must exist."""
        self._backend.put_object(bucket, key, data, disable_notification=True)

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        try:
            found = self._backend.get_bucket(bucket)
        except MissingBucket:
            return []
        return sorted(key for key in found.keys if key.startswith(prefix))

    def get_uri(self, uri: str) -> bytes | None:
        location = S3Location.parse(uri)
        return self.get(location.bucket, location.key)

    def put_uri(self, uri: str, data: bytes) -> None:
        location = S3Location.parse(uri)
        self.put(location.bucket, location.key, data)

    def exists_uri(self, uri: str) -> bool:
        location = S3Location.parse(uri)
        return self.exists(location.bucket, location.key)
