"""Annotation consolidation: many workers' answers for one data object become one label.

Pure arithmetic, no I/O. Ground Truth documents what its built-in ACS Lambda functions do only in
outline (a Bayesian vote for classes, Jaccard-index matching of boxes, per-pixel votes, span
clustering); these functions follow that outline with simple, predictable rules:

- every confidence is a *smoothed share*: ``(votes + 1/k) / (workers + 1)`` for a choice among
  ``k`` options. It lies in [0, 1], grows with agreement and with the number of workers (three
  unanimous workers give 0.88 for a yes/no question, five give 0.92), and is rounded to two
  decimals as in AWS's output examples;
- a box or a span is kept when at least half of the workers (at least one) gave it;
- ties go to the lowest class index.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from numpy.typing import NDArray

from airflow_gt.local.truth import Box, Span

__all__ = [
    "cluster_boxes",
    "iou",
    "quorum",
    "round_confidence",
    "smoothed_share",
    "vote",
    "vote_multilabel",
    "vote_pixels",
    "vote_spans",
]

_YES_NO = 2
"""Options of a present-or-absent question (a multi-label class, a box, a span, a pixel)."""


def round_confidence(value: float) -> float:
    """``value`` rounded half-up to two decimals, as Ground Truth writes confidences."""
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def smoothed_share(votes: float, workers: int, options: int) -> float:
    """The share of ``workers`` who agree, with one pseudo-vote spread over ``options`` choices.

    Unrounded; 0.5-ish for a single worker on a yes/no question, 1 only in the limit.
    """
    if workers < 1 or options < 1:
        raise ValueError("a share needs at least one worker and one option")
    return (votes + 1 / options) / (workers + 1)


def quorum(workers: int) -> int:
    """How many of ``workers`` must give a box or a span for it to be kept: half, at least 1."""
    return max(1, math.ceil(workers / 2))


def vote(choices: Sequence[int], n_classes: int) -> tuple[int, float]:
    """The majority class of one object's answers and its confidence.

    :param choices: each worker's class index.
    :param n_classes: how many classes there are; every choice must be below it.
    :returns: the most chosen index (the lowest on a tie) and its rounded confidence.
    """
    if not choices:
        raise ValueError("no answers to vote on")
    if any(not 0 <= choice < n_classes for choice in choices):
        raise ValueError(f"a class index is outside 0..{n_classes - 1}: {list(choices)}")
    counts = np.bincount(np.asarray(choices, dtype=np.int64), minlength=n_classes)
    winner = int(np.argmax(counts))  # argmax returns the first maximum: the lowest index
    return winner, round_confidence(smoothed_share(int(counts[winner]), len(choices), n_classes))


def vote_multilabel(choices: Sequence[Collection[int]]) -> tuple[list[int], dict[int, float]]:
    """Every class chosen by at least one worker, most confident first, with its confidence.

    Each class is a yes/no question answered by every worker: its confidence is the smoothed
    share of the workers who chose it. Ties in confidence are ordered by class index.
    """
    if not choices:
        raise ValueError("no answers to vote on")
    counts: dict[int, int] = {}
    for chosen in choices:
        for index in set(chosen):
            counts[index] = counts.get(index, 0) + 1
    confidences = {
        index: round_confidence(smoothed_share(count, len(choices), _YES_NO))
        for index, count in counts.items()
    }
    ordered = sorted(confidences, key=lambda index: (-confidences[index], index))
    return ordered, {index: confidences[index] for index in ordered}


# --- bounding boxes ---------------------------------------------------------------------------

_Rect = tuple[float, float, float, float]
"""left, top, width, height, in pixels."""


def _rect(box: Box) -> _Rect:
    return (float(box.left), float(box.top), float(box.width), float(box.height))


def _rect_iou(a: _Rect, b: _Rect) -> float:
    overlap_w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    overlap_h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if overlap_w <= 0 or overlap_h <= 0:
        return 0.0
    inter = overlap_w * overlap_h
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def iou(a: Box, b: Box) -> float:
    """Intersection over union (the Jaccard index) of two boxes' areas; labels are ignored."""
    return _rect_iou(_rect(a), _rect(b))


@dataclass
class _Cluster:
    label: str
    members: list[_Rect]
    workers: set[int]

    def mean(self) -> _Rect:
        n = len(self.members)
        left, top, width, height = (sum(m[i] for m in self.members) / n for i in range(4))
        return (left, top, width, height)


