from typing import Any

from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.writer import write_manifest


def test_round_trip_through_s3(s3: Any, bucket: str) -> None:
    uri = f"s3://{bucket}/in/a.manifest"
    assert write_manifest(uri, [{"source-ref": "s3://x/1.jpg"}], s3_client=s3) == 1
    assert list(read_manifest(uri, s3_client=s3)) == [(1, {"source-ref": "s3://x/1.jpg"})]
