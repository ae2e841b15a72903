"""Measure ``airflow-gt workers`` on a big job: time and peak memory, from a local folder and S3.

    .venv/bin/python benchmarks/workers.py [--objects 20000] [--workers-per-object 3]
        [--team 50] [--s3-objects 2000]

Writes a job output folder in Ground Truth's layout into a temporary folder: an output manifest
of ``--objects`` image-classification lines and one worker-response file per answer
(``--workers-per-object`` answers per object, from a team of ``--team`` workers, each right with
their own probability, one of them planted at 0.4). Then runs the installed ``airflow-gt
workers`` on it as a separate process, best of three, and reports the wall time, the answers per
second and the peak memory of that process (``ru_maxrss`` of the children). Memory should not
grow with the number of objects beyond a few dozen bytes per object (each object's agreement is
kept for the report and the checks); the worker-response files are read one at a time.

Then the same over S3 on the local stand-in with ``--s3-objects`` objects (one GET per answer
file: what a real job's folder costs), copied there through a real boto3 client; and again with
30 ms added to every GetObject, about what a round trip to S3 costs, to show what reading
``CONCURRENT_READS`` files at once saves.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

SCRIPT = Path(sys.executable).parent / "airflow-gt"
CLASSES = ("car", "bus", "bike", "truck")
LATENCY_SECONDS = 0.03


def write_job(root: Path, objects: int, per_object: int, team: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    accuracy = {f"worker-{k:03d}": 0.85 + 0.14 * rng.random() for k in range(team)}
    accuracy["worker-000"] = 0.4  # the planted one
    names = sorted(accuracy)
    folder = root / "bench-job"
    manifest = folder / "manifests" / "output" / "output.manifest"
    manifest.parent.mkdir(parents=True)
    responses = folder / "annotations" / "worker-response" / "iteration-1"
    lines = []
    for index in range(objects):
        truth = rng.randrange(len(CLASSES))
        answers = []
        for worker in rng.sample(names, per_object):
            right = rng.random() < accuracy[worker]
            chosen = truth if right else rng.choice([c for c in range(len(CLASSES)) if c != truth])
            answers.append((worker, chosen))
        votes = [chosen for _, chosen in answers]
        label = max(set(votes), key=lambda c: (votes.count(c), c == truth))
        lines.append(orjson.dumps({
            "source-ref": f"s3://bench/images/{index:07d}.jpg", "vehicle": label,
            "vehicle-metadata": {"class-name": CLASSES[label], "confidence": 0.9,
                                 "type": "groundtruth/image-classification",
                                 "job-name": "bench-job", "human-annotated": "yes",
                                 "creation-date": "2026-01-01T00:00:00.000000"},
        }))
        folder_of_object = responses / str(index)
        folder_of_object.mkdir(parents=True)
        for second, (worker, chosen) in enumerate(answers):
            document = {"answers": [{
                "acceptanceTime": "2026-01-01T00:00:00.000Z",
                "answerContent": {"crowd-image-classifier": {"label": CLASSES[chosen]}},
                "submissionTime": f"2026-01-01T00:00:{second + 5:02d}.000Z",
                "timeSpentInSeconds": 5.0 + second, "workerId": worker,
            }]}
            (folder_of_object / f"2026-01-01_00:00:{second:02d}.json").write_bytes(
                orjson.dumps(document))
    manifest.write_bytes(b"\n".join(lines) + b"\n")
    return folder


def run_workers(source: str, env: dict[str, str] | None = None) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    result = subprocess.run(
        [str(SCRIPT), "workers", source, "--min-worker-accuracy", "0.7", "--min-tasks", "10",
         "--format", "json"], capture_output=True, text=True, env=env, timeout=3600,
    )
    seconds = time.perf_counter() - start
    if result.returncode not in (0, 1):
        sys.exit(f"airflow-gt workers failed: {result.stderr}")
    return seconds, orjson.loads(result.stdout)


def best_of_three(source: str, env: dict[str, str] | None = None) -> tuple[float, Any]:
    runs = [run_workers(source, env) for _ in range(3)]
    return min(seconds for seconds, _ in runs), runs[0][1]


def upload(folder: Path, endpoint: str) -> str:
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="bench", aws_secret_access_key="bench")
    s3.create_bucket(Bucket="bench")
    for path in folder.rglob("*"):
        if path.is_file():
            key = "output/" + path.relative_to(folder.parent).as_posix()
            s3.put_object(Bucket="bench", Key=key, Body=path.read_bytes())
    return "s3://bench/output/bench-job"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--workers-per-object", type=int, default=3)
    parser.add_argument("--team", type=int, default=50)
    parser.add_argument("--s3-objects", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="airflow-gt-bench-workers-") as tmp:
        start = time.perf_counter()
        folder = write_job(Path(tmp), args.objects, args.workers_per_object, args.team)
        answers = args.objects * args.workers_per_object
        print(f"wrote {args.objects:,} objects, {answers:,} worker-response files in "
              f"{time.perf_counter() - start:.1f} s")
        seconds, summary = best_of_three(str(folder))
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        flagged = [check["worker_id"] for check in summary["failed_checks"]]
        print(f"local folder: {seconds:.2f} s best of 3 ({answers / seconds:,.0f} answers/s), "
              f"peak {peak:.0f} MB; mean agreement {summary['mean_agreement']:.3f}, alpha "
              f"{summary['alpha']:.3f}; flagged {flagged}")

        from airflow_gt.local import LocalAws

        small = write_job(Path(tmp) / "small", args.s3_objects, args.workers_per_object,
                          args.team)
        with LocalAws(seed=1) as stand_in:
            source = upload(small, stand_in.endpoint_url)
            env = {**os.environ, "AWS_ENDPOINT_URL": stand_in.endpoint_url,
                   "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                   "AWS_DEFAULT_REGION": "us-east-1"}
            s3_seconds, _ = best_of_three(source, env)
            # What an S3 round trip costs from a worker in the same region: about 30 ms.
            stand_in.faults.set("GetObject", latency=LATENCY_SECONDS)
            slow_seconds, _ = best_of_three(source, env)
        s3_answers = args.s3_objects * args.workers_per_object
        print(f"S3 on the stand-in: {args.s3_objects:,} objects, {s3_answers:,} files: "
              f"{s3_seconds:.2f} s best of 3 ({s3_answers / s3_seconds:,.0f} answers/s); "
              f"with {LATENCY_SECONDS * 1000:.0f} ms per GetObject: {slow_seconds:.2f} s "
              f"({s3_answers / slow_seconds:,.0f} answers/s; one at a time would take at least "
              f"{s3_answers * LATENCY_SECONDS:.0f} s)")


if __name__ == "__main__":
    main()
