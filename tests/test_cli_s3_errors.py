"""S3 failures that are not S3's answers: one line naming the URI and what to check, exit 2.

The reproductions of issue 14, item 1, run as the installed command in a process of its own,
whose environment is exactly what each case needs (no credentials at all, an endpoint nothing
listens on), talking HTTP to the local stand-in or to a closed loopback port.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tests.manifests.test_s3_errors import closed_port

SECRET = "s3cr3t-D0-NOT-PRINT"
NO_CREDENTIALS_CHECK = (
    "check the credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the "
    "role of the machine or connection\n"
)


def airflow_gt(tmp_path: Path, env: dict[str, str], *argv: str) -> tuple[int, str, str]:
    """Run ``airflow-gt`` with only ``env`` (and PATH, HOME) in its environment."""
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-m", "airflow_gt.cli", *argv], cwd=tmp_path, env=environment,
        capture_output=True, text=True, timeout=120,
    )
    return done.returncode, done.stdout, done.stderr


def test_an_unreachable_endpoint_is_one_line_naming_it(tmp_path: Path) -> None:
    port = closed_port()
    code, out, err = airflow_gt(
        tmp_path,
        {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "AKIDTEST",
         "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "us-east-1",
         "AWS_MAX_ATTEMPTS": "1"},
        "validate", "s3://labeling/a.manifest",
    )
    assert (code, out) == (2, "")
    assert err == (
        f"airflow-gt: s3://labeling/a.manifest: could not read: the S3 endpoint "
        f"http://127.0.0.1:{port} did not answer (EndpointConnectionError); check the endpoint "
        "(AWS_ENDPOINT_URL, or the connection's endpoint_url) and the network\n"
    )


@pytest.fixture
def no_credentials(aws_endpoint: str) -> dict[str, str]:
    """No credentials anywhere; the endpoint is the stand-in, so nothing reaches AWS."""
    return {"AWS_ENDPOINT_URL": aws_endpoint, "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.mark.parametrize(
    ("argv", "uri"),
    [
        (["chain", "s3://labeling/a.manifest", "--out", "b.manifest",
          "--new-label-attribute", "verify"], "s3://labeling/a.manifest"),
        (["validate", "s3://labeling/a.manifest"], "s3://labeling/a.manifest"),
        (["validate", str(SAMPLES / "image-classification.manifest"),
          "--label-categories", "s3://labeling/categories.json"],
         "s3://labeling/categories.json"),
        (["merge", "s3://labeling/a.manifest", "s3://labeling/b.manifest", "--out", "m.manifest"],
         "s3://labeling/b.manifest"),
        (["to-moderation", "s3://labeling/a.manifest", "--label-attribute", "moderation",
          "--out", "train.manifest", "--test-out", "test.manifest"], "s3://labeling/a.manifest"),
    ],
    ids=["chain", "validate", "label-categories", "merge", "to-moderation"],
)
def test_no_credentials_is_one_line_saying_what_to_check(
    tmp_path: Path, no_credentials: dict[str, str], argv: list[str], uri: str
) -> None:
    code, out, err = airflow_gt(tmp_path, no_credentials, *argv)
    assert (code, out) == (2, "")
    assert err == (
        f"airflow-gt: {uri}: could not read: no usable AWS credentials (NoCredentialsError); "
        + NO_CREDENTIALS_CHECK
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_no_credentials_for_an_upload_is_one_line(
    tmp_path: Path, no_credentials: dict[str, str]
) -> None:
    source = tmp_path / "a.manifest"
    source.write_bytes((SAMPLES / "image-classification.manifest").read_bytes())
    code, _, err = airflow_gt(tmp_path, no_credentials, "chain", str(source),
                              "--out", "s3://labeling/b.manifest", "--new-label-attribute", "v")
    assert code == 2
    assert err == (
        "airflow-gt: s3://labeling/b.manifest: could not write: no usable AWS credentials "
        "(NoCredentialsError); " + NO_CREDENTIALS_CHECK
    )


def test_evaluate_of_a_bucket_without_a_key_is_one_line(tmp_path: Path) -> None:
    code, out, err = airflow_gt(
        tmp_path,
        {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port()}", "AWS_ACCESS_KEY_ID": "x",
         "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "us-east-1"},
        "evaluate", "s3://labeling",
    )
    assert (code, out) == (2, "")
    assert err == (
        "airflow-gt: uri: 's3://labeling' names a bucket but no object; give the object's whole "
        "URI, s3://labeling/KEY\n"
    )