def cluster_boxes(
    answers: Sequence[Sequence[Box]], iou_threshold: float = 0.5
) -> list[tuple[Box, float]]:
    """Consolidate the boxes that several workers drew on one image.

    Boxes are taken worker by worker, each in its drawn order. A box joins the cluster of the same
    label whose mean box it overlaps most (IoU at least ``iou_threshold``) and that has no box of
    this worker yet; otherwise it starts a new cluster. A cluster holding boxes from at least half
    of the workers becomes one box: the mean of its members, rounded to whole pixels, with the
    confidence ``smoothed share of supporting workers x mean IoU of the members to that box``.

    :returns: the consolidated boxes in the order their clusters were started.
    """
    if not answers:
        raise ValueError("no answers to consolidate")
    clusters: list[_Cluster] = []
    for worker, boxes in enumerate(answers):
        for box in boxes:
            rect = _rect(box)
            candidates = [
                (_rect_iou(rect, cluster.mean()), position)
                for position, cluster in enumerate(clusters)
                if cluster.label == box.label and worker not in cluster.workers
            ]
            best = max(candidates, default=(0.0, -1), key=lambda c: (c[0], -c[1]))
            if best[1] >= 0 and best[0] >= iou_threshold:
                clusters[best[1]].members.append(rect)
                clusters[best[1]].workers.add(worker)
            else:
                clusters.append(_Cluster(box.label, [rect], {worker}))
    needed = quorum(len(answers))
    kept = []
    for cluster in clusters:
        if len(cluster.workers) < needed:
            continue
        left, top, width, height = cluster.mean()
        mean_box = Box(
            cluster.label, round(left), round(top), max(1, round(width)), max(1, round(height))
        )
        closeness = sum(_rect_iou(m, _rect(mean_box)) for m in cluster.members) / len(
            cluster.members
        )
        share = smoothed_share(len(cluster.workers), len(answers), _YES_NO)
        kept.append((mean_box, round_confidence(share * closeness)))
    return kept


# --- semantic segmentation --------------------------------------------------------------------


def vote_pixels(masks: Sequence[NDArray[np.uint8]]) -> tuple[NDArray[np.uint8], float]:
    """The per-pixel majority of class-index masks, and one confidence for the whole image.

    Ground Truth scores segmentation per image (every class of an image gets the same
    confidence): here it is the smoothed share of the mean number of workers agreeing with the
    winning class of each pixel. Ties go to the lowest class index.
    """
    if not masks:
        raise ValueError("no masks to vote on")
    shape = masks[0].shape
    if len(shape) != 2 or any(mask.shape != shape for mask in masks):
        raise ValueError(f"masks must be 2-D and of one size, found {[m.shape for m in masks]}")
    stack = np.stack(masks).astype(np.intp)
    classes = np.arange(int(stack.max()) + 1, dtype=np.intp)
    # counts[c, y, x]: how many workers gave pixel (x, y) class c.
    counts = (stack[np.newaxis] == classes[:, np.newaxis, np.newaxis, np.newaxis]).sum(axis=1)
    winner = np.argmax(counts, axis=0).astype(np.uint8)  # first maximum: the lowest class
    agreeing = float(counts.max(axis=0).mean())
    return winner, round_confidence(smoothed_share(agreeing, len(masks), _YES_NO))


# --- named entities ---------------------------------------------------------------------------


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def vote_spans(answers: Sequence[Sequence[Span]]) -> list[tuple[Span, float]]:
    """The entity spans (exact label and offsets) given by at least half of the workers.

    A worker counts once per span. When kept spans overlap (the worker UI allows no overlap), the
    one more workers gave wins, then the one given first. Spans come back in text order.
    """
    if not answers:
        raise ValueError("no answers to vote on")
    counts: dict[Span, int] = {}
    for spans in answers:
        for span in dict.fromkeys(spans):
            counts[span] = counts.get(span, 0) + 1
    needed = quorum(len(answers))
    by_support = sorted(
        (span for span, count in counts.items() if count >= needed), key=lambda s: -counts[s]
    )
    kept: list[Span] = []
    for span in by_support:  # sorted() is stable: equal support keeps first-given order
        if not any(_overlaps(span, other) for other in kept):
            kept.append(span)
    kept.sort(key=lambda s: (s.start, s.end, s.label))
    return [
        (span, round_confidence(smoothed_share(counts[span], len(answers), _YES_NO)))
        for span in kept
    ]
