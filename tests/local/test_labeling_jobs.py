"""Labeling jobs on the local stand-in, through a real boto3 SageMaker client over HTTP."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError

from airflow_gt.local import LocalAws
from airflow_gt.local.datasets import generate_image_dataset
from tests.conftest import client
from tests.local.labeling import labeling_request, put_categories, put_json_lines, read_lines

CLASSES = ("dog", "cat", "bone", "ball")


@pytest.fixture
def sagemaker(manual_aws: LocalAws) -> Any:
    return client("sagemaker", manual_aws.endpoint_url)


@pytest.fixture
def s3m(manual_aws: LocalAws) -> Any:
    return client("s3", manual_aws.endpoint_url)


@pytest.fixture
def bucket_m(s3m: Any) -> str:
    import uuid

    name = f"gt-{uuid.uuid4().hex[:12]}"
    s3m.create_bucket(Bucket=name)
    return name


def status(sagemaker: Any, name: str) -> dict[str, Any]:
    return sagemaker.describe_labeling_job(LabelingJobName=name)  # type: ignore[no-any-return]


def run_to_end(stand_in: LocalAws, sagemaker: Any, name: str) -> dict[str, Any]:
    stand_in.run_until(
        lambda: status(sagemaker, name)["LabelingJobStatus"] in ("Completed", "Failed", "Stopped")
    )
    return status(sagemaker, name)


def bounding_box_job(s3: Any, bucket: str, count: int = 6, **extra: Any) -> dict[str, Any]:
    dataset = generate_image_dataset(s3, f"s3://{bucket}/shapes", count=count, seed=3)
    return labeling_request(
        s3, bucket, task="BoundingBox", manifest_uri=dataset.manifest_uri,
        categories_uri=put_categories(s3, bucket, CLASSES), label_attribute="bounding-box",
        **extra,
    )


def test_a_job_walks_initializing_in_progress_completed(
    manual_aws: LocalAws, sagemaker: Any, s3m: Any, bucket_m: str
) -> None:
    request = bounding_box_job(s3m, bucket_m, count=8)
    name = request["LabelingJobName"]
    arn = sagemaker.create_labeling_job(**request)["LabelingJobArn"]
    assert arn == f"arn:aws:sagemaker:us-east-1:123456789012:labeling-job/{name}"
    first = status(sagemaker, name)
    assert first["LabelingJobStatus"] == "Initializing"
    assert first["LabelCounters"]["TotalLabeled"] == 0
    assert "LabelingJobOutput" not in first
    manual_aws.advance(2.0)
    assert status(sagemaker, name)["LabelingJobStatus"] == "InProgress"
    done = run_to_end(manual_aws, sagemaker, name)
    assert done["LabelingJobStatus"] == "Completed"
    assert done["LabelCounters"] == {
        "TotalLabeled": 8, "HumanLabeled": 8, "MachineLabeled": 0,
        "FailedNonRetryableError": 0, "Unlabeled": 0,
    }
    output = f"s3://{bucket_m}/output/{name}/manifests/output/output.manifest"
    assert done["LabelingJobOutput"]["OutputDatasetS3Uri"] == output
    lines = read_lines(s3m, output)
    inputs = read_lines(s3m, request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"])
    assert [line["source-ref"] for line in lines] == [line["source-ref"] for line in inputs]
    assert all("bounding-box" in line and "bounding-box-metadata" in line for line in lines)
    keys = [o["Key"] for o in s3m.list_objects_v2(Bucket=bucket_m, Prefix=f"output/{name}/",
                                                  MaxKeys=1000)["Contents"]]
    responses = [k for k in keys if "/annotations/worker-response/iteration-1/" in k]
    assert len(responses) == 8 * 3
    assert {k.split("/")[-2] for k in responses} == {str(i) for i in range(8)}
    assert any("/consolidation-request/iteration-1/" in k for k in keys)
    assert any("/consolidation-response/iteration-1/" in k for k in keys)
    answers = [
        orjson.loads(s3m.get_object(Bucket=bucket_m, Key=key)["Body"].read())["answers"][0]
        for key in responses
    ]
    for answer in answers:
        assert set(answer) >= {"answerContent", "workerId", "acceptanceTime", "submissionTime"}
        assert isinstance(answer["answerContent"]["boundingBox"]["boundingBoxes"], list)
    # A simulated worker may miss every box of an image now and then, but not of every image.
    assert any(answer["answerContent"]["boundingBox"]["boundingBoxes"] for answer in answers)


def test_counters_agree_with_the_intermediate_manifest_while_the_job_runs(
    manual_aws: LocalAws, sagemaker: Any, s3m: Any, bucket_m: str
) -> None:
    request = bounding_box_job(s3m, bucket_m, count=12, MaxConcurrentTaskCount=2)
    name = request["LabelingJobName"]
    sagemaker.create_labeling_job(**request)
    intermediate = f"s3://{bucket_m}/output/{name}/annotations/intermediate/1/annotations.manifest"
    seen_partial = False
    while status(sagemaker, name)["LabelingJobStatus"] != "Completed":
        manual_aws.advance(1.0)
        counters = status(sagemaker, name)["LabelCounters"]
        if counters["TotalLabeled"] == 0:
            continue
        lines = read_lines(s3m, intermediate)
        assert len(lines) == 12
        labeled = sum("bounding-box" in line for line in lines)
        assert labeled == counters["TotalLabeled"]
        assert counters["Unlabeled"] == 12 - labeled
        seen_partial = seen_partial or 0 < labeled < 12
    assert seen_partial, "MaxConcurrentTaskCount=2 should label the objects over several steps"


def test_unlabeled_lines_in_the_intermediate_manifest_are_the_input_lines_byte_for_byte(
    manual_aws: LocalAws, sagemaker: Any, s3m: Any, bucket_m: str
) -> None:
    raw = b'{"source-ref": "s3://%s/a.png",  "keep": [1, 2]}\n' % bucket_m.encode()
    raw += b'{"source-ref":"s3://%s/b.png","keep":{"x":"y"}}\n' % bucket_m.encode()
    s3m.put_object(Bucket=bucket_m, Key="in.manifest", Body=raw)
    request = labeling_request(
        s3m, bucket_m, task="ImageMultiClass", manifest_uri=f"s3://{bucket_m}/in.manifest",
        categories_uri=put_categories(s3m, bucket_m, CLASSES), label_attribute="animal",
        MaxConcurrentTaskCount=1,
    )
    name = request["LabelingJobName"]
    sagemaker.create_labeling_job(**request)
    intermediate = f"output/{name}/annotations/intermediate/1/annotations.manifest"
    while status(sagemaker, name)["LabelCounters"]["TotalLabeled"] == 0:
        manual_aws.advance(0.5)
    body = s3m.get_object(Bucket=bucket_m, Key=intermediate)["Body"].read()
    first, second = body.splitlines(keepends=True)
    assert second == raw.splitlines(keepends=True)[1]
    assert orjson.loads(first)["keep"] == [1, 2]
    done = run_to_end(manual_aws, sagemaker, name)
    lines = read_lines(s3m, done["LabelingJobOutput"]["OutputDatasetS3Uri"])
    assert [line["keep"] for line in lines] == [[1, 2], {"x": "y"}]


def test_the_same_seed_writes_the_same_output(s3m: Any, bucket_m: str) -> None:
    from airflow_gt.local import ManualClock

    outputs = []
    for _ in range(2):
        with LocalAws(seed=11, clock=ManualClock()) as stand_in:
            sagemaker = client("sagemaker", stand_in.endpoint_url)
            request = bounding_box_job(s3m, bucket_m, count=5, LabelingJobName="same-seed-job")
            request["OutputConfig"]["S3OutputPath"] = f"s3://{bucket_m}/run-{len(outputs)}"
            sagemaker.create_labeling_job(**request)
            done = run_to_end(stand_in, sagemaker, "same-seed-job")
            outputs.append(read_lines(s3m, done["LabelingJobOutput"]["OutputDatasetS3Uri"]))
    assert outputs[0] == outputs[1]


def test_a_default_twenty_object_job_with_three_workers_ends_within_thirty_seconds(
    manual_aws: LocalAws, sagemaker: Any, s3m: Any, bucket_m: str
) -> None:
    request = bounding_box_job(s3m, bucket_m, count=20)
    sagemaker.create_labeling_job(**request)
    waited = manual_aws.run_until(
        lambda: status(sagemaker, request["LabelingJobName"])["LabelingJobStatus"] == "Completed",
        step=0.5,
    )
    assert waited <= 30.0


# -- checks on the request ------------------------------------------------------------------


def raw_call(stand_in: LocalAws, target: str, body: dict[str, Any]) -> tuple[int, Any, Any]:
    """POST a JSON request as an SDK would, without botocore's own checks and serialiser."""
    import urllib.error
    import urllib.request

    http = urllib.request.Request(
        stand_in.endpoint_url + "/", data=orjson.dumps(body), method="POST",
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
    )
    try:
        with urllib.request.urlopen(http) as response:
            return response.status, response.headers, orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, orjson.loads(error.read())


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def test_a_duplicate_name_is_resource_in_use_and_an_unknown_one_resource_not_found(
    sagemaker: Any, s3m: Any, bucket_m: str
) -> None:
    request = bounding_box_job(s3m, bucket_m, count=2)
    sagemaker.create_labeling_job(**request)
    code, message = error_of(sagemaker.create_labeling_job, **request)
    assert code == "ResourceInUse"
    assert request["LabelingJobName"] in message
    for call in (sagemaker.describe_labeling_job, sagemaker.stop_labeling_job):
        code, message = error_of(call, LabelingJobName="no-such-job")
        assert code == "ResourceNotFound"
        assert "no-such-job" in message


