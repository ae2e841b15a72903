"""Shared fixtures: the local stand-in over real HTTP on loopback, and the sample files.

The stand-in (S3 from moto's server, SageMaker labeling jobs, Rekognition adapters) runs in a thread
on a free port and is reached by real boto3 clients through ``endpoint_url`` with dummy
credentials, as users reach it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from airflow_gt.local import LocalAws, ManualClock

SAMPLES = Path(__file__).parent / "sample"
BAD_SAMPLES = SAMPLES / "bad"


def _dummy_credentials() -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(key, value)


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAws]:
    """The local stand-in on the machine's clock, shared by the whole test session."""
    _dummy_credentials()
    with LocalAws(seed=0) as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def aws_endpoint(local_aws: LocalAws) -> str:
    """The URL of the shared local stand-in."""
    return local_aws.endpoint_url


@pytest.fixture
def manual_aws() -> Iterator[LocalAws]:
    """A stand-in of this test's own, whose clock moves only when the test advances it."""
    _dummy_credentials()
    with LocalAws(seed=0, clock=ManualClock()) as stand_in:
        yield stand_in


def client(service: str, endpoint_url: str, region: str = "us-east-1", **config: Any) -> Any:
    """A real boto3 client of ``service`` on a stand-in's endpoint."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        **config,
    )


@pytest.fixture
def s3(aws_endpoint: str) -> Any:
    """A real boto3 S3 client talking HTTP to the loopback endpoint."""
    return client("s3", aws_endpoint)


@pytest.fixture
def bucket(s3: Any) -> str:
    """A new, empty bucket for one test."""
    name = f"test-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


def s3_keys(s3: Any, bucket: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
