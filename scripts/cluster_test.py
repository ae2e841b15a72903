"""``make cluster-test``: both example DAGs on a real Airflow cluster, killed as clusters are.

The cluster is docker-compose.yml's, run as processes (``process_cluster.py``): the CeleryExecutor
on the machine's Redis, the metadata database in a fresh schema of the machine's PostgreSQL
(database ``test``), the api-server, scheduler, dag-processor, triggerer and one Celery worker,
and the local stand-in. Then:

1. Both DAGs are unpaused and triggered. ``chained_labeling``'s labeling tasks wait in the
   triggerer (deferrable); ``moderation_adapter``'s labeling and training tasks wait in the worker
   (``MODERATION_ADAPTER_DEFERRABLE=false``).
2. While they run: the triggerer is SIGKILLed while ``label_boxes``'s trigger runs in it, and
   restarted; the Celery worker is SIGKILLed while ``label_images`` waits in it, and restarted
   (the scheduler finds the task's heartbeat gone and retries it); the scheduler is SIGKILLed
   while ``train_adapter`` waits in the worker, and restarted. A kill reaches the process's whole
   group (a worker's task processes, the triggerer's trigger runner), as when its machine dies.
3. Checked: both runs succeeded; exactly one labeling job per labeling task that ran, each
   Completed (ListLabelingJobs); exactly one adapter version, trained (DescribeProjectVersions);
   every output manifest, validation report, moderation manifest and evaluation report in S3.

Every wait is bounded. Every process is stopped by its process group at the end, also on failure
or interruption, and the schema is dropped. The timeline (each kill, each resumption) is printed
and written with every process's log to build/cluster-test/. Exits 0 when every check held.

Settings here that the compose file does not have (TEST_SETTINGS) only make the test quicker:
fast polls, short retry delays and heartbeat timeouts, a quick simulated workforce.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FrameType
from typing import Any

import psycopg2
import redis
from demo import LABELING, MODERATION, client, seed
from process_cluster import (
    ROOT,
    STAND_IN_SERVICE,
    Ports,
    Process,
    ProcessCluster,
    describe,
    http_ok,
    wait_until,
)

OUT = ROOT / "build" / "cluster-test"
CHAINED, MODERATION_DAG = "chained_labeling", "moderation_adapter"
LABELING_TASKS = {CHAINED: ("label_boxes", "verify_boxes", "adjust_boxes"),
                  MODERATION_DAG: ("label_images",)}
VALIDATE_TASKS = {CHAINED: ("validate_boxes", "validate_merged"),
                  MODERATION_DAG: ("validate_labels", "validate_moderation")}
FINISHED = {"success", "failed"}
# The whole scenario, from the first start to both runs finished.
DEADLINE_SECONDS = 20 * 60
REDIS_DATABASE = int(os.environ.get("AIRFLOW_GT_CLUSTER_REDIS_DB", "15"))
TEST_SETTINGS = {
    "CHAINED_LABELING_POLL_SECONDS": "2",
    "MODERATION_ADAPTER_POLL_SECONDS": "2",
    "MODERATION_ADAPTER_DEFERRABLE": "false",
    # A retry 5 s after a failure, not 5 min.
    "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "5",
    # A task whose worker died is failed (and retried) 30 s after its last heartbeat, not 5 min.
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
    # A dead triggerer's triggers move to a live one after 15 s without its heartbeat, not 30.
    "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "15",
    "AIRFLOW__CELERY__WORKER_CONCURRENCY": "8",
}
# The simulated workforce answers in about 20 s per job and an adapter trains in 40 s, so each
# kill lands while something waits.
STAND_IN_ARGUMENTS = ("--seconds-per-task", "8",
                      "--training-seconds", "40")


class Timeline:
    """What happened when, in seconds from the start, printed as it happens."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.events: list[tuple[float, str]] = []

    def __call__(self, text: str) -> None:
        at = time.monotonic() - self.start
        self.events.append((round(at, 1), text))
        print(f"[{at:6.1f} s] {text}", flush=True)


@dataclass
class TaskState:
    state: str | None
    try_number: int
    start_date: datetime | None
    triggerer_id: int | None

    def running_for(self) -> float:
        if self.state != "running" or self.start_date is None:
            return 0.0
        return (datetime.now(UTC) - self.start_date).total_seconds()


@dataclass
class Watch:
    """Something to note in the timeline the first time it is seen."""

    what: Callable[[dict[tuple[str, str], TaskState]], str | None]
    seen: str | None = None


@dataclass
class Cluster:
    """The running processes, the database schema and the checks' connection."""

    description: ProcessCluster
    timeline: Timeline
    processes: dict[str, Process] = field(default_factory=dict)
    watches: list[Watch] = field(default_factory=list)
    database: Any = None

    # -- processes -------------------------------------------------------------------------
    def start(self, name: str) -> None:
        process = self.processes.get(name)
        if process is None:
            argv = self.description.services[name]
            if name == STAND_IN_SERVICE:
                argv = (*argv, *STAND_IN_ARGUMENTS)
            process = Process(name, argv, self.description.environment, OUT / f"{name}.log")
            self.processes[name] = process
        process.start()
        self.timeline(f"started {name} (pid {process.pid})")

    def kill_and_restart(self, name: str) -> None:
        process = self.processes[name]
        pid = process.pid
        process.kill()
        self.timeline(f"SIGKILL {name} (process group {pid})")
        time.sleep(2)
        self.start(name)

    def stop_all(self) -> list[str]:
        """Stop every process by its group; the groups still alive afterwards."""
        left = []
        for name, process in reversed(list(self.processes.items())):
            process.stop()
            with suppress(ProcessLookupError):
                if process.pid is not None:
                    os.killpg(process.pid, 0)
                    left.append(name)
        return left

    # -- the database ----------------------------------------------------------------------
    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with self.database.cursor() as cursor:
            cursor.execute(sql, args)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows

    def tasks(self) -> dict[tuple[str, str], TaskState]:
        rows = self.query(
            "SELECT ti.dag_id, ti.task_id, ti.state, ti.try_number, ti.start_date, "
            "t.triggerer_id FROM task_instance ti LEFT JOIN trigger t ON t.id = ti.trigger_id"
        )
        return {(dag, task): TaskState(state, tries, start, triggerer)
                for dag, task, state, tries, start, triggerer in rows}

    def runs(self) -> list[tuple[str, str, str]]:
        return [(dag, run, state) for dag, run, state in
                self.query("SELECT dag_id, run_id, state FROM dag_run ORDER BY dag_id")]

    def wait_for(self, what: str, ready: Callable[[dict[tuple[str, str], TaskState]], bool],
                 timeout: float) -> dict[tuple[str, str], TaskState]:
        """Poll the task instances until ``ready``, noting every watch seen on the way."""
        deadline = time.monotonic() + timeout
        while True:
            tasks = self.tasks()
            for watch in self.watches:
                if watch.seen is None and (note := watch.what(tasks)):
                    watch.seen = note
                    self.timeline(note)
            if ready(tasks):
                return tasks
            for name, process in self.processes.items():
                if not process.running():
                    raise RuntimeError(f"{name} exited unexpectedly:\n{process.tail()}")
            if time.monotonic() > deadline:
                states = {f"{dag}.{task}": (s.state, s.try_number)
                          for (dag, task), s in sorted(tasks.items())}
                raise TimeoutError(f"{what}: not after {timeout:.0f} s; tasks: {states}")
            time.sleep(0.5)

    def airflow(self, *command: str) -> str:
        result = subprocess.run([self.description.services["airflow-scheduler"][0], *command],
                                env=self.description.environment, capture_output=True,
                                text=True, timeout=180)
        if result.returncode:
            raise RuntimeError(f"airflow {' '.join(command)}: {result.stderr[-3000:]}")
        return result.stdout


@contextmanager
def fresh_schema(role: str) -> Iterator[None]:
    """A role and the schema of its name in database ``test``; dropped afterwards."""
    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="test")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" LOGIN')
        cursor.execute(f'CREATE SCHEMA "{role}" AUTHORIZATION "{role}"')
    try:
        yield
    finally:
        if os.environ.get("AIRFLOW_GT_CLUSTER_KEEP_SCHEMA") != "1":
            with admin.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA "{role}" CASCADE')
                cursor.execute(f'DROP OWNED BY "{role}"')
                cursor.execute(f'DROP ROLE "{role}"')
        admin.close()


def interrupted(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(f"cluster test: stopped by signal {signum}")


def main() -> int:
    signal.signal(signal.SIGTERM, interrupted)
    shutil.rmtree(OUT, ignore_errors=True)
    (OUT / "home").mkdir(parents=True)
    role = f"airflow_gt_cluster_{datetime.now(UTC):%Y%m%d%H%M%S}_{os.getpid()}"
    description = describe(OUT / "home", Ports.free(), role, REDIS_DATABASE)
    description.environment.update(TEST_SETTINGS)
    timeline = Timeline()
    cluster = Cluster(description, timeline)
    failures: list[str] = []
    print(f"cluster test: schema {role} in database test, Redis database {REDIS_DATABASE}, "
          f"logs in {OUT.relative_to(ROOT)}/", flush=True)
    try:
        with fresh_schema(role):
            redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DATABASE).flushdb()
            try:
                failures = run(cluster)
            except (RuntimeError, TimeoutError, subprocess.SubprocessError) as error:
                failures = [f"the scenario stopped: {error}"]
            finally:
                if cluster.database is not None:
                    cluster.database.close()
                left = cluster.stop_all()
                timeline(f"stopped every process{f'; still alive: {left}' if left else ''}")
                if left:
                    failures.append(f"process groups still alive after the stop: {left}")
    finally:
        (OUT / "timeline.json").write_text(json.dumps(timeline.events, indent=1))
    if failures:
        for name, process in cluster.processes.items():
            print(f"\n--- the end of {name}'s log ---\n{process.tail(30)}")
    print("\ncluster test: " + ("FAILED:\n  " + "\n  ".join(failures) if failures else
                                "every check held") +
          f" ({time.monotonic() - timeline.start:.0f} s)", flush=True)
    return 1 if failures else 0


def run(cluster: Cluster) -> list[str]:
    """Start the cluster, run the scenario, return the checks that failed."""
    description, timeline = cluster.description, cluster.timeline
    cluster.start(STAND_IN_SERVICE)
    wait_until("the stand-in", lambda: http_ok(f"{description.stand_in_url}/moto-api/"), 60)
    seed(description.stand_in_url)
    timeline("the stand-in is seeded (images, templates, topics)")
    for command in description.init_commands:
        subprocess.run(command, env=description.environment, check=True, timeout=300,
                       stdout=(OUT / "airflow-init.log").open("a"), stderr=subprocess.STDOUT)
    timeline("airflow-init: database migrated, admin user created")
    cluster.database = psycopg2.connect(host="127.0.0.1", port=5432, user=description.database_role,
                                        dbname="test")
    cluster.database.autocommit = True
    for name in description.services:  # every service of the compose file, as it says
        if name != STAND_IN_SERVICE:
            cluster.start(name)
    wait_until("the api-server's health", lambda: http_ok(
        f"{description.api_url}/api/v2/monitor/health"), 120)
    wait_until("both DAGs parsed", lambda: len(cluster.query(
        "SELECT dag_id FROM serialized_dag WHERE dag_id IN (%s, %s)", CHAINED, MODERATION_DAG
    )) >= 2, 180)
    timeline("the api-server answers and both DAGs are parsed")
    for dag in (CHAINED, MODERATION_DAG):
        cluster.airflow("dags", "unpause", dag)
        cluster.airflow("dags", "trigger", dag)
    timeline(f"triggered {CHAINED} and {MODERATION_DAG}")
    scenario(cluster)
    return checks(cluster)


def task(dag: str, name: str) -> Callable[[dict[tuple[str, str], TaskState]], TaskState]:
    return lambda tasks: tasks.get((dag, name), TaskState(None, 0, None, None))


def scenario(cluster: Cluster) -> None:
    label_boxes = task(CHAINED, "label_boxes")
    label_images = task(MODERATION_DAG, "label_images")
    train_adapter = task(MODERATION_DAG, "train_adapter")

    # 1. The triggerer dies while label_boxes's trigger runs in it.
    tasks = cluster.wait_for(
        "label_boxes deferred, its trigger running in the triggerer",
        lambda t: label_boxes(t).state == "deferred" and label_boxes(t).triggerer_id is not None,
        300,
    )
    first_triggerer = label_boxes(tasks).triggerer_id
    cluster.timeline(f"label_boxes is deferred; its trigger runs in triggerer job "
                     f"{first_triggerer}")
    time.sleep(3)
    cluster.kill_and_restart("airflow-triggerer")
    cluster.watches += [
        Watch(lambda t: f"label_boxes's trigger picked up by triggerer job "
              f"{label_boxes(t).triggerer_id}" if label_boxes(t).triggerer_id not in
              (None, first_triggerer) else None),
        Watch(lambda t: f"label_boxes resumed from the triggerer ({label_boxes(t).state})"
              if label_boxes(t).state not in ("deferred", None) else None),
    ]

    # 2. The worker dies while label_images waits in it.
    tasks = cluster.wait_for(
        "label_images waiting in the worker for 5 s",
        lambda t: label_images(t).running_for() >= 5, 300,
    )
    killed_try = label_images(tasks).try_number
    cluster.timeline(f"label_images try {killed_try} waits in the worker")
    cluster.kill_and_restart("airflow-worker")
    cluster.watches += [
        Watch(lambda t: f"label_images try {killed_try}: heartbeat timed out, "
              f"{label_images(t).state}" if label_images(t).state in ("up_for_retry", "failed")
              and label_images(t).try_number == killed_try else None),
        Watch(lambda t: f"label_images try {label_images(t).try_number} running on the "
              "restarted worker" if label_images(t).try_number > killed_try
              and label_images(t).state == "running" else None),
        Watch(lambda t: f"label_images {label_images(t).state}"
              if label_images(t).state in FINISHED else None),
    ]

    # 3. The scheduler dies while train_adapter waits in the worker.
    cluster.wait_for("train_adapter waiting in the worker for 3 s",
                     lambda t: train_adapter(t).running_for() >= 3, 600)
    cluster.timeline("train_adapter waits in the worker")
    cluster.kill_and_restart("airflow-scheduler")
    cluster.watches.append(Watch(
        lambda t: f"train_adapter {train_adapter(t).state} after the scheduler's restart"
        if train_adapter(t).state in FINISHED else None))

    remaining = DEADLINE_SECONDS - (time.monotonic() - cluster.timeline.start)
    cluster.wait_for("both runs finished", lambda t: len(cluster.runs()) >= 2 and all(
        state in FINISHED for _, _, state in cluster.runs()), max(remaining, 60))
    for dag, run_id, state in cluster.runs():
        cluster.timeline(f"{dag} {run_id}: {state}")


