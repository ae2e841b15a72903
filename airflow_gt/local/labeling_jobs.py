"""SageMaker Ground Truth labeling jobs: CreateLabelingJob, DescribeLabelingJob,
ListLabelingJobs and StopLabelingJob.

A job walks ``Initializing`` (for :attr:`WorkforceConfig.initializing_seconds`; then the input
manifest is read: a bad line fails the job with a ``FailureReason`` naming it), ``InProgress``
(objects are labeled on the schedule of ``workforce.py``, files written by ``labeling_run.py``),
then ``Completed`` -- or ``Stopped`` when a stopping condition is met or after StopLabelingJob
(``Stopping`` for :attr:`WorkforceConfig.stopping_seconds`), or ``Failed``. Jobs are kept per
region, as AWS keeps them.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_gt.exceptions import AirflowGtError
from airflow_gt.local.auto_labeling_run import AutoLabelingRun, start_auto_labeling
from airflow_gt.local.clock import to_datetime
from airflow_gt.local.errors import AwsError, validation_error
from airflow_gt.local.labeling_requests import (
    LabelingJobSpec,
    check_create_request,
    check_team_size,
    resource_in_use,
)
from airflow_gt.local.labeling_run import LabelingRun, RunSettings, object_states
from airflow_gt.local.pagination import page
from airflow_gt.local.service import Handler, LocalContext, Request, Service
from airflow_gt.local.tasks import simulator_for
from airflow_gt.local.workforce import (
    TASK_EFFORT,
    ScheduleRequest,
    WorkforceConfig,
    plan_schedule,
    worker_ids,
)
from airflow_gt.manifests.auto_labeling import MINIMUM_OBJECTS
from airflow_gt.manifests.layout import LabelingJobOutputLayout
from airflow_gt.manifests.reader import parse_lines
from airflow_gt.manifests.storage import S3Location

TERMINAL = frozenset({"Completed", "Failed", "Stopped"})


@dataclass
class LabelingJob:
    """A labeling job: the request as sent, its state, and its run once it is in progress."""

    request: dict[str, Any]
    spec: LabelingJobSpec
    arn: str
    region: str
    created: float
    status: str = "Initializing"
    modified: float = 0.0
    failure_reason: str | None = None
    stop_requested: float | None = None
    output_uri: str | None = None
    run: LabelingRun | None = None
    reference_code: str = field(default="")

    def counters(self) -> dict[str, int]:
        if self.run is None:
            return {"TotalLabeled": 0, "HumanLabeled": 0, "MachineLabeled": 0,
                    "FailedNonRetryableError": 0, "Unlabeled": 0}
        return self.run.counters()

    def set_status(self, status: str, now: float, reason: str | None = None) -> None:
        self.status = status
        self.modified = now
        if reason is not None:
            self.failure_reason = reason

    def describe(self) -> dict[str, Any]:
        description = {
            "LabelingJobStatus": self.status,
            "LabelCounters": self.counters(),
            "CreationTime": to_datetime(self.created),
            "LastModifiedTime": to_datetime(self.modified),
            "JobReferenceCode": self.reference_code,
            "LabelingJobName": self.spec.name,
            "LabelingJobArn": self.arn,
            **{key: value for key, value in self.request.items() if key != "LabelingJobName"},
        }
        if self.failure_reason is not None:
            description["FailureReason"] = self.failure_reason
        if self.output_uri is not None:
            description["LabelingJobOutput"] = self.output()
        return description

    def output(self) -> dict[str, str]:
        """``LabelingJobOutput``: the output manifest, and automated labeling's last model."""
        output = {"OutputDatasetS3Uri": str(self.output_uri)}
        model = self.run.final_model_arn if self.run is not None else None
        if model is not None:
            output["FinalActiveLearningModelArn"] = model
        return output

    def summary(self) -> dict[str, Any]:
        human = self.request["HumanTaskConfig"]
        summary: dict[str, Any] = {
            "LabelingJobName": self.spec.name,
            "LabelingJobArn": self.arn,
            "CreationTime": to_datetime(self.created),
            "LastModifiedTime": to_datetime(self.modified),
            "LabelingJobStatus": self.status,
            "LabelCounters": self.counters(),
            "WorkteamArn": human["WorkteamArn"],
            "InputConfig": self.request["InputConfig"],
        }
        if "PreHumanTaskLambdaArn" in human:
            summary["PreHumanTaskLambdaArn"] = human["PreHumanTaskLambdaArn"]
        acs = human.get("AnnotationConsolidationConfig")
        if acs:
            summary["AnnotationConsolidationLambdaArn"] = acs["AnnotationConsolidationLambdaArn"]
        if self.failure_reason is not None:
            summary["FailureReason"] = self.failure_reason
        if self.output_uri is not None:
            summary["LabelingJobOutput"] = self.output()
        return summary


