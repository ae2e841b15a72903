"""Faults on the services moto serves: S3 and SNS answer as AWS does, and botocore retries them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from airflow_gt.local import FaultInjector, LocalAws
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.writer import write_manifest
from tests.conftest import client

NO_RETRIES = Config(retries={"total_max_attempts": 1})


@pytest.fixture
def faulty() -> Iterator[LocalAws]:
    with LocalAws(seed=4, faults=FaultInjector(seed=4)) as stand_in:
        stand_in.faults.clear()
        yield stand_in


def failure(call: Any, **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_s3_throttles_with_slow_down_and_fails_with_internal_error(faulty: LocalAws) -> None:
    s3 = client("s3", faulty.endpoint_url, config=NO_RETRIES)
    s3.create_bucket(Bucket="faults")
    s3.put_object(Bucket="faults", Key="a.manifest", Body=b"{}\n")
    faulty.faults.set("GetObject", throttle_rate=1.0)
    assert failure(s3.get_object, Bucket="faults", Key="a.manifest") == ("SlowDown", 503)
    assert s3.list_objects_v2(Bucket="faults")["KeyCount"] == 1  # only GetObject is faulted
    faulty.faults.set("PutObject", error_rate=1.0)
    assert failure(s3.put_object, Bucket="faults", Key="b", Body=b"x") == ("InternalError", 500)
    faulty.faults.set("HeadObject", throttle_rate=1.0)
    assert failure(s3.head_object, Bucket="faults", Key="a.manifest") == ("503", 503)
    faulty.faults.clear()
    assert s3.get_object(Bucket="faults", Key="a.manifest")["Body"].read() == b"{}\n"


def test_every_operation_name_covers_s3_and_sns_too(faulty: LocalAws) -> None:
    s3 = client("s3", faulty.endpoint_url, config=NO_RETRIES)
    sns = client("sns", faulty.endpoint_url, config=NO_RETRIES)
    s3.create_bucket(Bucket="everything")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    faulty.faults.set("*", throttle_rate=1.0)
    assert failure(s3.list_objects_v2, Bucket="everything") == ("SlowDown", 503)
    assert failure(sns.publish, TopicArn=topic, Message="hi") == ("Throttling", 400)
    faulty.faults.set("*", throttle_rate=0.0, error_rate=1.0)
    assert failure(sns.publish, TopicArn=topic, Message="hi") == ("InternalError", 500)
    faulty.faults.set("*", error_rate=0.0)
    faulty.faults.set("Publish", throttle_rate=1.0)
    assert failure(sns.publish, TopicArn=topic, Message="hi")[0] == "Throttling"
    faulty.faults.clear()
    # the faulted calls' bodies reached moto whole: it still answers them
    assert {"TopicArn": topic} in sns.list_topics()["Topics"]
    assert sns.publish(TopicArn=topic, Message="hi")["MessageId"]


@pytest.mark.parametrize(
    ("operation", "call"),
    [
        ("CreateBucket", lambda s3: s3.create_bucket(Bucket="new-bucket")),
        ("ListObjectsV2", lambda s3: s3.list_objects_v2(Bucket="named")),
        ("ListObjects", lambda s3: s3.list_objects(Bucket="named")),
        ("HeadBucket", lambda s3: s3.head_bucket(Bucket="named")),
        ("PutObject", lambda s3: s3.put_object(Bucket="named", Key="k/x", Body=b"1")),
        ("CopyObject", lambda s3: s3.copy_object(Bucket="named", Key="k/y",
                                                 CopySource={"Bucket": "named", "Key": "k"})),
        ("DeleteObject", lambda s3: s3.delete_object(Bucket="named", Key="k")),
        ("CreateMultipartUpload", lambda s3: s3.create_multipart_upload(Bucket="named", Key="m")),
    ],
)
def test_s3_calls_are_named_as_aws_names_them(faulty: LocalAws, operation: str, call: Any) -> None:
    s3 = client("s3", faulty.endpoint_url, config=NO_RETRIES)
    s3.create_bucket(Bucket="named")
    s3.put_object(Bucket="named", Key="k", Body=b"0")
    faulty.faults.set(operation, error_rate=1.0)
    with pytest.raises(ClientError) as caught:
        call(s3)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_manifests_are_written_and_read_through_30_percent_faults(faulty: LocalAws) -> None:
    """botocore's standard retries ride out S3's SlowDown and InternalError, as against AWS."""
    s3 = client("s3", faulty.endpoint_url,
                config=Config(retries={"mode": "standard", "total_max_attempts": 10}))
    s3.create_bucket(Bucket="manifests")
    faulty.faults.set("*", throttle_rate=0.2, error_rate=0.1)
    counted = []
    original = faulty.faults.draw

    def draw(operation: str, throttling: Any, server_error: Any) -> Any:
        fault = original(operation, throttling, server_error)
        counted.append(fault.error is not None)
        return fault

    faulty.faults.draw = draw  # type: ignore[method-assign]
    lines = [{"source-ref": f"s3://manifests/images/{n}.jpg"} for n in range(50)]
    for n in range(10):
        write_manifest(f"s3://manifests/m{n}.manifest", lines, s3_client=s3)
        assert [r for _, r in read_manifest(f"s3://manifests/m{n}.manifest", s3_client=s3)] == lines
    assert len(counted) >= 20 and 0 < sum(counted) < len(counted)
