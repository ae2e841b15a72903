"""The Asset a labeling operator publishes each final output manifest as.

A labeling job's output manifest lands at a new place every run (``<output path>/<job
name>/manifests/output/output.manifest``, and the job name changes per run), but a DAG is
scheduled on Assets it names when it is parsed. So the Asset stands for the series: the labels
under one label attribute in one output path. Each run that completes a job adds an event to it
whose ``extra`` says where this run's manifest is::

    {"output_manifest_uri": "s3://.../manifests/output/output.manifest",
     "job_name": "...", "job_arn": "...", "label_counters": {"TotalLabeled": 10, ...}}

A downstream DAG schedules on the same Asset and reads the URI from its triggering events::

    @dag(schedule=[labeling_output_asset("s3://bucket/labels", "bounding-box")])
    def train():
        @task
        def manifest(triggering_asset_events=None):
            (event,) = triggering_asset_events[labeling_output_asset(...)]
            return event.extra["output_manifest_uri"]
"""

from __future__ import annotations

from urllib.parse import urlencode

from airflow.sdk import Asset

GROUP = "ground-truth"


def labeling_output_asset(output_path: str, label_attribute_name: str) -> Asset:
    """The Asset of the output manifests labeled under ``label_attribute_name`` in ``output_path``.

    Airflow keeps one active Asset per URI, so the label attribute is part of both the URI
    (``s3://bucket/labels?label-attribute=bounding-box``: Airflow drops a URI's fragment but
    keeps its query) and the name (``s3://bucket/labels#bounding-box``). Jobs labeling other
    attributes into the same folder are other Assets, each triggering only the DAGs scheduled
    on it; lineage still sees the folder (``s3://bucket``, ``labels``).
    """
    folder = output_path.rstrip("/")
    return Asset(
        name=f"{folder}#{label_attribute_name}",
        uri=f"{folder}?{urlencode({'label-attribute': label_attribute_name})}",
        group=GROUP,
    )
