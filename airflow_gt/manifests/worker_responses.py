"""Read the individual workers' answers under ``annotations/worker-response/``.

Each file holds ``{"answers": [{"workerId", "answerContent", "acceptanceTime",
"submissionTime", "timeSpentInSeconds", "workerMetadata"}, ...]}`` for one data object.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import orjson

from airflow_gt.exceptions import WorkerResponseError
from airflow_gt.manifests.layout import (
    LabelingJobOutputLayout,
    WorkerResponseKey,
    parse_worker_response_key,
)
from airflow_gt.manifests.reader import json_document_error
from airflow_gt.manifests.s3_errors import s3_errors
from airflow_gt.manifests.storage import S3Location, default_s3_client, read_bytes


@dataclass(frozen=True)
class WorkerAnswer:
    """One worker's answer for one data object; ``raw`` keeps every key as written."""

    worker_id: str
    answer_content: Mapping[str, Any]
    acceptance_time: str | None
    submission_time: str | None
    time_spent_in_seconds: float | None
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class WorkerResponse:
    """The answers in one worker-response file, and where the file is."""

    source: str
    iteration: int
    index: int
    timestamp: str
    answers: tuple[WorkerAnswer, ...]


def _optional(entry: Mapping[str, Any], key: str, kind: type | tuple[type, ...],
              source: str, i: int) -> Any:
    value = entry.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, kind)):
        raise WorkerResponseError(source, f"answers[{i}].{key} has the wrong type: {value!r}")
    return value


def parse_worker_response(data: bytes, source: str, key: WorkerResponseKey) -> WorkerResponse:
    """Parse one worker-response file's bytes; ``source`` names it in errors."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise WorkerResponseError(source, json_document_error(exc)) from None
    answers = document.get("answers") if isinstance(document, dict) else None
    if not isinstance(answers, list):
        raise WorkerResponseError(source, "expected an object with an 'answers' list")
    parsed = []
    for i, entry in enumerate(answers):
        if not isinstance(entry, dict):
            raise WorkerResponseError(source, f"answers[{i}] must be an object")
        worker_id = entry.get("workerId")
        if not isinstance(worker_id, str) or not worker_id:
            raise WorkerResponseError(source, f"answers[{i}].workerId must be non-empty text")
        content = entry.get("answerContent")
        if not isinstance(content, dict):
            raise WorkerResponseError(source, f"answers[{i}].answerContent must be an object")
        spent = _optional(entry, "timeSpentInSeconds", (int, float), source, i)
        parsed.append(WorkerAnswer(
            worker_id,
            MappingProxyType(content),
            _optional(entry, "acceptanceTime", str, source, i),
            _optional(entry, "submissionTime", str, source, i),
            None if spent is None else float(spent),
            MappingProxyType(entry),
        ))
    return WorkerResponse(source, key.iteration, key.index, key.timestamp, tuple(parsed))


CONCURRENT_READS = 16
"""Worker-response files read at once: one small GET each, so a job's thousands of files are read
as fast as S3 answers, not one round trip after another."""


def read_worker_responses(
    layout: LabelingJobOutputLayout, *, iteration: int | None = None, s3_client: Any = None,
    concurrency: int = CONCURRENT_READS,
) -> Iterator[WorkerResponse]:
    """Every worker-response file of a job (or of one iteration), in key order, one at a time.

    Up to ``concurrency`` files are fetched at once, ahead of the one being parsed; at most that
    many are held in memory.
    """
    prefix = S3Location.parse(
        layout.worker_response if iteration is None else layout.worker_response_folder(iteration)
    )
    client = s3_client if s3_client is not None else default_s3_client(str(prefix), "list")
    pages = iter(client.get_paginator("list_objects_v2").paginate(
        Bucket=prefix.bucket, Prefix=prefix.key
    ))
    pending: deque[tuple[S3Location, WorkerResponseKey, Future[bytes]]] = deque()
    with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="worker-responses") as pool:
        try:
            while True:
                with s3_errors(str(prefix), "list", client):
                    page = next(pages, None)
                if page is None:
                    break
                for item in page.get("Contents", []):
                    key = parse_worker_response_key(item["Key"])
                    if key is None:
                        continue
                    location = S3Location(prefix.bucket, item["Key"])
                    fetched = pool.submit(read_bytes, str(location), client)
                    pending.append((location, key, fetched))
                    while len(pending) >= max(1, concurrency):
                        yield _parsed(pending.popleft())
            while pending:
                yield _parsed(pending.popleft())
        finally:
            for *_, future in pending:
                future.cancel()


def _parsed(entry: tuple[S3Location, WorkerResponseKey, Future[bytes]]) -> WorkerResponse:
    location, key, future = entry
    return parse_worker_response(future.result(), str(location), key)