def test_the_server_checks_shapes_that_botocore_does_not(
    manual_aws: LocalAws, s3m: Any, bucket_m: str
) -> None:
    from botocore.config import Config

    unchecked = client("sagemaker", manual_aws.endpoint_url,
                       config=Config(parameter_validation=False))
    request = bounding_box_job(s3m, bucket_m, count=2)
    too_long = {**request, "LabelingJobName": "a" * 64}
    code, message = error_of(unchecked.create_labeling_job, **too_long)
    assert code == "ValidationException"
    assert "at 'labelingJobName' failed to satisfy constraint" in message
    assert "length less than or equal to 63" in message
    bad = {**request, "LabelingJobName": "-bad"}
    code, message = error_of(unchecked.create_labeling_job, **bad)
    assert "regular expression pattern" in message
    short = {**request, "HumanTaskConfig": {**request["HumanTaskConfig"],
                                            "TaskTimeLimitInSeconds": 5}}
    code, message = error_of(unchecked.create_labeling_job, **short)
    assert code == "ValidationException"
    assert "'humanTaskConfig.taskTimeLimitInSeconds'" in message
    misspelt = {**request, "HumanTaskConfig": {**request["HumanTaskConfig"], "TaskTitel": "x"}}
    answer, headers, body = raw_call(manual_aws, "SageMaker.CreateLabelingJob", misspelt)
    assert answer == 400
    assert headers["x-amzn-ErrorType"] == "SerializationException:"
    assert body["__type"] == "SerializationException"
    assert "TaskTitel" in body["message"]
    missing = {k: v for k, v in request.items() if k != "RoleArn"}
    code, message = error_of(unchecked.create_labeling_job, **missing)
    assert "Value null at 'roleArn'" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"LabelAttributeName": "box-metadata"}, "must not contain '-metadata'"),
        ({"LabelAttributeName": "box-ref"}, "must not end in '-ref'"),
        ({"InputConfig": {"DataSource": {"S3DataSource": {
            "ManifestS3Uri": "s3://{bucket}/missing.manifest"}}}}, "missing.manifest"),
        ({"LabelCategoryConfigS3Uri": "s3://{bucket}/missing.json"}, "missing.json"),
        ({"HumanTaskConfig.PreHumanTaskLambdaArn":
          "arn:aws:lambda:eu-west-1:568282634449:function:PRE-BoundingBox"}, "eu-west-1"),
        ({"HumanTaskConfig.PreHumanTaskLambdaArn":
          "arn:aws:lambda:us-east-1:432418664414:function:PRE-ImageMultiClass"},
         "same task type"),
        ({"HumanTaskConfig.PreHumanTaskLambdaArn":
          "arn:aws:lambda:us-east-1:123456789012:function:my-own-lambda"}, "custom Lambda"),
        ({"HumanTaskConfig.WorkteamArn":
          "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"},
         "PublicWorkforceTaskPrice"),
        ({"OutputConfig": {"S3OutputPath": "s3://no-such-bucket-anywhere/out"}}, "bucket"),
    ],
)
def test_requests_aws_would_refuse_are_refused(
    sagemaker: Any, s3m: Any, bucket_m: str, change: dict[str, Any], expected: str
) -> None:
    request = bounding_box_job(s3m, bucket_m, count=2)
    for key, value in change.items():
        value = orjson.loads(orjson.dumps(value).replace(b"{bucket}", bucket_m.encode()))
        if key.startswith("HumanTaskConfig."):
            request["HumanTaskConfig"][key.split(".", 1)[1]] = value
        else:
            request[key] = value
    code, message = error_of(sagemaker.create_labeling_job, **request)
    assert code == "ValidationException"
    assert expected in message


@pytest.mark.parametrize(
    ("task", "labels", "audit", "expected"),
    [
        ("ImageMultiClass", ["only-one"], None, "at least 2 labels"),
        ("VerificationBoundingBox", ["good", "bad"], None, "auditLabelAttributeName"),
        ("NamedEntityRecognition", ["PERSON"], None, "instructions"),
    ],
)
def test_label_category_files_are_checked_for_the_task(
    sagemaker: Any, s3m: Any, bucket_m: str, task: str, labels: list[str], audit: str | None,
    expected: str,
) -> None:
    manifest = put_json_lines(s3m, bucket_m, "one.manifest", [{"source": "hello"}])
    request = labeling_request(
        s3m, bucket_m, task=task, manifest_uri=manifest,
        categories_uri=put_categories(s3m, bucket_m, labels, audit=audit), label_attribute="x",
    )
    code, message = error_of(sagemaker.create_labeling_job, **request)
    assert code == "ValidationException"
    assert expected in message
    assert "categories.json" in message


def test_jobs_are_kept_per_region(manual_aws: LocalAws, s3m: Any, bucket_m: str) -> None:
    east = client("sagemaker", manual_aws.endpoint_url, region="us-east-1")
    west = client("sagemaker", manual_aws.endpoint_url, region="us-west-2")
    request = bounding_box_job(s3m, bucket_m, count=2)
    east.create_labeling_job(**request)
    code, _ = error_of(west.describe_labeling_job, LabelingJobName=request["LabelingJobName"])
    assert code == "ResourceNotFound"
    assert west.list_labeling_jobs()["LabelingJobSummaryList"] == []


