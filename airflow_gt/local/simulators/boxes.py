"""Bounding box tasks: drawing boxes, adjusting prior boxes, and verifying them."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_gt.local.answers import box_answer, read_box_answer
from airflow_gt.local.consolidation import cluster_boxes
from airflow_gt.local.simulators.base import (
    CommonMetadata,
    Consolidated,
    DataObject,
    Simulator,
    image_size_of,
)
from airflow_gt.local.simulators.classes import Verification
from airflow_gt.local.synthetic_truth import perturbed_boxes
from airflow_gt.local.truth import Box
from airflow_gt.local.verifier_comments import GOOD_BOX_IOU, box_problems
from airflow_gt.local.worker_mistakes import adjust_boxes, draw_boxes
from airflow_gt.manifests.labels import BoundingBoxLabel


class BoundingBoxes(Simulator):
    """BoundingBox: workers draw boxes; the consolidated boxes are clusters of them."""

    def true_boxes(self, obj: DataObject) -> list[Box]:
        return [box for box in self.truth(obj).boxes if box.label in self.labels]

    def answer(self, obj: DataObject, worker: int, rng: random.Random) -> dict[str, Any]:
        width, height, _depth = image_size_of(obj)
        boxes = draw_boxes(self.true_boxes(obj), self.labels, self.skill, rng, width, height)
        return box_answer(boxes, width, height)

    def consolidate(
        self, obj: DataObject, answers: Sequence[Mapping[str, Any]], common: CommonMetadata
    ) -> Consolidated:
        read = [read_box_answer(content) for content in answers]
        width, height, depth = image_size_of(obj)
        if read:
            width, height = read[0].width or width, read[0].height or height
        boxes = cluster_boxes(
            [[box for box in answer.boxes if box.label in self.labels] for answer in read]
        )
        ids = [self.labels.index(box.label) for box, _confidence in boxes]
        value = {
            "image_size": [{"width": width, "height": height, "depth": depth}],
            "annotations": [
                {"class_id": class_id, "left": box.left, "top": box.top,
                 "width": box.width, "height": box.height}
                for class_id, (box, _confidence) in zip(ids, boxes, strict=True)
            ],
        }  # fmt: skip
        metadata = {
            "objects": [{"confidence": confidence} for _box, confidence in boxes],
            "class-map": {str(i): self.labels[i] for i in sorted(set(ids))},
            "type": self.metadata_type,
            "human-annotated": common.human_annotated,
            "creation-date": common.creation_date,
            "job-name": common.job_name,
        }
        return Consolidated(value, metadata)

    def prior_boxes(self, obj: DataObject, names: Sequence[str] = ()) -> list[Box]:
        """The boxes of the prior label (none when the line has none), named by its class-map,
        else by ``names[class_id]``."""
        label = self.prior_label(obj)
        if not isinstance(label, BoundingBoxLabel):
            return []
        return [
            Box(
                box.class_name
                or (names[box.class_id] if 0 <= box.class_id < len(names) else str(box.class_id)),
                round(box.left), round(box.top), max(1, round(box.width)),
                max(1, round(box.height)),
            )
            for box in label.boxes
        ]  # fmt: skip

    def audited_truth_boxes(self, obj: DataObject, prior: Sequence[Box]) -> list[Box]:
        """The true boxes of an audit task: the truth record's, else the prior's or a perturbed
        copy of them (by hash)."""
        if obj.truth is not None:
            return list(self.truth(obj).boxes)
        if self.prior_is_right(obj):
            return list(prior)
        width, height, _depth = image_size_of(obj)
        names = sorted({box.label for box in prior}) or ["object"]
        return perturbed_boxes(
            prior, names, random.Random(self.hashed(obj, "perturb")), width, height
        )


class BoxAdjustment(BoundingBoxes):
    """AdjustmentBoundingBox: workers move the prior boxes toward the truth."""

    def true_boxes(self, obj: DataObject) -> list[Box]:
        prior = self.prior_boxes(obj, self.labels)
        truth = self.audited_truth_boxes(obj, prior)
        return [box for box in truth if box.label in self.labels]

    def answer(self, obj: DataObject, worker: int, rng: random.Random) -> dict[str, Any]:
        width, height, _depth = image_size_of(obj)
        prior = [box for box in self.prior_boxes(obj, self.labels) if box.label in self.labels]
        adjusted = adjust_boxes(prior, self.true_boxes(obj), self.skill, rng, width, height,
                                right_iou=GOOD_BOX_IOU)
        return box_answer(adjusted, width, height, modified=adjusted != prior)

    def consolidate(
        self, obj: DataObject, answers: Sequence[Mapping[str, Any]], common: CommonMetadata
    ) -> Consolidated:
        consolidated = super().consolidate(obj, answers, common)
        prior = [box for box in self.prior_boxes(obj, self.labels) if box.label in self.labels]
        adjusted = False
        for content in answers:
            read = read_box_answer(content)
            flag = read.modified if read.modified is not None else list(read.boxes) != prior
            adjusted = adjusted or flag
        consolidated.metadata["adjustment-status"] = "adjusted" if adjusted else "unadjusted"
        return consolidated


class BoxVerification(Verification, BoundingBoxes):
    """VerificationBoundingBox: the prior label is boxes."""

    def problems(self, obj: DataObject) -> list[str]:
        prior = self.prior_boxes(obj)
        return box_problems(prior, self.audited_truth_boxes(obj, prior))

    def complaint(self, obj: DataObject) -> str:
        prior = self.prior_boxes(obj)
        if not prior:
            return "I expected something to be labeled in this image."
        box = prior[self.hashed(obj, "complaint") % len(prior)]
        return f"The {box.label} box at ({box.left}, {box.top}) looks too loose."
