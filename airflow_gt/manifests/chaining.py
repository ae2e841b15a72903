"""Chaining: from a job's output manifest, write the input manifest of a follow-up job.

Every kept line is written as it was read, every key included: the earlier labels are what a
verification or adjustment job works on. Which lines are kept is a :class:`Selection`, applied to
one label attribute (detected when the lines carry exactly one):

- ``status``: all lines, or only the labeled, unlabeled or failed (``failure-reason``) ones;
- ``class_names``: lines whose label assigns any of these classes;
- ``confidence_below``: lines whose lowest label confidence is below a threshold;
- ``agreement_below``: lines whose workers agreed below a threshold: the agreement of
  :func:`airflow_gt.workforce.measure_workforce`, measured from the worker responses in the
  labeling job's output folder (``job_output``, by default the folder of a source that is
  ``<job>/manifests/output/output.manifest``); a line with no agreement (it failed, or no
  worker answered it) is never kept;
- ``lowest_quantile``: the least certain fraction of the lines *of each group*, a group being one
  job (metadata ``job-name``) and one kind of labeler (``human-annotated``), because Ground
  Truth's confidences are not comparable across jobs or between humans and machines. Exactly
  ``ceil(q * n)`` of a group's ``n`` lines are kept (at least one): Ground Truth's confidences
  take few distinct values, so the lines tied at the cut-off are ordered by a hash of their
  source seeded with ``seed``, the same on every run, and how many were left out is counted;
- ``sample_size``: then a random sample of that many lines, fixed by ``seed``.

The source is streamed: once when no quantile or sample is asked for, otherwise twice (the first
pass keeps only line numbers and confidences). With ``agreement_below``, the job's output
manifest and worker responses are read once more, first, keeping only each line's agreement.
"""

from __future__ import annotations

import hashlib
import math
import random
from array import array
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from airflow_gt.exceptions import ConfigurationError, LabelAttributeExistsError
from airflow_gt.manifests.attributes import (
    METADATA_SUFFIX,
    REF_SUFFIX,
    source_of,
    validate_label_attribute_name,
)
from airflow_gt.manifests.destinations import check_outputs
from airflow_gt.manifests.job_types import BuiltInTask, JobType
from airflow_gt.manifests.labels import Label
from airflow_gt.manifests.layout import OUTPUT_MANIFEST, job_output_of
from airflow_gt.manifests.line_chooser import LineChooser, line_confidence
from airflow_gt.manifests.reader import Record, read_manifest
from airflow_gt.manifests.storage import Source, source_name
from airflow_gt.manifests.writer import ManifestWriter

Status = Literal["all", "labeled", "unlabeled", "failed"]
FollowUp = JobType | BuiltInTask | str | None
_STATUSES = ("all", "labeled", "unlabeled", "failed")


@dataclass(frozen=True)
class Selection:
    """Which lines of an output manifest go into the follow-up job; validated when made."""

    status: Status = "all"
    class_names: frozenset[str] | None = None
    confidence_below: float | None = None
    lowest_quantile: float | None = None
    sample_size: int | None = None
    seed: int = 0
    agreement_below: float | None = None

    def __post_init__(self) -> None:
        if self.status not in _STATUSES:
            raise ConfigurationError("status", f"must be one of {', '.join(_STATUSES)}")
        if self.class_names is not None:
            if isinstance(self.class_names, str) or not self.class_names:
                raise ConfigurationError("class_names", "must be a non-empty set of class names")
            object.__setattr__(self, "class_names", frozenset(self.class_names))
        if self.confidence_below is not None and not 0 < self.confidence_below <= 1:
            raise ConfigurationError("confidence_below", "must be in (0, 1]")
        if self.agreement_below is not None and not 0 < self.agreement_below <= 1:
            raise ConfigurationError("agreement_below", "must be in (0, 1]")
        if self.lowest_quantile is not None and not 0 < self.lowest_quantile <= 1:
            raise ConfigurationError("lowest_quantile", "must be in (0, 1]")
        if self.sample_size is not None and self.sample_size < 0:
            raise ConfigurationError("sample_size", "must not be negative")
        if self.uses_labels and self.status in ("unlabeled", "failed"):
            raise ConfigurationError(
                "status",
                f"{self.status} lines have no label to filter by class, confidence or agreement",
            )

    @property
    def uses_labels(self) -> bool:
        """True when the selection looks into the labels (not only at which lines have one)."""
        return (
            self.class_names is not None
            or self.confidence_below is not None
            or self.lowest_quantile is not None
            or self.agreement_below is not None
        )


@dataclass(frozen=True)
class ChainResult:
    """What a chaining step read and wrote.

    :param ties_broken: lines left out of a ``lowest_quantile`` selection although their
        confidence equals that of the last line kept in their group (ordered by seeded hash).
    """

    destination: str
    label_attribute: str | None
    lines_read: int
    lines_written: int
    ties_broken: int = 0


