"""``make demo``: both example DAGs, end to end, on the local stand-in, with a readable summary.

1. The stand-in (S3, SNS, Ground Truth, Rekognition) starts in this process on a free port, with a
   fast simulated workforce and adapters that train in seconds.
2. It is seeded with what the DAGs' default parameters name: shapes to box in bucket ``labeling``,
   moderation images in bucket ``moderation``, worker templates and the alert topics.
3. ``airflow dags test`` runs ``chained_labeling`` then ``moderation_adapter`` under a throw-away
   AIRFLOW_HOME, with ``dags/`` as the DAGs folder and ``aws_default`` pointing at the stand-in.
4. The summary says which labeling jobs ran and what they labeled, what validation found, how the
   workers of the first job did (the stand-in's work team has a planted poor worker, ``dot``),
   the adapter's F1 against the base model's and the gate's verdict; the manifests, reports and
   plot are copied into ``demo-output/``.

The stand-in and the throw-away Airflow home go away when the demo ends, also when it fails.
Exits 0 when both DAG runs succeed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

from airflow_gt.local import AdapterTrainingConfig, LocalAws, WorkerSkill, WorkforceConfig
from airflow_gt.local.datasets import generate_image_dataset, generate_moderation_dataset

ROOT = Path(__file__).resolve().parent.parent
DAGS = ROOT / "dags"
OUTPUT = ROOT / "demo-output"
AIRFLOW = str(Path(sys.executable).parent / "airflow")
LABELING, MODERATION = "labeling", "moderation"
TEMPLATE = b"<crowd-form></crowd-form>"
# What is worth keeping from each bucket: manifests, validation and evaluation reports, the plot.
KEPT_SUFFIXES = (".manifest", "validation-report.json", "validation-report.html",
                 "workforce-report.json", "workforce-report.html", ".txt", ".png")
WORKERS = {"ana": 0.97, "ben": 0.95, "cai": 0.93, "dot": 0.1}
"""The simulated work team: three good workers and ``dot``, who is right 10% of the time."""


def client(service: str, endpoint_url: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint_url, region_name="us-east-1",
                        aws_access_key_id="demo", aws_secret_access_key="demo")


def seed(endpoint_url: str) -> None:
    """Write what the DAGs' default parameters name."""
    s3, sns = client("s3", endpoint_url), client("sns", endpoint_url)
    for bucket in (LABELING, MODERATION):
        s3.create_bucket(Bucket=bucket)
    generate_image_dataset(s3, f"s3://{LABELING}/shapes", count=24, seed=5)
    for name in ("bounding-box", "verification", "adjustment"):
        s3.put_object(Bucket=LABELING, Key=f"templates/{name}.liquid.html", Body=TEMPLATE)
    generate_moderation_dataset(s3, f"s3://{MODERATION}/images", count=60, seed=2)
    s3.put_object(Bucket=MODERATION, Key="templates/multilabel.liquid.html", Body=TEMPLATE)
    for topic in ("labeling-data-quality", "moderation-alerts"):
        sns.create_topic(Name=topic)