# -- listing ---------------------------------------------------------------------------------


def test_list_filters_sorts_and_pages(
    manual_aws: LocalAws, sagemaker: Any, s3m: Any, bucket_m: str
) -> None:
    names = ["list-c", "list-a", "list-b", "other-d"]
    for name in names:
        sagemaker.create_labeling_job(**bounding_box_job(s3m, bucket_m, count=2,
                                                         LabelingJobName=name))
        manual_aws.advance(0.1)
    sagemaker.stop_labeling_job(LabelingJobName="list-b")
    listed = sagemaker.list_labeling_jobs(NameContains="list", SortBy="Name")
    assert [j["LabelingJobName"] for j in listed["LabelingJobSummaryList"]] == [
        "list-a", "list-b", "list-c"]
    newest_first = sagemaker.list_labeling_jobs(SortBy="CreationTime", SortOrder="Descending")
    assert [j["LabelingJobName"] for j in newest_first["LabelingJobSummaryList"]] == names[::-1]
    stopping = sagemaker.list_labeling_jobs(StatusEquals="Stopping")
    assert [j["LabelingJobName"] for j in stopping["LabelingJobSummaryList"]] == ["list-b"]
    pages = sagemaker.get_paginator("list_labeling_jobs").paginate(
        SortBy="Name", PaginationConfig={"PageSize": 3}
    )
    seen = [[j["LabelingJobName"] for j in page["LabelingJobSummaryList"]] for page in pages]
    assert seen == [["list-a", "list-b", "list-c"], ["other-d"]]
    code, _ = error_of(sagemaker.list_labeling_jobs, NextToken="not-a-token")
    assert code == "ValidationException"
    summary = listed["LabelingJobSummaryList"][0]
    assert summary["PreHumanTaskLambdaArn"].endswith("PRE-BoundingBox")
    assert summary["LabelCounters"]["TotalLabeled"] == 0


