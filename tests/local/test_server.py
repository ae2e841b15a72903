"""The stand-in's endpoint: moto's services beside ours, AWS's error format, injected faults,
and the ``airflow-gt local`` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.local import FaultInjector, LocalAws
from airflow_gt.local.faults import parse_fault_spec
from airflow_gt.local.server import region_of
from tests.conftest import client

NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def test_s3_sns_and_sqs_answer_on_the_same_endpoint(aws_endpoint: str) -> None:
    s3 = client("s3", aws_endpoint)
    bucket = f"srv-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    sns = client("sns", aws_endpoint)
    topic = sns.create_topic(Name="data-quality-alerts")["TopicArn"]
    sqs = client("sqs", aws_endpoint)
    queue = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    sns.publish(TopicArn=topic, Message="3 expectations failed")
    messages = sqs.receive_message(QueueUrl=queue).get("Messages", [])
    assert messages and "3 expectations failed" in messages[0]["Body"]


def test_sagemaker_operations_we_do_not_emulate_go_to_moto(aws_endpoint: str) -> None:
    sagemaker = client("sagemaker", aws_endpoint)
    assert "TrainingJobSummaries" in sagemaker.list_training_jobs()


def test_the_region_comes_from_the_credential_scope() -> None:
    header = ("AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/sagemaker/aws4_request, "
              "SignedHeaders=host, Signature=abc")
    assert region_of({"HTTP_AUTHORIZATION": header}) == "eu-west-1"
    assert region_of({}) == "us-east-1"


@pytest.fixture
def faulty() -> Any:
    faults = FaultInjector(seed=3)
    with LocalAws(seed=3, faults=faults) as stand_in:
        yield stand_in


def code_of(call: Any, **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_throttling_and_server_errors_come_back_as_aws_sends_them(faulty: LocalAws) -> None:
    sagemaker = client("sagemaker", faulty.endpoint_url, config=NO_RETRIES)
    rekognition = client("rekognition", faulty.endpoint_url, config=NO_RETRIES)
    faulty.faults.set("DescribeLabelingJob", throttle_rate=1.0)
    assert code_of(sagemaker.describe_labeling_job, LabelingJobName="x") == (
        "ThrottlingException", 400)
    faulty.faults.set("DescribeLabelingJob", throttle_rate=0.0, error_rate=1.0)
    assert code_of(sagemaker.describe_labeling_job, LabelingJobName="x") == (
        "InternalFailure", 500)
    faulty.faults.set("*", error_rate=1.0)
    assert code_of(rekognition.describe_projects) == ("InternalServerError", 500)
    faulty.faults.clear()
    assert code_of(sagemaker.describe_labeling_job, LabelingJobName="x")[0] == "ResourceNotFound"


def test_botocore_retries_throttled_calls_through_to_an_answer(faulty: LocalAws) -> None:
    sagemaker = client("sagemaker", faulty.endpoint_url,
                       config=Config(retries={"total_max_attempts": 10, "mode": "standard"}))
    faulty.faults.set("ListLabelingJobs", throttle_rate=0.5)
    for _ in range(5):
        assert sagemaker.list_labeling_jobs()["LabelingJobSummaryList"] == []


def test_added_latency_is_real_so_client_timeouts_fire(faulty: LocalAws) -> None:
    sagemaker = client("sagemaker", faulty.endpoint_url, config=Config(
        read_timeout=0.2, connect_timeout=1, retries={"total_max_attempts": 1}))
    faulty.faults.set("ListLabelingJobs", latency=0.6)
    with pytest.raises(ReadTimeoutError):
        sagemaker.list_labeling_jobs()


def test_the_same_seed_fails_the_same_calls() -> None:
    draws = []
    for _ in range(2):
        faults = FaultInjector(seed=9)
        faults.set("*", throttle_rate=0.3, error_rate=0.2)
        throttling, server = RuntimeError("t"), RuntimeError("s")
        draws.append([
            str(faults.draw("Op", throttling, server).error)  # type: ignore[arg-type]
            for _ in range(50)
        ])
    assert draws[0] == draws[1]
    assert {"t", "s", "None"} == set(draws[0])


def test_fault_specs_from_the_command_line_are_read_and_checked() -> None:
    assert parse_fault_spec("CreateLabelingJob:throttle=0.2,latency=1.5") == (
        "CreateLabelingJob", {"throttle_rate": 0.2, "latency": 1.5})
    for bad in ("CreateLabelingJob", "X:speed=1", "X:throttle=lots", "X:throttle=0.8,error=0.5"):
        with pytest.raises(ConfigurationError, match=r"--fault|error_rate"):
            parse_fault_spec(bad)


def test_airflow_gt_local_serves_until_terminated() -> None:
    command = [sys.executable, "-m", "airflow_gt.cli", "local", "--port", "0", "--seed", "4",
               "--bucket", "from-the-command-line", "--fault", "ListLabelingJobs:error=1",
               "--fail", "doomed-job=ClientError: forced"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in first, first
        endpoint = first.split("listening on ")[1].split()[0]
        s3 = client("s3", endpoint)
        assert "from-the-command-line" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        sagemaker = client("sagemaker", endpoint, config=NO_RETRIES)
        assert code_of(sagemaker.list_labeling_jobs)[0] == "InternalFailure"
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors
