"""The workforce check of a labeling job: agreement between its workers, and each one's accuracy.

The work is the pure core's (:mod:`airflow_gt.workforce`): the job's output manifest and its
``annotations/worker-response/`` files are read through the S3 client of the AWS connection, the
measures are checked with the ``workforce`` Great Expectations suite (imported only when the task
runs, never when a DAG file imports this module), and the reports are written to S3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from airflow.sdk import BaseOperator, Context

from airflow_gt.compat import BaseNotifier
from airflow_gt.exceptions import ConfigurationError, WorkforceCheckError
from airflow_gt.manifests.layout import OUTPUT_MANIFEST, LabelingJobOutputLayout, job_output_of
from airflow_gt.notifications.workforce import workforce_alert
from airflow_gt.operators.arguments import check_choice, number
from airflow_gt.operators.base import AwsParamsMixin, aws_template_fields
from airflow_gt.operators.data_quality import alert_then_fail_or_warn
from airflow_gt.operators.lineage_records import LineageMixin, LineageRecord, validated_dataset

ON_FAILURE = ("fail", "warn")


class GroundTruthWorkforceOperator(LineageMixin, AwsParamsMixin, BaseOperator):
    """Check a labeling job's workforce: how far its workers agreed, and each worker's accuracy.

    Give the job as ``labeling_job``: an upstream labeling task's result (``.output`` of
    :class:`~airflow_gt.operators.ground_truth.GroundTruthCreateLabelingJobOperator` or of the job
    sensor), or the job's name, whose output folder is then read from DescribeLabelingJob. Per
    data object, agreement is how far its workers' answers match the consolidated label; per
    worker, accuracy is how far their answers match the consensus of the other workers of each
    object (``airflow-gt workers`` computes the same; see the README).

    Returns the summary of ``airflow-gt workers --format json`` (``success``, ``job_type``,
    ``objects``, ``workers``, ``mean_agreement``, ``alpha``, ``per_worker``, ``low_agreement``,
    ``failed_checks``...) with ``reports`` (``{"json", "html"}``). When a check does not hold,
    the task sends a data-quality alert naming the workers below the threshold through
    ``notifier``, then fails without a retry (``on_failure="fail"``, the summary still pushed as
    its XCom) or logs a warning and succeeds (``"warn"``). An alert that cannot be sent fails the
    task with a retry (the alert goes out on the retry). With OpenLineage on, the task reports
    the job's output manifest as its input with ``dataQualityAssertions`` (one per check of the
    ``workforce`` suite) and ``dataQualityMetrics``, as the validate operator does.

    :param labeling_job: the labeling task's result, or the job's name. (templated)
    :param label_attribute: the job's label attribute; by default the one whose metadata names
        the job. (templated)
    :param min_agreement: the job's mean agreement must be at least this. (templated)
    :param min_worker_accuracy: each judged worker's accuracy must be at least this. (templated)
    :param min_tasks: workers with fewer tasks are not judged. (templated)
    :param report_prefix: the ``s3://`` folder for ``workforce-report.json`` and
        ``workforce-report.html``; by default the job's output folder. (templated)
    :param on_failure: ``"fail"`` the task or ``"warn"`` and succeed, when a check fails.
    :param notifier: any Airflow notifier, called with the alert in its context under
        ``data_quality_alert``; ``sns_data_quality_notifier(topic_arn)`` sends it to SNS.
    """

    template_fields: Sequence[str] = aws_template_fields(
        "label_attribute", "labeling_job", "min_agreement", "min_tasks", "min_worker_accuracy",
        "report_prefix",
    )

    def __init__(
        self,
        *,
        labeling_job: str | Mapping[str, Any],
        label_attribute: str | None = None,
        min_agreement: float | str | None = None,
        min_worker_accuracy: float | str | None = None,
        min_tasks: int | str = 1,
        report_prefix: str | None = None,
        on_failure: Literal["fail", "warn"] = "fail",
        notifier: BaseNotifier | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_choice("on_failure", on_failure, ON_FAILURE)
        self.labeling_job = labeling_job
        self.label_attribute = label_attribute
        self.min_agreement = min_agreement
        self.min_worker_accuracy = min_worker_accuracy
        self.min_tasks = min_tasks
        self.report_prefix = report_prefix
        self.on_failure = on_failure
        self.notifier = notifier

    def execute(self, context: Context) -> dict[str, Any]:
        import orjson

        from airflow_gt.workforce import WorkforceThresholds, check_workforce, measure_workforce
        from airflow_gt.workforce.reports import render_text, summary_json, write_reports

        thresholds = WorkforceThresholds(
            min_agreement=number(self.min_agreement, "min_agreement", float),
            min_worker_accuracy=number(self.min_worker_accuracy, "min_worker_accuracy", float),
            min_tasks=number(self.min_tasks, "min_tasks", int, optional=False),
        )
        s3 = self.hook.s3_client
        folder = self._job_folder()
        self.log.info("Checking the workforce of %s", folder)
        measures = measure_workforce(
            folder, label_attribute=self.label_attribute or None, s3_client=s3
        )
        result = check_workforce(measures, thresholds)
        self.lineage_record = LineageRecord(inputs=(validated_dataset(
            f"{folder.rstrip('/')}/{OUTPUT_MANIFEST}", measures.manifest_lines,
            [(measures.label_attribute, outcome) for outcome in result.outcomes],
        ),))
        reports = write_reports(result, self.report_prefix or folder, s3_client=s3)
        summary: dict[str, Any] = orjson.loads(summary_json(result, indent=False))
        summary["reports"] = {"json": reports.json, "html": reports.html}
        self.log.info("%s\nReport: %s", render_text(result), reports.html)
        if result.success:
            return summary
        failed = sum(1 for outcome in result.outcomes if not outcome.success)
        error = WorkforceCheckError(
            folder, failed, len(result.outcomes), result.flagged_workers, reports.html
        )
        ti = context["ti"]
        alert = workforce_alert(summary, where=f"{ti.dag_id}.{ti.task_id}",
                                run_id=context.get("run_id"))
        return alert_then_fail_or_warn(
            context=context, summary=summary, alert=alert, error=error, notifier=self.notifier,
            on_failure=self.on_failure, log=self.log,
        )

    def _job_folder(self) -> str:
        job = self.labeling_job
        if isinstance(job, Mapping):
            uri = job.get("output_manifest_uri")
            folder = job_output_of(uri) if isinstance(uri, str) else None
            if folder is None:
                raise ConfigurationError(
                    "labeling_job", "expected a labeling task's result with an "
                    f"output_manifest_uri ending in /manifests/output/output.manifest, got {job!r}"
                )
            return folder
        if isinstance(job, str) and job and not job.startswith("{"):
            description = self.hook.describe_labeling_job(job)
            output_path = description["OutputConfig"]["S3OutputPath"]
            return str(LabelingJobOutputLayout(output_path, job).root)
        raise ConfigurationError(
            "labeling_job", f"expected a labeling task's result (task.output) or a job name, "
            f"got {job!r}"
        )
