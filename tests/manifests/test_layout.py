from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_gt.exceptions import ConfigurationError, NameRuleError, WorkerResponseError
from airflow_gt.manifests.layout import LabelingJobOutputLayout, parse_worker_response_key
from airflow_gt.manifests.worker_responses import read_worker_responses

ANSWER = {
    "answerContent": {"crowd-image-classifier": {"label": "Falcon"}},
    "submissionTime": "2020-12-28T18:59:58.321Z",
    "acceptanceTime": "2020-12-28T18:59:15.191Z",
    "timeSpentInSeconds": 40.543,
    "workerId": "a12b3cdefg4h5i67",
    "workerMetadata": {"identityData": {"identityProviderType": "Cognito", "sub": "x"}},
}


def test_locations_follow_the_seed_layout() -> None:
    layout = LabelingJobOutputLayout("s3://bucket/", "find-people")
    assert layout.root.key == "find-people"
    assert layout.output_manifest == "s3://bucket/find-people/manifests/output/output.manifest"
    assert layout.activelearning == "s3://bucket/find-people/activelearning/"
    assert layout.annotations == "s3://bucket/find-people/annotations/"
    assert layout.inference == "s3://bucket/find-people/inference/"
    assert layout.manifests == "s3://bucket/find-people/manifests/"
    assert layout.training == "s3://bucket/find-people/training/"
    assert layout.consolidated_annotation == (
        "s3://bucket/find-people/annotations/consolidated-annotation/"
    )
    assert layout.intermediate_manifest(1) == (
        "s3://bucket/find-people/annotations/intermediate/1/annotations.manifest"
    )


def test_worker_response_paths_and_keys() -> None:
    layout = LabelingJobOutputLayout("s3://bucket/labels/out", "birds")
    assert layout.worker_response_folder(1) == (
        "s3://bucket/labels/out/birds/annotations/worker-response/iteration-1/"
    )
    path = layout.worker_response_file(1, 95, "2019-04-18_16:13:05")
    assert path == (
        "s3://bucket/labels/out/birds/annotations/worker-response/iteration-1/95/"
        "2019-04-18_16:13:05.json"
    )
    key = parse_worker_response_key(path)
    assert key is not None and (key.iteration, key.index, key.timestamp) == (
        1, 95, "2019-04-18_16:13:05"
    )
    assert parse_worker_response_key("birds/annotations/intermediate/1/x.json") is None


def test_bad_layout_arguments() -> None:
    with pytest.raises(ConfigurationError, match="not an s3:// URI"):
        LabelingJobOutputLayout("/local/path", "job")
    with pytest.raises(NameRuleError, match="labeling job name 'my_job'"):
        LabelingJobOutputLayout("s3://bucket/out", "my_job")


def test_reads_every_worker_response_from_s3(s3: Any, bucket: str) -> None:
    layout = LabelingJobOutputLayout(f"s3://{bucket}/out", "birds")
    for iteration, index, stamp in [(1, 0, "2019-04-18_16:13:05"), (1, 1, "2019-04-18_16:14:00"),
                                    (2, 0, "2019-04-19_09:00:00")]:
        key = layout.worker_response_file(iteration, index, stamp).removeprefix(f"s3://{bucket}/")
        body = {"answers": [ANSWER, {"answerContent": {"x": 1}, "workerId": "public.us-east-1.W"}]}
        s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(body))
    s3.put_object(Bucket=bucket, Key="out/birds/annotations/worker-response/README", Body=b"x")
    responses = list(read_worker_responses(layout, s3_client=s3))
    assert [(r.iteration, r.index, r.timestamp) for r in responses] == [
        (1, 0, "2019-04-18_16:13:05"), (1, 1, "2019-04-18_16:14:00"), (2, 0, "2019-04-19_09:00:00"),
    ]
    first = responses[0].answers[0]
    assert first.worker_id == "a12b3cdefg4h5i67"
    assert first.answer_content == ANSWER["answerContent"]
    assert (first.acceptance_time, first.submission_time, first.time_spent_in_seconds) == (
        "2020-12-28T18:59:15.191Z", "2020-12-28T18:59:58.321Z", 40.543
    )
    assert dict(first.raw) == ANSWER
    second = responses[0].answers[1]
    assert (second.acceptance_time, second.time_spent_in_seconds) == (None, None)
    assert len(list(read_worker_responses(layout, iteration=2, s3_client=s3))) == 1


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"{", "not valid JSON"),
        (b'{"answer": []}', "expected an object with an 'answers' list"),
        (b'{"answers": [{"answerContent": {}}]}', "answers[0].workerId must be non-empty text"),
        (b'{"answers": [{"workerId": "w", "answerContent": "x"}]}', "answerContent must be an obj"),
        (b'{"answers": [{"workerId": "w", "answerContent": {}, "timeSpentInSeconds": "9"}]}',
         "answers[0].timeSpentInSeconds has the wrong type"),
    ],
)
def test_malformed_worker_response_names_the_file(
    s3: Any, bucket: str, body: bytes, detail: str
) -> None:
    layout = LabelingJobOutputLayout(f"s3://{bucket}/out", "birds")
    uri = layout.worker_response_file(1, 3, "2019-04-18_16:13:05")
    s3.put_object(Bucket=bucket, Key=uri.removeprefix(f"s3://{bucket}/"), Body=body)
    with pytest.raises(WorkerResponseError) as caught:
        list(read_worker_responses(layout, s3_client=s3))
    assert str(caught.value).startswith(f"{uri}: worker response: ")
    assert detail in str(caught.value)
