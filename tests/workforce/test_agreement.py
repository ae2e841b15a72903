"""Scores, consensus and Krippendorff's alpha: worked examples and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_gt.workforce.agreement import (
    Consensus,
    consensus,
    iou,
    matched_boxes,
    score,
    score_consensus,
)
from airflow_gt.workforce.answers import AnswerKind, Box, Span, UnreadableAnswer, read_answer
from airflow_gt.workforce.krippendorff import NominalAlpha
from tests.hostile.settings import QUICK

SINGLE, MULTI = AnswerKind.SINGLE, AnswerKind.MULTI
BOXES, SPANS = AnswerKind.BOXES, AnswerKind.SPANS


def box(left: float, top: float, side: float = 10, label: str = "dog") -> Box:
    return Box(label, left, top, side, side)


def test_krippendorffs_own_worked_example_gives_0_743() -> None:
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the nominal example:
    # 4 observers, 12 units, 40 pairable values; alpha = 0.743.
    units = [[1, 1, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
             [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [5, 5, 5], [1, 1], [3]]
    alpha = NominalAlpha()
    for unit in units:
        alpha.add(unit)
    assert alpha.pairable == 40
    assert alpha.alpha == pytest.approx(0.743, abs=5e-4)


def test_alpha_is_one_for_full_agreement_and_undefined_without_variation() -> None:
    agreed = NominalAlpha()
    for unit in (["a", "a"], ["b", "b", "b"]):
        agreed.add(unit)
    assert agreed.alpha == 1.0
    same = NominalAlpha()
    same.add(["a", "a"])
    assert same.alpha is None
    assert NominalAlpha().alpha is None


@QUICK
@given(st.lists(st.lists(st.sampled_from("abc"), max_size=5), max_size=20))
def test_alpha_never_exceeds_one(units: list[list[str]]) -> None:
    alpha = NominalAlpha()
    for unit in units:
        alpha.add(unit)
    assert alpha.alpha is None or alpha.alpha <= 1.0 + 1e-12


def test_iou_of_worked_boxes() -> None:
    assert iou(box(0, 0), box(0, 0)) == 1.0
    assert iou(box(0, 0), box(5, 0)) == pytest.approx(50 / 150)
    assert iou(box(0, 0), box(10, 0)) == 0.0


def test_boxes_match_one_to_one_by_label_and_best_iou() -> None:
    a = (box(0, 0), box(100, 100))
    assert matched_boxes(a, (box(1, 0),)) == 1
    assert matched_boxes(a, (box(1, 0, label="cat"),)) == 0
    assert matched_boxes((box(0, 0),), (box(0, 0), box(1, 0))) == 1


def test_scores_of_worked_examples() -> None:
    assert score(SINGLE, "cat", "cat") == 1.0 and score(SINGLE, "cat", "dog") == 0.0
    assert score(MULTI, frozenset("ab"), frozenset("bc")) == pytest.approx(1 / 3)
    assert score(MULTI, frozenset(), frozenset()) == 1.0
    assert score(BOXES, (box(0, 0),), (box(0, 0), box(50, 50))) == pytest.approx(2 / 3)
    assert score(BOXES, (), ()) == 1.0
    assert score(SPANS, frozenset({Span("P", 0, 5)}), frozenset({Span("P", 0, 4)})) == 0.0


def test_consensus_is_the_majority_and_a_tie_decides_nothing() -> None:
    assert consensus(SINGLE, ["cat", "cat", "dog"]) == "cat"
    assert consensus(SINGLE, ["cat", "dog"]) is None
    assert consensus(MULTI, [frozenset("ab"), frozenset("a"), frozenset("ac")]) == Consensus(
        frozenset("a"), frozenset())
    # Of two others, one marked the span: undecided.
    assert consensus(SPANS, [frozenset({Span("P", 0, 5)}), frozenset()]) == Consensus(
        frozenset(), frozenset({Span("P", 0, 5)}))
    # Two of three drew the dog near (0, 0): decided, as their mean box; the far box was one's.
    found = consensus(BOXES, [(box(0, 0),), (box(2, 0), box(200, 200)), ()])
    assert found == Consensus((box(1, 0),), ())


def test_what_half_the_others_gave_is_neither_required_nor_held_against() -> None:
    # Others: one drew the dog and the ball, one the dog only: the ball is undecided.
    agreed = consensus(BOXES, [(box(0, 0), box(100, 100, label="ball")), (box(0, 0),)])
    assert agreed == Consensus((box(0, 0),), (box(100, 100, label="ball"),))
    assert score_consensus(BOXES, (box(0, 0),), agreed) == 1.0
    assert score_consensus(BOXES, (box(0, 0), box(100, 100, label="ball")), agreed) == 1.0
    assert score_consensus(BOXES, (box(0, 0), box(300, 300)), agreed) == pytest.approx(2 / 3)
    labels = consensus(MULTI, [frozenset("ab"), frozenset("a")])
    assert score_consensus(MULTI, frozenset("a"), labels) == 1.0
    assert score_consensus(MULTI, frozenset("ac"), labels) == pytest.approx(1 / 2)


boxes = st.lists(st.builds(box, st.integers(0, 50), st.integers(0, 50),
                           st.integers(1, 30), st.sampled_from(["dog", "cat"])),
                 max_size=4).map(lambda found: tuple(sorted(found)))
label_sets = st.frozensets(st.sampled_from("abcd"))


@QUICK
@given(boxes, boxes)
def test_box_f1_is_a_symmetric_share(a: tuple[Box, ...], b: tuple[Box, ...]) -> None:
    forward, backward = score(BOXES, a, b), score(BOXES, b, a)
    assert 0.0 <= forward <= 1.0
    assert forward == pytest.approx(backward)
    assert score(BOXES, a, a) == 1.0


@QUICK
@given(label_sets, label_sets)
def test_jaccard_is_a_symmetric_share(a: frozenset[str], b: frozenset[str]) -> None:
    assert 0.0 <= score(MULTI, a, b) == score(MULTI, b, a) <= 1.0
    assert score(MULTI, a, a) == 1.0


@QUICK
@given(st.lists(label_sets, min_size=1, max_size=5))
def test_a_set_consensus_splits_what_most_and_what_half_chose(
    answers: list[frozenset[str]]
) -> None:
    agreed = consensus(MULTI, answers)
    for item in "abcd":
        chosen = sum(item in answer for answer in answers)
        assert (item in agreed.decided) == (2 * chosen > len(answers))
        assert (item in agreed.undecided) == (2 * chosen == len(answers) and chosen > 0)
    assert 0.0 <= score_consensus(MULTI, frozenset("ab"), agreed) <= 1.0


scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
json_values = st.one_of(
    scalars,
    st.lists(scalars | st.dictionaries(st.text(max_size=8), scalars, max_size=3), max_size=3),
    st.dictionaries(st.text(max_size=8), scalars | st.lists(scalars, max_size=3), max_size=3),
)


@QUICK
@given(st.dictionaries(st.sampled_from(["label", "labels", "boundingBoxes", "entities", "x"]),
                       json_values, max_size=3), st.sampled_from(list(AnswerKind)))
def test_any_answer_content_is_read_or_refused_as_unreadable(
    inner: dict[str, object], kind: AnswerKind
) -> None:
    for content in ({"crowd-element": inner}, inner):
        try:
            value = read_answer(content, kind)
        except UnreadableAnswer:
            continue
        # What is read compares with itself as full agreement.
        assert score(kind, value, value) == 1.0
