"""Sensors on Ground Truth labeling jobs: until a job ends, or until enough of it is labeled.

Both poke (in the worker), reschedule (freeing the worker between pokes) or defer (to the
triggerer, after one poke in case they are already done). They only watch: a job they did not
create is never stopped by them.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from airflow.sdk import BaseSensorOperator, Context, PokeReturnValue

from airflow_gt.compat import conf
from airflow_gt.exceptions import ConfigurationError, LabelingJobWaitError
from airflow_gt.labeling.outcome import (
    LabelCounters,
    LabelingJobResult,
    finished_result,
    has_ended,
)
from airflow_gt.labeling.progress import LabelingProgress, progress_reached
from airflow_gt.operators.base import AwsParamsMixin, aws_template_fields
from airflow_gt.operators.lineage_records import LineageMixin, labeling_job_lineage
from airflow_gt.triggers.ground_truth import (
    GroundTruthIntermediateManifestTrigger,
    GroundTruthLabelingJobTrigger,
)


class _LabelingJobWatcher(AwsParamsMixin, BaseSensorOperator):
    """What both sensors share: the job they watch, and deferring after a first poke.

    :param job_name: the labeling job to watch. (templated)
    :param deferrable: wait in the triggerer instead of the worker.
    """

    def __init__(
        self,
        *,
        job_name: str,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_name = job_name
        self.deferrable = deferrable

    def make_trigger(self) -> GroundTruthLabelingJobTrigger:
        """The trigger that waits for what :meth:`poke` waits for."""
        raise NotImplementedError

    def trigger_params(self) -> dict[str, Any]:
        return {
            "job_name": self.job_name,
            "poll_interval": self.poke_interval,
            "max_attempts": max(1, math.ceil(self.timeout / self.poke_interval)),
            **self.trigger_aws_params(),
        }

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        done = self.poke(context)
        if isinstance(done, PokeReturnValue) and done:
            return done.xcom_value
        self.defer(
            trigger=self.make_trigger(),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout),
        )

    def describe(self) -> dict[str, Any]:
        description = self.hook.describe_labeling_job(self.job_name)
        self.log.info(
            "Labeling job %s is %s: %s", self.job_name, description["LabelingJobStatus"],
            LabelCounters.from_description(description),
        )
        return description

    def checked_event(self, event: dict[str, Any]) -> dict[str, Any]:
        if event.get("status") != "done":
            raise LabelingJobWaitError(self.job_name, str(event.get("message")))
        return event


class GroundTruthLabelingJobSensor(LineageMixin, _LabelingJobWatcher):
    """Wait until a labeling job ends; log its progress from ``LabelCounters`` on every poke.

    Returns what the create operator returns (``job_name``, ``job_arn``, ``status``,
    ``output_manifest_uri``, ``label_counters``). A job that ends Failed or Stopped fails the
    sensor with AWS's reason; one that completes with nothing labeled fails it unless
    ``allow_empty_output``. With OpenLineage on, it reports the job as the create operator does.

    :param allow_empty_output: accept a completed job that labeled nothing.
    """

    template_fields = aws_template_fields("job_name")

    def __init__(self, *, allow_empty_output: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_empty_output = allow_empty_output

    def poke(self, context: Context) -> bool | PokeReturnValue:
        description = self.describe()
        if not has_ended(description):
            return False
        result = finished_result(description, allow_empty=self.allow_empty_output)
        self.lineage_record = labeling_job_lineage(description, result)
        return PokeReturnValue(is_done=True, xcom_value=result.to_xcom())

    def make_trigger(self) -> GroundTruthLabelingJobTrigger:
        return GroundTruthLabelingJobTrigger(**self.trigger_params())

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        job = self.checked_event(event)["job"]
        result = finished_result(job, allow_empty=self.allow_empty_output)
        self.lineage_record = labeling_job_lineage(job, result)
        return result.to_xcom()

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """The job, as the create operator reports it. The trigger's event carries no input
        configuration: after a deferral the job is described once more, here, so only when
        OpenLineage is on."""
        record = self.lineage_record
        if record is not None and not record.inputs:
            description = self.hook.describe_labeling_job(self.job_name)
            self.lineage_record = labeling_job_lineage(
                description, LabelingJobResult.from_description(description)
            )
        return super().get_openlineage_facets_on_complete(task_instance)


class GroundTruthIntermediateManifestSensor(_LabelingJobWatcher):
    """Wait until a share of a running job's objects is labeled in its intermediate manifest.

    Ground Truth rewrites ``annotations/intermediate/<n>/annotations.manifest`` while the job
    runs; this sensor counts the labeled lines of the latest one, so validation can start on it
    before the job ends. Returns ``{"intermediate_manifest_uri", "objects", "labeled", "failed",
    "fraction"}``. If the job ends short of the share, the sensor fails (with AWS's reason when
    the job failed or was stopped).

    :param min_labeled_fraction: the share of objects (0 to 1) that must be labeled. (templated)
    """

    template_fields = aws_template_fields("job_name", "min_labeled_fraction")

    def __init__(self, *, min_labeled_fraction: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.min_labeled_fraction = min_labeled_fraction
        if isinstance(min_labeled_fraction, (int, float)):
            self.wanted()

    def wanted(self) -> float:
        """``min_labeled_fraction`` as a number, checked."""
        try:
            wanted = float(self.min_labeled_fraction)
        except (TypeError, ValueError):
            wanted = math.nan
        if not 0 < wanted <= 1:
            raise ConfigurationError(
                "min_labeled_fraction", f"must be more than 0 and at most 1, got "
                f"{self.min_labeled_fraction!r}",
            )
        return wanted

    def poke(self, context: Context) -> bool | PokeReturnValue:
        description = self.describe()
        progress = self.hook.intermediate_progress(description)
        self.log.info("Intermediate manifest: %s", progress or "not written yet")
        if progress_reached(description, progress, self.wanted()) and progress is not None:
            return PokeReturnValue(is_done=True, xcom_value=progress.to_xcom())
        return False

    def make_trigger(self) -> GroundTruthLabelingJobTrigger:
        return GroundTruthIntermediateManifestTrigger(
            min_labeled_fraction=self.wanted(), **self.trigger_params()
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        checked = self.checked_event(event)
        found = checked.get("progress")
        progress = LabelingProgress.from_xcom(found) if found else None
        if progress_reached(checked["job"], progress, self.wanted()) and progress is not None:
            return progress.to_xcom()
        raise LabelingJobWaitError(
            self.job_name, "the trigger ended before the wanted share was labeled"
        )
