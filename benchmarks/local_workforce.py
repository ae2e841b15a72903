"""Measure the local stand-in on the machine's clock: a default job, then a big one.

    .venv/bin/python benchmarks/local_workforce.py [--objects 10000] [--workers 3]
        [--seconds-per-task 0.05] [--concurrency 5000]

First, a 20-object bounding-box job with 3 workers per object and the default workforce settings
(the target: Completed within 30 s of wall time). Then the throughput run: it starts the
stand-in on the machine's clock, writes an input manifest of ``--objects`` image
references (labeled from hashes of their sources, as any manifest the generator did not make),
creates a BoundingBox job with ``--workers`` workers per object through a real boto3 client, and
polls DescribeLabelingJob until the job ends. Reports the wall time from CreateLabelingJob to
``Completed``, the objects per second, and the number of files written; then checks that the
output manifest has one labeled line per input line and that there is one worker-response file
per answer. The target is under 20 s for 10,000 objects with 3 workers.

The simulated workers are made fast on purpose (``--seconds-per-task``): this measures what the
stand-in costs, not how long simulated people take. Exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from typing import Any

import boto3
import orjson

from airflow_gt.local import LocalAws
from airflow_gt.local.workforce import WorkforceConfig
from airflow_gt.manifests.job_types import built_in_task

TARGET_SECONDS = 20.0
DEFAULT_JOB_TARGET_SECONDS = 30.0
BUCKET = "benchmark-labeling"


def client(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="bench", aws_secret_access_key="bench")


def run_job(objects: int, workers: int, config: WorkforceConfig, concurrency: int | None,
            name: str) -> tuple[float, dict[str, object], int, int, int]:
    """Create a BoundingBox job on a fresh stand-in and wait for its end; returns the wall
    seconds, the last description, the files written, the worker responses, the labeled lines."""
    with LocalAws(seed=1, workforce=config) as stand_in:
        s3: Any = client("s3", stand_in.endpoint_url)
        sagemaker: Any = client("sagemaker", stand_in.endpoint_url)
        s3.create_bucket(Bucket=BUCKET)
        manifest = b"".join(
            orjson.dumps({"source-ref": f"s3://{BUCKET}/images/{i:06d}.jpg", "row": i}) + b"\n"
            for i in range(objects)
        )
        s3.put_object(Bucket=BUCKET, Key=f"{name}.manifest", Body=manifest)
        s3.put_object(Bucket=BUCKET, Key="categories.json",
                      Body=orjson.dumps({"document-version": "2018-11-28",
                                         "labels": [{"label": n} for n in ("car", "bus", "bike")]}))
        s3.put_object(Bucket=BUCKET, Key="ui.html", Body=b"<crowd-form/>")
        task = built_in_task("BoundingBox")
        human: dict[str, Any] = {
            "WorkteamArn": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/t",
            "UiConfig": {"UiTemplateS3Uri": f"s3://{BUCKET}/ui.html"},
            "PreHumanTaskLambdaArn": task.pre_lambda_arn("us-east-1"),
            "TaskTitle": "Boxes", "TaskDescription": "Draw boxes",
            "NumberOfHumanWorkersPerDataObject": workers,
            "TaskTimeLimitInSeconds": 300,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": task.acs_lambda_arn("us-east-1")},
        }
        if concurrency is not None:
            human["MaxConcurrentTaskCount"] = concurrency
        started = time.perf_counter()
        sagemaker.create_labeling_job(
            LabelingJobName=name,
            LabelAttributeName="vehicles",
            InputConfig={"DataSource": {"S3DataSource": {
                "ManifestS3Uri": f"s3://{BUCKET}/{name}.manifest"}}},
            OutputConfig={"S3OutputPath": f"s3://{BUCKET}/output"},
            RoleArn="arn:aws:iam::123456789012:role/GroundTruth",
            LabelCategoryConfigS3Uri=f"s3://{BUCKET}/categories.json",
            HumanTaskConfig=human,
        )
        while True:
            described = sagemaker.describe_labeling_job(LabelingJobName=name)
            if described["LabelingJobStatus"] in ("Completed", "Failed", "Stopped"):
                break
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        files = stand_in.context.s3.keys(BUCKET, f"output/{name}/")
        responses = sum("/worker-response/" in key for key in files)
        output = stand_in.context.s3.get(
            BUCKET, f"output/{name}/manifests/output/output.manifest") or b""
        labeled = sum(b'"vehicles":' in line for line in output.splitlines())
    return elapsed, described, len(files), responses, labeled


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seconds-per-task", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=5000)
    args = parser.parse_args()
    ok = True

    elapsed, described, _, _, labeled = run_job(20, 3, WorkforceConfig(), None, "default-job")
    print(f"default settings, 20 objects x 3 workers: {described['LabelingJobStatus']} after "
          f"{elapsed:.2f} s wall (target: within {DEFAULT_JOB_TARGET_SECONDS:.0f} s)")
    if described["LabelingJobStatus"] != "Completed" or elapsed > DEFAULT_JOB_TARGET_SECONDS:
        print("MISSED: the default job did not complete in time")
        ok = False

    config = replace(WorkforceConfig(), seconds_per_task=args.seconds_per_task,
                     initializing_seconds=0.5)
    elapsed, described, files, responses, labeled = run_job(
        args.objects, args.workers, config, args.concurrency, "benchmark-boxes")
    print(f"status: {described['LabelingJobStatus']}  counters: {described['LabelCounters']}")
    print(f"objects: {args.objects}  workers per object: {args.workers}  "
          f"simulated seconds per task: {args.seconds_per_task}  concurrency: {args.concurrency}")
    print(f"create -> {described['LabelingJobStatus']}: {elapsed:.2f} s wall "
          f"({args.objects / elapsed:,.0f} objects/s)")
    print(f"files written: {files} ({responses} worker responses); output lines labeled: {labeled}")
    if not (described["LabelingJobStatus"] == "Completed" and labeled == args.objects
            and responses == args.objects * args.workers):
        print("FAILED: the job did not label every object with every answer")
        return 1
    if args.objects >= 10_000 and elapsed > TARGET_SECONDS:
        print(f"MISSED: target is under {TARGET_SECONDS:.0f} s")
        ok = False
    else:
        print(f"target: under {TARGET_SECONDS:.0f} s for 10,000 objects -- met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
