"""Consolidation arithmetic, checked against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from airflow_gt.local.consolidation import (
    cluster_boxes,
    iou,
    quorum,
    round_confidence,
    smoothed_share,
    vote,
    vote_multilabel,
    vote_pixels,
    vote_spans,
)
from airflow_gt.local.truth import Box, Span


@pytest.mark.parametrize(
    ("value", "rounded"), [(0.625, 0.63), (0.125, 0.13), (0.875, 0.88), (0.444, 0.44), (1.0, 1.0)]
)
def test_confidences_round_half_up_to_two_decimals(value: float, rounded: float) -> None:
    assert round_confidence(value) == rounded


def test_smoothed_share_spreads_one_pseudo_vote_over_the_options() -> None:
    assert smoothed_share(3, 3, 2) == pytest.approx(3.5 / 4)
    assert smoothed_share(0, 3, 2) == pytest.approx(0.5 / 4)
    assert smoothed_share(2, 3, 4) == pytest.approx(2.25 / 4)
    with pytest.raises(ValueError, match="at least one worker"):
        smoothed_share(0, 0, 2)


@pytest.mark.parametrize(("workers", "needed"), [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3)])
def test_quorum_is_half_the_workers_and_at_least_one(workers: int, needed: int) -> None:
    assert quorum(workers) == needed


def test_vote_takes_the_majority() -> None:
    assert vote([1, 1, 0], 2) == (1, 0.63)  # (2 + 1/2) / (3 + 1)
    assert vote([0, 0, 0], 2) == (0, 0.88)  # (3 + 1/2) / 4
    assert vote([2, 2, 1], 4) == (2, 0.56)  # (2 + 1/4) / 4 = 0.5625


def test_vote_breaks_ties_toward_the_lowest_index() -> None:
    assert vote([1, 0], 2) == (0, 0.5)  # (1 + 1/2) / 3
    assert vote([2, 1, 0], 3) == (0, 0.33)  # (1 + 1/3) / 4


def test_vote_confidence_grows_with_agreement_and_with_workers() -> None:
    assert vote([0], 2)[1] < vote([0, 0, 0], 2)[1] < vote([0] * 5, 2)[1] <= 1
    assert vote([0, 1, 0, 1, 0], 2)[1] < vote([0, 0, 0, 1, 0], 2)[1] < vote([0] * 5, 2)[1]


def test_vote_refuses_no_answers_and_unknown_classes() -> None:
    with pytest.raises(ValueError, match="no answers"):
        vote([], 2)
    with pytest.raises(ValueError, match="outside"):
        vote([0, 2], 2)


def test_vote_multilabel_keeps_every_chosen_class_most_confident_first() -> None:
    labels, confidences = vote_multilabel([{0, 1}, {1}, {1, 2}])
    assert labels == [1, 0, 2]  # 0 and 2 tie: lowest index first
    assert confidences == {1: 0.88, 0: 0.38, 2: 0.38}  # 3.5/4 and 1.5/4
    assert list(confidences) == labels


def test_vote_multilabel_counts_a_worker_once_per_class() -> None:
    assert vote_multilabel([[3, 3], [3]]) == ([3], {3: 0.83})  # (2 + 1/2) / 3


def test_iou_of_boxes() -> None:
    a = Box("dog", 0, 0, 10, 10)
    assert iou(a, a) == 1.0
    assert iou(a, Box("cat", 5, 0, 10, 10)) == pytest.approx(50 / 150)  # labels are ignored
    assert iou(a, Box("dog", 0, 0, 5, 10)) == pytest.approx(0.5)
    assert iou(a, Box("dog", 10, 0, 10, 10)) == 0.0  # touching edges share no area
    assert iou(a, Box("dog", 50, 50, 3, 3)) == 0.0


def test_cluster_boxes_averages_agreeing_workers_and_drops_an_outlier() -> None:
    answers = [
        [Box("dog", 10, 10, 20, 20)],
        [Box("dog", 12, 10, 20, 22)],
        [Box("dog", 200, 200, 20, 20)],  # a third worker's box where nobody else drew one
    ]
    [(box, confidence)] = cluster_boxes(answers)
    assert box == Box("dog", 11, 10, 20, 21)  # mean 11, 10, 20, 21.0
    mean_iou = (iou(answers[0][0], box) + iou(answers[1][0], box)) / 2
    assert confidence == round_confidence((2.5 / 4) * mean_iou)


def test_cluster_boxes_with_unanimous_workers_reproduces_the_boxes_in_order() -> None:
    boxes = [Box("dog", 0, 0, 10, 10), Box("cat", 50, 50, 5, 8), Box("dog", 30, 0, 10, 10)]
    result = cluster_boxes([boxes, boxes, boxes])
    assert [box for box, _ in result] == boxes
    assert [confidence for _, confidence in result] == [0.88, 0.88, 0.88]


def test_cluster_boxes_never_merges_labels_or_one_workers_own_boxes() -> None:
    dog, cat = Box("dog", 0, 0, 10, 10), Box("cat", 0, 0, 10, 10)
    assert len(cluster_boxes([[dog, cat]])) == 2
    twin = Box("dog", 1, 0, 10, 10)
    result = cluster_boxes([[dog, twin], [dog, twin]])
    assert [box for box, _ in result] == [dog, twin]


def test_cluster_boxes_keeps_a_box_half_the_workers_gave() -> None:
    dog = Box("dog", 0, 0, 10, 10)
    assert [box for box, _ in cluster_boxes([[dog], []])] == [dog]
    assert cluster_boxes([[dog], [], [], []]) == []
    with pytest.raises(ValueError, match="no answers"):
        cluster_boxes([])


def test_vote_pixels_takes_each_pixels_majority_and_one_confidence() -> None:
    masks = [
        np.array([[0, 1], [2, 2]], dtype=np.uint8),
        np.array([[0, 1], [1, 2]], dtype=np.uint8),
        np.array([[1, 1], [0, 2]], dtype=np.uint8),
    ]
    mask, confidence = vote_pixels(masks)
    assert mask.dtype == np.uint8
    assert mask.tolist() == [[0, 1], [0, 2]]  # (1, 0) is a three-way tie: lowest class
    assert confidence == 0.69  # agreeing workers 2, 3, 1, 3: (2.25 + 1/2) / 4 = 0.6875


def test_vote_pixels_of_identical_masks_is_the_mask() -> None:
    mask = np.random.default_rng(1).integers(0, 4, size=(30, 40)).astype(np.uint8)
    voted, confidence = vote_pixels([mask, mask, mask])
    assert np.array_equal(voted, mask)
    assert confidence == 0.88


def test_vote_pixels_wants_masks_of_one_size() -> None:
    with pytest.raises(ValueError, match="one size"):
        vote_pixels([np.zeros((2, 2), np.uint8), np.zeros((2, 3), np.uint8)])
    with pytest.raises(ValueError, match="no masks"):
        vote_pixels([])


def test_vote_spans_keeps_spans_at_least_half_the_workers_gave() -> None:
    name, shifted, place = Span("PERSON", 0, 5), Span("PERSON", 0, 7), Span("LOCATION", 10, 15)
    result = vote_spans([[name, shifted], [name], [name, place]])
    assert result == [(name, 0.88)]
    assert vote_spans([[place, name], [name, place]]) == [(name, 0.83), (place, 0.83)]


def test_vote_spans_resolves_overlaps_by_support_then_first_given() -> None:
    name, shifted = Span("PERSON", 0, 5), Span("PERSON", 0, 7)
    assert [span for span, _ in vote_spans([[name], [shifted]])] == [name]
    assert [span for span, _ in vote_spans([[shifted], [name], [name], [shifted, name]])] == [name]


def test_vote_spans_counts_a_worker_once() -> None:
    name = Span("PERSON", 0, 5)
    assert vote_spans([[name, name], [], []]) == []
    assert vote_spans([[], []]) == []