def test_list_filters_on_creation_time(
    manual_aws: LocalAws, sagemaker: Any, s3m: Any, bucket_m: str
) -> None:
    sagemaker.create_labeling_job(**bounding_box_job(s3m, bucket_m, count=2,
                                                     LabelingJobName="early"))
    manual_aws.advance(60)
    middle = status(sagemaker, "early")["CreationTime"]
    manual_aws.advance(60)
    sagemaker.create_labeling_job(**bounding_box_job(s3m, bucket_m, count=2,
                                                     LabelingJobName="late"))
    after = sagemaker.list_labeling_jobs(CreationTimeAfter=middle)["LabelingJobSummaryList"]
    assert [j["LabelingJobName"] for j in after] == ["late"]


# -- ending otherwise ------------------------------------------------------------------------


def test_stop_goes_through_stopping_to_stopped_and_keeps_what_was_labeled(
    manual_aws: LocalAws, sagemaker: Any, s3m: Any, bucket_m: str
) -> None:
    request = bounding_box_job(s3m, bucket_m, count=10, MaxConcurrentTaskCount=1)
    name = request["LabelingJobName"]
    sagemaker.create_labeling_job(**request)
    while status(sagemaker, name)["LabelCounters"]["TotalLabeled"] < 2:
        manual_aws.advance(1.0)
    sagemaker.stop_labeling_job(LabelingJobName=name)
    assert status(sagemaker, name)["LabelingJobStatus"] == "Stopping"
    done = run_to_end(manual_aws, sagemaker, name)
    assert done["LabelingJobStatus"] == "Stopped"
    labeled = done["LabelCounters"]["TotalLabeled"]
    assert 2 <= labeled < 10
    lines = read_lines(s3m, done["LabelingJobOutput"]["OutputDatasetS3Uri"])
    assert len(lines) == 10
    assert sum("bounding-box" in line for line in lines) == labeled
    sagemaker.stop_labeling_job(LabelingJobName=name)  # stopping a stopped job changes nothing
    assert status(sagemaker, name)["LabelingJobStatus"] == "Stopped"


