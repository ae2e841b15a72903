"""Semantic segmentation tasks: painting masks, repainting prior masks, and verifying them."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from airflow_gt.local.answers import (
    BACKGROUND_HEX,
    Mask,
    label_colors,
    mask_answer,
    paint,
    read_mask_answer,
    unpaint,
)
from airflow_gt.local.consolidation import vote_pixels
from airflow_gt.local.datasets import truth_mask
from airflow_gt.local.png import encode_png
from airflow_gt.local.simulators.base import (
    CommonMetadata,
    Consolidated,
    DataObject,
    Simulator,
    image_size_of,
)
from airflow_gt.local.simulators.classes import Verification
from airflow_gt.local.synthetic_truth import perturbed_mask
from airflow_gt.local.verifier_comments import GOOD_MASK_AGREEMENT, mask_problems
from airflow_gt.local.worker_mistakes import paint_mask
from airflow_gt.manifests.labels import SegmentationLabel

BACKGROUND_CLASS = "BACKGROUND"


class Segmentation(Simulator):
    """SemanticSegmentation: workers paint masks; the consolidated mask is a per-pixel vote."""

    def mask_labels(self, obj: DataObject) -> list[str]:
        """The class names of the masks' indexes 1, 2, ... (0 is the background)."""
        return list(self.labels)

    def true_mask(self, obj: DataObject) -> Mask:
        """The truth's boxes painted over the background, later boxes on top."""
        return truth_mask(self.truth(obj), self.mask_labels(obj))

    def prior_mask(self, obj: DataObject) -> Mask | None:
        """The prior label's mask over :meth:`mask_labels`, from the caller's decoded pixels."""
        label = self.prior_label(obj)
        pixels = obj.prior_mask
        if not isinstance(label, SegmentationLabel) or pixels is None or pixels.ndim != 3:
            return None
        names = self.mask_labels(obj)
        classes = {
            entry.hex_color: names.index(entry.class_name) + 1
            for entry in label.color_map
            if entry.class_name in names
        }
        return unpaint(pixels, classes)

    def audited_true_mask(self, obj: DataObject, prior: Mask | None) -> Mask:
        """The true mask of an audit task: from the truth record, else the prior or a perturbed
        copy of it (by hash), else from synthetic boxes when there is no prior."""
        if obj.truth is not None or prior is None:
            return self.true_mask(obj)
        if self.prior_is_right(obj):
            return prior
        rng = random.Random(self.hashed(obj, "perturb"))
        return perturbed_mask(prior, len(self.mask_labels(obj)), rng)

    def answer(self, obj: DataObject, worker: int, rng: random.Random) -> dict[str, Any]:
        mask = paint_mask(self.true_mask(obj), len(self.labels), self.skill, rng)
        return mask_answer(mask, self.labels)

    def consolidate(
        self, obj: DataObject, answers: Sequence[Mapping[str, Any]], common: CommonMetadata
    ) -> Consolidated:
        if not common.mask_uri:
            raise ValueError("a segmentation label needs CommonMetadata.mask_uri")
        masks = [mask for mask, _ in (read_mask_answer(a, self.labels) for a in answers)
                 if mask is not None]  # fmt: skip
        if not masks:
            raise ValueError("no answer holds a readable mask")
        mask, confidence = vote_pixels(masks)
        colors = label_colors(len(self.labels))
        present = sorted(int(c) for c in np.unique(mask) if 0 < c <= len(self.labels))
        color_map = {"0": {"class-name": BACKGROUND_CLASS, "confidence": confidence,
                           "hex-color": BACKGROUND_HEX}}  # fmt: skip
        for c in present:
            color_map[str(c)] = {"class-name": self.labels[c - 1], "confidence": confidence,
                                 "hex-color": colors[c - 1]}  # fmt: skip
        metadata = {
            "internal-color-map": color_map,
            "type": self.metadata_type,
            "human-annotated": common.human_annotated,
            "creation-date": common.creation_date,
            "job-name": common.job_name,
        }
        png = encode_png(paint(mask, colors))
        return Consolidated(common.mask_uri, metadata, {common.mask_uri: png})


class MaskAdjustment(Segmentation):
    """AdjustmentSemanticSegmentation: workers repaint the prior mask where it is wrong."""

    def answer(self, obj: DataObject, worker: int, rng: random.Random) -> dict[str, Any]:
        """An accurate worker (probability ``accuracy``) leaves a mask that is right already
        (at least ``GOOD_MASK_AGREEMENT`` of its pixels, as a verifier judges it) as it is and
        repaints a wrong one; the others do the opposite."""
        prior = self.prior_mask(obj)
        truth = self.audited_true_mask(obj, prior)
        accurate = rng.random() < self.skill.accuracy
        untouched = prior is not None and accurate == (
            prior.shape == truth.shape
            and float((prior == truth).mean()) >= GOOD_MASK_AGREEMENT
        )
        if prior is not None and untouched:
            return mask_answer(prior, self.labels, modified=False)
        steady = replace(self.skill, accuracy=1.0)  # a repainting worker paints no wrong region
        mask = paint_mask(truth, len(self.labels), steady, rng)
        modified = prior is None or not np.array_equal(mask, prior)
        return mask_answer(mask, self.labels, modified=modified)


class MaskVerification(Verification, Segmentation):
    """VerificationSemanticSegmentation: the prior label is a mask."""

    def mask_labels(self, obj: DataObject) -> list[str]:
        """The prior's class names (its categories are judgements), then the truth's."""
        label = self.prior_label(obj)
        names = [
            entry.class_name for entry in (label.color_map if isinstance(label, SegmentationLabel)
                                           else ())
            if entry.class_name != BACKGROUND_CLASS
        ]  # fmt: skip
        if obj.truth is not None:
            names += [box.label for box in obj.truth.boxes if box.label not in names]
        return list(dict.fromkeys(names))

    def problems(self, obj: DataObject) -> list[str]:
        prior = self.prior_mask(obj)
        if prior is None:
            return ["No mask is shown over the image."]
        return mask_problems(prior, self.audited_true_mask(obj, prior), self.mask_labels(obj))

    def complaint(self, obj: DataObject) -> str:
        width, height, _depth = image_size_of(obj)
        return f"The mask edges look rough around ({width // 2}, {height // 2})."
