"""botocore's own failures (no endpoint, no credentials, a refused request) as airflow-gt errors.

Every test talks HTTP to a real endpoint: the local stand-in, or a loopback port nothing listens
on, through real boto3 clients.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from airflow_gt.exceptions import (
    ConfigurationError,
    S3AccessError,
    S3CredentialsError,
    S3EndpointError,
    S3RequestError,
)
from airflow_gt.local import LocalAws
from airflow_gt.manifests.layout import LabelingJobOutputLayout
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.s3_errors import safe_endpoint
from airflow_gt.manifests.storage import S3Location, iter_blocks, read_bytes
from airflow_gt.manifests.worker_responses import read_worker_responses
from airflow_gt.manifests.writer import write_manifest
from tests.conftest import client

SECRET = "s3cr3t-D0-NOT-PRINT"
ONE_TRY = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=2)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def unreachable_client() -> Any:
    return boto3.client(
        "s3", endpoint_url=f"http://AKIDUSER:{SECRET}@127.0.0.1:{closed_port()}",
        region_name="us-east-1", aws_access_key_id="AKIDTEST", aws_secret_access_key=SECRET,
        config=ONE_TRY,
    )


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, aws_endpoint: str) -> Any:
    """A real client on the stand-in from an environment that holds no credentials at all."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return boto3.session.Session().client(
        "s3", endpoint_url=aws_endpoint, region_name="us-east-1", config=ONE_TRY
    )


READS: list[tuple[str, Callable[[str, Any], object]]] = [
    ("read_manifest", lambda uri, s3: list(read_manifest(uri, s3_client=s3))),
    ("read_bytes", lambda uri, s3: read_bytes(uri, s3)),
    ("iter_blocks", lambda uri, s3: list(iter_blocks(uri, 10, s3))),
]


@pytest.mark.parametrize(("name", "read"), READS, ids=[name for name, _ in READS])
def test_an_unreachable_endpoint_is_named_with_what_to_check(
    name: str, read: Callable[[str, Any], object]
) -> None:
    with pytest.raises(S3EndpointError) as caught:
        read("s3://labeling/a.manifest", unreachable_client())
    message = str(caught.value)
    assert message.startswith("s3://labeling/a.manifest: could not read: the S3 endpoint ")
    assert "(EndpointConnectionError); check the endpoint (AWS_ENDPOINT_URL" in message
    assert SECRET not in message
    assert "AKIDUSER" not in message
    assert "\n" not in message


def test_a_write_to_an_unreachable_endpoint_is_named() -> None:
    with pytest.raises(S3EndpointError, match=r"s3://labeling/out\.manifest: could not write"):
        write_manifest("s3://labeling/out.manifest", [{"a": 1}], s3_client=unreachable_client())


@pytest.mark.parametrize(("name", "read"), READS, ids=[name for name, _ in READS])
def test_no_credentials_is_named_with_what_to_check(
    no_credentials: Any, bucket: str, name: str, read: Callable[[str, Any], object]
) -> None:
    with pytest.raises(S3CredentialsError) as caught:
        read(f"s3://{bucket}/a.manifest", no_credentials)
    assert str(caught.value) == (
        f"s3://{bucket}/a.manifest: could not read: no usable AWS credentials "
        "(NoCredentialsError); check the credentials: AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the role of the machine or connection"
    )


def test_a_write_without_credentials_is_named(no_credentials: Any, bucket: str) -> None:
    with pytest.raises(S3CredentialsError, match="could not write: no usable AWS credentials"):
        write_manifest(f"s3://{bucket}/out.manifest", [{"a": 1}], s3_client=no_credentials)


def test_a_timeout_is_an_endpoint_error(manual_aws: LocalAws) -> None:
    s3 = client("s3", manual_aws.endpoint_url)
    s3.create_bucket(Bucket="slow-bucket")
    s3.put_object(Bucket="slow-bucket", Key="a.manifest", Body=b'{"a":1}\n')
    manual_aws.faults.set("GetObject", latency=1.0)
    impatient = client(
        "s3", manual_aws.endpoint_url,
        config=Config(read_timeout=0.2, retries={"max_attempts": 1, "mode": "standard"}),
    )
    with pytest.raises(S3EndpointError, match=r"did not answer \(ReadTimeoutError\)"):
        read_bytes("s3://slow-bucket/a.manifest", impatient)


def test_a_bucket_name_botocore_refuses_is_a_request_error(s3: Any) -> None:
    with pytest.raises(S3RequestError) as caught:
        read_bytes("s3://not_a_valid_bucket!/a.manifest", s3)
    message = str(caught.value)
    assert "could not read: the request was refused before it was sent" in message
    assert "(ParamValidationError: Parameter validation failed: Invalid bucket name" in message
    assert "check the URI's bucket and key" in message


def test_an_unknown_profile_is_a_credentials_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    with pytest.raises(S3CredentialsError, match=r"\(ProfileNotFound\)"):
        read_bytes("s3://labeling/a.manifest")


def test_an_invalid_endpoint_url_is_named_without_its_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://AKIDUSER:{SECRET}@[::1")
    with pytest.raises(S3EndpointError) as caught:
        read_bytes("s3://labeling/a.manifest")
    assert "the S3 endpoint URL is not one botocore can use" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_a_uri_with_no_key_is_refused_where_an_object_is_needed(s3: Any) -> None:
    assert S3Location.parse("s3://labeling") == S3Location("labeling", "")  # a prefix: fine
    for read in (lambda: read_bytes("s3://labeling", s3),
                 lambda: list(read_manifest("s3://labeling/", s3_client=s3)),
                 lambda: write_manifest("s3://labeling", [], s3_client=s3)):
        with pytest.raises(ConfigurationError, match=r"'s3://labeling/?' names a bucket but no"):
            read()


def test_listing_worker_responses_from_an_unreachable_endpoint_is_named() -> None:
    layout = LabelingJobOutputLayout("s3://labeling/output", "job-1")
    with pytest.raises(S3AccessError) as caught:
        list(read_worker_responses(layout, s3_client=unreachable_client()))
    assert str(caught.value).startswith(
        "s3://labeling/output/job-1/annotations/worker-response/: could not list: the S3 endpoint"
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:pass@127.0.0.1:4566/path?token=x", "http://127.0.0.1:4566"),
        ("https://s3.eu-west-1.amazonaws.com", "https://s3.eu-west-1.amazonaws.com"),
        ("http://[::1]:9000", "http://[::1]:9000"),
        ("not a url", "(an invalid URL)"),
        (None, "(botocore's default)"),
    ],
)
def test_endpoints_are_shown_without_user_password_path_or_query(
    url: str | None, shown: str
) -> None:
    assert safe_endpoint(url) == shown
