"""The OpenLineage report of a task run, built from what its operator kept while it ran.

Imported only by ``get_openlineage_facets_on_complete`` (see
:class:`airflow_gt.operators.lineage_records.LineageMixin`), that is only when the OpenLineage
provider is installed (``airflow-gt[openlineage]``) and a task ends: never when a DAG file is
parsed, never by the pure core. The records are plain data
(:mod:`airflow_gt.operators.lineage_records`); this module turns them into OpenLineage datasets
and facets:

- an input: ``inputStatistics`` (rows read); a validated input also ``dataQualityAssertions``
  (one assertion per expectation) and ``dataQualityMetrics`` (rows, and null counts);
- an output: ``outputStatistics`` (rows written);
- run facets of ours (attrs classes, as OpenLineage's own): ``groundTruthLabelingJob``,
  ``rekognitionAdapter`` and ``rekognitionAdapterEvaluation``.
"""

from __future__ import annotations

from typing import Any

import attr
from airflow.providers.openlineage.extractors import OperatorLineage
from openlineage.client.generated.base import InputDataset, OutputDataset, RunFacet
from openlineage.client.generated.data_quality_assertions_dataset import (
    Assertion,
    DataQualityAssertionsDatasetFacet,
)
from openlineage.client.generated.data_quality_metrics_input_dataset import (
    ColumnMetrics,
    DataQualityMetricsInputDatasetFacet,
)
from openlineage.client.generated.input_statistics_input_dataset import (
    InputStatisticsInputDatasetFacet,
)
from openlineage.client.generated.output_statistics_output_dataset import (
    OutputStatisticsOutputDatasetFacet,
)

from airflow_gt.operators.lineage_records import AssertionRecord, DatasetRecord, LineageRecord

SCHEMA_BASE = "https://airflow-gt.readthedocs.io/en/latest/lineage/facets/1-0-0/"
"""Where the JSON schemas of our run facets are named (OpenLineage asks a custom facet for one)."""


@attr.define
class GroundTruthLabelingJobRunFacet(RunFacet):
    """The SageMaker Ground Truth labeling job a task created or watched."""

    jobName: str  # OpenLineage's facets name fields in camelCase
    jobArn: str
    taskType: str | None
    labelAttribute: str | None
    status: str
    labelCounters: dict[str, int] = attr.field(factory=dict)

    @staticmethod
    def _get_schema() -> str:
        return SCHEMA_BASE + "GroundTruthLabelingJobRunFacet.json"


@attr.define
class RekognitionAdapterRunFacet(RunFacet):
    """The Rekognition Custom Moderation adapter version a task trained."""

    projectName: str
    versionName: str
    versionArn: str
    status: str
    f1Score: float | None = None
    confidenceThreshold: float | None = None

    @staticmethod
    def _get_schema() -> str:
        return SCHEMA_BASE + "RekognitionAdapterRunFacet.json"


@attr.define
class RekognitionAdapterEvaluationRunFacet(RunFacet):
    """An adapter's evaluation, as the gate task read it."""

    versionArn: str | None
    passed: bool
    f1Score: float | None = None
    confidenceThreshold: float | None = None
    failedGates: list[str] = attr.field(factory=list)

    @staticmethod
    def _get_schema() -> str:
        return SCHEMA_BASE + "RekognitionAdapterEvaluationRunFacet.json"


RUN_FACETS: dict[str, type[RunFacet]] = {
    "groundTruthLabelingJob": GroundTruthLabelingJobRunFacet,
    "rekognitionAdapter": RekognitionAdapterRunFacet,
    "rekognitionAdapterEvaluation": RekognitionAdapterEvaluationRunFacet,
}


def operator_lineage(record: LineageRecord | None) -> OperatorLineage[Any, Any]:
    """The ``OperatorLineage`` of a task run; an empty one when the run kept no record."""
    if record is None:
        return OperatorLineage()
    return OperatorLineage(
        inputs=[input_dataset(dataset) for dataset in record.inputs],
        outputs=[output_dataset(dataset) for dataset in record.outputs],
        run_facets={name: RUN_FACETS[name](**fields) for name, fields in record.run_facets.items()},
    )


def input_dataset(dataset: DatasetRecord) -> InputDataset:
    facets: dict[str, Any] = {}
    if dataset.rows is not None:
        facets["inputStatistics"] = InputStatisticsInputDatasetFacet(rowCount=dataset.rows)
    if dataset.quality:
        facets["dataQualityMetrics"] = DataQualityMetricsInputDatasetFacet(
            rowCount=dataset.rows,
            columnMetrics={column: ColumnMetrics(nullCount=count)
                           for column, count in sorted(dataset.null_counts.items())},
        )
        facets["dataQualityAssertions"] = DataQualityAssertionsDatasetFacet(
            assertions=[assertion(item) for item in dataset.assertions]
        )
    return InputDataset(namespace=dataset.namespace, name=dataset.name, inputFacets=facets)


def output_dataset(dataset: DatasetRecord) -> OutputDataset:
    facets: dict[str, Any] = {}
    if dataset.rows is not None:
        facets["outputStatistics"] = OutputStatisticsOutputDatasetFacet(rowCount=dataset.rows)
    return OutputDataset(namespace=dataset.namespace, name=dataset.name, outputFacets=facets)


def assertion(item: AssertionRecord) -> Assertion:
    """One expectation as an OpenLineage assertion: the expectation type, whether it held, the
    column; and, where the installed openlineage-python's ``Assertion`` has the fields (not
    1.33), its name (label attribute, frame, column) and its rule in words."""
    optional: dict[str, Any] = {
        "name": ".".join(part for part in (item.label_attribute, item.frame, item.column)
                         if part) or None,
        "description": item.rule or None,
    }
    known = attr.fields_dict(Assertion)
    return Assertion(
        assertion=item.expectation, success=item.success, column=item.column,
        **{key: value for key, value in optional.items() if key in known and value},
    )
