"""Gate a trained Custom Moderation adapter on its evaluation, and report it.

:class:`RekognitionEvaluateAdapterOperator` reads what training wrote, through the evaluation
core (:mod:`airflow_gt.evaluation`): the evaluation results file and, when there is one, the
testing output manifest, whose per-image predictions show where the adapter regresses from the
base model. It checks the gates, writes the plot and the text report to S3, and returns the
metrics. A failed gate fails the task with a message naming each failing gate, after an alert
has gone through the notifier (:func:`airflow_gt.notifications.data_quality.send_alert`), without
a retry (``AirflowFailException``: the evaluation would fail again); when the alert cannot be sent,
the task fails with a retry instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator, Context

from airflow_gt.adapters.names import names_of_version_arn
from airflow_gt.adapters.outcome import finished_result
from airflow_gt.compat import AirflowFailException
from airflow_gt.exceptions import AdapterGateError, AdapterProjectError, ConfigurationError
from airflow_gt.extras import PLOTS, require_extra
from airflow_gt.hooks.rekognition import RekognitionHook
from airflow_gt.manifests.storage import S3Location
from airflow_gt.notifications.data_quality import DataQualityAlert, send_alert
from airflow_gt.operators.arguments import number
from airflow_gt.operators.base import AwsParamsMixin, aws_template_fields
from airflow_gt.operators.lineage_records import (
    LineageMixin,
    LineageRecord,
    adapter_dataset,
    s3_dataset,
)

if TYPE_CHECKING:
    from airflow.sdk import BaseNotifier

    from airflow_gt.evaluation import Evaluation, OutputManifestAnalysis

JSON_SUFFIX = ".json"


def report_locations(evaluation_uri: str, report_prefix: str | None) -> tuple[str, str]:
    """Where the plot and the text report go: ``<name>.png`` and ``<name>.txt``, beside the
    evaluation results file (named ``<name>.json``) or under ``report_prefix``."""
    evaluation = S3Location.parse(evaluation_uri)
    folder, _, file_name = evaluation.key.rpartition("/")
    stem = file_name.removesuffix(JSON_SUFFIX) or "evaluation"
    base = S3Location.parse(report_prefix) if report_prefix else S3Location(
        evaluation.bucket, folder
    )
    return str(base.child(f"{stem}.png")), str(base.child(f"{stem}.txt"))


def version_label(arn: str) -> str:
    """The version name in an adapter's ARN, or the ARN if it is not of the usual shape."""
    try:
        return names_of_version_arn(arn)[1]
    except ValueError:
        return arn


