"""The mistakes simulated workers make, as :class:`WorkerSkill` says: a wrong class, a jittered,
missed or extra box, a ragged or wrongly painted mask, a shifted entity span.

Each function returns what one worker submits (classes, boxes, a mask, spans); the shapes of the
``answerContent`` that carries it are in :mod:`airflow_gt.local.answers`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.local.answers import Mask
from airflow_gt.local.consolidation import iou
from airflow_gt.local.truth import Box, Span

_BOUNDARY_FLIP_SCALE = 10
"""A boundary pixel of a painted mask takes its neighbour's class with probability
``box_jitter x 10`` (capped at 1): the default jitter misplaces half of the edge pixels."""


@dataclass(frozen=True)
class WorkerSkill:
    """How well the simulated workers work; the stand-in's user sets it.

    :param accuracy: the chance that a worker gives the true class or judgement, keeps a true box,
        marks a span exactly, or paints no wrong region.
    :param box_jitter: the standard deviation of each box edge's noise, as a fraction of the box's
        side (also how ragged painted mask boundaries are).
    :param comment_rate: the chance that a verifier who finds a label bad says why.
    """

    accuracy: float = 0.9
    box_jitter: float = 0.05
    comment_rate: float = 0.5

    def __post_init__(self) -> None:
        for name in ("accuracy", "comment_rate"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ConfigurationError(name, f"must be between 0 and 1, found {value!r}")
        if self.box_jitter < 0:
            raise ConfigurationError("box_jitter", f"must be >= 0, found {self.box_jitter!r}")


# --- classification ---------------------------------------------------------------------------


def choose_class(true_index: int, n_classes: int, accuracy: float, rng: random.Random) -> int:
    """The true class with probability ``accuracy``, else one of the others at random."""
    if rng.random() < accuracy or n_classes < 2:
        return true_index
    return rng.choice([i for i in range(n_classes) if i != true_index])


def choose_classes(
    true_indexes: Sequence[int], n_classes: int, accuracy: float, rng: random.Random
) -> list[int]:
    """The true classes with probability ``accuracy``; else one class toggled (never none)."""
    chosen = set(true_indexes)
    if rng.random() >= accuracy:
        chosen ^= {rng.randrange(n_classes)}
        if not chosen:  # the UI wants at least one category
            chosen.add(rng.randrange(n_classes))
    return sorted(chosen)


# --- bounding boxes ---------------------------------------------------------------------------


def jitter_box(box: Box, jitter: float, rng: random.Random, width: int, height: int) -> Box:
    """``box`` with each edge moved by N(0, jitter x its side), kept inside a width x height image.

    With no jitter the box is returned as it is.
    """
    if jitter <= 0:
        return box
    x0 = box.left + rng.gauss(0, jitter * box.width)
    x1 = box.left + box.width + rng.gauss(0, jitter * box.width)
    y0 = box.top + rng.gauss(0, jitter * box.height)
    y1 = box.top + box.height + rng.gauss(0, jitter * box.height)
    return clamp_box(box.label, round(min(x0, x1)), round(min(y0, y1)),
                     round(max(x0, x1)), round(max(y0, y1)), width, height)  # fmt: skip


def clamp_box(label: str, x0: int, y0: int, x1: int, y1: int, width: int, height: int) -> Box:
    """The box from corner (x0, y0) to (x1, y1), inside the image, at least 1x1."""
    left = min(max(x0, 0), max(width - 1, 0))
    top = min(max(y0, 0), max(height - 1, 0))
    right = min(max(x1, left + 1), max(width, left + 1))
    bottom = min(max(y1, top + 1), max(height, top + 1))
    return Box(label, left, top, right - left, bottom - top)


def random_box(labels: Sequence[str], rng: random.Random, width: int, height: int) -> Box:
    """A box of a random label, 10-50 % of the image on each side, inside the image."""
    box_w = rng.randint(max(1, width // 10), max(1, width // 2))
    box_h = rng.randint(max(1, height // 10), max(1, height // 2))
    left, top = rng.randint(0, width - box_w), rng.randint(0, height - box_h)
    return Box(rng.choice(labels), left, top, box_w, box_h)


def draw_boxes(
    truth: Sequence[Box], labels: Sequence[str], skill: WorkerSkill, rng: random.Random,
    width: int, height: int,
) -> list[Box]:  # fmt: skip
    """A worker's boxes: each true box kept (jittered) with probability ``accuracy``, and with
    probability ``1 - accuracy`` one extra box where there is nothing."""
    drawn = [
        jitter_box(box, skill.box_jitter, rng, width, height)
        for box in truth
        if rng.random() < skill.accuracy
    ]
    if labels and rng.random() >= skill.accuracy:
        drawn.append(random_box(labels, rng, width, height))
    return drawn


def match_boxes(first: Sequence[Box], second: Sequence[Box], threshold: float) -> dict[int, int]:
    """Pairs ``{i: j}`` of boxes of ``first`` and ``second`` (any labels) by IoU, best first."""
    pairs = sorted(
        ((iou(a, b), i, j) for i, a in enumerate(first) for j, b in enumerate(second)),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    matched: dict[int, int] = {}
    for overlap, i, j in pairs:
        if overlap >= threshold and i not in matched and j not in matched.values():
            matched[i] = j
    return matched


def adjust_boxes(
    prior: Sequence[Box], truth: Sequence[Box], skill: WorkerSkill, rng: random.Random,
    width: int, height: int, *, right_iou: float,
) -> list[Box]:  # fmt: skip
    """A worker's adjustment of ``prior`` toward ``truth``.

    Each prior box is paired with the true box it overlaps (:func:`match_boxes`). A box that is
    right already (the true box's label, IoU at least ``right_iou``) is left exactly as it is by
    an accurate worker (probability ``accuracy``) and needlessly nudged (jittered) by the others,
    so a job over right boxes has both adjusted and unadjusted objects. A wrong box is moved onto
    its true box (jittered, label fixed) with probability ``accuracy``, else left as it is; a
    prior box over nothing is deleted, and a missing true box drawn, each with probability
    ``accuracy``.
    """
    matched = match_boxes(prior, truth, 0.3)
    adjusted = []
    for i, box in enumerate(prior):
        accurate = rng.random() < skill.accuracy
        if i not in matched:
            if not accurate:  # fails to delete a box over nothing
                adjusted.append(box)
            continue
        target = truth[matched[i]]
        right = box.label == target.label and iou(box, target) >= right_iou
        if right:
            adjusted.append(box if accurate else jitter_box(box, skill.box_jitter, rng, width,
                                                            height))
        elif accurate:
            adjusted.append(jitter_box(target, skill.box_jitter, rng, width, height))
        else:  # leaves a wrong box wrong
            adjusted.append(box)
    found = set(matched.values())
    adjusted.extend(
        jitter_box(box, skill.box_jitter, rng, width, height)
        for j, box in enumerate(truth)
        if j not in found and rng.random() < skill.accuracy
    )
    return adjusted


# --- semantic segmentation --------------------------------------------------------------------


def paint_mask(truth: Mask, n_labels: int, skill: WorkerSkill, rng: random.Random) -> Mask:
    """A worker's mask: ``truth`` with noise along class boundaries and, with probability
    ``1 - accuracy``, one to three rectangles painted a wrong class."""
    noise = np.random.default_rng(rng.getrandbits(64))
    mask = truth.copy()
    height, width = mask.shape
    flip = min(1.0, skill.box_jitter * _BOUNDARY_FLIP_SCALE)
    if flip > 0:
        dy, dx = rng.choice([(0, 1), (0, -1), (1, 0), (-1, 0)])
        padded = np.pad(mask, 1, mode="edge")
        neighbour = padded[1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width]
        edge = (neighbour != mask) & (noise.random(mask.shape) < flip)
        mask[edge] = neighbour[edge]
    if rng.random() >= skill.accuracy:
        for _ in range(rng.randint(1, 3)):
            region_h = rng.randint(max(1, height // 20), max(1, height // 5))
            region_w = rng.randint(max(1, width // 20), max(1, width // 5))
            top, left = rng.randint(0, height - region_h), rng.randint(0, width - region_w)
            mask[top : top + region_h, left : left + region_w] = rng.randint(0, n_labels)
    return mask


# --- named entities ---------------------------------------------------------------------------


def mark_spans(
    truth: Sequence[Span], text_length: int, accuracy: float, rng: random.Random
) -> list[Span]:
    """A worker's entities: each true span, with probability ``1 - accuracy`` one of its offsets
    shifted by 1-3 characters (never across a neighbour, never empty)."""
    ordered = sorted(truth, key=lambda s: (s.start, s.end))
    marked = []
    for position, span in enumerate(ordered):
        if rng.random() < accuracy:
            marked.append(span)
            continue
        floor = ordered[position - 1].end if position else 0
        ceiling = ordered[position + 1].start if position + 1 < len(ordered) else text_length
        shift = rng.choice((-3, -2, -1, 1, 2, 3))
        if rng.random() < 0.5:
            marked.append(replace(span, start=min(max(span.start + shift, floor), span.end - 1)))
        else:
            marked.append(replace(span, end=max(min(span.end + shift, ceiling), span.start + 1)))
    return marked
