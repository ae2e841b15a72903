"""A labeling job's output folder: its output manifest and its workers' answers.

The folder is ``<S3OutputPath>/<job name>``, on S3 (``s3://bucket/prefix/job``) or copied to a
local folder in the same layout (``aws s3 sync``): ``manifests/output/output.manifest`` and
``annotations/worker-response/iteration-<n>/<index>/<timestamp>.json``. The job's name is the
folder's last part.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_gt.exceptions import ManifestNotFoundError, WorkerResponseError
from airflow_gt.manifests.layout import (
    OUTPUT_MANIFEST,
    LabelingJobOutputLayout,
    parse_worker_response_key,
)
from airflow_gt.manifests.storage import S3Location, is_s3_uri, read_bytes
from airflow_gt.manifests.worker_responses import (
    WorkerResponse,
    parse_worker_response,
    read_worker_responses,
)

WORKER_RESPONSES = "annotations/worker-response"


@dataclass(frozen=True)
class JobOutput:
    """Where one labeling job's output is.

    :param folder: ``<output path>/<job name>``: an ``s3://`` URI or a local folder.
    """

    folder: str

    @property
    def job_name(self) -> str:
        return self.folder.rstrip("/").rsplit("/", 1)[-1]

    @property
    def output_manifest(self) -> str:
        if is_s3_uri(self.folder):
            return str(S3Location.parse(self.folder).child(OUTPUT_MANIFEST))
        return str(Path(self.folder) / OUTPUT_MANIFEST)

    @property
    def worker_responses_folder(self) -> str:
        if is_s3_uri(self.folder):
            return str(S3Location.parse(self.folder).child(WORKER_RESPONSES)) + "/"
        return str(Path(self.folder) / WORKER_RESPONSES)

    def worker_responses(self, s3_client: Any = None) -> Iterator[WorkerResponse]:
        """Every worker-response file, one at a time; the files of one data object (of one
        iteration) come one after another."""
        if is_s3_uri(self.folder):
            location = S3Location.parse(self.folder.rstrip("/"))
            parent, _, name = location.key.rpartition("/")
            layout = LabelingJobOutputLayout(str(S3Location(location.bucket, parent)), name)
            return read_worker_responses(layout, s3_client=s3_client)
        return self._local_worker_responses()

    def _local_worker_responses(self) -> Iterator[WorkerResponse]:
        root = Path(self.folder)
        if not root.is_dir():
            raise ManifestNotFoundError(self.folder)
        folder = root / WORKER_RESPONSES
        found = []
        for path in folder.rglob("*.json") if folder.is_dir() else ():
            key = parse_worker_response_key(path.relative_to(root).as_posix())
            if key is not None:
                found.append((key.iteration, key.index, key.timestamp, path, key))
        for *_, path, key in sorted(found):
            yield parse_worker_response(read_bytes(path), str(path), key)


def check_worker_response(response: WorkerResponse, objects: int) -> None:
    """A worker-response file must be about a line of the output manifest."""
    if response.index >= objects:
        raise WorkerResponseError(
            response.source,
            f"data object {response.index} is not in the output manifest, which has "
            f"{objects} lines",
        )

