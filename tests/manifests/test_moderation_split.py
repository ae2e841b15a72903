"""The seeded, label-stratified split of a moderation dataset into training and testing."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.manifests.moderation_manifest import ModerationLine
from airflow_gt.manifests.moderation_split import choose_testing_images, split_lines

LABEL_SETS = [(), ("Nudity",), ("Rude Gesture",), ("Nudity", "Rude Gesture"), ("Smoking",)]


def dataset(count: int, seed: int = 0) -> list[ModerationLine]:
    rng = random.Random(seed)
    return [
        ModerationLine(n + 1, f"s3://images/{n:05d}.png", rng.choice(LABEL_SETS))
        for n in range(count)
    ]


def test_every_image_goes_to_exactly_one_side_in_order() -> None:
    lines = dataset(200)
    training, testing = split_lines(lines, 0.2, seed=1)
    assert len(testing) == 40
    assert not {x.source_ref for x in training} & {x.source_ref for x in testing}
    assert sorted(training + testing, key=lambda x: x.line) == lines
    assert [x.line for x in training] == sorted(x.line for x in training)
    assert [x.line for x in testing] == sorted(x.line for x in testing)


def test_each_label_set_is_split_in_proportion() -> None:
    lines = dataset(500, seed=4)
    _, testing = split_lines(lines, 0.3, seed=2)
    everywhere = Counter(frozenset(x.labels) for x in lines)
    tested = Counter(frozenset(x.labels) for x in testing)
    assert sum(tested.values()) == 150
    for labels, total in everywhere.items():
        assert abs(tested[labels] - 0.3 * total) < 1, (sorted(labels), tested[labels], total)


def test_the_seed_fixes_the_split_and_line_order_does_not_matter() -> None:
    lines = dataset(100)
    first = choose_testing_images(lines, 0.2, seed=7)
    assert choose_testing_images(lines, 0.2, seed=7) == first
    assert choose_testing_images(list(reversed(lines)), 0.2, seed=7) == first
    assert choose_testing_images(lines, 0.2, seed=8) != first


def test_lines_of_one_image_stay_together() -> None:
    lines = dataset(40)
    repeated = [*lines, *(ModerationLine(100 + x.line, x.source_ref, x.labels) for x in lines[:20])]
    training, testing = split_lines(repeated, 0.5, seed=3)
    assert not {x.source_ref for x in training} & {x.source_ref for x in testing}
    assert len({x.source_ref for x in testing}) == 20
    assert len(training) + len(testing) == 60


def test_a_rare_label_set_stays_in_training() -> None:
    lines = [ModerationLine(n, f"s3://b/{n}.png", ("Nudity",)) for n in range(1, 20)]
    lines.append(ModerationLine(20, "s3://b/rare.png", ("Smoking",)))
    training, testing = split_lines(lines, 0.2, seed=0)
    assert len(testing) == 4
    assert "s3://b/rare.png" in {x.source_ref for x in training}


@pytest.mark.parametrize(("count", "fraction", "tested"), [(2, 0.01, 1), (2, 0.99, 1), (3, 0.5, 2)])
def test_each_side_gets_at_least_one_image(count: int, fraction: float, tested: int) -> None:
    training, testing = split_lines(dataset(count), fraction, seed=0)
    assert (len(training), len(testing)) == (count - tested, tested)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_a_fraction_must_split(fraction: float) -> None:
    with pytest.raises(ConfigurationError, match="test_fraction: must be greater than 0"):
        split_lines(dataset(10), fraction, seed=0)


def test_one_image_cannot_be_split() -> None:
    one = ModerationLine(1, "s3://b/1.png", ())
    with pytest.raises(ConfigurationError, match="at least 2 distinct images, found 1"):
        split_lines([one, ModerationLine(2, one.source_ref, ())], 0.5, seed=0)
