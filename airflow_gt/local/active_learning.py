"""The simulated automated-labeling model: what it predicts for an object, and how sure it is.

Ground Truth trains a model on each iteration's human-labeled objects, runs it over the
validation set and over the unlabeled objects, finds the confidence above which its labels reach
the task's target on the validation set (95 % accuracy for classification, mean IoU 0.6 for boxes
and 0.7 for masks), and auto-labels the unlabeled objects above that confidence. The stand-in's
model is a simulation, deterministic from the stand-in's seed, the job name and the object:

- every object has a *difficulty* in [0, 1), fixed for the job;
- the model's *competence* grows with the objects it was trained on,
  ``1.3 x (1 - exp(-trained / 250))``: about 0.8 after 250 objects, 1.1 after 500;
- its confidence in an object is ``logistic(10 x (competence - difficulty))`` plus a little noise
  of its own per iteration, rounded to two decimals as Ground Truth writes confidences. These
  confidences come from the model, not from worker agreement: they are on another scale than the
  human ones, as the seed warns ("You should not compare the confidence scores of human-labeled
  data objects and auto-labeled data objects");
- a class given with confidence ``c`` is wrong with probability ``(1 - c) / 2``; boxes (and the
  boxes a mask is painted from) are the true ones with each edge moved by
  ``N(0, 1.5 x (1 - c) x side)``.

The label it writes is made by the task's own consolidation (:mod:`airflow_gt.local.tasks`) from
the model's one answer, so a machine label has exactly the shape of a human one; then the
confidences are the model's: ``confidence`` for a class, each box's in ``objects``, every entry
of a mask's ``internal-color-map`` (one per image, as for human masks).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from airflow_gt.local.answers import (
    Mask,
    box_answer,
    class_answer,
    label_colors,
    mask_answer,
    unpaint,
)
from airflow_gt.local.consolidation import iou, round_confidence
from airflow_gt.local.datasets import truth_mask
from airflow_gt.local.png import decode_png
from airflow_gt.local.simulators.base import CommonMetadata, Consolidated, DataObject
from airflow_gt.local.simulators.boxes import BoundingBoxes
from airflow_gt.local.simulators.classes import Classification
from airflow_gt.local.simulators.masks import Segmentation
from airflow_gt.local.tasks import TaskSimulator
from airflow_gt.local.truth import Box
from airflow_gt.local.worker_mistakes import jitter_box
from airflow_gt.local.workforce import object_random

COMPETENCE_CEILING = 1.3
COMPETENCE_SCALE = 250.0
STEEPNESS = 10.0
CONFIDENCE_NOISE = 0.02
WRONG_PER_DOUBT = 0.5
"""How often the model's class is wrong, per unit of doubt (1 - c): it is more often right
than its confidence says, as a model trained on majority votes is."""
JITTER_PER_DOUBT = 1.5
"""How far the model's box edges stray, as a share of the side, per unit of doubt (1 - c)."""


def competence(trained: int) -> float:
    """How good the model is after training on ``trained`` human-labeled objects."""
    return COMPETENCE_CEILING * (1.0 - math.exp(-max(trained, 0) / COMPETENCE_SCALE))


def confidence_threshold(scored: Sequence[tuple[float, float]], target: float) -> float | None:
    """The lowest confidence whose objects (those at or above it) reach ``target`` on average.

    :param scored: ``(confidence, quality)`` of each validation object: 1 or 0 for a right or
        wrong class, an IoU for boxes and masks.
    :returns: None when no confidence gives the target: nothing can be auto-labeled.
    """
    ordered = sorted(scored, key=lambda item: -item[0])
    threshold, total = None, 0.0
    for count, (confidence, quality) in enumerate(ordered, 1):
        total += quality
        boundary = count == len(ordered) or ordered[count][0] != confidence
        if boundary and total / count >= target:
            threshold = confidence
    return threshold


@dataclass(frozen=True)
class Prediction:
    """What the model says about one object: its confidence, and its label once asked for."""

    index: int
    confidence: float


