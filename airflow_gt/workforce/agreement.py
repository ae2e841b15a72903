"""How far two answers agree, and what a group of workers agrees on.

:func:`score` compares one answer with a reference (the consolidated label) as a number from 0
to 1:

- one class: 1 when equal, else 0;
- a set of classes: Jaccard similarity ``|A & B| / |A | B|``;
- boxes: F1 of boxes matched one to one, same label and IoU at least :data:`BOX_IOU`, greedily
  from the highest IoU down: ``2 x matched / (|A| + |B|)``;
- entity spans: F1 of spans that match exactly (label, start and end).

Two empty answers (no class, no box, no span) agree fully.

:func:`consensus` is what the other workers of an object agreed on, to judge one worker by. For
one class, the class more of them gave than any other; a tie for first place decides nothing
(None: the answer is not judged). For classes, spans and boxes, an item more than half of them
gave is *decided* (the answer should have it), and an item exactly half of them gave is
*undecided*: with two others, one of whom missed a box, the box is neither required of the
worker nor held against them. Boxes of one label are clustered, each worker at most once per
cluster, while their IoU with the cluster's mean box is at least :data:`BOX_IOU`; a cluster's
box is its mean. :func:`score_consensus` scores an answer against it: the answer's items that
match undecided ones are left out, then it is scored as :func:`score` does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_gt.workforce.answers import AnswerKind, Box

BOX_IOU = 0.5


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0 when either has no area)."""
    width = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    height = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union > 0 else 0.0


def _set_f1(a: Collection[Any], b: Collection[Any], matched: int) -> float:
    return 1.0 if not a and not b else 2 * matched / (len(a) + len(b))


def matched_boxes(a: Sequence[Box], b: Sequence[Box]) -> int:
    """How many boxes of ``a`` match one of ``b`` each (same label, IoU >= BOX_IOU)."""
    pairs = sorted(
        ((iou(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)
         if x.label == y.label),
        key=lambda pair: (-pair[0], pair[1], pair[2]),
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    for overlap, i, j in pairs:
        if overlap < BOX_IOU:
            break
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
    return len(used_a)


def score(kind: AnswerKind, answer: Any, reference: Any) -> float:
    """How far ``answer`` agrees with ``reference``, from 0 to 1."""
    if kind is AnswerKind.SINGLE:
        return 1.0 if answer == reference else 0.0
    if kind is AnswerKind.MULTI:
        union = answer | reference
        return 1.0 if not union else len(answer & reference) / len(union)
    if kind is AnswerKind.BOXES:
        return _set_f1(answer, reference, matched_boxes(answer, reference))
    return _set_f1(answer, reference, len(answer & reference))


@dataclass
class _Cluster:
    label: str
    boxes: list[Box] = field(default_factory=list)
    workers: set[int] = field(default_factory=set)

    def mean(self) -> Box:
        n = len(self.boxes)
        return Box(self.label, *(sum(getattr(box, side) for box in self.boxes) / n
                                 for side in ("left", "top", "width", "height")))


@dataclass(frozen=True)
class Consensus:
    """What the other workers agreed on: ``decided`` (more than half gave it) and
    ``undecided`` (exactly half did), each of the answers' kind (a set, or a tuple of boxes)."""

    decided: Any
    undecided: Any


def _box_consensus(answers: Sequence[tuple[Box, ...]]) -> Consensus:
    clusters: list[_Cluster] = []
    for worker, boxes in enumerate(answers):
        for box in boxes:
            candidates = [
                (iou(box, cluster.mean()), position)
                for position, cluster in enumerate(clusters)
                if cluster.label == box.label and worker not in cluster.workers
            ]
            best = max(candidates, key=lambda c: (c[0], -c[1]), default=(0.0, -1))
            if best[0] >= BOX_IOU:
                cluster = clusters[best[1]]
            else:
                cluster = _Cluster(box.label)
                clusters.append(cluster)
            cluster.boxes.append(box)
            cluster.workers.add(worker)
    n = len(answers)
    return Consensus(
        tuple(sorted(c.mean() for c in clusters if 2 * len(c.workers) > n)),
        tuple(sorted(c.mean() for c in clusters if 2 * len(c.workers) == n)),
    )


def consensus(kind: AnswerKind, answers: Sequence[Any]) -> Any:
    """What ``answers`` (at least one) agree on: a class, or None when the top classes tie
    (single-label); else a :class:`Consensus`."""
    if kind is AnswerKind.SINGLE:
        ranked = Counter(answers).most_common(2)
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            return None
        return ranked[0][0]
    if kind is AnswerKind.BOXES:
        return _box_consensus(answers)
    counts = Counter(item for answer in answers for item in answer)
    n = len(answers)
    return Consensus(frozenset(item for item, count in counts.items() if 2 * count > n),
                     frozenset(item for item, count in counts.items() if 2 * count == n))


def _without_undecided_boxes(answer: tuple[Box, ...], agreed: Consensus) -> tuple[Box, ...]:
    """The answer's boxes, less those that match an undecided box rather than a decided one."""
    kept = []
    for box in answer:
        decided = max((iou(box, d) for d in agreed.decided if d.label == box.label), default=0.0)
        undecided = max((iou(box, u) for u in agreed.undecided if u.label == box.label),
                        default=0.0)
        if undecided < BOX_IOU or decided >= undecided:
            kept.append(box)
    return tuple(kept)


def score_consensus(kind: AnswerKind, answer: Any, agreed: Any) -> float:
    """How far ``answer`` agrees with what the others agreed on (``consensus``'s result)."""
    if kind is AnswerKind.SINGLE:
        return score(kind, answer, agreed)
    if kind is AnswerKind.BOXES:
        return score(kind, _without_undecided_boxes(answer, agreed), agreed.decided)
    return score(kind, answer - agreed.undecided, agreed.decided)