class RekognitionEvaluateAdapterOperator(
    LineageMixin, AwsParamsMixin[RekognitionHook], BaseOperator
):
    """Check a trained adapter's evaluation against gates; write a plot and a report.

    Name the files either directly (``evaluation_uri`` and, optionally, ``testing_output_uri``:
    the create operator returns both) or by the version (``project_name`` and
    ``version_name``), whose description says where training wrote them.

    Returns the metrics (the JSON summary of ``airflow-gt evaluate``: ``passed``, ``f1``,
    ``threshold``, ``adapter``, ``base_model``, ``best_threshold``, ``per_label``, ``gates``...,
    with ``plot_uri``, ``report_uri`` and, when the testing output manifest was read, its
    ``output_manifest`` counts), each key also pushed as its own XCom (``multiple_outputs``:
    ``evaluate.output["f1"]``). When a gate fails, the same metrics are pushed to XCom, an alert
    is sent through ``notifier``, and the task fails with :class:`AdapterGateError` (also when
    the alert cannot be sent: the notifier's error is logged and chained to it). With
    OpenLineage on, the task reports the adapter version and its evaluation files -> the report,
    with the ``rekognitionAdapterEvaluation`` run facet (F1, threshold, gates failed).

    :param evaluation_uri: the evaluation results file (``EvaluationResult.Summary.S3Object``).
        (templated)
    :param testing_output_uri: the testing output manifest, with both models' predictions.
        (templated)
    :param project_name: the project, to find the files by the version instead. (templated)
    :param version_name: the adapter version, with ``project_name``. (templated)
    :param min_f1: the lowest acceptable ``F1Score`` (0 to 1). (templated)
    :param require_improvement: the adapter's F1 must be at least the base model's.
    :param min_recall: label -> the adapter's lowest acceptable recall for it. (templated)
    :param report_prefix: the ``s3://`` folder for the plot and report; by default the
        evaluation results file's. (templated)
    :param plot: draw the plot (matplotlib, from the ``plots`` extra, is imported only then).
    :param notifier: an Airflow notifier the alert is sent through when a gate fails; the alert
        is in its context as ``data_quality_alert``.
    """

    aws_hook_class = RekognitionHook
    template_fields: Sequence[str] = aws_template_fields(
        "evaluation_uri", "min_f1", "min_recall", "project_name", "report_prefix",
        "testing_output_uri", "version_name",
    )

    def __init__(
        self,
        *,
        evaluation_uri: str | None = None,
        testing_output_uri: str | None = None,
        project_name: str | None = None,
        version_name: str | None = None,
        min_f1: float | str | None = None,
        require_improvement: bool = False,
        min_recall: Mapping[str, float | str] | None = None,
        report_prefix: str | None = None,
        plot: bool = True,
        notifier: BaseNotifier | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        by_version = project_name is not None or version_name is not None
        if (evaluation_uri is None) == (not by_version):
            raise ConfigurationError(
                "evaluation_uri", "give either evaluation_uri or project_name and version_name"
            )
        if by_version and (project_name is None or version_name is None):
            raise ConfigurationError("version_name", "give both project_name and version_name")
        self.evaluation_uri = evaluation_uri
        self.testing_output_uri = testing_output_uri
        self.project_name = project_name
        self.version_name = version_name
        self.min_f1 = min_f1
        self.require_improvement = require_improvement
        self.min_recall = min_recall
        self.report_prefix = report_prefix
        self.plot = plot
        self.notifier = notifier

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_gt.evaluation import (
            Gates,
            analyze_output_manifest,
            evaluate,
            read_evaluation_results,
            render_text,
            write_plot,
        )
        from airflow_gt.manifests.writer import write_bytes

        if self.plot:
            require_extra("plot", PLOTS)
        gates = Gates(
            min_f1=number(self.min_f1, "min_f1"),
            require_improvement=self.require_improvement,
            min_recall={
                label: number(value, f"min_recall[{label!r}]", optional=False)
                for label, value in (self.min_recall or {}).items()
            },
        )
        evaluation_uri, testing_uri = self._locations()
        s3 = self.hook.s3_client
        results = read_evaluation_results(evaluation_uri, s3_client=s3)
        evaluation = evaluate(results, gates)
        analysis = (
            analyze_output_manifest(testing_uri, results, s3_client=s3) if testing_uri else None
        )
        plot_uri, report_uri = report_locations(evaluation_uri, self.report_prefix or None)
        plot = write_plot(evaluation, plot_uri, s3_client=s3) if self.plot else None
        report = render_text(evaluation, analysis, plot)
        write_bytes(report_uri, report.encode("utf-8"), s3_client=s3)
        self.log.info("Adapter evaluation (report %s):\n%s", report_uri, report)
        metrics = self._metrics(evaluation, analysis, plot, report_uri)
        self.lineage_record = self._lineage(evaluation, evaluation_uri, testing_uri, report_uri)
        if evaluation.passed:
            return metrics
        context["ti"].xcom_push(key="return_value", value=metrics)
        error = AdapterGateError(
            results.source,
            [(gate.gate, gate.detail) for gate in evaluation.gates if not gate.passed],
            report_uri,
        )
        try:
            self._alert(context, evaluation, metrics, report_uri)
        except Exception as failure:  # the gate's failure is the task's, whatever the notifier's
            self.log.error("Could not send the gate failure alert: %s", failure)
            raise error from failure  # retried: the alert is not out yet
        # The evaluation will not change on a retry, and the alert is out: fail without retrying.
        raise AirflowFailException(str(error)) from error

    def _locations(self) -> tuple[str, str | None]:
        """The evaluation results file and the testing output manifest (if known)."""
        if self.evaluation_uri:
            return self.evaluation_uri, self.testing_output_uri or None
        project_name, version_name = str(self.project_name), str(self.version_name)
        project = self.hook.find_project(project_name)
        if project is None:
            raise AdapterProjectError(project_name, "no Custom Moderation project of that name")
        arn = str(project["ProjectArn"])
        result = finished_result(arn, self.hook.describe_project_version(arn, version_name))
        if result.evaluation_uri is None:
            raise AdapterProjectError(
                project_name, f"adapter version {version_name!r} has no evaluation results"
            )
        return result.evaluation_uri, self.testing_output_uri or result.testing_output_uri

    def _lineage(
        self, evaluation: Evaluation, evaluation_uri: str, testing_uri: str | None,
        report_uri: str,
    ) -> LineageRecord:
        """The adapter version and its evaluation files -> the report; the F1 and the gates'
        outcome as the ``rekognitionAdapterEvaluation`` run facet."""
        arn = evaluation.results.details.project_version_arn or None
        adapter = (adapter_dataset(arn, self.hook.conn_region_name),) if arn else ()
        return LineageRecord(
            inputs=(*adapter, s3_dataset(evaluation_uri),
                    *((s3_dataset(testing_uri),) if testing_uri else ())),
            outputs=(s3_dataset(report_uri),),
            run_facets={"rekognitionAdapterEvaluation": {
                "versionArn": arn, "passed": evaluation.passed,
                "f1Score": evaluation.results.f1_score,
                "confidenceThreshold": evaluation.results.threshold,
                "failedGates": [gate.gate for gate in evaluation.gates if not gate.passed],
            }},
        )

    @staticmethod
    def _metrics(
        evaluation: Evaluation,
        analysis: OutputManifestAnalysis | None,
        plot: str | None,
        report_uri: str,
    ) -> dict[str, Any]:
        metrics = evaluation.summary()
        metrics["plot_uri"] = plot
        metrics["report_uri"] = report_uri
        if analysis is not None:
            found = analysis.summary()
            metrics["output_manifest"] = {key: found[key] for key in (
                "source", "images", "regressions", "improvements", "counts_match",
                "mismatched_labels",
            )}
        return metrics

    def _alert(
        self,
        context: Context,
        evaluation: Evaluation,
        metrics: dict[str, Any],
        report_uri: str,
    ) -> None:
        failed = [gate for gate in evaluation.gates if not gate.passed]
        version = version_label(evaluation.results.details.project_version_arn)
        lines = [
            f"Adapter {version} failed {len(failed)} of {len(evaluation.gates)} gate(s) on "
            f"{evaluation.results.details.testing_images} testing images:",
            *(f"- {gate.gate}: {gate.detail}" for gate in failed),
            f"Evaluation results: {evaluation.results.source}",
            f"Report: {report_uri}",
        ]
        if metrics.get("plot_uri"):
            lines.append(f"Plot: {metrics['plot_uri']}")
        alert = DataQualityAlert(
            subject=f"Adapter {version} failed gate(s): {', '.join(g.gate for g in failed)}",
            message="\n".join(lines),
            summary=metrics,
            report_uri=report_uri,
        )
        if send_alert(self.notifier, context, alert):
            self.log.info("Sent the gate failure alert through %s", type(self.notifier).__name__)
