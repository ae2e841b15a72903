"""Split a moderation dataset into training and testing images: seeded and stratified.

Images are grouped by their set of moderation labels (a stratum: ``{Nudity}``, ``{}`` for safe
images, ``{Nudity, Rude Gesture}``...). Each stratum gives the testing side its share of the
testing images, rounded by largest remainder so the total is exact (on equal remainders, the label
set first in sorted order); so a label set too small for a whole share mostly stays in training,
where a rare label helps the adapter most.

Within a stratum, images are ranked by a hash of the seed and their ``source-ref``, and the first
ones go to testing. The lines of one image (a ``source-ref`` seen twice) always go to the same
side, and an image's side depends on the seed and its stratum, never on the order of the lines.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Protocol, TypeVar

from airflow_gt.exceptions import ConfigurationError


class Splittable(Protocol):
    """What a split needs of a line: its image and the moderation labels it carries."""

    @property
    def source_ref(self) -> str: ...

    @property
    def labels(self) -> tuple[str, ...]: ...


T = TypeVar("T", bound=Splittable)
Strata = dict[tuple[str, ...], list[str]]
"""Distinct images (source-refs) by their sorted label set."""


def check_test_fraction(fraction: float) -> float:
    """Return ``fraction`` if it can split a dataset (strictly between 0 and 1)."""
    if not 0.0 < fraction < 1.0:
        raise ConfigurationError(
            "test_fraction", f"must be greater than 0 and less than 1, got {fraction}"
        )
    return fraction


def _rank(seed: int, source_ref: str) -> bytes:
    return hashlib.sha256(f"{seed}\0{source_ref}".encode()).digest()


def _testing_quotas(strata: Strata, total: int) -> dict[tuple[str, ...], int]:
    """How many images of each stratum go to testing: proportional, largest remainders first."""
    images = sum(len(refs) for refs in strata.values())
    shares = {key: len(refs) * total / images for key, refs in strata.items()}
    quotas = {key: math.floor(share) for key, share in shares.items()}
    left = total - sum(quotas.values())
    by_remainder = sorted(strata, key=lambda key: (quotas[key] - shares[key], key))
    for key in by_remainder[:left]:
        quotas[key] += 1
    return quotas


def choose_testing_images(
    lines: Sequence[Splittable], fraction: float, seed: int
) -> frozenset[str]:
    """The ``source-ref`` of every image that goes to testing.

    :param fraction: the share of distinct images to test on, rounded to a whole number; at
        least one image goes to each side.
    :raises ConfigurationError: fewer than two distinct images, or a fraction outside (0, 1).
    """
    check_test_fraction(fraction)
    labels_of: dict[str, set[str]] = {}
    for line in lines:
        labels_of.setdefault(line.source_ref, set()).update(line.labels)
    if len(labels_of) < 2:
        raise ConfigurationError(
            "test_fraction",
            f"a training and a testing manifest need at least 2 distinct images, "
            f"found {len(labels_of)}",
        )
    total = min(len(labels_of) - 1, max(1, round(fraction * len(labels_of))))
    strata: Strata = {}
    for source_ref, labels in labels_of.items():
        strata.setdefault(tuple(sorted(labels)), []).append(source_ref)
    chosen: set[str] = set()
    for key, quota in _testing_quotas(strata, total).items():
        ranked = sorted(strata[key], key=lambda ref: _rank(seed, ref))
        chosen.update(ranked[:quota])
    return frozenset(chosen)


def split_lines(
    lines: Sequence[T], fraction: float, seed: int
) -> tuple[list[T], list[T]]:
    """``(training, testing)``: the lines on each side, each in the order given."""
    testing = choose_testing_images(lines, fraction, seed)
    return (
        [line for line in lines if line.source_ref not in testing],
        [line for line in lines if line.source_ref in testing],
    )