class LabelingJobService(Service):
    """The SageMaker labeling-job operations, with a simulated workforce behind them."""

    service_name = "sagemaker"

    def __init__(self, context: LocalContext, config: WorkforceConfig | None = None) -> None:
        super().__init__(context)
        self.config = config or WorkforceConfig()
        self.jobs: dict[tuple[str, str], LabelingJob] = {}
        self.models: dict[str, tuple[str, int]] = {}
        """Automated labeling's final models, by ARN: algorithm and objects trained on (an
        ``InitialActiveLearningModelArn`` must be one of them)."""

    def handlers(self) -> Mapping[str, Handler]:
        return {
            "CreateLabelingJob": self.create_labeling_job,
            "DescribeLabelingJob": self.describe_labeling_job,
            "ListLabelingJobs": self.list_labeling_jobs,
            "StopLabelingJob": self.stop_labeling_job,
        }

    # -- operations -------------------------------------------------------------------------

    def create_labeling_job(self, request: Request, params: dict[str, Any]) -> dict[str, Any]:
        name = params["LabelingJobName"]
        existing = self.jobs.get((request.region, name))
        if existing is not None:
            raise resource_in_use(name, existing.arn)
        spec = check_create_request(params, request.region, self.context.s3, self.models)
        if self.config.named_workers:
            check_team_size(spec, [name for name, _ in self.config.named_workers])
        now = self.context.clock.now()
        arn = self.arn(request, f"labeling-job/{name.lower()}")
        code = hashlib.sha256(f"{arn}\0{now}".encode()).hexdigest()[:12].upper()
        self.jobs[(request.region, name)] = LabelingJob(
            request=params, spec=spec, arn=arn, region=request.region, created=now,
            modified=now, reference_code=code,
        )
        return {"LabelingJobArn": arn}

    def describe_labeling_job(self, request: Request, params: dict[str, Any]) -> dict[str, Any]:
        return self._job(request, params["LabelingJobName"]).describe()

    def stop_labeling_job(self, request: Request, params: dict[str, Any]) -> dict[str, Any]:
        job = self._job(request, params["LabelingJobName"])
        if job.status in ("Initializing", "InProgress"):
            now = self.context.clock.now()
            job.stop_requested = now
            job.set_status("Stopping", now)
        return {}

    def list_labeling_jobs(self, request: Request, params: dict[str, Any]) -> dict[str, Any]:
        jobs = [job for (region, _), job in self.jobs.items() if region == request.region]
        jobs = [job for job in jobs if _matches(job, params)]
        sort_by = params.get("SortBy", "CreationTime")
        key = {
            "Name": lambda job: (job.spec.name,),
            "CreationTime": lambda job: (job.created, job.spec.name),
            "Status": lambda job: (job.status, job.spec.name),
        }[sort_by]
        jobs.sort(key=key, reverse=params.get("SortOrder", "Ascending") == "Descending")
        page_jobs, token = page(
            jobs, params, default_size=10,
            invalid_token=lambda: validation_error("Invalid pagination token: NextToken"),
        )
        result: dict[str, Any] = {"LabelingJobSummaryList": [job.summary() for job in page_jobs]}
        if token is not None:
            result["NextToken"] = token
        return result

    # -- time passing -----------------------------------------------------------------------

    def tick(self) -> None:
        now = self.context.clock.now()
        for job in self.jobs.values():
            if job.status not in TERMINAL:
                self._advance(job, now)

    def _advance(self, job: LabelingJob, now: float) -> None:
        started = job.created + self.config.initializing_seconds
        if job.status == "Initializing" and now >= started:
            self._start(job, started)
        if job.run is not None and job.status in ("InProgress", "Stopping"):
            until = now
            if job.stop_requested is not None:
                until = min(now, job.stop_requested)
            if job.run.advance(until):
                job.modified = max(job.modified, min(now, until))
            if job.run.failure_reason is not None:
                job.set_status("Failed", now, job.run.failure_reason)
                return
            if job.run.finished and job.status == "InProgress":
                job.output_uri = job.run.write_output()
                self._keep_model(job)
                job.set_status("Completed", now)
            elif job.run.limit_reached and job.status == "InProgress":
                job.stop_requested = now
                job.set_status("Stopping", now)
        stop_at = job.stop_requested
        if job.status == "Stopping" and stop_at is not None and (
            now >= stop_at + self.config.stopping_seconds
        ):
            if job.run is not None:
                job.output_uri = job.run.write_output()
                self._keep_model(job)
            job.set_status("Stopped", now)

    def _keep_model(self, job: LabelingJob) -> None:
        run = job.run
        if isinstance(run, AutoLabelingRun) and run.final_model_arn is not None:
            self.models[run.final_model_arn] = (run.plan.spec.algorithm, run.trained_objects)

    def _start(self, job: LabelingJob, at: float) -> None:
        forced = self.context.faults.forced_failure(job.spec.name)
        if forced is not None:
            job.set_status("Failed", at, forced)
            return
        try:
            job.run = self._new_run(job, at)
        except _JobFailure as failure:
            job.set_status("Failed", at, f"ClientError: {failure}")
            return
        job.set_status("InProgress", at)

    def _new_run(self, job: LabelingJob, at: float) -> LabelingRun:
        spec = job.spec
        lines = _read_input(self.context, spec)
        states = object_states(lines)
        if spec.auto_labeling is not None and len(states) < MINIMUM_OBJECTS:
            # Checked at create time too; the manifest was replaced by a shorter one since.
            raise _JobFailure(
                f"{spec.manifest_uri} has {len(states)} data objects; automated data labeling "
                f"needs at least {MINIMUM_OBJECTS}"
            )
        seed = self.context.seed
        team = self._team(job)
        schedule_request = ScheduleRequest(
            seed=seed, job_name=spec.name, objects=len(states), start=at,
            workers_per_object=spec.workers_per_object,
            max_concurrent=spec.max_concurrent_tasks,
            time_limit=float(spec.task_time_limit),
            effort=TASK_EFFORT.get(spec.task.job_type, 1.0), team=team,
        )
        max_labeled = len(states)
        if spec.max_labeled_objects is not None:
            max_labeled = min(max_labeled, spec.max_labeled_objects)
        if spec.max_labeled_percentage is not None:
            share = math.ceil(len(states) * spec.max_labeled_percentage / 100)
            max_labeled = min(max_labeled, share)
        settings = RunSettings(
            seed=seed, job_name=spec.name, region=job.region,
            label_attribute=spec.label_attribute, metadata_key=spec.metadata_key,
            manifest_bucket=S3Location.parse(spec.manifest_uri).bucket,
            audit_attribute=spec.categories.audit_label_attribute_name,
            segmentation=spec.label_attribute.endswith("-ref"),
            job_type=spec.task.job_type,
            worker_skills=tuple(self.config.worker_skills().items()),
        )
        simulator = simulator_for(
            spec.task.name, spec.categories, spec.label_attribute, self.config.skill,
            salt=str(seed),
        )
        layout = LabelingJobOutputLayout(spec.output_path, spec.name)
        if spec.auto_labeling is not None:
            return start_auto_labeling(
                spec, job.arn, settings, layout, states, simulator, self.context.s3,
                schedule_request, self.config, at,
            )
        return LabelingRun(
            settings, layout, states, plan_schedule(schedule_request, self.config), simulator,
            self.context.s3, max_labeled,
        )

    def _team(self, job: LabelingJob) -> list[str]:
        """The worker IDs of the job's work team: the named workers, in their order, or as
        many generated IDs as the workforce has (at least as many as an object needs)."""
        if self.config.named_workers:
            team = [name for name, _ in self.config.named_workers]
            if len(team) < job.spec.workers_per_object:  # checked at create time
                raise _JobFailure(
                    f"NumberOfHumanWorkersPerDataObject is {job.spec.workers_per_object}, but "
                    f"the work team has only {len(team)} workers"
                )
            return team
        return worker_ids(
            self.context.seed, job.request["HumanTaskConfig"]["WorkteamArn"], job.region,
            max(self.config.workers, job.spec.workers_per_object),
        )

    def _job(self, request: Request, name: str) -> LabelingJob:
        job = self.jobs.get((request.region, name))
        if job is None:
            raise AwsError("ResourceNotFound", f"Could not find labeling job {name!r}")
        return job