def test_a_stopping_condition_stops_the_job(
    manual_aws: LocalAws, sagemaker: Any, s3m: Any, bucket_m: str
) -> None:
    request = bounding_box_job(s3m, bucket_m, count=10, MaxConcurrentTaskCount=2,
                               StoppingConditions={"MaxHumanLabeledObjectCount": 3})
    done = (sagemaker.create_labeling_job(**request),
            run_to_end(manual_aws, sagemaker, request["LabelingJobName"]))[1]
    assert done["LabelingJobStatus"] == "Stopped"
    assert done["LabelCounters"]["TotalLabeled"] == 3
    assert done["LabelCounters"]["Unlabeled"] == 7


def test_a_forced_failure_fails_the_job_with_its_reason(
    manual_aws: LocalAws, sagemaker: Any, s3m: Any, bucket_m: str
) -> None:
    request = bounding_box_job(s3m, bucket_m, count=2)
    manual_aws.faults.fail(request["LabelingJobName"], "ClientError: the work team was deleted")
    sagemaker.create_labeling_job(**request)
    done = run_to_end(manual_aws, sagemaker, request["LabelingJobName"])
    assert done["LabelingJobStatus"] == "Failed"
    assert done["FailureReason"] == "ClientError: the work team was deleted"
    assert "LabelingJobOutput" not in done


def test_a_bad_input_line_fails_the_job_naming_the_manifest_and_line(
    manual_aws: LocalAws, sagemaker: Any, s3m: Any, bucket_m: str
) -> None:
    s3m.put_object(Bucket=bucket_m, Key="bad.manifest",
                   Body=b'{"source": "fine"}\n{"source": broken}\n')
    request = labeling_request(
        s3m, bucket_m, task="TextMultiClass", manifest_uri=f"s3://{bucket_m}/bad.manifest",
        categories_uri=put_categories(s3m, bucket_m, ["happy", "sad"]), label_attribute="mood",
    )
    sagemaker.create_labeling_job(**request)
    done = run_to_end(manual_aws, sagemaker, request["LabelingJobName"])
    assert done["LabelingJobStatus"] == "Failed"
    assert "bad.manifest" in done["FailureReason"]
    assert "line 2" in done["FailureReason"]


def test_on_the_machine_clock_the_ticker_runs_a_default_job_to_the_end(
    local_aws: LocalAws, s3: Any, bucket: str
) -> None:
    import time

    sagemaker = client("sagemaker", local_aws.endpoint_url)
    request = bounding_box_job(s3, bucket, count=20)
    name = request["LabelingJobName"]
    sagemaker.create_labeling_job(**request)
    seen = set()
    deadline = time.monotonic() + 120  # a guard against a hang, not a speed assertion
    while time.monotonic() < deadline:
        described = status(sagemaker, name)
        seen.add(described["LabelingJobStatus"])
        if described["LabelingJobStatus"] == "Completed":
            break
        time.sleep(0.25)
    assert described["LabelingJobStatus"] == "Completed"
    assert {"Initializing", "InProgress"} <= seen
    assert described["LabelCounters"]["TotalLabeled"] == 20


def test_every_consolidated_object_is_in_one_consolidation_request_and_response(
    manual_aws: LocalAws, sagemaker: Any, s3m: Any, bucket_m: str
) -> None:
    request = bounding_box_job(s3m, bucket_m, count=9, MaxConcurrentTaskCount=3)
    name = request["LabelingJobName"]
    sagemaker.create_labeling_job(**request)
    manual_aws.run_until(
        lambda: status(sagemaker, name)["LabelingJobStatus"] == "Completed", step=0.3
    )
    prefix = f"output/{name}/annotations/consolidated-annotation/"
    keys = [o["Key"] for o in s3m.list_objects_v2(Bucket=bucket_m, Prefix=prefix)["Contents"]]
    for kind in ("request", "response"):
        ids = []
        for key in keys:
            if f"/consolidation-{kind}/iteration-1/" in key:
                body = s3m.get_object(Bucket=bucket_m, Key=key)["Body"].read()
                ids += [entry["datasetObjectId"] for entry in orjson.loads(body)]
        assert sorted(ids, key=int) == [str(i) for i in range(9)]
