"""How far a running labeling job is, read from its intermediate manifest.

While a job runs, Ground Truth rewrites ``annotations/intermediate/<n>/annotations.manifest``
under the job's output folder: one line per input line, labeled lines with their label, the
others as they were in the input. The latest iteration's file tells how many objects already have
a label, so validation can start on it before the job ends.

The lines are read by the manifest core (any broken line names its file and line); this module
only counts them and finds the latest iteration among the folder names S3 lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from airflow_gt.exceptions import LabelingJobFailedError, LabelingProgressError
from airflow_gt.labeling.outcome import has_ended
from airflow_gt.manifests.attributes import find_label_attribute
from airflow_gt.manifests.layout import LabelingJobOutputLayout
from airflow_gt.manifests.storage import S3Location
from airflow_gt.waiters import LABELING_JOB_COMPLETED, waiter_state


@dataclass(frozen=True)
class LabelingProgress:
    """The labeled share of one intermediate manifest."""

    manifest_uri: str
    objects: int
    labeled: int
    failed: int

    @property
    def fraction(self) -> float:
        """labeled / objects, 0 for an empty manifest."""
        return self.labeled / self.objects if self.objects else 0.0

    def __str__(self) -> str:
        return (
            f"{self.labeled} of {self.objects} objects labeled ({self.fraction:.0%}), "
            f"{self.failed} failed, in {self.manifest_uri}"
        )

    @classmethod
    def from_xcom(cls, value: dict[str, Any]) -> LabelingProgress:
        return cls(
            value["intermediate_manifest_uri"], value["objects"], value["labeled"],
            value["failed"],
        )

    def to_xcom(self) -> dict[str, Any]:
        return {
            "intermediate_manifest_uri": self.manifest_uri,
            "objects": self.objects,
            "labeled": self.labeled,
            "failed": self.failed,
            "fraction": self.fraction,
        }


def count_progress(
    lines: Iterable[tuple[int, dict[str, Any]]], label_attribute: str, manifest_uri: str
) -> LabelingProgress:
    """Count labeled and failed lines under ``label_attribute`` (``X`` or ``X-ref``)."""
    objects = labeled = failed = 0
    for _, record in lines:
        objects += 1
        attribute = find_label_attribute(record, label_attribute)
        if attribute is None:
            continue
        if attribute.is_failed(record):
            failed += 1
        elif attribute.is_labeled(record):
            labeled += 1
    return LabelingProgress(manifest_uri, objects, labeled, failed)


def intermediate_prefix(layout: LabelingJobOutputLayout) -> S3Location:
    """The S3 prefix whose sub-folders are the intermediate iterations (``.../intermediate/``)."""
    return S3Location.parse(layout.intermediate)


def latest_intermediate_manifest(
    layout: LabelingJobOutputLayout, folders: Iterable[str]
) -> str | None:
    """The intermediate manifest of the highest iteration among ``folders``.

    ``folders`` are the common prefixes S3 lists under :func:`intermediate_prefix` with
    delimiter ``/`` (``job/annotations/intermediate/2/``); names that are not numbers are ignored.
    """
    iterations = [
        int(name)
        for name in (folder.rstrip("/").rsplit("/", 1)[-1] for folder in folders)
        if name.isdigit()
    ]
    if not iterations:
        return None
    return layout.intermediate_manifest(max(iterations))


def layout_of(description: dict[str, Any]) -> LabelingJobOutputLayout:
    """A job's output layout, from its DescribeLabelingJob answer."""
    return LabelingJobOutputLayout(
        description["OutputConfig"]["S3OutputPath"], description["LabelingJobName"]
    )


def progress_reached(
    description: dict[str, Any], progress: LabelingProgress | None, wanted: float
) -> bool:
    """True when ``progress`` has ``wanted`` (0 to 1) of its objects labeled.

    False while the job may still get there; when it has ended short of it, the error that says
    so: AWS's failure for a Failed or Stopped job, :class:`LabelingProgressError` for one that
    completed with too few labels.
    """
    if progress is not None and progress.objects and progress.fraction >= wanted:
        return True
    if not has_ended(description):
        return False
    name = description["LabelingJobName"]
    status = description["LabelingJobStatus"]
    labeled, objects = (progress.labeled, progress.objects) if progress else (0, 0)
    if waiter_state(LABELING_JOB_COMPLETED, description) == "failure":
        raise LabelingJobFailedError(
            name, status, description.get("FailureReason"), f"{labeled} of {objects} labeled"
        )
    raise LabelingProgressError(name, status, labeled, objects, wanted)