class _JobFailure(Exception):
    """Why a job fails while it initializes; becomes its FailureReason."""


def _read_input(context: LocalContext, spec: LabelingJobSpec) -> list[tuple[bytes, dict[str, Any]]]:
    data = context.s3.get_uri(spec.manifest_uri)
    if data is None:
        raise _JobFailure(f"the input manifest {spec.manifest_uri} no longer exists")
    raw_lines = data.splitlines(keepends=True)
    while raw_lines and not raw_lines[-1].strip():
        raw_lines.pop()
    try:
        records = [record for _, record in parse_lines(raw_lines, spec.manifest_uri)]
    except AirflowGtError as error:
        raise _JobFailure(str(error)) from None
    if not records:
        raise _JobFailure(f"the input manifest {spec.manifest_uri} has no data objects")
    for number, record in enumerate(records, 1):
        if "source-ref" not in record and "source" not in record:
            raise _JobFailure(
                f"{spec.manifest_uri}, line {number}: the line has neither 'source-ref' nor "
                "'source'"
            )
    # A line that already has the label attribute is labeled over, as AWS does: see
    # output_lines.py (chaining refuses such lines by default; that rule is ours, not AWS's).
    return list(zip(raw_lines, records, strict=True))


def _matches(job: LabelingJob, params: dict[str, Any]) -> bool:
    checks = (
        ("CreationTimeAfter", lambda t: job.created > t),
        ("CreationTimeBefore", lambda t: job.created < t),
        ("LastModifiedTimeAfter", lambda t: job.modified > t),
        ("LastModifiedTimeBefore", lambda t: job.modified < t),
        ("NameContains", lambda s: s.lower() in job.spec.name.lower()),
        ("StatusEquals", lambda s: job.status == s),
    )
    for key, check in checks:
        if key in params and not check(_timestamp(params[key]) if "Time" in key else params[key]):
            return False
    return True


def _timestamp(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise validation_error(f"{value!r} is not a timestamp") from None
