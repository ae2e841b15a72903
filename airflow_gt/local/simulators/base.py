"""What every simulator is given and returns, and :class:`Simulator`, the base they share."""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, Self

import numpy as np
from numpy.typing import NDArray

from airflow_gt.local.answers import read_class_answer
from airflow_gt.local.synthetic_truth import synthetic_truth
from airflow_gt.local.truth import Truth, source_hash
from airflow_gt.local.worker_mistakes import WorkerSkill
from airflow_gt.manifests.categories import LabelCategoryConfig
from airflow_gt.manifests.job_types import BuiltInTask, job_type
from airflow_gt.manifests.label_parsing import parse_label
from airflow_gt.manifests.labels import Label

DEFAULT_IMAGE_SIZE = (640, 480, 3)
"""``(width, height, depth)`` of an image whose size nobody knows."""


@dataclass(frozen=True, eq=False)  # eq=False: numpy arrays do not compare to one bool
class DataObject:
    """One line of the input manifest, and what the caller could learn about its data.

    :param index: the 0-based line number in the input manifest.
    :param record: the input manifest line (with the prior label of an audit task).
    :param source: its ``source-ref`` URI or its ``source`` text.
    :param truth: its truth record; None when it is not from our dataset generator.
    :param image: the decoded ``(h, w, 3)`` image, when the source is an image we could read.
    :param image_size: ``(width, height, depth)`` of that image.
    :param prior_mask: segmentation audits: the decoded ``(h, w, 3)`` pixels of the PNG that the
        prior label's ``-ref`` names, when the caller could read it.
    """

    index: int
    record: Mapping[str, Any]
    source: str
    truth: Truth | None = None
    image: NDArray[np.uint8] | None = None
    image_size: tuple[int, int, int] | None = None
    prior_mask: NDArray[np.uint8] | None = None


@dataclass(frozen=True)
class CommonMetadata:
    """What every consolidated label's metadata says besides the label itself.

    :param mask_uri: segmentation tasks: the S3 URI the consolidated mask of this object goes to,
        ``s3://.../annotations/consolidated-annotation/output/<index>_<timestamp>.png``.
    """

    job_name: str
    creation_date: str
    human_annotated: str = "yes"
    mask_uri: str = ""


@dataclass(frozen=True)
class Consolidated:
    """One object's consolidated label.

    :param value: the label attribute's value, as AWS writes it.
    :param metadata: the complete ``<attribute>-metadata`` object, keys in AWS's order.
    :param files: objects to write beside the manifest, by S3 URI (the segmentation mask PNG).
    """

    value: Any
    metadata: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)


class TaskSimulator(Protocol):
    """Simulated workers and consolidation for one built-in task type."""

    def answer(self, obj: DataObject, worker: int, rng: random.Random) -> dict[str, Any]:
        """The ``answerContent`` that worker number ``worker`` submits for ``obj``."""
        ...

    def for_skill(self, skill: WorkerSkill) -> TaskSimulator:
        """This simulator with workers of that skill (a named worker's own accuracy)."""
        ...

    def consolidate(
        self, obj: DataObject, answers: Sequence[Mapping[str, Any]], common: CommonMetadata
    ) -> Consolidated:
        """The label that the task's ACS Lambda makes of the workers' ``answerContent``s."""
        ...

    def metadata_job_name(self, job_name: str) -> str:
        """The ``job-name`` this task's metadata carries, labeled or failed."""
        ...


def image_size_of(obj: DataObject) -> tuple[int, int, int]:
    """``(width, height, depth)`` of the object's image, as well as anyone knows it."""
    if obj.image_size is not None:
        return obj.image_size
    if obj.truth is not None and obj.truth.image_size is not None:
        return obj.truth.image_size
    if obj.image is not None:
        shape = obj.image.shape
        return (int(shape[1]), int(shape[0]), int(shape[2]) if len(shape) == 3 else 1)
    return DEFAULT_IMAGE_SIZE


class Simulator:
    """What every simulator shares: the task, the categories, the skill, the truth."""

    def __init__(
        self,
        task: BuiltInTask,
        categories: LabelCategoryConfig,
        label_attribute: str,
        skill: WorkerSkill,
        salt: str,
        element: str,
    ) -> None:
        self.task = task
        self.categories = categories
        self.labels = categories.label_names
        self.label_attribute = label_attribute
        self.skill = skill
        self.salt = salt
        self.element = element
        self.metadata_type = job_type(task.job_type).metadata_type
        self._by_skill: dict[WorkerSkill, Self] = {}

    def for_skill(self, skill: WorkerSkill) -> Self:
        """This simulator, or a shallow copy of it, whose workers have ``skill``; one copy per
        distinct skill, kept."""
        if skill == self.skill:
            return self
        other = self._by_skill.get(skill)
        if other is None:
            other = copy.copy(self)
            other.skill = skill
            other._by_skill = {}
            self._by_skill[skill] = other
        return other

    def metadata_job_name(self, job_name: str) -> str:
        """The plain job name, as the seed's examples of every type but multi-label have it."""
        return job_name

    def truth(self, obj: DataObject) -> Truth:
        """The object's truth record, or its synthetic truth; always with an image size."""
        size = image_size_of(obj)
        if obj.truth is None:
            return synthetic_truth(obj.source, self.salt, self.labels, size)
        return obj.truth if obj.truth.image_size else replace(obj.truth, image_size=size)

    def hashed(self, obj_or_name: DataObject | str, purpose: str) -> int:
        """A stable number for an object (or a class name), different for each purpose."""
        key = obj_or_name.source if isinstance(obj_or_name, DataObject) else obj_or_name
        return source_hash(key, f"{self.salt}:{purpose}")

    def index_of(self, name: str) -> int:
        """The category index of a class name; a name not in the categories gets one by hash."""
        if name in self.labels:
            return self.labels.index(name)
        return self.hashed(name, "class") % len(self.labels)

    def prior_label(self, obj: DataObject) -> Label | None:
        """The label that a verification or adjustment task works on, if the line has one."""
        attribute = self.categories.audit_label_attribute_name
        if attribute is None:
            return None
        return parse_label(obj.record, attribute, line=obj.index + 1)

    def prior_is_right(self, obj: DataObject) -> bool:
        """For objects without a truth record: is the prior label the truth? (3 in 4, by hash.)"""
        return self.hashed(obj, "prior-right") % 4 != 0

    def readable_indexes(self, answers: Sequence[Mapping[str, Any]]) -> list[int]:
        """The category index of each classifier answer that names a category."""
        chosen = (read_class_answer(content, self.element)[0] for content in answers)
        indexes = [self.labels.index(label) for label in chosen if label in self.labels]
        if not indexes:
            raise ValueError(f"no answer names one of the categories {list(self.labels)}")
        return indexes
