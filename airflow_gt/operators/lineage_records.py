"""What an operator keeps, while it runs, for its OpenLineage report: plain data, no OpenLineage.

An operator fills :attr:`LineageMixin.lineage_record` during ``execute`` (or ``execute_complete``
for a deferred task) with the datasets it read and wrote; when the task ends, the OpenLineage
provider (if installed and configured) calls ``get_openlineage_facets_on_complete``, and only then
is :mod:`airflow_gt.lineage`, which builds the OpenLineage objects, imported. A DAG file that
imports an operator imports nothing of OpenLineage.

Datasets are named by OpenLineage's conventions: an S3 object is namespace ``s3://<bucket>``,
name its key; an adapter version is its ARN under ``awsrekognition://rekognition.<region>.
amazonaws.com`` (see :func:`adapter_dataset`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_gt.adapters.outcome import AdapterVersionResult
    from airflow_gt.labeling.outcome import LabelingJobResult
    from airflow_gt.validation.results import ExpectationOutcome

NOT_NULL = "expect_column_values_to_not_be_null"


@dataclass(frozen=True)
class AssertionRecord:
    """One expectation checked on a dataset, and whether it held."""

    expectation: str
    success: bool
    column: str | None = None
    rule: str = ""
    label_attribute: str | None = None
    frame: str | None = None


@dataclass(frozen=True)
class DatasetRecord:
    """A dataset read or written: where it is, and what the task learnt about it.

    :param rows: the lines read (an input) or written (an output), when counted.
    :param assertions: the expectations checked on it (a validated input).
    :param null_counts: column -> null values, where the checks counted them.
    :param quality: report the data-quality facets (a validated input), even with no assertion.
    """

    namespace: str
    name: str
    rows: int | None = None
    assertions: tuple[AssertionRecord, ...] = ()
    null_counts: Mapping[str, int] = field(default_factory=dict)
    quality: bool = False


@dataclass(frozen=True)
class LineageRecord:
    """What a task run read and wrote, and its run facets (facet name -> plain fields)."""

    inputs: tuple[DatasetRecord, ...] = ()
    outputs: tuple[DatasetRecord, ...] = ()
    run_facets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def s3_dataset(uri: str, *, rows: int | None = None) -> DatasetRecord:
    """An ``s3://bucket/key`` object: namespace ``s3://bucket``, name the key."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return DatasetRecord(namespace=f"s3://{bucket}", name=key, rows=rows)


def adapter_dataset(version_arn: str, fallback_region: str | None = None) -> DatasetRecord:
    """A Rekognition adapter version: its ARN, in the namespace of the regional endpoint.

    OpenLineage names datasets of AWS services that are addressed by an endpoint after that
    endpoint, with the service as the scheme (Athena: ``awsathena://athena.{region}.
    amazonaws.com``); Rekognition has no convention of its own yet, so an adapter version follows
    that one: ``awsrekognition://rekognition.{region}.amazonaws.com``, name the version's ARN
    (unique, and what every Rekognition call takes).
    """
    parts = version_arn.split(":")
    region = parts[3] if len(parts) > 3 and parts[3] else (fallback_region or "us-east-1")
    return DatasetRecord(
        namespace=f"awsrekognition://rekognition.{region}.amazonaws.com", name=version_arn
    )


def validated_dataset(
    uri: str,
    objects: int,
    outcomes: Sequence[tuple[str | None, ExpectationOutcome]],
) -> DatasetRecord:
    """A manifest checked by Great Expectations: one assertion per expectation (with the label
    attribute it was checked for), and the null counts of the not-null expectations."""
    assertions = tuple(
        AssertionRecord(
            expectation=outcome.expectation, success=outcome.success,
            column=outcome.column or None, rule=outcome.rule, label_attribute=attribute,
            frame=outcome.frame or None,
        )
        for attribute, outcome in outcomes
    )
    nulls: dict[str, int] = {}
    for _, outcome in outcomes:
        if outcome.expectation == NOT_NULL and outcome.column:
            nulls[outcome.column] = nulls.get(outcome.column, 0) + outcome.unexpected_count
    base = s3_dataset(uri, rows=objects)
    return DatasetRecord(
        namespace=base.namespace, name=base.name, rows=objects, assertions=assertions,
        null_counts=nulls, quality=True,
    )


def labeling_job_lineage(
    description: Mapping[str, Any],
    result: LabelingJobResult,
    request: Mapping[str, Any] | None = None,
    task_type: str | None = None,
) -> LineageRecord:
    """A finished labeling job: its input manifest -> its output manifest (every object is a
    line of it), with the ``groundTruthLabelingJob`` run facet.

    A deferred task's trigger event carries only part of DescribeLabelingJob (no input
    configuration): ``request`` (a CreateLabelingJob request, or the part of one the task knows)
    and ``task_type`` (the built-in task) fill in what ``description`` lacks.
    """
    known = {**(request or {}), **description}
    source = ((known.get("InputConfig") or {}).get("DataSource") or {}).get("S3DataSource") or {}
    manifest = source.get("ManifestS3Uri")
    pre_lambda = str((known.get("HumanTaskConfig") or {}).get("PreHumanTaskLambdaArn", ""))
    task_type = task_type or pre_lambda.rsplit(":", 1)[-1].removeprefix("PRE-") or None
    counters = result.label_counters
    return LineageRecord(
        inputs=(s3_dataset(str(manifest)),) if isinstance(manifest, str) else (),
        outputs=(s3_dataset(result.output_manifest_uri, rows=counters.objects),),
        run_facets={"groundTruthLabelingJob": {
            "jobName": result.job_name, "jobArn": result.job_arn, "taskType": task_type,
            "labelAttribute": known.get("LabelAttributeName"), "status": result.status,
            "labelCounters": dict(counters.to_json()),
        }},
    )


def adapter_lineage(
    result: AdapterVersionResult, manifests: tuple[str | None, ...], region: str | None
) -> LineageRecord:
    """A trained adapter version: its training and testing manifests -> the version (and the
    files training wrote: the evaluation results the gate reads, the output manifests), with
    the ``rekognitionAdapter`` run facet."""
    written = (result.evaluation_uri, result.training_output_uri, result.testing_output_uri)
    return LineageRecord(
        inputs=tuple(s3_dataset(uri) for uri in manifests if uri),
        outputs=(adapter_dataset(result.version_arn, region),
                 *(s3_dataset(uri) for uri in written if uri)),
        run_facets={"rekognitionAdapter": {
            "projectName": result.project_name, "versionName": result.version_name,
            "versionArn": result.version_arn, "status": result.status,
            "f1Score": result.f1_score, "confidenceThreshold": result.confidence_threshold,
        }},
    )


class LineageMixin:
    """``get_openlineage_facets_on_complete`` from :attr:`lineage_record`, which the operator
    sets while it runs; a task that set none reports no datasets."""

    lineage_record: LineageRecord | None = None

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """The OpenLineage datasets and facets of this task run (an ``OperatorLineage``)."""
        from airflow_gt.lineage import operator_lineage

        return operator_lineage(self.lineage_record)
