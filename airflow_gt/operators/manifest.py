"""Operators on manifests in S3: validate one, chain a follow-up job's input from it, merge some.

Each reads and writes through the S3 client of its AWS connection (``hook.s3_client``: the same
credentials, region, endpoint and botocore configuration as the labeling jobs), and takes a
manifest as a DAG has it at hand: an ``s3://`` URI, or the result an upstream task returned (see
:mod:`airflow_gt.operators.arguments`). The work is the pure core's (:mod:`airflow_gt.validation`,
:mod:`airflow_gt.manifests.chaining`, :mod:`airflow_gt.manifests.merging`); Great Expectations is
imported only when a validation runs, never when a DAG file imports this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from airflow.sdk import BaseOperator, Context

from airflow_gt.compat import AirflowSkipException, BaseNotifier
from airflow_gt.exceptions import ConfigurationError, EmptySelectionError, ManifestValidationError
from airflow_gt.manifests.chaining import Selection, chain_manifest
from airflow_gt.manifests.layout import OUTPUT_MANIFEST, LabelingJobOutputLayout, job_output_of
from airflow_gt.manifests.merging import merge_manifests
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.writer import ManifestWriter
from airflow_gt.notifications.validation import validation_alert
from airflow_gt.operators.arguments import (
    check_choice,
    destination_uri,
    folder_of,
    manifest_uri_of,
    number,
)
from airflow_gt.operators.base import AwsParamsMixin, aws_template_fields
from airflow_gt.operators.data_quality import alert_then_fail_or_warn
from airflow_gt.operators.lineage_records import (
    LineageMixin,
    LineageRecord,
    s3_dataset,
    validated_dataset,
)

ON_FAILURE = ("fail", "warn")
ON_EMPTY = ("skip", "fail", "continue")


class ManifestValidateOperator(LineageMixin, AwsParamsMixin, BaseOperator):
    """Validate a manifest with the Great Expectations suite of each label attribute's job type.

    Name the manifest as ``manifest``, or as ``job_name`` and ``output_path`` for a labeling
    job's output manifest (its latest intermediate manifest with ``intermediate=True``). The JSON
    and HTML reports are written beside the manifest, or under ``report_prefix``.

    Returns the validation summary of ``airflow-gt validate --format json`` (``success``,
    ``objects``, ``labeled``, ``failed_expectations``...) with ``reports`` (``{"json",
    "html"}``). When an expectation does not hold, the task sends a data-quality alert through
    ``notifier`` (see :mod:`airflow_gt.notifications.data_quality`), then fails
    (``on_failure="fail"``, the summary still pushed as its XCom) or logs a warning and succeeds
    (``"warn"``). The failure is an ``AirflowFailException``: not retried, since the manifest
    would fail again. An alert that cannot be sent fails the task with a retry (the alert goes
    out on the retry): a warning nobody gets is lost. With OpenLineage on, the task reports the
    manifest as its input with ``dataQualityAssertions`` (one per expectation checked) and
    ``dataQualityMetrics`` (objects; null counts of the not-null expectations), whether or not
    the expectations held, and the ``input_manifest`` as a second input.

    :param manifest: the ``s3://`` URI of the manifest, or an upstream task's result: a
        labeling job's (its output manifest), the intermediate-manifest sensor's, a chain or
        merge task's. (templated)
    :param job_name: the labeling job whose manifest to validate, with ``output_path``.
        (templated)
    :param output_path: the job's ``S3OutputPath``. (templated)
    :param intermediate: with ``job_name``, validate the job's latest intermediate manifest
        (labels so far) instead of its output manifest.
    :param job_type: check every label attribute with this job type's suite; by default each
        attribute's type is read from its metadata. (templated)
    :param label_attribute: check only this label attribute; by default every one the first
        lines carry (a chained job's manifest carries several). (templated)
    :param input_manifest: the job's input manifest (a URI or an upstream result): every input
        line and key must come back unchanged. (templated)
    :param label_categories: the job's label names, or the ``s3://`` URI of its label category
        file: class names must be among them. (templated)
    :param max_failed_fraction: the largest share of objects that may have failed labeling.
        (templated)
    :param report_prefix: the ``s3://`` folder for ``validation-report.json`` and
        ``validation-report.html``; by default the manifest's own folder. (templated)
    :param on_failure: ``"fail"`` the task or ``"warn"`` and succeed, when an expectation fails.
    :param notifier: any Airflow notifier, called with the alert in its context under
        ``data_quality_alert``; ``sns_data_quality_notifier(topic_arn)`` sends it to SNS.
    """

    template_fields: Sequence[str] = aws_template_fields(
        "input_manifest", "job_name", "job_type", "label_attribute", "label_categories",
        "manifest", "max_failed_fraction", "output_path", "report_prefix",
    )

    def __init__(
        self,
        *,
        manifest: str | Mapping[str, Any] | None = None,
        job_name: str | None = None,
        output_path: str | None = None,
        intermediate: bool = False,
        job_type: str | None = None,
        label_attribute: str | None = None,
        input_manifest: str | Mapping[str, Any] | None = None,
        label_categories: Sequence[str] | str | None = None,
        max_failed_fraction: float | str = 0.1,
        report_prefix: str | None = None,
        on_failure: Literal["fail", "warn"] = "fail",
        notifier: BaseNotifier | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if (manifest is None) == (job_name is None):
            raise ConfigurationError("manifest", "give exactly one of manifest and job_name")
        if job_name is not None and output_path is None:
            raise ConfigurationError("output_path", "required with job_name")
        check_choice("on_failure", on_failure, ON_FAILURE)
        self.manifest = manifest
        self.job_name = job_name
        self.output_path = output_path
        self.intermediate = intermediate
        self.job_type = job_type
        self.label_attribute = label_attribute
        self.input_manifest = input_manifest
        self.label_categories = label_categories
        self.max_failed_fraction = max_failed_fraction
        self.report_prefix = report_prefix
        self.on_failure = on_failure
        self.notifier = notifier

    def execute(self, context: Context) -> dict[str, Any]:
        import orjson

        from airflow_gt.validation.reports import render_text, summary_json, write_reports
        from airflow_gt.validation.validator import validate_manifest

        s3 = self.hook.s3_client
        source = self._source()
        input_manifest = (
            manifest_uri_of(self.input_manifest, "input_manifest") if self.input_manifest else None
        )
        self.log.info("Validating %s", source)
        result = validate_manifest(
            source,
            job_type=self.job_type or None,
            label_attribute=self.label_attribute or None,
            input_manifest=input_manifest,
            label_categories=self._label_names(),
            max_failed_fraction=number(
                self.max_failed_fraction, "max_failed_fraction", float, optional=False
            ),
            s3_client=s3,
        )
        checked = [(item.label_attribute, outcome)
                   for item in result.attributes for outcome in item.outcomes]
        self.lineage_record = LineageRecord(inputs=(
            validated_dataset(source, result.objects, checked),
            *((s3_dataset(input_manifest),) if input_manifest else ()),
        ))
        folder = self.report_prefix.rstrip("/") if self.report_prefix else folder_of(source)
        reports = write_reports(result, folder, s3_client=s3)
        summary: dict[str, Any] = orjson.loads(summary_json(result, indent=False))
        summary["reports"] = {"json": reports.json, "html": reports.html}
        self.log.info("%s\nReport: %s", render_text(result), reports.html)
        if result.success:
            return summary
        total = sum(item["expectations"] for item in summary["label_attributes"])
        error = ManifestValidationError(
            source, len(summary["failed_expectations"]), total, reports.html
        )
        ti = context["ti"]
        alert = validation_alert(
            summary, where=f"{ti.dag_id}.{ti.task_id}", run_id=context.get("run_id")
        )
        return alert_then_fail_or_warn(
            context=context, summary=summary, alert=alert, error=error, notifier=self.notifier,
            on_failure=self.on_failure, log=self.log,
        )

    def _source(self) -> str:
        if self.manifest is not None:
            return manifest_uri_of(self.manifest, "manifest")
        layout = LabelingJobOutputLayout(str(self.output_path), str(self.job_name))
        if not self.intermediate:
            return layout.output_manifest
        latest = self.hook.latest_intermediate_manifest(layout)
        if latest is None:
            raise ConfigurationError(
                "intermediate", f"labeling job {self.job_name!r} has no intermediate manifest "
                f"under {layout.intermediate} yet"
            )
        return latest

    def _label_names(self) -> list[str] | None:
        names = self.label_categories
        if names is None or names == "":
            return None
        if isinstance(names, str):
            from airflow_gt.manifests.categories import read_label_categories

            return list(read_label_categories(names, s3_client=self.hook.s3_client).label_names)
        return list(names)


class ManifestChainOperator(LineageMixin, AwsParamsMixin, BaseOperator):
    """Write the input manifest of a follow-up labeling job (verification, adjustment) from the
    lines of an output manifest that a selection keeps; every kept line passes through whole.

    Returns ``{"manifest_uri", "source", "label_attribute", "new_label_attribute",
    "lines_read", "lines_written", "ties_broken"}``, each key also pushed as its own XCom
    (``multiple_outputs``), so the next job takes ``input_manifest_uri=chain.output[
    "manifest_uri"]``. A selection that keeps no line skips the task, and so the follow-up job
    (``on_empty="skip"``), fails it (``"fail"``), or returns the empty manifest (``"continue"``).
    With OpenLineage on, the task reports the source -> the written manifest, with the lines
    read and written (``inputStatistics``, ``outputStatistics``).

    :param source: the output manifest: an ``s3://`` URI or a labeling task's result. (templated)
    :param destination: the ``s3://`` URI of the manifest to write; one ending in ``/`` is a
        folder, where each task run writes ``<run's name>/<task_id>.manifest``. (templated)
    :param new_label_attribute: the follow-up job's label attribute; no kept line may have it.
        (templated)
    :param follow_up: the follow-up built-in task or job type (``VerificationBoundingBox``), to
        check ``new_label_attribute`` against its naming rules. (templated)
    :param label_attribute: the earlier job's label attribute the selection looks at; detected
        when the lines carry one. (templated)
    :param status: keep ``all`` lines, or only the ``labeled``, ``unlabeled`` or ``failed``
        ones. (templated)
    :param class_names: keep lines whose label has any of these classes. (templated)
    :param confidence_below: keep lines whose lowest label confidence is below this. (templated)
    :param lowest_quantile: keep exactly this fraction (rounded up) of the least confident
        lines, per job and kind of labeler; ties at the cut-off are ordered by a hash of the
        line's source seeded with ``seed``. (templated)
    :param agreement_below: keep lines whose workers agreed less than this, in (0, 1]: the
        agreement :func:`~airflow_gt.workforce.measure_workforce` measures from the job's
        worker responses; a failed line has none and is never kept. (templated)
    :param job_output: with ``agreement_below``, the labeling job's output folder
        (``<S3OutputPath>/<job name>``), or the labeling task's result; by default the folder
        of a ``source`` that is ``<job>/manifests/output/output.manifest``. (templated)
    :param sample_size: then keep a random sample of this many lines. (templated)
    :param seed: the seed of that sample and of the quantile's tie order. (templated)
    :param on_empty: ``"skip"``, ``"fail"`` or ``"continue"`` when no line is kept.
    """

    template_fields: Sequence[str] = aws_template_fields(
        "agreement_below", "class_names", "confidence_below", "destination", "follow_up",
        "job_output", "label_attribute", "lowest_quantile", "new_label_attribute",
        "sample_size", "seed", "source", "status",
    )

    def __init__(
        self,
        *,
        source: str | Mapping[str, Any],
        destination: str,
        new_label_attribute: str,
        follow_up: str | None = None,
        label_attribute: str | None = None,
        status: str = "all",
        class_names: Sequence[str] | None = None,
        confidence_below: float | str | None = None,
        lowest_quantile: float | str | None = None,
        sample_size: int | str | None = None,
        seed: int | str = 0,
        agreement_below: float | str | None = None,
        job_output: str | Mapping[str, Any] | None = None,
        on_empty: Literal["skip", "fail", "continue"] = "skip",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        check_choice("on_empty", on_empty, ON_EMPTY)
        self.source = source
        self.destination = destination
        self.new_label_attribute = new_label_attribute
        self.follow_up = follow_up
        self.label_attribute = label_attribute
        self.status = status
        self.class_names = class_names
        self.confidence_below = confidence_below
        self.lowest_quantile = lowest_quantile
        self.sample_size = sample_size
        self.seed = seed
        self.agreement_below = agreement_below
        self.job_output = job_output
        self.on_empty = on_empty

    def selection(self) -> Selection:
        """The rendered selection arguments, checked."""
        if isinstance(self.class_names, str):
            raise ConfigurationError("class_names", "must be a list of class names")
        return Selection(
            status=self.status,  # type: ignore[arg-type]  # Selection checks the value
            class_names=frozenset(self.class_names) if self.class_names else None,
            confidence_below=number(self.confidence_below, "confidence_below", float),
            lowest_quantile=number(self.lowest_quantile, "lowest_quantile", float),
            sample_size=number(self.sample_size, "sample_size", int),
            seed=number(self.seed, "seed", int, optional=False),
            agreement_below=number(self.agreement_below, "agreement_below", float),
        )

    def _job_output(self) -> str | None:
        """The job's output folder as given: a folder, or a labeling task's result (the folder
        its output manifest is in); None, ``""`` or a rendered ``"None"``: told from the
        source."""
        value = self.job_output
        if value is None or (isinstance(value, str) and value.strip() in ("", "None")):
            return None
        if isinstance(value, Mapping):
            manifest = manifest_uri_of(value, "job_output")
            folder = job_output_of(manifest)
            if folder is None:
                raise ConfigurationError(
                    "job_output", f"the task result names {manifest}, which is not "
                    f"<job>/{OUTPUT_MANIFEST}: give the job's output folder",
                )
            return folder
        return manifest_uri_of(value, "job_output")

    def execute(self, context: Context) -> dict[str, Any]:
        source = manifest_uri_of(self.source, "source")
        destination = destination_uri(self.destination, context)
        result = chain_manifest(
            source,
            destination,
            new_label_attribute=self.new_label_attribute,
            selection=self.selection(),
            label_attribute=self.label_attribute or None,
            follow_up=self.follow_up or None,
            s3_client=self.hook.s3_client,
            job_output=self._job_output(),
        )
        self.lineage_record = LineageRecord(
            inputs=(s3_dataset(source, rows=result.lines_read),),
            outputs=(s3_dataset(result.destination, rows=result.lines_written),),
        )
        self.log.info(
            "Kept %s of %s lines of %s (selected on %s; %s tied lines left out) in %s",
            result.lines_written, result.lines_read, source, result.label_attribute,
            result.ties_broken, result.destination,
        )
        if result.lines_written == 0 and self.on_empty != "continue":
            error = EmptySelectionError(source, result.destination, result.lines_read)
            if self.on_empty == "fail":
                raise error
            raise AirflowSkipException(str(error))
        return {
            "manifest_uri": result.destination,
            "source": source,
            "label_attribute": result.label_attribute,
            "new_label_attribute": self.new_label_attribute,
            "lines_read": result.lines_read,
            "lines_written": result.lines_written,
            "ties_broken": result.ties_broken,
        }


class ManifestMergeOperator(LineageMixin, AwsParamsMixin, BaseOperator):
    """Join the output manifests of several labeling jobs on ``source-ref`` / ``source``.

    A source that is None, the result of an upstream task that was skipped (a follow-up job
    with nothing to label), is left out; give the task ``trigger_rule="none_failed"`` so it
    runs after such a skip. With one source left, it is copied as it is.

    Returns ``{"manifest_uri", "sources", "lines_written", "missing_count",
    "conflict_count", "dropped_count", "issues"}``, each key also pushed as its own XCom. With
    OpenLineage on, the task reports the sources it merged -> the merged manifest, with the lines
    written (``outputStatistics``).

    :param sources: the manifests, in order of precedence: ``s3://`` URIs or upstream results.
        (templated)
    :param destination: the ``s3://`` URI of the merged manifest; one ending in ``/`` is a
        folder, where each task run writes ``<run's name>/<task_id>.manifest``. (templated)
    :param on_missing: an object missing from some manifests is kept (``"keep"``), dropped
        (``"drop"``) or an error (``"error"``).
    :param on_conflict: a key with different values is an error (``"error"``) or keeps the
        first manifest's value (``"first"``).
    """

    template_fields: Sequence[str] = aws_template_fields("destination", "sources")

    def __init__(
        self,
        *,
        sources: Sequence[str | Mapping[str, Any] | None],
        destination: str,
        on_missing: Literal["keep", "drop", "error"] = "keep",
        on_conflict: Literal["error", "first"] = "error",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        check_choice("on_missing", on_missing, ("keep", "drop", "error"))
        check_choice("on_conflict", on_conflict, ("error", "first"))
        self.sources = sources
        self.destination = destination
        self.on_missing = on_missing
        self.on_conflict = on_conflict

    def execute(self, context: Context) -> dict[str, Any]:
        if isinstance(self.sources, (str, Mapping)):
            raise ConfigurationError("sources", "must be a list of manifests")
        given = [manifest_uri_of(source, "sources") for source in self.sources
                 if source is not None]
        left_out = len(self.sources) - len(given)
        if left_out:
            self.log.info("Leaving out %s sources that are None (skipped upstream tasks)",
                          left_out)
        if not given:
            raise ConfigurationError("sources", "every source is None: nothing to merge")
        destination = destination_uri(self.destination, context)
        s3 = self.hook.s3_client
        summary: dict[str, Any] = {"manifest_uri": destination, "sources": given,
                                   "missing_count": 0, "conflict_count": 0,
                                   "dropped_count": 0, "issues": []}
        if len(given) == 1:
            with ManifestWriter(destination, s3_client=s3) as writer:
                for _, record in read_manifest(given[0], s3_client=s3):
                    writer.write(record)
            summary["lines_written"] = writer.lines_written
            self.lineage_record = LineageRecord(
                inputs=(s3_dataset(given[0], rows=writer.lines_written),),
                outputs=(s3_dataset(destination, rows=writer.lines_written),),
            )
            self.log.info("One source left: copied %s to %s", given[0], destination)
            return summary
        result = merge_manifests(
            given, destination, on_missing=self.on_missing, on_conflict=self.on_conflict,
            s3_client=s3,
        )
        self.lineage_record = LineageRecord(
            inputs=tuple(s3_dataset(uri) for uri in given),
            outputs=(s3_dataset(destination, rows=result.lines_written),),
        )
        summary.update(
            lines_written=result.lines_written, missing_count=result.missing_count,
            conflict_count=result.conflict_count, dropped_count=result.dropped_count,
            issues=[str(issue) for issue in result.issues],
        )
        self.log.info(
            "Merged %s manifests into %s: %s lines; %s objects missing somewhere, %s conflicts, "
            "%s dropped", len(given), destination, result.lines_written, result.missing_count,
            result.conflict_count, result.dropped_count,
        )
        return summary
