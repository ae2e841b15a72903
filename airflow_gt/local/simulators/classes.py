"""Classification tasks: one class, every class that applies, and label verification (a class
that judges the prior label; see the convention in :mod:`airflow_gt.local.tasks`)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_gt.local.answers import (
    class_answer,
    multilabel_answer,
    read_class_answer,
    read_multilabel_answer,
)
from airflow_gt.local.consolidation import vote, vote_multilabel
from airflow_gt.local.simulators.base import CommonMetadata, Consolidated, DataObject, Simulator
from airflow_gt.local.worker_mistakes import choose_class, choose_classes


def class_index_value(index: int) -> str:
    """The label value of a single-class label: the class index as a string of digits, as the
    seed's classification and verification examples write it (``"species": "0"``,
    ``"mood": "1"``, ``"verify-bounding-box": "1"``). Only the seed's introductory example
    (``"sport": 0``) has a number; readers take both. Multi-label lists and box ``class_id``s
    stay numbers, as the seed writes them."""
    return str(index)


def _class_metadata(
    class_name: str, confidence: float, metadata_type: str, common: CommonMetadata
) -> dict[str, Any]:
    """The metadata of a class-index label, in the order of AWS's classification examples."""
    return {
        "class-name": class_name,
        "confidence": confidence,
        "type": metadata_type,
        "job-name": common.job_name,
        "human-annotated": common.human_annotated,
        "creation-date": common.creation_date,
    }


class Classification(Simulator):
    """ImageMultiClass and TextMultiClass: one class per object."""

    def true_index(self, obj: DataObject) -> int:
        classes = self.truth(obj).classes
        known = [name for name in classes if name in self.labels]
        if known:
            return self.labels.index(known[0])
        if classes:
            return self.index_of(classes[0])
        return self.hashed(obj, "class") % len(self.labels)

    def answer(self, obj: DataObject, worker: int, rng: random.Random) -> dict[str, Any]:
        index = choose_class(self.true_index(obj), len(self.labels), self.skill.accuracy, rng)
        return class_answer(self.element, self.labels[index])

    def consolidate(
        self, obj: DataObject, answers: Sequence[Mapping[str, Any]], common: CommonMetadata
    ) -> Consolidated:
        index, confidence = vote(self.readable_indexes(answers), len(self.labels))
        return Consolidated(
            class_index_value(index),
            _class_metadata(self.labels[index], confidence, self.metadata_type, common),
        )


class MultiLabel(Simulator):
    """ImageMultiClassMultiLabel and TextMultiClassMultiLabel: every class that applies."""

    def true_indexes(self, obj: DataObject) -> list[int]:
        classes = self.truth(obj).classes
        if not classes:
            return [self.hashed(obj, "class") % len(self.labels)]
        return sorted({self.index_of(name) for name in classes})

    def answer(self, obj: DataObject, worker: int, rng: random.Random) -> dict[str, Any]:
        indexes = choose_classes(self.true_indexes(obj), len(self.labels), self.skill.accuracy, rng)
        return multilabel_answer(self.element, [self.labels[i] for i in indexes])

    def metadata_job_name(self, job_name: str) -> str:
        """AWS's multi-label examples write the job name as ``labeling-job/<name>``."""
        return f"labeling-job/{job_name}"

    def consolidate(
        self, obj: DataObject, answers: Sequence[Mapping[str, Any]], common: CommonMetadata
    ) -> Consolidated:
        choices = [
            {self.labels.index(n) for n in read_multilabel_answer(a, self.element)
             if n in self.labels}
            for a in answers
        ]  # fmt: skip
        indexes, confidences = vote_multilabel(choices)
        return Consolidated(indexes, {
            "job-name": self.metadata_job_name(common.job_name),
            "class-map": {str(i): self.labels[i] for i in indexes},
            "human-annotated": common.human_annotated,
            "creation-date": common.creation_date,
            "confidence-map": {str(i): confidences[i] for i in indexes},
            "type": self.metadata_type,
        })  # fmt: skip


class Verification(Simulator):
    """Label verification: workers judge the prior label; see the convention in
    :mod:`airflow_gt.local.tasks`."""

    def problems(self, obj: DataObject) -> list[str]:
        """What is wrong with the prior label, one sentence each; empty when it is right."""
        raise NotImplementedError

    def complaint(self, obj: DataObject) -> str:
        """What a worker who wrongly finds a right label bad says."""
        raise NotImplementedError

    def bad_index(self, obj: DataObject) -> int:
        if len(self.labels) < 2:
            return 0
        return 1 + self.hashed(obj, "bad") % (len(self.labels) - 1)

    def answer(self, obj: DataObject, worker: int, rng: random.Random) -> dict[str, Any]:
        problems = self.problems(obj)
        judged_right = not problems
        if rng.random() >= self.skill.accuracy:
            judged_right = not judged_right
        if judged_right:
            return class_answer(self.element, self.labels[0])
        comment = None
        if rng.random() < self.skill.comment_rate:
            comment = rng.choice(problems) if problems else self.complaint(obj)
        return class_answer(self.element, self.labels[self.bad_index(obj)], comment)

    def consolidate(
        self, obj: DataObject, answers: Sequence[Mapping[str, Any]], common: CommonMetadata
    ) -> Consolidated:
        index, confidence = vote(self.readable_indexes(answers), len(self.labels))
        metadata = _class_metadata(self.labels[index], confidence, self.metadata_type, common)
        comments = [read_class_answer(content, self.element)[1] for content in answers]
        feedback = [{"comment": comment} for comment in comments if comment]
        if feedback:
            metadata["worker-feedback"] = feedback
        return Consolidated(class_index_value(index), metadata)
