"""The simulated workforce of the local stand-in: one simulator per built-in task type.

Every simulator answers the same two questions about one data object:

- :meth:`TaskSimulator.answer`: what worker ``n`` submits, as the ``answerContent`` the task's UI
  writes into ``annotations/worker-response/`` (shapes: :mod:`airflow_gt.local.answers`);
- :meth:`TaskSimulator.consolidate`: what the task's ACS Lambda makes of all the answers, as the
  label value and ``<attribute>-metadata`` object of the output manifest line, keys in the order
  of AWS's output examples (:mod:`airflow_gt.local.consolidation` does the arithmetic).

Workers know the object's :class:`~airflow_gt.local.truth.Truth` and err as :class:`WorkerSkill`
says (:mod:`airflow_gt.local.worker_mistakes`). An object without a truth record gets a synthetic
one (:mod:`airflow_gt.local.synthetic_truth`), derived only from a hash of its source and the salt
(a class, 1-3 boxes, a mask of those boxes, 0-2 entity words); for verification and adjustment
tasks it is the prior label itself three times in four (by hash) and a perturbed copy otherwise.
Class indexes are positions in the job's label categories.

**Verification convention**: the label categories of a verification job are judgements; the
first (index 0) means "the prior label is correct", every other index means it is not. A worker
who finds it wrong picks one other index, the same for every worker of the object (by hash).
Verifiers judge the prior label against the whole truth (every true box, whatever its class: the
verification job's categories say nothing about the prior job's classes); a box is right when its
IoU with the true box is at least ``verifier_comments.GOOD_BOX_IOU``, a mask when at least
``verifier_comments.GOOD_MASK_AGREEMENT`` of its pixels are. A verifier who says "wrong" leaves a
comment (with probability ``comment_rate``) naming one concrete problem, such as which box is too
wide (:mod:`airflow_gt.local.verifier_comments`).

Nothing here reads or writes storage: the caller passes each object's decoded image and, for
segmentation audits, the decoded pixels of the prior mask (``DataObject.prior_mask``), and writes
``Consolidated.files`` (the consolidated mask PNG) itself.

This module is the interface; the simulators live in :mod:`airflow_gt.local.simulators`, one module
per family of tasks (classes, boxes, masks, entities).
"""

from __future__ import annotations

from collections.abc import Callable

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.local.answers import (
    BOUNDING_BOX,
    ENTITY_ANNOTATION,
    IMAGE_CLASSIFIER,
    IMAGE_MULTI_CLASSIFIER,
    SEMANTIC_SEGMENTATION,
    TEXT_CLASSIFIER,
    TEXT_MULTI_CLASSIFIER,
    VERIFICATION,
)
from airflow_gt.local.simulators.base import (
    CommonMetadata,
    Consolidated,
    DataObject,
    TaskSimulator,
)
from airflow_gt.local.simulators.boxes import BoundingBoxes, BoxAdjustment, BoxVerification
from airflow_gt.local.simulators.classes import Classification, MultiLabel
from airflow_gt.local.simulators.entities import Entities
from airflow_gt.local.simulators.masks import MaskAdjustment, MaskVerification, Segmentation
from airflow_gt.local.synthetic_truth import synthetic_truth
from airflow_gt.local.worker_mistakes import WorkerSkill
from airflow_gt.manifests.categories import LabelCategoryConfig
from airflow_gt.manifests.job_types import BuiltInTask, built_in_task

__all__ = [
    "CommonMetadata",
    "Consolidated",
    "DataObject",
    "TaskSimulator",
    "WorkerSkill",
    "simulated_tasks",
    "simulator_for",
    "synthetic_truth",
]

_Maker = Callable[[BuiltInTask, LabelCategoryConfig, str, WorkerSkill, str, str], TaskSimulator]
_SIMULATORS: dict[str, tuple[_Maker, str]] = {
    "ImageMultiClass": (Classification, IMAGE_CLASSIFIER),
    "TextMultiClass": (Classification, TEXT_CLASSIFIER),
    "ImageMultiClassMultiLabel": (MultiLabel, IMAGE_MULTI_CLASSIFIER),
    "TextMultiClassMultiLabel": (MultiLabel, TEXT_MULTI_CLASSIFIER),
    "BoundingBox": (BoundingBoxes, BOUNDING_BOX),
    "AdjustmentBoundingBox": (BoxAdjustment, BOUNDING_BOX),
    "VerificationBoundingBox": (BoxVerification, VERIFICATION),
    "SemanticSegmentation": (Segmentation, SEMANTIC_SEGMENTATION),
    "AdjustmentSemanticSegmentation": (MaskAdjustment, SEMANTIC_SEGMENTATION),
    "VerificationSemanticSegmentation": (MaskVerification, VERIFICATION),
    "NamedEntityRecognition": (Entities, ENTITY_ANNOTATION),
}


def simulated_tasks() -> tuple[str, ...]:
    """The built-in task types the local stand-in simulates."""
    return tuple(_SIMULATORS)


def simulator_for(
    task_name: str,
    categories: LabelCategoryConfig,
    label_attribute: str,
    skill: WorkerSkill,
    salt: str,
) -> TaskSimulator:
    """The simulator of built-in task ``task_name`` (``BoundingBox``; ``PRE-``/``ACS-`` allowed).

    :param salt: what makes the synthetic truths of one stand-in differ from another's.
    :raises ConfigurationError: for a task type that is unknown or not simulated (video frame and
        3D point cloud tasks).
    """
    task = built_in_task(task_name)
    if task.name not in _SIMULATORS:
        raise ConfigurationError(
            "task_type",
            f"the local stand-in does not simulate {task.name}; it simulates "
            f"{', '.join(_SIMULATORS)}",
        )
    kind, element = _SIMULATORS[task.name]
    return kind(task, categories, label_attribute, skill, salt, element)