@dataclass(frozen=True)
class _Agreements:
    """Each line's agreement among its workers, from one labeling job's output folder."""

    folder: str
    manifest_lines: int
    by_line: dict[int, float | None]
    """By 1-based line number; a line no worker answered is absent."""


def _measure_agreements(
    source: Source, selection: Selection, job_output: str | None, label_attribute: str | None,
    s3_client: Any,
) -> _Agreements | None:
    """The agreements ``selection.agreement_below`` needs (None when it is not set)."""
    if selection.agreement_below is None:
        return None
    folder = job_output or job_output_of(source)
    if folder is None:
        raise ConfigurationError(
            "job_output",
            f"agreement_below needs the labeling job's output folder, whose worker responses "
            f"give each line's agreement; {source_name(source)} is not "
            f"<job>/{OUTPUT_MANIFEST}, so the folder cannot be told from it: give job_output",
        )
    # Imported here: the workforce package imports airflow_gt.manifests modules, and so the
    # package's __init__, which imports this module.
    from airflow_gt.workforce.measures import measure_workforce

    measures = measure_workforce(folder, label_attribute=label_attribute, s3_client=s3_client)
    # A later iteration's answers (the ones consolidated last) replace an earlier one's.
    by_line = {found.index + 1: found.agreement for found in measures.objects}
    return _Agreements(folder, measures.manifest_lines, by_line)


def _check_same_lines(source: Source, agreements: _Agreements | None, lines_read: int) -> None:
    """The agreements are by line number: the source must have the job's output manifest's
    lines (a line more or less and every agreement would be another line's)."""
    if agreements is None or lines_read == agreements.manifest_lines:
        return
    raise ConfigurationError(
        "job_output",
        f"{source_name(source)} has {lines_read} lines but the output manifest of "
        f"{agreements.folder} has {agreements.manifest_lines}: agreements are matched by line, "
        "so the source must be that job's output manifest (or a copy of it, line for line)",
    )


def _group(label: Label) -> tuple[str | None, bool | None]:
    return label.metadata.job_name, label.metadata.human_annotated


def tie_key(record: Record, line: int, seed: int) -> int:
    """Where a line stands among lines of equal confidence: a hash of its source (of its line
    number if it has none) seeded with ``seed``, so the order is the same on every run."""
    identity = source_of(record)
    text = f"{seed}\0{identity if identity is not None else f'line {line}'}"
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _lowest_in_each_group(
    quantile: float, confidences: array[float], tie_keys: array[int], group_of: array[int]
) -> tuple[list[int], int]:
    """Positions of the ``ceil(quantile * n)`` least confident lines of each group (at least
    one), in order, and how many lines tied with a group's last kept line were left out."""
    members: dict[int, list[int]] = defaultdict(list)
    for position, group in enumerate(group_of):
        members[group].append(position)
    kept: list[int] = []
    ties_broken = 0
    for positions in members.values():
        positions.sort(key=lambda p: (confidences[p], tie_keys[p]))
        # round first: 0.07 * 100 is 7.000000000000001 in floating point, not 7
        count = max(1, math.ceil(round(quantile * len(positions), 9)))
        cut_off = confidences[positions[count - 1]]
        kept.extend(positions[:count])
        ties_broken += sum(1 for p in positions[count:] if confidences[p] == cut_off)
    kept.sort()
    return kept, ties_broken


def _chosen_lines(
    source: Source, selection: Selection, attribute: str | None, follow_up: FollowUp,
    s3_client: Any, agreements: _Agreements | None,
) -> tuple[set[int], str | None, int]:
    """First pass: the line numbers that pass a selection with a quantile or a sample, the
    attribute selected on, and the ties the quantile broke."""
    chooser = _chooser(source, selection, attribute, follow_up, agreements)
    numbers = array("q")
    confidences = array("d")
    tie_keys = array("Q")
    group_ids: dict[tuple[str | None, bool | None], int] = {}
    group_of = array("l")  # per candidate, the index of its (job, labeler) group
    for line, record in read_manifest(source, s3_client=s3_client):
        passed, label = chooser.label(record, line)
        if not passed:
            continue
        if selection.lowest_quantile is not None:
            confidence = None if label is None else line_confidence(label)
            if confidence is None or label is None:
                continue
            group_of.append(group_ids.setdefault(_group(label), len(group_ids)))
            confidences.append(confidence)
            tie_keys.append(tie_key(record, line, selection.seed))
        numbers.append(line)
    chooser.finish()
    candidates: list[int] = list(numbers)
    ties_broken = 0
    if selection.lowest_quantile is not None:
        kept, ties_broken = _lowest_in_each_group(
            selection.lowest_quantile, confidences, tie_keys, group_of
        )
        candidates = [numbers[position] for position in kept]
    if selection.sample_size is not None and selection.sample_size < len(candidates):
        candidates = random.Random(selection.seed).sample(candidates, selection.sample_size)
    return set(candidates), chooser.attribute, ties_broken


