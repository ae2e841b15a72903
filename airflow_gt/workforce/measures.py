"""The workforce measures of one labeling job, from its output manifest and its workers' answers.

Read in two streams: the output manifest first (per line, only the source and the consolidated
label are kept), then the worker-response files, one data object at a time. For each object:

- **agreement**: the mean, over its workers, of each answer's :func:`~.agreement.score` against the
  consolidated label (the share of workers who gave the consolidated class, for single-label
  tasks); None when the object has no consolidated label (it failed);
- each **worker**'s answer is scored against the consensus of the *other* workers of the object
  (:func:`~.agreement.consensus`, :func:`~.agreement.score_consensus`) when at least two others
  answered, else against the consolidated label; a tie among the others (single-label) or a
  failed object leaves that answer unjudged. A worker's **accuracy** is the mean of their judged
  scores; their **mean time** is the mean of ``timeSpentInSeconds`` (or submission minus
  acceptance time);
- single-label tasks add the object's answers to **Krippendorff's alpha** (nominal).

Semantic segmentation answers are painted masks, which are not compared: its workers are counted
and timed, and ``unmeasured`` says why agreement and accuracy are None.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any

from airflow_gt.exceptions import (
    ConfigurationError,
    LabelAttributeNotFoundError,
    ManifestError,
    WorkerResponseError,
)
from airflow_gt.manifests.attributes import LabelAttribute, find_label_attribute, label_attributes
from airflow_gt.manifests.label_parsing import parse_label
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.worker_responses import WorkerAnswer, WorkerResponse
from airflow_gt.workforce.agreement import consensus, score, score_consensus
from airflow_gt.workforce.answers import (
    ANSWER_KINDS,
    UNMEASURED_JOB_TYPES,
    AnswerKind,
    UnreadableAnswer,
    consolidated_value,
    read_answer,
)
from airflow_gt.workforce.job_output import JobOutput, check_worker_response
from airflow_gt.workforce.krippendorff import NominalAlpha

LOW_AGREEMENT_OBJECTS = 10
"""How many of the least agreed-on objects a summary lists."""


@dataclass(frozen=True)
class ObjectAgreement:
    """One data object: its 0-based index (line of the manifest), source, workers, agreement."""

    index: int
    source: str
    workers: int
    agreement: float | None


@dataclass
class WorkerTally:
    """What one worker did: tasks answered, judged answers and their scores, time spent."""

    worker_id: str
    tasks: int = 0
    judged: int = 0
    score_sum: float = 0.0
    timed: int = 0
    seconds_sum: float = 0.0

    @property
    def accuracy(self) -> float | None:
        return self.score_sum / self.judged if self.judged else None

    @property
    def mean_seconds(self) -> float | None:
        return self.seconds_sum / self.timed if self.timed else None

    def to_json(self) -> dict[str, Any]:
        return {"worker_id": self.worker_id, "tasks": self.tasks, "judged": self.judged,
                "accuracy": self.accuracy, "mean_seconds": self.mean_seconds}


@dataclass
class WorkforceMeasures:
    """Every measure of one job's workforce."""

    source: str
    job_name: str
    job_type: str
    label_attribute: str
    manifest_lines: int
    objects: list[ObjectAgreement] = field(default_factory=list)
    workers: dict[str, WorkerTally] = field(default_factory=dict)
    answers: int = 0
    alpha: float | None = None
    unmeasured: str | None = None
    """Why agreement and accuracy are not measured for this job type (None: they are)."""

    @property
    def mean_agreement(self) -> float | None:
        agreements = [o.agreement for o in self.objects if o.agreement is not None]
        return sum(agreements) / len(agreements) if agreements else None

    def low_agreement(self, count: int = LOW_AGREEMENT_OBJECTS) -> list[ObjectAgreement]:
        """The ``count`` objects agreed on least (below full agreement), lowest first."""
        below = [o for o in self.objects if o.agreement is not None and o.agreement < 1.0]
        return sorted(below, key=lambda o: (o.agreement, o.index))[:count]

    def per_worker(self) -> list[WorkerTally]:
        """The workers, most tasks first, then by id."""
        return sorted(self.workers.values(), key=lambda w: (-w.tasks, w.worker_id))


# --- the output manifest --------------------------------------------------------------------


def _is_the_jobs(attribute: LabelAttribute, record: dict[str, Any], job_name: str) -> bool:
    return attribute.metadata(record).get("job-name") in (job_name, f"labeling-job/{job_name}")


def _job_attribute(manifest: str, job_name: str, s3_client: Any) -> str:
    """The label attribute the job wrote: the one whose metadata names the job; else the only
    label attribute of the first labeled line."""
    first: list[LabelAttribute] | None = None
    for _, record in read_manifest(manifest, s3_client=s3_client):
        found = label_attributes(record)
        for attribute in found:
            if _is_the_jobs(attribute, record, job_name):
                return attribute.name
        if first is None and found:
            first = found
    if first is not None and len(first) == 1:
        return first[0].name
    names = ", ".join(a.name for a in first or [])
    raise ConfigurationError(
        "label_attribute",
        f"no label attribute of {manifest} names job {job_name!r} in its metadata"
        + (f" (it has {names}): name the job's label attribute" if names else
           ": the manifest has no labels"),
    )


def _kind(job_type: str) -> AnswerKind | None:
    if job_type in ANSWER_KINDS:
        return ANSWER_KINDS[job_type]
    if job_type in UNMEASURED_JOB_TYPES:
        return None
    raise ConfigurationError(
        "job_type",
        f"workforce measures cover the built-in image and text tasks "
        f"({', '.join([*ANSWER_KINDS, *UNMEASURED_JOB_TYPES])}); {job_type} is not one",
    )


