"""Truths for objects without a truth record, derived only from a hash of the source and a salt.

:func:`synthetic_truth` makes one for a labeling task; an audit task (verification, adjustment)
takes the prior label itself as the truth, or a copy of it with one clear mistake:
:func:`perturbed_boxes`, :func:`perturbed_mask`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from airflow_gt.local.answers import Mask
from airflow_gt.local.truth import Box, Span, Truth, source_hash
from airflow_gt.local.worker_mistakes import random_box

_WORD = re.compile(r"\w+")


def synthetic_truth(
    source: str, salt: str, labels: Sequence[str], image_size: tuple[int, int, int]
) -> Truth:
    """A truth for an object that has no truth record: the same for the same source and salt.

    Up to three classes, one to three boxes inside the image, and zero to two entity words of the
    source text (an image's URI has words too: they are never asked for).
    """
    rng = random.Random(source_hash(source, salt))
    width, height, _depth = image_size
    classes = tuple(rng.sample(list(labels), rng.randint(1, min(3, len(labels)))))
    boxes = tuple(random_box(labels, rng, width, height) for _ in range(rng.randint(1, 3)))
    words = list(_WORD.finditer(source))
    picked = sorted(rng.sample(range(len(words)), rng.randint(0, min(2, len(words)))))
    entities = tuple(Span(rng.choice(labels), words[i].start(), words[i].end()) for i in picked)
    return Truth(classes=classes, boxes=boxes, image_size=image_size, entities=entities)


def perturbed_boxes(
    boxes: Sequence[Box], names: Sequence[str], rng: random.Random, width: int, height: int
) -> list[Box]:
    """``boxes`` with one clear mistake: a box moved, dropped, relabeled, or one added."""
    changed = list(boxes)
    kinds = ["add"] + (["move", "drop"] if changed else [])
    kinds += ["relabel"] if changed and len(set(names)) > 1 else []
    kind = rng.choice(kinds)
    if kind == "add":
        changed.append(random_box(names, rng, width, height))
        return changed
    i = rng.randrange(len(changed))
    box = changed[i]
    if kind == "drop":
        del changed[i]
    elif kind == "relabel":
        changed[i] = replace(box, label=rng.choice([n for n in names if n != box.label]))
    else:  # a quarter of the box sideways or up/down (IoU 0.6), kept inside the image
        shift = rng.choice((-1, 1))
        dx, dy = rng.choice(((round(box.width / 4) * shift, 0), (0, round(box.height / 4) * shift)))
        left = min(max(box.left + dx, 0), max(width - box.width, 0))
        top = min(max(box.top + dy, 0), max(height - box.height, 0))
        moved = replace(box, left=left, top=top)
        changed[i] = moved if moved != box else replace(box, width=max(1, box.width // 2))
    return changed


def perturbed_mask(mask: Mask, n_labels: int, rng: random.Random) -> Mask:
    """``mask`` with a rectangle of a quarter to half of each side repainted with the class that
    it held least of (so most of the rectangle changes)."""
    changed = mask.copy()
    height, width = mask.shape
    region_h = rng.randint(max(1, height // 4), max(1, height // 2))
    region_w = rng.randint(max(1, width // 4), max(1, width // 2))
    top, left = rng.randint(0, height - region_h), rng.randint(0, width - region_w)
    region = changed[top : top + region_h, left : left + region_w]
    region[...] = int(np.argmin(np.bincount(region.ravel(), minlength=n_labels + 1)))
    return changed
