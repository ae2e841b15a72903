"""Where a labeling job writes its output, under ``<S3OutputPath>/<job name>/``.

::

    <job>/manifests/output/output.manifest              the final output manifest
    <job>/annotations/intermediate/<n>/annotations.manifest   rewritten while the job runs
    <job>/annotations/worker-response/iteration-<n>/<index>/<timestamp>.json
    <job>/annotations/consolidated-annotation/          consolidation requests and responses
    <job>/activelearning/ <job>/inference/ <job>/training/   automated data labeling only
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from airflow_gt.manifests.attributes import validate_job_name
from airflow_gt.manifests.storage import S3Location, Source, is_s3_uri, source_name

OUTPUT_MANIFEST = "manifests/output/output.manifest"
INTERMEDIATE_MANIFEST_NAME = "annotations.manifest"
_WORKER_RESPONSE_KEY = re.compile(
    r"annotations/worker-response/iteration-(?P<iteration>\d+)/(?P<index>\d+)/(?P<name>[^/]+\.json)$"
)


@dataclass(frozen=True)
class WorkerResponseKey:
    """What a worker-response file's key says: its iteration, data-object index and time."""

    iteration: int
    index: int
    timestamp: str


def parse_worker_response_key(key: str) -> WorkerResponseKey | None:
    """Read iteration, index and timestamp from a worker-response key; None if it is not one."""
    match = _WORKER_RESPONSE_KEY.search(key)
    if match is None:
        return None
    return WorkerResponseKey(
        int(match["iteration"]), int(match["index"]), match["name"].removesuffix(".json")
    )


@dataclass(frozen=True)
class LabelingJobOutputLayout:
    """The S3 locations of one labeling job's output.

    :param output_path: the job's ``OutputConfig.S3OutputPath`` (``s3://bucket/prefix``).
    :param job_name: the labeling job name; Ground Truth puts everything under a folder so named.
    """

    output_path: str
    job_name: str

    def __post_init__(self) -> None:
        S3Location.parse(self.output_path)
        validate_job_name(self.job_name)

    @property
    def root(self) -> S3Location:
        return S3Location.parse(self.output_path).child(self.job_name)

    def _under(self, path: str) -> str:
        return str(self.root.child(path))

    def _folder(self, path: str) -> str:
        return self._under(path) + "/"

    @property
    def output_manifest(self) -> str:
        return self._under(OUTPUT_MANIFEST)

    @property
    def manifests(self) -> str:
        return self._folder("manifests")

    @property
    def annotations(self) -> str:
        return self._folder("annotations")

    @property
    def intermediate(self) -> str:
        return self._folder("annotations/intermediate")

    def intermediate_manifest(self, iteration: int) -> str:
        return self._under(f"annotations/intermediate/{iteration}/{INTERMEDIATE_MANIFEST_NAME}")

    @property
    def worker_response(self) -> str:
        return self._folder("annotations/worker-response")

    def worker_response_folder(self, iteration: int, index: int | None = None) -> str:
        """``iteration-<n>/`` or, with ``index``, the folder of one data object in it."""
        path = f"annotations/worker-response/iteration-{iteration}"
        return self._folder(path if index is None else f"{path}/{index}")

    def worker_response_file(self, iteration: int, index: int, timestamp: str) -> str:
        folder = f"annotations/worker-response/iteration-{iteration}/{index}"
        return self._under(f"{folder}/{timestamp}.json")

    @property
    def consolidated_annotation(self) -> str:
        return self._folder("annotations/consolidated-annotation")

    @property
    def activelearning(self) -> str:
        return self._folder("activelearning")

    @property
    def inference(self) -> str:
        return self._folder("inference")

    @property
    def training(self) -> str:
        return self._folder("training")


def job_output_of(source: Source) -> str | None:
    """The output folder of the labeling job whose output manifest ``source`` is, when it is
    ``<folder>/manifests/output/output.manifest`` (``s3://`` or local); else None."""
    name = source_name(source)
    if is_s3_uri(name):
        folder, found, rest = name.rpartition("/" + OUTPUT_MANIFEST)
        has_job = "/" in folder.removeprefix("s3://").strip("/")
        return folder if found and not rest and has_job else None
    path = Path(name)
    if len(path.parts) < 4:  # the job's folder is the working directory, or above it
        path = path.absolute()
    if path.parts[-3:] != tuple(OUTPUT_MANIFEST.split("/")) or len(path.parts) < 4:
        return None
    return str(path.parents[2])
