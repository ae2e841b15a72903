"""Which lines of an output manifest a chaining selection keeps, one line at a time, each line's
label checked on the way.

:class:`LineChooser` applies the per-line part of a selection (status, class names, confidence
and agreement thresholds; the quantile and the sample, which need every line, are
``chaining.py``'s, as is measuring the workers' agreement on each line) to the
label attribute it is given, or detects: the only one the first line with labels carries. When
that line carries several and the selection does not look at labels, each of them is checked
(from that line on: name the attribute to have every line checked).

It refuses, naming the file and the line, what a follow-up job cannot be given:

- a line that is not labeled, failed or unlabeled the way Ground Truth writes them
  (``label_state.py``), and a label attribute whose name breaks a Ground Truth rule;
- with a verification or adjustment follow-up, a line with no label of a job type it can work on
  (neither the one selected on nor another);
- after the last line (:meth:`LineChooser.finish`), a label attribute named that no line has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from airflow_gt.exceptions import (
    ConfigurationError,
    IncompatibleFollowUpError,
    LabelAttributeNotFoundError,
)
from airflow_gt.manifests.attributes import (
    LabelAttribute,
    check_read_attribute_name,
    label_attributes,
)
from airflow_gt.manifests.job_types import (
    BuiltInTask,
    JobType,
    audited_job_types,
    follow_up_kind,
)
from airflow_gt.manifests.label_parsing import parse_label
from airflow_gt.manifests.label_state import LabelState, label_state
from airflow_gt.manifests.labels import Label
from airflow_gt.manifests.reader import Record

if TYPE_CHECKING:
    from airflow_gt.manifests.chaining import Selection

_KEPT_BY_STATUS = {
    LabelState.UNLABELED: ("all", "unlabeled"),
    LabelState.FAILED: ("all", "failed"),
    LabelState.LABELED: ("all", "labeled"),
}


def line_confidence(label: Label) -> float | None:
    """A line's confidence for selection: the lowest of its label's confidences."""
    return min(label.confidences, default=None)


class LineChooser:
    """Applies a selection's per-line filters to an output manifest's lines, in order.

    :param source: how errors name the manifest.
    :param attribute: the label attribute named, or None to detect it.
    :param follow_up: the follow-up job, whose task may work on one job type only.
    :param agreements: each line's agreement among its workers, by 1-based line number (None or
        absent: no agreement, as for a failed object); needed when the selection has
        ``agreement_below``.
    """

    def __init__(
        self,
        source: str,
        selection: Selection,
        attribute: str | None,
        follow_up: JobType | BuiltInTask | str | None = None,
        *,
        agreements: Mapping[int, float | None] | None = None,
    ) -> None:
        self.source = source
        self.selection = selection
        self.agreements = agreements
        self.attribute = attribute
        self.named = attribute is not None
        kind = None if follow_up is None else follow_up_kind(follow_up)
        self.follow_up = kind
        self.accepted = None if kind is None else audited_job_types(kind)
        # Whether the chooser must know the one attribute of each line to decide on it.
        self.selects = (
            selection.status != "all" or selection.uses_labels or self.accepted is not None
        )
        self.checked: tuple[str, ...] = () if attribute is None else (attribute,)
        self.seen = False
        """Whether a line has the attribute: its label, its metadata or a failure under it."""
        self._names_checked: set[str] = set()

    def _detect(self, record: Record, line: int) -> None:
        """Take the attribute(s) to check from the first line that has labels: metadata with a
        ``type``, or a failure. (A key ``X-metadata`` without either beside a key ``X`` may be
        two pass-through keys; validation does not take it for a label attribute either.)"""
        found = [a for a in label_attributes(record)
                 if a.metadata_type is not None or a.is_failed(record)]
        if not found:
            return
        if len(found) > 1 and self.selects:
            names = ", ".join(a.name for a in found)
            raise ConfigurationError(
                "label_attribute",
                f"{self.source}, line {line} carries the labels of several jobs ({names}); "
                "name the one to select on",
            )
        self.checked = tuple(a.name for a in found)
        self.attribute = found[0].name if len(found) == 1 else None

    def _state(self, record: Record, line: int) -> tuple[LabelState, LabelAttribute | None]:
        """The line's state under the attribute selected on, every checked attribute checked."""
        if not self.checked:
            self._detect(record, line)
        state, selected = LabelState.UNLABELED, None
        for name in self.checked:
            found_state, found = label_state(record, name, source=self.source, line=line)
            if found is not None and found.name not in self._names_checked:
                check_read_attribute_name(found, self.source, line)
                self._names_checked.add(found.name)
            if name == self.attribute:
                state, selected = found_state, found
        self.seen = self.seen or selected is not None
        if state is LabelState.LABELED and selected is not None:
            self._check_follow_up(record, selected, line)
        return state, selected

    def _check_follow_up(self, record: Record, attribute: LabelAttribute, line: int) -> None:
        """A verification or adjustment follow-up audits a label of its job type: the one
        selected on, or another on the line (the boxes a verification judged, selected by the
        verdict for an adjustment)."""
        if self.accepted is None or self.follow_up is None:
            return
        kind = attribute.job_type
        found = kind.name if kind is not None else str(attribute.metadata_type)
        if found in self.accepted:
            return
        if any(other.job_type is not None and other.job_type.name in self.accepted
               for other in label_attributes(record)):
            return
        raise IncompatibleFollowUpError(
            self.follow_up.name, self.accepted, self.source, line, attribute.name, found
        )

    def label(self, record: Record, line: int) -> tuple[bool, Label | None]:
        """Whether the line passes the status, class and threshold filters, and its label."""
        state, attribute = self._state(record, line)
        wanted = self.selection
        if wanted.status not in _KEPT_BY_STATUS[state]:
            return False, None
        if not wanted.uses_labels:
            return True, None
        if state is not LabelState.LABELED or attribute is None:
            return False, None
        label = parse_label(record, attribute, source=self.source, line=line)
        assert label is not None
        if wanted.class_names is not None and not (label.class_names & wanted.class_names):
            return False, label
        if wanted.confidence_below is not None:
            confidence = line_confidence(label)
            if confidence is None or confidence >= wanted.confidence_below:
                return False, label
        if wanted.agreement_below is not None:
            assert self.agreements is not None
            agreement = self.agreements.get(line)
            if agreement is None or agreement >= wanted.agreement_below:
                return False, label
        return True, label

    def finish(self) -> None:
        """After the last line: refuse a label attribute that was named but is on no line."""
        if self.named and not self.seen:
            assert self.attribute is not None
            raise LabelAttributeNotFoundError(self.source, self.attribute)
