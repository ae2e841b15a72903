"""What a verifier says is wrong with a prior label: one sentence per problem, in a worker's words,
naming the box or the region (the ``workerComment`` of a verification answer)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from airflow_gt.local.answers import Mask
from airflow_gt.local.consolidation import iou
from airflow_gt.local.truth import Box
from airflow_gt.local.worker_mistakes import match_boxes

GOOD_BOX_IOU = 0.8
"""A verifier accepts a prior box whose IoU with the true box of the same label is at least this."""
GOOD_MASK_AGREEMENT = 0.99
"""A verifier accepts a prior mask that gives at least this share of the pixels their true class."""


def _misfit(box: Box, true_box: Box) -> str:
    """Which edge of ``box`` is furthest from ``true_box``'s, as a worker would say it."""
    edges = {
        ("wide", "narrow", "on the left side"): true_box.left - box.left,
        ("wide", "narrow", "on the right side"): (box.left + box.width)
        - (true_box.left + true_box.width),
        ("tall", "short", "at the top"): true_box.top - box.top,
        ("tall", "short", "at the bottom"): (box.top + box.height)
        - (true_box.top + true_box.height),
    }
    (too_big, too_small, where), excess = max(edges.items(), key=lambda e: abs(e[1]))
    size = too_big if excess > 0 else too_small
    return f"The {box.label} box at ({box.left}, {box.top}) is too {size} {where}."


def box_problems(prior: Sequence[Box], truth: Sequence[Box]) -> list[str]:
    """Everything wrong with prior boxes, one sentence each; empty when they are right."""
    matched = match_boxes(prior, truth, 0.5)
    problems = []
    for i, box in enumerate(prior):
        where = f"({box.left}, {box.top})"
        if i not in matched:
            problems.append(f"The {box.label} box at {where} has no {box.label} in it.")
            continue
        true_box = truth[matched[i]]
        if true_box.label != box.label:
            problems.append(f"The box at {where} is labeled {box.label} but shows a "
                            f"{true_box.label}.")  # fmt: skip
        elif iou(box, true_box) < GOOD_BOX_IOU:
            problems.append(_misfit(box, true_box))
    found = set(matched.values())
    problems.extend(
        f"The {box.label} at ({box.left}, {box.top}) is not labeled."
        for j, box in enumerate(truth)
        if j not in found
    )
    return problems


def mask_problems(prior: Mask, truth: Mask, labels: Sequence[str]) -> list[str]:
    """The two largest kinds of wrong pixels of a prior mask, one sentence each; empty when the
    mask is right. Each sentence names the classes and the middle of the wrong pixels."""
    if prior.shape != truth.shape:
        return [f"The mask is {prior.shape[1]}x{prior.shape[0]} pixels but the image is "
                f"{truth.shape[1]}x{truth.shape[0]}."]  # fmt: skip
    wrong = prior != truth
    if 1 - float(wrong.mean()) >= GOOD_MASK_AGREEMENT:
        return []
    pairs, counts = np.unique(
        truth[wrong].astype(np.int32) * 256 + prior[wrong], return_counts=True
    )
    problems = []
    for pair in pairs[np.argsort(-counts, kind="stable")][:2]:
        true_class, given_class = divmod(int(pair), 256)
        ys, xs = np.nonzero(wrong & (truth == true_class) & (prior == given_class))
        where = f"around ({round(float(xs.mean()))}, {round(float(ys.mean()))})"
        true_name = labels[true_class - 1] if true_class else "background"
        given_name = labels[given_class - 1] if given_class else "background"
        if not given_class:
            problems.append(f"The {true_name} {where} is not labeled.")
        elif not true_class:
            problems.append(f"The {given_name} mask spills onto the background {where}.")
        else:
            problems.append(f"The region {where} is labeled {given_name} but shows {true_name}.")
    return problems