def _check_new_attribute(record: Mapping[str, Any], name: str, source: str, line: int) -> None:
    base = name.removesuffix(REF_SUFFIX)
    for key in (name, base, base + REF_SUFFIX, base + METADATA_SUFFIX):
        if key in record:
            raise LabelAttributeExistsError(source, line, name, key)


def _chooser(
    source: Source, selection: Selection, attribute: str | None, follow_up: FollowUp,
    agreements: _Agreements | None,
) -> LineChooser:
    return LineChooser(
        source_name(source), selection, attribute, follow_up,
        agreements=None if agreements is None else agreements.by_line,
    )


@dataclass
class _Progress:
    """What a selection pass learnt: how many lines it read, which attribute it selected on."""

    lines_read: int = 0
    label_attribute: str | None = None
    ties_broken: int = 0


def _select(
    source: Source,
    selection: Selection,
    label_attribute: str | None,
    follow_up: FollowUp,
    s3_client: Any,
    progress: _Progress,
    agreements: _Agreements | None,
) -> Iterator[tuple[int, Record]]:
    progress.label_attribute = label_attribute
    chosen: set[int] | None = None
    chooser = _chooser(source, selection, label_attribute, follow_up, agreements)
    if selection.lowest_quantile is not None or selection.sample_size is not None:
        chosen, progress.label_attribute, progress.ties_broken = _chosen_lines(
            source, selection, label_attribute, follow_up, s3_client, agreements
        )
    for line, record in read_manifest(source, s3_client=s3_client):
        progress.lines_read = line
        if chosen is not None:
            if line in chosen:
                yield line, record
        elif chooser.label(record, line)[0]:
            yield line, record
    _check_same_lines(source, agreements, progress.lines_read)
    if chosen is None:
        chooser.finish()
        progress.label_attribute = chooser.attribute


def select_lines(
    source: Source,
    selection: Selection = Selection(),
    *,
    label_attribute: str | None = None,
    s3_client: Any = None,
    job_output: str | None = None,
) -> Iterator[tuple[int, Record]]:
    """The ``(line number, record)`` pairs of ``source`` that ``selection`` keeps, in order.

    :param job_output: with ``agreement_below``, the labeling job's output folder (see
        :func:`chain_manifest`); its agreements are measured when this is called.
    """
    agreements = _measure_agreements(source, selection, job_output, label_attribute, s3_client)
    return _select(source, selection, label_attribute, None, s3_client, _Progress(), agreements)


def chain_manifest(
    source: Source,
    destination: Source,
    *,
    new_label_attribute: str,
    selection: Selection = Selection(),
    label_attribute: str | None = None,
    follow_up: JobType | BuiltInTask | str | None = None,
    s3_client: Any = None,
    job_output: str | None = None,
) -> ChainResult:
    """Write the input manifest of a follow-up job from the output manifest ``source``.

    :param new_label_attribute: the follow-up job's label attribute; it must follow the naming
        rules (for ``follow_up``, a job type or built-in task, when given) and be absent from
        every kept line.
    :param label_attribute: the earlier job's attribute the selection looks at; detected when
        the lines carry exactly one. Every line is checked under it (``line_chooser.py``): a
        malformed label, a label a verification or adjustment ``follow_up`` cannot work on, or
        an attribute named that no line has is an error, and nothing is written.
    :param job_output: with ``agreement_below``, the output folder of the labeling job that
        wrote ``source`` (``<S3OutputPath>/<job name>``, ``s3://`` or a local copy), whose
        worker responses give each line's agreement; by default the folder ``source`` is in
        when it is ``<folder>/manifests/output/output.manifest``, else a
        :class:`~airflow_gt.exceptions.ConfigurationError` naming ``job_output``. The source
        must have that job's output manifest's lines, line for line.

    ``destination`` may not be ``source`` (nor the same file through a link), nor an existing
    folder, FIFO or device: that is refused before anything is read.
    """
    validate_label_attribute_name(new_label_attribute, follow_up)
    check_outputs([destination], [source])
    name = source_name(source)
    progress = _Progress()
    agreements = _measure_agreements(source, selection, job_output, label_attribute, s3_client)
    with ManifestWriter(destination, s3_client=s3_client) as writer:
        lines = _select(
            source, selection, label_attribute, follow_up, s3_client, progress, agreements
        )
        for line, record in lines:
            _check_new_attribute(record, new_label_attribute, name, line)
            writer.write(record)
    return ChainResult(
        writer.destination, progress.label_attribute, progress.lines_read, writer.lines_written,
        progress.ties_broken,
    )
