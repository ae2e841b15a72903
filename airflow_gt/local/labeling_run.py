"""One labeling job's objects while it runs, and the files Ground Truth writes for them.

When objects are done (by the schedule of ``workforce.py``), the run writes, under
``<S3OutputPath>/<job name>/``, as Ground Truth does:

- ``annotations/worker-response/iteration-1/<index>/<timestamp>.json``, one per worker answer;
- ``annotations/consolidated-annotation/consolidation-request/iteration-1/<timestamp>.json`` and
  ``.../consolidation-response/iteration-1/<timestamp>.json``, one pair per consolidated batch, in
  the shape the annotation-consolidation Lambda functions receive and return;
- ``annotations/consolidated-annotation/output/<index>_<timestamp>.png`` for segmentation masks;
- ``annotations/intermediate/1/annotations.manifest``, rewritten after every batch: one line per
  input line, labeled lines with their label, the others exactly as in the input;
- ``manifests/output/output.manifest`` when the job ends.

A job without automated data labeling has one iteration, ``1``; with it, each iteration's workers
write under ``iteration-<n>`` and ``intermediate/<n>`` (see ``auto_labeling_run.py``).

The label counters are counted from the same lines the intermediate manifest holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from airflow_gt.local.clock import file_timestamp, iso_timestamp
from airflow_gt.local.output_lines import output_record
from airflow_gt.local.png import decode_png, image_size
from airflow_gt.local.s3store import S3Store
from airflow_gt.local.tasks import CommonMetadata, DataObject, TaskSimulator, WorkerSkill
from airflow_gt.local.truth import Truth, truth_key
from airflow_gt.local.workforce import PlannedObject, object_random
from airflow_gt.manifests.attributes import source_of
from airflow_gt.manifests.layout import LabelingJobOutputLayout
from airflow_gt.manifests.storage import S3Location
from airflow_gt.manifests.writer import dump_line

FIRST_ITERATION = 1


def _answer_time(seconds: float) -> str:
    """Worker-response times: ISO 8601 in UTC with milliseconds and a ``Z``."""
    return iso_timestamp(seconds)[:-3] + "Z"


@dataclass
class ObjectState:
    raw: bytes
    record: dict[str, Any]
    source: str
    line: bytes
    status: str = "unlabeled"  # labeled | failed
    labeled_by: str = ""  # human | machine (automated data labeling), once labeled


@dataclass(frozen=True)
class RunSettings:
    seed: int
    job_name: str
    region: str
    label_attribute: str
    metadata_key: str
    manifest_bucket: str
    audit_attribute: str | None
    segmentation: bool
    job_type: str
    worker_skills: tuple[tuple[str, WorkerSkill], ...] = ()
    """Named workers' own skills, by worker ID; any other worker has the simulator's."""


class LabelingRun:
    """The objects of one job, the schedule of their answers, and what is written so far."""

    failure_reason: str | None = None
    """Why the run fails its job while it runs (see ``auto_labeling_run.py``); None if it does
    not."""

    def __init__(
        self,
        settings: RunSettings,
        layout: LabelingJobOutputLayout,
        objects: list[ObjectState],
        schedule: list[PlannedObject],
        simulator: TaskSimulator,
        s3: S3Store,
        max_labeled: int,
    ) -> None:
        self.settings = settings
        self.layout = layout
        self.objects = objects
        self.schedule = schedule
        self.simulator = simulator
        self.s3 = s3
        self.max_labeled = max_labeled
        self.position = 0
        self.iteration = FIRST_ITERATION
        """The iteration whose folders the workers' files go to (automated labeling has more)."""
        self.labeled = 0
        """Objects labeled by the workers (``HumanLabeled``)."""
        self.machine_labeled = 0
        """Objects labeled by automated data labeling (``MachineLabeled``)."""
        self.failed = 0
        self._skills = dict(settings.worker_skills)
        self._batches: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}

    @property
    def finished(self) -> bool:
        return self.position >= len(self.schedule)

    @property
    def limit_reached(self) -> bool:
        return self.labeled >= self.max_labeled

    @property
    def final_model_arn(self) -> str | None:
        """The last model automated data labeling trained; None without it."""
        return None

    def counters(self) -> dict[str, int]:
        total = self.labeled + self.machine_labeled
        return {
            "TotalLabeled": total,
            "HumanLabeled": self.labeled,
            "MachineLabeled": self.machine_labeled,
            "FailedNonRetryableError": self.failed,
            "Unlabeled": len(self.objects) - total - self.failed,
        }

    def advance(self, now: float) -> bool:
        """Consolidate every object done by ``now``; True when anything was written."""
        batch: list[PlannedObject] = []
        while self.position < len(self.schedule) and not self.limit_reached:
            planned = self.schedule[self.position]
            if planned.done_at > now:
                break
            self.position += 1
            batch.append(planned)
            if planned.failure_reason is None:
                self.labeled += 1
            else:
                self.failed += 1
        if not batch:
            return False
        requests, responses = [], []
        for planned in batch:
            request, response = self._complete(planned)
            requests.append(request)
            responses.append(response)
        # Batches are named by the second they end in; a later batch of the same second joins
        # the file rather than replacing it.
        stamp = file_timestamp(max(p.done_at for p in batch))
        same_second = self._batches.setdefault(stamp, ([], []))
        same_second[0].extend(requests)
        same_second[1].extend(responses)
        consolidated = str(self.layout.root.child("annotations", "consolidated-annotation"))
        for kind, documents in zip(("request", "response"), same_second, strict=True):
            self.s3.put_uri(
                f"{consolidated}/consolidation-{kind}/iteration-{self.iteration}/{stamp}.json",
                orjson.dumps(documents),
            )
        self.s3.put_uri(self.layout.intermediate_manifest(self.iteration), self.manifest_bytes())
        return True

    def manifest_bytes(self) -> bytes:
        return b"".join(state.line for state in self.objects)

    def write_output(self) -> str:
        uri = self.layout.output_manifest
        self.s3.put_uri(uri, self.manifest_bytes())
        return uri

    def _data_object(self, state: ObjectState, index: int) -> DataObject:
        truth_data = self.s3.get(self.settings.manifest_bucket, truth_key(state.source))
        size = None
        if state.source.startswith("s3://"):
            location = S3Location.parse(state.source)
            content = self.s3.get(location.bucket, location.key)
            size = image_size(content) if content else None
        return DataObject(
            index=index,
            record=state.record,
            source=state.source,
            truth=Truth.loads(truth_data) if truth_data else None,
            image=None,
            image_size=size,
            prior_mask=self._prior_mask(state.record),
        )

    def _prior_mask(self, record: dict[str, Any]) -> Any:
        audit = self.settings.audit_attribute
        if not (audit and audit.endswith("-ref") and isinstance(record.get(audit), str)):
            return None
        uri = record[audit]
        data = self.s3.get_uri(uri) if uri.startswith("s3://") else None
        return decode_png(data) if data else None

    def _complete(self, planned: PlannedObject) -> tuple[dict[str, Any], dict[str, Any]]:
        state = self.objects[planned.index]
        settings = self.settings
        obj = self._data_object(state, planned.index)
        rng = object_random(settings.seed, settings.job_name, planned.index, "answers")
        contents = [
            self._simulator_of(answer.worker_id).answer(obj, worker, rng)
            for worker, answer in enumerate(planned.answers)
        ]
        self._write_worker_responses(planned, contents)
        done = iso_timestamp(planned.done_at)
        if planned.failure_reason is not None:
            label: dict[str, Any] = {settings.metadata_key: {
                "retry-count": 1,
                "failure-reason": planned.failure_reason,
                "type": "groundtruth/" + settings.job_type,
                "job-name": self.simulator.metadata_job_name(settings.job_name),
                "human-annotated": "yes",
                "creation-date": done,
            }}
        else:
            mask_uri = str(self.layout.root.child(
                "annotations", "consolidated-annotation", "output",
                f"{planned.index}_{file_timestamp(planned.done_at)}.png",
            ))
            result = self.simulator.consolidate(
                obj, contents, CommonMetadata(settings.job_name, done, "yes", mask_uri)
            )
            for uri, data in result.files.items():
                self.s3.put_uri(uri, data)
            label = {settings.label_attribute: result.value, settings.metadata_key: result.metadata}
        state.status = "failed" if planned.failure_reason else "labeled"
        state.labeled_by = "human"
        state.line = dump_line(output_record(state.record, settings.label_attribute, label))
        return self._consolidation_request(state, planned, contents), {
            "datasetObjectId": str(planned.index),
            "consolidatedAnnotation": {"content": label},
        }

    def _simulator_of(self, worker_id: str) -> TaskSimulator:
        """The simulator whose workers answer as this worker does."""
        skill = self._skills.get(worker_id)
        return self.simulator if skill is None else self.simulator.for_skill(skill)

    def _subject(self, worker_id: str) -> str:
        """The Cognito ``sub`` of a worker: a named worker's name, a generated ID's hash."""
        return worker_id if worker_id in self._skills else worker_id.rsplit(".", 1)[-1]

    def _write_worker_responses(
        self, planned: PlannedObject, contents: Sequence[dict[str, Any]]
    ) -> None:
        for answer, content in zip(planned.answers, contents, strict=True):
            document = {"answers": [{
                "acceptanceTime": _answer_time(answer.accepted),
                "answerContent": content,
                "submissionTime": _answer_time(answer.submitted),
                "timeSpentInSeconds": round(answer.submitted - answer.accepted, 3),
                "workerId": answer.worker_id,
                "workerMetadata": {"identityData": {
                    "identityProviderType": "Cognito",
                    "issuer": f"https://cognito-idp.{self.settings.region}.amazonaws.com/"
                              f"{self.settings.region}_localstandin",
                    "sub": self._subject(answer.worker_id),
                }},
            }]}
            key = self.layout.worker_response_file(
                self.iteration, planned.index, file_timestamp(answer.submitted)
            )
            self.s3.put_uri(key, orjson.dumps(document))

    def _consolidation_request(
        self, state: ObjectState, planned: PlannedObject, contents: Sequence[dict[str, Any]]
    ) -> dict[str, Any]:
        data_object = (
            {"s3Uri": state.source} if "source-ref" in state.record else {"content": state.source}
        )
        return {
            "datasetObjectId": str(planned.index),
            "dataObject": data_object,
            "annotations": [
                {
                    "workerId": answer.worker_id,
                    "annotationData": {"content": orjson.dumps(content).decode()},
                }
                for answer, content in zip(planned.answers, contents, strict=True)
            ],
        }


def object_states(lines: Sequence[tuple[bytes, dict[str, Any]]]) -> list[ObjectState]:
    """The run's starting state: every input line unlabeled, kept byte for byte."""
    states = []
    for raw, record in lines:
        line = raw if raw.endswith(b"\n") else raw + b"\n"
        states.append(ObjectState(raw, record, source_of(record) or "", line))
    return states