@dataclass(frozen=True)
class _Line:
    source: str
    consolidated: Any
    """The comparable consolidated label; None when the object failed or was not labeled."""


def _read_lines(manifest: str, attribute: str, s3_client: Any
                ) -> tuple[list[_Line], str | None]:
    lines: list[_Line] = []
    job_type: str | None = None
    kind: AnswerKind | None = None
    seen = False
    for number, record in read_manifest(manifest, s3_client=s3_client):
        found = find_label_attribute(record, attribute)
        value = None
        if found is not None:
            seen = True
            if job_type is None and found.job_type is not None:
                job_type = found.job_type.name
                kind = _kind(job_type)
            label = parse_label(record, found, source=manifest, line=number)
            if label is not None and kind is not None:
                try:
                    value = consolidated_value(label, kind)
                except UnreadableAnswer as exc:
                    raise ManifestError(f"{manifest}, line {number}: {exc}") from None
        source = record.get("source-ref", record.get("source", ""))
        lines.append(_Line(source if isinstance(source, str) else str(source), value))
    if not seen:
        raise LabelAttributeNotFoundError(manifest, attribute)
    return lines, job_type


# --- the worker responses -------------------------------------------------------------------


def _seconds(answer: WorkerAnswer) -> float | None:
    if answer.time_spent_in_seconds is not None:
        return answer.time_spent_in_seconds
    if answer.acceptance_time is None or answer.submission_time is None:
        return None
    try:
        start = datetime.fromisoformat(answer.acceptance_time)
        end = datetime.fromisoformat(answer.submission_time)
        return (end - start).total_seconds()
    except (ValueError, TypeError):
        return None


@dataclass(frozen=True)
class _Answer:
    worker_id: str
    value: Any
    seconds: float | None


def _answers(responses: Sequence[WorkerResponse], kind: AnswerKind | None) -> list[_Answer]:
    found = []
    for response in responses:
        for i, answer in enumerate(response.answers):
            value = None
            if kind is not None:
                try:
                    value = read_answer(answer.answer_content, kind)
                except UnreadableAnswer as exc:
                    raise WorkerResponseError(response.source, f"answers[{i}]: {exc}") from None
            found.append(_Answer(answer.worker_id, value, _seconds(answer)))
    return found


def _object_groups(responses: Iterator[WorkerResponse]) -> Iterator[list[WorkerResponse]]:
    for _, group in groupby(responses, key=lambda r: (r.iteration, r.index)):
        yield list(group)


class _Tally:
    def __init__(self, measures: WorkforceMeasures, kind: AnswerKind | None) -> None:
        self.measures = measures
        self.kind = kind
        self.alpha = NominalAlpha()

    def add(self, index: int, line: _Line, answers: list[_Answer]) -> None:
        kind, reference = self.kind, line.consolidated
        agreement = None
        if kind is not None and reference is not None:
            agreement = sum(score(kind, a.value, reference) for a in answers) / len(answers)
        self.measures.objects.append(ObjectAgreement(index, line.source, len(answers), agreement))
        self.measures.answers += len(answers)
        for position, answer in enumerate(answers):
            worker = self.measures.workers.setdefault(answer.worker_id,
                                                      WorkerTally(answer.worker_id))
            worker.tasks += 1
            if answer.seconds is not None:
                worker.timed += 1
                worker.seconds_sum += answer.seconds
            if kind is None:
                continue
            others = [a.value for k, a in enumerate(answers) if k != position]
            if len(others) >= 2:
                agreed = consensus(kind, others)
                if agreed is not None:
                    worker.judged += 1
                    worker.score_sum += score_consensus(kind, answer.value, agreed)
            elif reference is not None:
                worker.judged += 1
                worker.score_sum += score(kind, answer.value, reference)
        if kind is AnswerKind.SINGLE:
            self.alpha.add(a.value for a in answers)


def measure_workforce(
    folder: str, *, label_attribute: str | None = None, s3_client: Any = None
) -> WorkforceMeasures:
    """Measure the workforce of the labeling job whose output is in ``folder``
    (``<output path>/<job name>``, ``s3://`` or local).

    :param label_attribute: the job's label attribute; by default the one whose metadata names
        the job.
    :raises ManifestError: when the output manifest or a worker-response file cannot be read.
    :raises ConfigurationError: for a job type whose workforce is not measured, or a label
        attribute that cannot be found.
    """
    job = JobOutput(folder)
    manifest = job.output_manifest
    attribute = label_attribute or _job_attribute(manifest, job.job_name, s3_client)
    lines, job_type = _read_lines(manifest, attribute, s3_client)
    if job_type is None:
        raise ConfigurationError(
            "label_attribute", f"no line of {manifest} has a {attribute!r} label of a Ground "
            "Truth job type"
        )
    kind = _kind(job_type)
    measures = WorkforceMeasures(
        source=job.folder, job_name=job.job_name, job_type=job_type,
        label_attribute=attribute, manifest_lines=len(lines),
        unmeasured=UNMEASURED_JOB_TYPES.get(job_type),
    )
    tally = _Tally(measures, kind)
    for group in _object_groups(job.worker_responses(s3_client)):
        check_worker_response(group[0], len(lines))
        answers = _answers(group, kind)
        if answers:
            tally.add(group[0].index, lines[group[0].index], answers)
    if not measures.objects:
        raise ManifestError(f"{job.worker_responses_folder}: no worker responses")
    measures.alpha = tally.alpha.alpha if kind is AnswerKind.SINGLE else None
    return measures
