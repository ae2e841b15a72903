"""Bad requests, sent as exact bytes to ``airflow-gt local``: each gets the error AWS sends, in
the protocol of the service it was for, and nothing else breaks.

The stand-in runs as a process (its standard error captured) with a one-second body timeout. After
every bad request a normal boto3 call must still work, and no traceback may have been printed.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from airflow_gt.local import LocalAws
from tests.conftest import client

BODY_TIMEOUT = 1.0
JSON_11 = "application/x-amz-json-1.1"
NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def scope(service: str) -> str:
    return (f"AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, "
            "SignedHeaders=host, Signature=0")


@dataclass
class StandIn:
    endpoint: str
    port: int
    stderr: Path

    def errors(self) -> str:
        return self.stderr.read_text(errors="replace")


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    stderr = tmp_path_factory.mktemp("stand-in") / "stderr.txt"
    command = [sys.executable, "-m", "airflow_gt.cli", "local", "--port", "0",
               "--body-timeout", str(BODY_TIMEOUT), "--bucket", "bad-requests"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with stderr.open("wb") as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env,
                                   text=True)
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            assert "listening on http://127.0.0.1:" in first, stderr.read_text()
            endpoint = first.split("listening on ")[1].split()[0]
            yield StandIn(endpoint, int(endpoint.rsplit(":", 1)[1]), stderr)
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=30)
    assert process.returncode == 0, stderr.read_text()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        assert self.headers["content-type"] == JSON_11, self.headers
        return orjson.loads(self.body)

    def xml_code(self) -> str:
        match = re.search(rb"<Code>([^<]+)</Code>", self.body)
        assert match, self.body
        return match.group(1).decode()


def send(stand_in: StandIn, method: str, headers: dict[str, str], body: bytes = b"",
         *, path: str = "/", close_after_sending: bool = False) -> Answer:
    """Send these exact bytes, read the answer (at most 30 s)."""
    head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{stand_in.port}",
            *(f"{name}: {value}" for name, value in headers.items())]
    raw = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", stand_in.port), timeout=30) as connection:
        connection.sendall(raw)
        if close_after_sending:
            connection.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(connection, method=method)
        response.begin()
        answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                        response.read(), time.monotonic() - started)
    return answer


def json_call(target: str | None, body: bytes, *, service: str = "sagemaker",
              **headers: str) -> dict[str, str]:
    sent = {"Content-Type": JSON_11, "Authorization": scope(service),
            "Content-Length": str(len(body))}
    if target is not None:
        sent["X-Amz-Target"] = target
    sent.update({name.replace("_", "-"): value for name, value in headers.items()})
    return sent


@pytest.fixture
def still_serving(stand_in: StandIn) -> Iterator[None]:
    """After the test's bad request: boto3 calls to our services and to moto's still work, and
    the stand-in printed no traceback."""
    printed_before = len(stand_in.errors())
    yield
    sagemaker = client("sagemaker", stand_in.endpoint, config=NO_RETRIES)
    assert "LabelingJobSummaryList" in sagemaker.list_labeling_jobs(MaxResults=5)
    s3 = client("s3", stand_in.endpoint, config=NO_RETRIES)
    assert "bad-requests" in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    errors = stand_in.errors()[printed_before:]
    assert "Traceback" not in errors and "Error on request" not in errors, errors


def assert_json_error(answer: Answer, code: str, message: str) -> None:
    assert answer.status == 400, (answer.status, answer.body)
    document = answer.json()
    assert document["__type"] == code
    assert re.search(message, document["message"]), document["message"]
    assert answer.headers["x-amzn-errortype"] == f"{code}:"
    assert answer.headers["x-amzn-requestid"]


SOURCE = "arn:aws:sagemaker:us-east-1:123456789012:experiment/a"
DESTINATION = "arn:aws:sagemaker:us-east-1:123456789012:experiment/b"
ASSOCIATION = orjson.dumps({"SourceArn": SOURCE, "DestinationArn": DESTINATION})

JSON_CASES = {
    "unknown operation": (
        json_call("SageMaker.DescribeEverything", b"{}"),
        b"{}", "UnknownOperationException", "SageMaker has no operation 'DescribeEverything'"),
    "unknown target prefix": (
        json_call("NoSuchService_2020.DoIt", b"{}"),
        b"{}", "UnknownOperationException", "no service here takes X-Amz-Target prefix"),
    "no X-Amz-Target, SageMaker": (
        json_call(None, b"{}"), b"{}", "UnknownOperationException", "X-Amz-Target header, which"),
    "no X-Amz-Target, Rekognition": (
        json_call(None, b"{}", service="rekognition"),
        b"{}", "UnknownOperationException", "X-Amz-Target header, which is missing"),
    "no X-Amz-Target, unsigned JSON": (
        {"Content-Type": JSON_11, "Content-Length": "2"},
        b"{}", "UnknownOperationException", "X-Amz-Target header, which is missing"),
    "empty X-Amz-Target": (
        json_call("", b"{}"), b"{}", "UnknownOperationException", "X-Amz-Target header, which"),
    "unknown service in the credential scope": (
        json_call(None, b"{}", service="nosuchservice"),
        b"{}", "UnknownOperationException", "No service named 'nosuchservice'"),
    "Content-Length not a number": (
        json_call("SageMaker.ListLabelingJobs", b"{}", Content_Length="two"),
        b"{}", "SerializationException", "Content-Length 'two' is not a whole number"),
    "Content-Length negative": (
        json_call("SageMaker.ListLabelingJobs", b"{}", Content_Length="-2"),
        b"{}", "SerializationException", "Content-Length '-2' is not a whole number"),
    "Content-Length with a sign": (
        json_call("RekognitionService.DescribeProjects", b"{}", service="rekognition",
                  Content_Length="+2"),
        b"{}", "SerializationException", "Content-Length '\\+2' is not a whole number"),
    "body not JSON": (
        json_call("SageMaker.ListLabelingJobs", b"MaxResults=5"),
        b"MaxResults=5", "SerializationException", "not JSON"),
    "body a JSON array": (
        json_call("SageMaker.ListLabelingJobs", b"[]"),
        b"[]", "SerializationException", "must be a JSON object, not a JSON list"),
    "body a JSON string, for moto's SageMaker": (
        json_call("SageMaker.ListTrainingJobs", b'"x"'),
        b'"x"', "SerializationException", "must be a JSON object, not a JSON str"),
    "body not JSON, for moto's SQS": (
        json_call("AmazonSQS.ListQueues", b"{", service="sqs"),
        b"{", "SerializationException", "not JSON"),
    "unknown operation of moto's SQS": (
        json_call("AmazonSQS.ListEverything", b"{}", service="sqs"),
        b"{}", "UnknownOperationException", "SQS has no operation 'ListEverything'"),
    "an operation neither we nor moto emulate": (
        json_call("SageMaker.AddAssociation", ASSOCIATION), ASSOCIATION,
        "UnknownOperationException", "does not emulate this operation"),
    "broken chunked encoding": (
        {**json_call("SageMaker.ListLabelingJobs", b""), "Transfer-Encoding": "chunked"},
        b"zz\r\n{}\r\n0\r\n\r\n", "SerializationException", "broken chunked transfer encoding"),
}


@pytest.mark.usefixtures("still_serving")
@pytest.mark.parametrize("case", JSON_CASES, ids=list(JSON_CASES))
def test_a_bad_json_call_gets_the_json_error_aws_sends(stand_in: StandIn, case: str) -> None:
    headers, body, code, message = JSON_CASES[case]
    assert_json_error(send(stand_in, "POST", headers, body), code, message)


@pytest.mark.usefixtures("still_serving")
def test_a_body_shorter_than_its_content_length_is_refused_after_the_timeout(
    stand_in: StandIn,
) -> None:
    headers = json_call("SageMaker.ListLabelingJobs", b"{}", Content_Length="100")
    answer = send(stand_in, "POST", headers, b"{}")
    assert_json_error(answer, "SerializationException", "did not arrive in time: 2 bytes")
    assert BODY_TIMEOUT * 0.9 <= answer.seconds < BODY_TIMEOUT + 5


@pytest.mark.usefixtures("still_serving")
def test_a_huge_content_length_neither_hangs_nor_allocates(stand_in: StandIn) -> None:
    headers = json_call("SageMaker.ListLabelingJobs", b"{}", Content_Length=str(10**20))
    answer = send(stand_in, "POST", headers, b"{}")
    assert_json_error(answer, "SerializationException", "did not arrive in time")
    assert answer.seconds < BODY_TIMEOUT + 5


@pytest.mark.usefixtures("still_serving")
def test_a_body_cut_short_by_the_client_is_refused_at_once(stand_in: StandIn) -> None:
    headers = json_call("SageMaker.ListLabelingJobs", b"{}", Content_Length="50")
    answer = send(stand_in, "POST", headers, b"{}", close_after_sending=True)
    assert_json_error(answer, "SerializationException", "ended after 2 of the 50 bytes")
    assert answer.seconds < BODY_TIMEOUT


@pytest.mark.usefixtures("still_serving")
def test_a_chunked_body_is_read_whole(stand_in: StandIn) -> None:
    headers = {**json_call("SageMaker.ListLabelingJobs", b""), "Transfer-Encoding": "chunked"}
    del headers["Content-Length"]
    chunks = b'6\r\n{"MaxR\r\nb\r\nesults": 0}\r\n0\r\n\r\n'
    answer = send(stand_in, "POST", headers, chunks)
    # MaxResults 0 breaks the operation's minimum of 1: the chunks were joined and parsed.
    assert_json_error(answer, "ValidationException", "Value '0' at 'maxResults'|Value 0 at")
    headers["Content-Length"] = "999"  # chunked wins over Content-Length, as HTTP/1.1 says
    answer = send(stand_in, "POST", headers, b"2\r\n{}\r\n0\r\n\r\n")
    assert answer.status == 200
    assert answer.json()["LabelingJobSummaryList"] == []


@pytest.mark.usefixtures("still_serving")
def test_s3_answers_bad_bodies_with_its_own_xml_errors(stand_in: StandIn) -> None:
    key = f"/bad-requests/{uuid.uuid4().hex}"
    signed = {"Authorization": scope("s3")}
    answer = send(stand_in, "PUT", {**signed, "Content-Length": "ten"}, b"0123456789", path=key)
    assert (answer.status, answer.xml_code()) == (400, "InvalidArgument")
    assert answer.headers["content-type"] == "application/xml"
    assert b"<RequestId>" in answer.body
    answer = send(stand_in, "PUT", {**signed, "Content-Length": "10"}, b"0123", path=key)
    assert (answer.status, answer.xml_code()) == (400, "RequestTimeout")
    answer = send(stand_in, "PUT", {**signed, "Content-Length": "10"}, b"0123", path=key,
                  close_after_sending=True)
    assert (answer.status, answer.xml_code()) == (400, "IncompleteBody")
    answer = send(stand_in, "HEAD", {**signed, "Content-Length": "-1"}, path="/bad-requests")
    assert (answer.status, answer.body) == (400, b"")
    s3 = client("s3", stand_in.endpoint, config=NO_RETRIES)
    with pytest.raises(ClientError) as missing:
        s3.head_object(Bucket="bad-requests", Key=key.rsplit("/", 1)[1])
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@pytest.mark.usefixtures("still_serving")
def test_sns_answers_bad_bodies_and_unknown_actions_in_the_query_protocol(
    stand_in: StandIn,
) -> None:
    form = {"Authorization": scope("sns"), "Content-Type": "application/x-www-form-urlencoded"}
    answer = send(stand_in, "POST", {**form, "Content-Length": "x"}, b"Action=ListTopics")
    assert (answer.status, answer.xml_code()) == (400, "InvalidQueryParameter")
    assert answer.body.startswith(b'<ErrorResponse xmlns="http://sns.amazonaws.com/doc/')
    answer = send(stand_in, "POST", {**form, "Content-Length": "17"}, b"Action=ListThings")
    assert (answer.status, answer.xml_code()) == (400, "InvalidAction")
    assert b"ListThings" in answer.body


def test_botocore_reads_the_unknown_operation_error_as_aws_sends_it(
    local_aws: LocalAws,
) -> None:
    sagemaker = client("sagemaker", local_aws.endpoint_url, config=NO_RETRIES)
    with pytest.raises(ClientError) as refused:
        sagemaker.add_association(SourceArn=SOURCE, DestinationArn=DESTINATION)
    error = refused.value.response
    assert error["Error"]["Code"] == "UnknownOperationException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "LabelingJobSummaryList" in sagemaker.list_labeling_jobs()


@pytest.mark.parametrize("seconds", ["0", "-1", "nan", "inf", "soon"])
def test_the_body_timeout_must_be_a_positive_number_of_seconds(seconds: str) -> None:
    command = [sys.executable, "-m", "airflow_gt.cli", "local", "--body-timeout", seconds]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert finished.returncode == 2
    assert "--body-timeout" in finished.stderr and "seconds" in finished.stderr