def checks(cluster: Cluster) -> list[str]:
    """What must hold after the scenario; each failure as a line."""
    failures: list[str] = []

    def check(ok: bool, what: str) -> None:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}", flush=True)
        if not ok:
            failures.append(what)

    print("\nchecks:", flush=True)
    runs = cluster.runs()
    check(sorted(dag for dag, _, _ in runs) == [CHAINED, MODERATION_DAG],
          f"one run of each DAG: {runs}")
    check(all(state == "success" for _, _, state in runs), "every run succeeded")
    tasks = cluster.tasks()
    unfinished = {f"{d}.{t}": s.state for (d, t), s in tasks.items()
                  if s.state not in ("success", "skipped")}
    check(not unfinished, f"every task succeeded or was skipped: {unfinished or 'yes'}")

    url = cluster.description.stand_in_url
    s3, sagemaker = client("s3", url), client("sagemaker", url)
    jobs = [summary["LabelingJobName"]
            for page in sagemaker.get_paginator("list_labeling_jobs").paginate()
            for summary in page["LabelingJobSummaryList"]]
    for dag, names in LABELING_TASKS.items():
        for name in names:
            prefix = f"{dag}-{name}-".replace("_", "-")
            mine = [job for job in jobs if job.startswith(prefix)]
            ran = tasks.get((dag, name), TaskState(None, 0, None, None)).state == "success"
            check(len(mine) == (1 if ran else 0),
                  f"{dag}.{name}: {len(mine)} labeling job(s) {mine}, expected {int(ran)}")
    check(len(jobs) == sum(1 for dag, names in LABELING_TASKS.items() for name in names
                           if tasks.get((dag, name)) and tasks[(dag, name)].state == "success"),
          f"no other labeling job: {len(jobs)} in all")
    for job in jobs:
        described = sagemaker.describe_labeling_job(LabelingJobName=job)
        output = described.get("LabelingJobOutput", {}).get("OutputDatasetS3Uri", "")
        check(described["LabelingJobStatus"] == "Completed" and exists(s3, output),
              f"{job}: {described['LabelingJobStatus']}, output manifest {output}")

    rekognition = client("rekognition", url)
    projects = rekognition.describe_projects(Features=["CONTENT_MODERATION"])
    versions = [version for project in projects["ProjectDescriptions"]
                for version in rekognition.describe_project_versions(
                    ProjectArn=project["ProjectArn"])["ProjectVersionDescriptions"]]
    check(len(versions) == 1 and versions[0]["Status"] == "TRAINING_COMPLETED",
          f"one adapter version, trained: {[v['Status'] for v in versions]}")
    for version in versions:
        evaluation = version.get("EvaluationResult", {}).get("Summary", {}).get("S3Object", {})
        base = f"s3://{evaluation.get('Bucket')}/{evaluation.get('Name', '').removesuffix('.json')}"
        check(all(exists(s3, base + suffix) for suffix in (".json", ".txt", ".png")),
              f"the evaluation, its report and its plot: {base}.{{json,txt,png}}")

    for bucket, dag in ((LABELING, CHAINED), (MODERATION, MODERATION_DAG)):
        reports = [key for key in keys(s3, bucket) if key.endswith("validation-report.json")]
        htmls = [key for key in keys(s3, bucket) if key.endswith("validation-report.html")]
        expected = len(VALIDATE_TASKS[dag])
        check(len(reports) == len(htmls) == expected,
              f"{dag}: {len(reports)} JSON and {len(htmls)} HTML validation reports in "
              f"s3://{bucket}, expected {expected} of each")
    check(any(key.startswith("chained/merged/") and key.endswith(".manifest")
              for key in keys(s3, LABELING)), "the merged manifest in s3://labeling/chained/merged/")
    moderation = [key for key in keys(s3, MODERATION) if key.startswith("adapter-data/")]
    check(sum(key.endswith(("/train.manifest", "/test.manifest")) for key in moderation) == 2,
          f"the training and testing manifests in s3://moderation/adapter-data/: {moderation}")
    return failures


def keys(s3: Any, bucket: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def exists(s3: Any, uri: str) -> bool:
    if not uri.startswith("s3://"):
        return False
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
