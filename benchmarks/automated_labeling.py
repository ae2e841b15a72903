"""Measure an automated-labeling job on the stand-in, on the machine's clock.

    .venv/bin/python benchmarks/automated_labeling.py [--objects 1250] [--batch 200]
        [--workers 3] [--seconds-per-task 0]

Starts the stand-in on the machine's clock with the simulated workers at their fastest
(``--seconds-per-task 0``, the smallest value ``airflow-gt local --seconds-per-task`` and
``WorkforceConfig`` allow; the other settings at their defaults: 2 s initializing, 3 s per model
step), writes an input manifest of AWS's minimum of 1,250 image references (labeled from hashes
of their sources), creates an ImageMultiClass job with the image-classification algorithm and
``MaxConcurrentTaskCount`` ``--batch`` through a real boto3 client, and polls
DescribeLabelingJob every 0.1 s until the job ends. Prints the wall time from CreateLabelingJob to
``Completed``, the label counters, the iterations and the final model; exits 1 unless the job
completed with ``MachineLabeled`` equal to the output's ``"human-annotated": "no"`` lines and
above 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from typing import Any

import boto3
import orjson

from airflow_gt.local import LocalAws, WorkforceConfig
from airflow_gt.manifests.auto_labeling import MINIMUM_OBJECTS, algorithm_arn
from airflow_gt.manifests.job_types import built_in_task

BUCKET = "benchmark-auto-labeling"
NAME = "auto-labeling-benchmark"


def client(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="bench", aws_secret_access_key="bench")


def request(objects: int, batch: int, workers: int) -> dict[str, Any]:
    task = built_in_task("ImageMultiClass")
    return {
        "LabelingJobName": NAME,
        "LabelAttributeName": "vehicle",
        "InputConfig": {"DataSource": {"S3DataSource": {
            "ManifestS3Uri": f"s3://{BUCKET}/photos.manifest"}}},
        "OutputConfig": {"S3OutputPath": f"s3://{BUCKET}/output"},
        "RoleArn": "arn:aws:iam::123456789012:role/GroundTruth",
        "LabelCategoryConfigS3Uri": f"s3://{BUCKET}/categories.json",
        "HumanTaskConfig": {
            "WorkteamArn": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/t",
            "UiConfig": {"UiTemplateS3Uri": f"s3://{BUCKET}/ui.html"},
            "PreHumanTaskLambdaArn": task.pre_lambda_arn("us-east-1"),
            "TaskTitle": "Vehicles", "TaskDescription": "Choose the vehicle",
            "NumberOfHumanWorkersPerDataObject": workers,
            "TaskTimeLimitInSeconds": 300,
            "MaxConcurrentTaskCount": batch,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": task.acs_lambda_arn("us-east-1")},
        },
        "LabelingJobAlgorithmsConfig": {
            "LabelingJobAlgorithmSpecificationArn": algorithm_arn(task, "us-east-1")},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=MINIMUM_OBJECTS)
    parser.add_argument("--batch", type=int, default=200, help="MaxConcurrentTaskCount")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seconds-per-task", type=float, default=0.0)
    args = parser.parse_args()
    config = WorkforceConfig(seconds_per_task=args.seconds_per_task)
    with LocalAws(seed=1, workforce=config) as stand_in:
        s3: Any = client("s3", stand_in.endpoint_url)
        sagemaker: Any = client("sagemaker", stand_in.endpoint_url)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="photos.manifest", Body=b"".join(
            orjson.dumps({"source-ref": f"s3://{BUCKET}/photos/{i:06d}.jpg"}) + b"\n"
            for i in range(args.objects)))
        s3.put_object(Bucket=BUCKET, Key="categories.json", Body=orjson.dumps(
            {"document-version": "2018-11-28",
             "labels": [{"label": n} for n in ("car", "bus", "bike", "truck")]}))
        s3.put_object(Bucket=BUCKET, Key="ui.html", Body=b"<crowd-form/>")
        started = time.perf_counter()
        sagemaker.create_labeling_job(**request(args.objects, args.batch, args.workers))
        while True:
            described = sagemaker.describe_labeling_job(LabelingJobName=NAME)
            if described["LabelingJobStatus"] in ("Completed", "Failed", "Stopped"):
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        counters = described["LabelCounters"]
        output = described.get("LabelingJobOutput", {})
        lines = []
        if "OutputDatasetS3Uri" in output:
            key = output["OutputDatasetS3Uri"].split("/", 3)[3]
            body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            lines = [orjson.loads(line) for line in body.splitlines()]
        by = Counter(line["vehicle-metadata"]["human-annotated"] for line in lines)
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket=BUCKET, Prefix=f"output/{NAME}/annotations/intermediate/", Delimiter="/")
        iterations = sum(len(page.get("CommonPrefixes", [])) for page in pages)
    print(f"{args.objects} objects, MaxConcurrentTaskCount {args.batch}, {args.workers} workers "
          f"per object, seconds_per_task {args.seconds_per_task:g}")
    print(f"{described['LabelingJobStatus']} in {seconds:.2f} s of wall time, "
          f"{iterations} iterations")
    print(f"LabelCounters: {counters}")
    print(f"output lines: {by['yes']} human-annotated yes, {by['no']} no")
    print(f"FinalActiveLearningModelArn: {output.get('FinalActiveLearningModelArn')}")
    ok = (described["LabelingJobStatus"] == "Completed"
          and counters["MachineLabeled"] == by["no"] > 0)  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
