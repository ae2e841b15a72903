"""Hand-made labeling job output folders, in Ground Truth's layout, for the workforce tests.

Each object is its output manifest line and its answers; every answer becomes its own
worker-response file ``annotations/worker-response/iteration-1/<index>/<timestamp>.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson


@dataclass(frozen=True)
class Answer:
    worker_id: str
    content: dict[str, Any]
    seconds: float | None = 10.0


def classification_line(source: str, class_name: str | None, job: str = "job1",
                        attribute: str = "species") -> dict[str, Any]:
    """An image-classification output line; ``class_name`` None: the object failed."""
    metadata: dict[str, Any] = {"type": "groundtruth/image-classification", "job-name": job,
                                "human-annotated": "yes",
                                "creation-date": "2026-01-01T00:00:00.000000"}
    if class_name is None:
        return {"source-ref": source, f"{attribute}-metadata": {
            **metadata, "failure-reason": "ClientError: consolidation failed"}}
    return {"source-ref": source, attribute: 0,
            f"{attribute}-metadata": {**metadata, "class-name": class_name, "confidence": 0.9}}


def label(name: str) -> dict[str, Any]:
    return {"crowd-image-classifier": {"label": name}}


def write_job(root: Path, lines: Sequence[dict[str, Any]],
              answers: Sequence[Sequence[Answer]], name: str = "job1") -> Path:
    """A job folder ``root/name`` with ``lines`` as its output manifest and ``answers[i]`` as
    the answers to line ``i``."""
    folder = root / name
    manifest = folder / "manifests" / "output" / "output.manifest"
    manifest.parent.mkdir(parents=True)
    manifest.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    for index, object_answers in enumerate(answers):
        responses = folder / "annotations" / "worker-response" / "iteration-1" / str(index)
        responses.mkdir(parents=True)
        for second, answer in enumerate(object_answers):
            entry: dict[str, Any] = {
                "acceptanceTime": "2026-01-01T00:00:00.000Z",
                "answerContent": answer.content,
                "submissionTime": f"2026-01-01T00:00:{second + 1:02d}.000Z",
                "workerId": answer.worker_id,
            }
            if answer.seconds is not None:
                entry["timeSpentInSeconds"] = answer.seconds
            (responses / f"2026-01-01_00:00:{second:02d}.json").write_bytes(
                orjson.dumps({"answers": [entry]})
            )
    return folder


def classification_job(root: Path) -> Path:
    """Four objects, three workers each (the figures are worked out in test_measures.py)."""
    lines = [
        classification_line("s3://b/0.jpg", "cat"),
        classification_line("s3://b/1.jpg", "dog"),
        classification_line("s3://b/2.jpg", "cat"),
        classification_line("s3://b/3.jpg", None),
    ]
    answers = [
        [Answer("w1", label("cat"), 2), Answer("w2", label("cat"), 3),
         Answer("w3", label("dog"), 1)],
        [Answer("w1", label("dog"), 4), Answer("w2", label("dog"), 5),
         Answer("w3", label("dog"), 1)],
        [Answer("w1", label("cat"), 6), Answer("w2", label("dog"), 7),
         Answer("w3", label("bird"), None)],
        [Answer("w1", label("cat"), 8), Answer("w2", label("cat"), 9),
         Answer("w3", label("cat"), 1)],
    ]
    return write_job(root, lines, answers)