class SimulatedModel:
    """The model of one iteration of one job; see the module docstring.

    :param simulator: the task's simulated workforce, which knows each object's truth and makes
        the label from the model's answer.
    :param trained: the human-labeled objects it was trained on (with an initial model's).
    """

    def __init__(
        self, simulator: TaskSimulator, seed: int, job_name: str, iteration: int, trained: int
    ) -> None:
        self.simulator = simulator
        self.seed = seed
        self.job_name = job_name
        self.iteration = iteration
        self.trained = trained
        self.competence = competence(trained)

    def _random(self, index: int, purpose: str) -> random.Random:
        return object_random(self.seed, self.job_name, index, f"model-{self.iteration}-{purpose}")

    def difficulty(self, index: int) -> float:
        return object_random(self.seed, self.job_name, index, "difficulty").random()

    def predict(self, index: int) -> Prediction:
        """The model's confidence in its label of object ``index``."""
        margin = self.competence - self.difficulty(index)
        raw = 1.0 / (1.0 + math.exp(-STEEPNESS * margin))
        noisy = raw + self._random(index, "confidence").gauss(0.0, CONFIDENCE_NOISE)
        return Prediction(index, round_confidence(min(0.99, max(0.01, noisy))))

    # -- the label ---------------------------------------------------------------------------

    def label(self, obj: DataObject, prediction: Prediction, common: CommonMetadata
              ) -> Consolidated:
        """The machine label of ``obj``: the task's consolidation of the model's answer, with the
        model's confidences."""
        simulator = self.simulator
        confidence = prediction.confidence
        if isinstance(simulator, Segmentation):
            answer = mask_answer(self.mask(obj, confidence), simulator.labels)
            result = simulator.consolidate(obj, [answer], common)
            for entry in result.metadata["internal-color-map"].values():
                entry["confidence"] = confidence
            return result
        if isinstance(simulator, BoundingBoxes):
            boxes = self.boxes(obj, confidence)
            width, height, _ = (obj.image_size or simulator.truth(obj).image_size
                                or (640, 480, 3))  # fmt: skip
            result = simulator.consolidate(obj, [box_answer(boxes, width, height)], common)
            result.metadata["objects"] = [
                {"confidence": c} for c in self.box_confidences(obj.index, confidence, len(boxes))
            ]
            return result
        if isinstance(simulator, Classification):
            chosen = simulator.labels[self.class_index(obj, confidence)]
            result = simulator.consolidate(obj, [class_answer(simulator.element, chosen)], common)
            result.metadata["confidence"] = confidence
            return result
        raise TypeError(f"automated data labeling has no model for {type(simulator).__name__}")

    def class_index(self, obj: DataObject, confidence: float) -> int:
        simulator = self.simulator
        assert isinstance(simulator, Classification)
        true = simulator.true_index(obj)
        rng = self._random(obj.index, "label")
        others = [i for i in range(len(simulator.labels)) if i != true]
        wrong = rng.random() < (1.0 - confidence) * WRONG_PER_DOUBT
        return rng.choice(others) if wrong and others else true

    def boxes(self, obj: DataObject, confidence: float) -> list[Box]:
        simulator = self.simulator
        assert isinstance(simulator, (BoundingBoxes, Segmentation))
        truth = simulator.truth(obj)
        width, height, _ = truth.image_size or (640, 480, 3)
        rng = self._random(obj.index, "label")
        true_boxes = (simulator.true_boxes(obj) if isinstance(simulator, BoundingBoxes)
                      else list(truth.boxes))  # fmt: skip
        jitter = (1.0 - confidence) * JITTER_PER_DOUBT
        return [jitter_box(box, jitter, rng, width, height) for box in true_boxes]

    def box_confidences(self, index: int, confidence: float, count: int) -> list[float]:
        """Each box's confidence: the object's, give or take a little; never below it, so the
        object's confidence is that of its least certain box."""
        rng = self._random(index, "boxes")
        return [
            round_confidence(min(0.99, confidence + abs(rng.gauss(0.0, CONFIDENCE_NOISE))))
            for _ in range(count)
        ]

    def mask(self, obj: DataObject, confidence: float) -> Mask:
        simulator = self.simulator
        assert isinstance(simulator, Segmentation)
        truth = simulator.truth(obj)
        moved = replace(truth, boxes=tuple(self.boxes(obj, confidence)))
        return truth_mask(moved, simulator.mask_labels(obj))

    # -- how good it is, against the workers' labels -------------------------------------------

    def quality(self, obj: DataObject, prediction: Prediction, human: Mapping[str, Any],
                human_value: Any, read: Any) -> float:
        """How well the model's label of a validation object agrees with the workers' label:
        1 or 0 for a class, the mean IoU over classes for boxes and masks.

        :param human: the workers' label metadata; ``human_value`` its value.
        :param read: ``read(uri) -> bytes | None``, to fetch the workers' mask.
        """
        simulator = self.simulator
        confidence = prediction.confidence
        if isinstance(simulator, Segmentation):
            data = read(human_value) if isinstance(human_value, str) else None
            if data is None:
                return 0.0
            colors = label_colors(len(simulator.labels))
            workers = unpaint(decode_png(data), {c: i + 1 for i, c in enumerate(colors)})
            return mask_iou(self.mask(obj, confidence), workers)
        if isinstance(simulator, BoundingBoxes):
            names = simulator.labels
            theirs = [
                Box(names[a["class_id"]] if 0 <= a["class_id"] < len(names) else "?",
                    a["left"], a["top"], a["width"], a["height"])
                for a in (human_value or {}).get("annotations", [])
            ]  # fmt: skip
            return boxes_iou(self.boxes(obj, confidence), theirs)
        if isinstance(simulator, Classification):
            return float(self.class_index(obj, confidence) == int(human_value))
        raise TypeError(f"automated data labeling has no model for {type(simulator).__name__}")


def boxes_iou(ours: Sequence[Box], theirs: Sequence[Box]) -> float:
    """Mean IoU of two box sets, per class then over classes: each box matched to its best
    partner of the same class, unmatched boxes (missed or extra) counting 0. Both empty: 1."""
    classes = sorted({box.label for box in (*ours, *theirs)})
    if not classes:
        return 1.0
    per_class = []
    for name in classes:
        mine = [box for box in ours if box.label == name]
        other = [box for box in theirs if box.label == name]
        pairs = sorted(((iou(a, b), i, j) for i, a in enumerate(mine) for j, b in enumerate(other)),
                       reverse=True)  # fmt: skip
        used_i: set[int] = set()
        used_j: set[int] = set()
        scores = []
        for overlap, i, j in pairs:
            if i not in used_i and j not in used_j and overlap > 0:
                used_i.add(i)
                used_j.add(j)
                scores.append(overlap)
        unmatched = len(mine) + len(other) - 2 * len(scores)
        per_class.append(sum(scores) / (len(scores) + unmatched))
    return sum(per_class) / len(per_class)


def mask_iou(ours: Mask, theirs: Mask) -> float:
    """Mean IoU over the classes (not the background) in either mask; both empty: 1."""
    if ours.shape != theirs.shape:
        return 0.0
    classes = sorted((set(np.unique(ours).tolist()) | set(np.unique(theirs).tolist())) - {0})
    if not classes:
        return 1.0
    scores = []
    for c in classes:
        a, b = ours == c, theirs == c
        scores.append(float(np.logical_and(a, b).sum()) / float(np.logical_or(a, b).sum()))
    return sum(scores) / len(scores)