def airflow_env(home: str, endpoint_url: str) -> dict[str, str]:
    connection = {"conn_type": "aws", "login": "demo", "password": "demo",
                  "extra": {"endpoint_url": endpoint_url, "region_name": "us-east-1"}}
    return {
        **os.environ,
        "AIRFLOW_HOME": home,
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(connection),
        "CHAINED_LABELING_POLL_SECONDS": "1",
        "MODERATION_ADAPTER_POLL_SECONDS": "1",
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def run_dag(dag_id: str, env: dict[str, str], log: Path) -> bool:
    """Run one DAG with ``airflow dags test``; its whole output goes to ``log``."""
    print(f"running {dag_id} ...", flush=True)
    start = time.monotonic()
    result = subprocess.run(
        [AIRFLOW, "dags", "test", dag_id],
        env=env, capture_output=True, text=True, timeout=900,
    )
    log.write_text(result.stdout + result.stderr)
    passed = result.returncode == 0
    print(f"  {'succeeded' if passed else 'FAILED'} in {time.monotonic() - start:.0f} s "
          f"(log: {log.relative_to(ROOT)})", flush=True)
    if not passed:
        print((result.stdout + result.stderr)[-3000:])
    return passed


def keys(s3: Any, bucket: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def body(s3: Any, bucket: str, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def copy_outputs(s3: Any) -> int:
    """Copy the manifests, reports and plot of both buckets into demo-output/<bucket>/<key>."""
    copied = 0
    for bucket in (LABELING, MODERATION):
        for key in keys(s3, bucket):
            if key.startswith(("shapes/", "images/", ".")) or not key.endswith(KEPT_SUFFIXES):
                continue  # the seeded inputs and the stand-in's own records
            target = OUTPUT / bucket / key
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body(s3, bucket, key))
            copied += 1
    return copied


def job_lines(sagemaker: Any) -> list[str]:
    lines = []
    for page in sagemaker.get_paginator("list_labeling_jobs").paginate(SortBy="CreationTime",
                                                                       SortOrder="Ascending"):
        for summary in page["LabelingJobSummaryList"]:
            job = sagemaker.describe_labeling_job(LabelingJobName=summary["LabelingJobName"])
            counts = job["LabelCounters"]
            lines.append(
                f"  {job['LabelingJobName']:<52} {job['LabelingJobStatus']:<10} "
                f"labeled {counts['TotalLabeled']:>3}, failed {counts['FailedNonRetryableError']}"
                f", unlabeled {counts['Unlabeled']}"
            )
    return lines


def validation_lines(s3: Any) -> list[str]:
    lines = []
    for bucket in (LABELING, MODERATION):
        for key in keys(s3, bucket):
            if not key.endswith("validation-report.json"):
                continue
            report = json.loads(body(s3, bucket, key))
            failed = report.get("failed_expectations", [])
            verdict = "passed" if report["success"] else f"FAILED {len(failed)} expectations"
            lines.append(f"  s3://{bucket}/{key.removesuffix('/validation-report.json')}: "
                         f"{report['job_type']}, {report['objects']} lines, {verdict}")
    return lines


def workforce_lines(s3: Any) -> list[str]:
    """Each workforce report: the job's figures and the per-worker table."""
    lines = []
    for key in keys(s3, LABELING):
        if not key.endswith("workforce-report.json"):
            continue
        report = json.loads(body(s3, LABELING, key))
        verdict = "passed" if report["success"] else "FAILED"
        lines += [
            f"  s3://{LABELING}/{key}: {report['job_type']}, {report['objects']} objects, "
            f"{report['answers']} answers, mean agreement {report['mean_agreement']:.3f}, "
            f"{verdict}",
            f"    {'worker':<8} {'tasks':>5} {'judged':>6} {'accuracy':>8} {'mean s':>7}",
        ]
        flagged = {check.get("worker_id") for check in report["failed_checks"]}
        for worker in report["per_worker"]:
            accuracy = worker["accuracy"]
            lines.append(
                f"    {worker['worker_id']:<8} {worker['tasks']:>5} {worker['judged']:>6} "
                f"{'n/a' if accuracy is None else f'{accuracy:.3f}':>8} "
                f"{worker['mean_seconds']:>7.2f}"
                + ("  FLAGGED" if worker["worker_id"] in flagged else "")
            )
        threshold = report["thresholds"]["min_worker_accuracy"]
        lines.append(f"    (flagged: accuracy below {threshold}; workers with fewer than "
                     f"{report['thresholds']['min_tasks']} tasks are not judged)")
    return lines


def adapter_lines(s3: Any, rekognition: Any) -> list[str]:
    from airflow_gt.evaluation import evaluate, read_evaluation_results

    lines = []
    projects = rekognition.describe_projects(Features=["CONTENT_MODERATION"])
    for project in projects["ProjectDescriptions"]:
        versions = rekognition.describe_project_versions(ProjectArn=project["ProjectArn"])
        for version in versions["ProjectVersionDescriptions"]:
            name = version["ProjectVersionArn"].split("/version/")[1].split("/")[0]
            lines.append(f"  {name}: {version['Status']}")
            location = version.get("EvaluationResult", {}).get("Summary", {}).get("S3Object")
            if not location:
                continue
            uri = f"s3://{location['Bucket']}/{location['Name']}"
            evaluation = evaluate(read_evaluation_results(uri, s3_client=s3))
            summary = evaluation.summary()
            lines.append(
                f"    at threshold {summary['threshold']:g}: adapter F1 "
                f"{summary['adapter']['f1']:.3f}, base model F1 {summary['base_model']['f1']:.3f}"
                f"; best threshold {summary['best_threshold']['threshold']:g} "
                f"(F1 {summary['best_threshold']['f1']:.3f})"
            )
            report_key = location["Name"].removesuffix(".json") + ".txt"
            if report_key in keys(s3, location["Bucket"]):
                report = body(s3, location["Bucket"], report_key).decode()
                gates = [line.strip() for line in report.splitlines()
                         if line.strip().startswith(("passed ", "FAILED ", "failed "))]
                lines += [f"    gate {gate}" for gate in gates]
                verdict = report.strip().splitlines()[-1].removeprefix("result:").strip()
                lines.append(f"    the gate's verdict: {verdict}")
    return lines


def summarize(endpoint_url: str, copied: int) -> None:
    s3 = client("s3", endpoint_url)
    sections = [
        ("Labeling jobs", job_lines(client("sagemaker", endpoint_url))),
        ("Validation", validation_lines(s3)),
        ("Workforce of the first job", workforce_lines(s3)),
        ("Moderation adapter", adapter_lines(s3, client("rekognition", endpoint_url))),
    ]
    print()
    for title, lines in sections:
        print(title)
        print("\n".join(lines) if lines else "  (none)")
    print(f"\n{copied} files (manifests, reports, plot) in {OUTPUT.relative_to(ROOT)}/")


def main() -> int:
    workforce = WorkforceConfig(seconds_per_task=0.01, initializing_seconds=0.2,
                                stopping_seconds=0.1,
                                skill=WorkerSkill(accuracy=0.95, box_jitter=0.05))
    shutil.rmtree(OUTPUT, ignore_errors=True)
    OUTPUT.mkdir()
    start = time.monotonic()
    with LocalAws(seed=5, workforce=workforce, workers=WORKERS,
                  training=AdapterTrainingConfig(training_seconds=3.0)) as aws, \
            tempfile.TemporaryDirectory(prefix="airflow-gt-demo-") as home:
        print(f"local stand-in on {aws.endpoint_url}; seeding images ...", flush=True)
        seed(aws.endpoint_url)
        env = airflow_env(home, aws.endpoint_url)
        print("preparing a throw-away Airflow database ...", flush=True)
        # Airflow 3.0's `dags test` runs only DAGs already serialized in the database.
        for command in (["db", "migrate"], ["dags", "reserialize"]):
            subprocess.run([AIRFLOW, *command], env=env, capture_output=True, check=True,
                           timeout=600)
        results = [run_dag(dag_id, env, OUTPUT / f"{dag_id}.log")
                   for dag_id in ("chained_labeling", "moderation_adapter")]
        summarize(aws.endpoint_url, copy_outputs(client("s3", aws.endpoint_url)))
    print(f"\ndemo {'succeeded' if all(results) else 'FAILED'} in "
          f"{time.monotonic() - start:.0f} s")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
