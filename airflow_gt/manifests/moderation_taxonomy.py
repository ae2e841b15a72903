"""Rekognition's moderation label taxonomy: which names a Custom Moderation manifest may use.

Rekognition labels unsafe content with a hierarchy of up to three levels (``TaxonomyLevel`` 1-3),
and ``DetectModerationLabels`` answers each label with the name of its parent (``""`` at the top
level). Two generations of names are in use:

* the **current** taxonomy (moderation model 7): ten top-level categories such as ``Explicit``,
  ``Violence`` or ``Drugs & Tobacco``, their second-level labels and some third-level labels;
* the **older** names (moderation model 6 and before) that manifests and client code still carry:
  ``Explicit Nudity`` over ``Nudity`` and ``Graphic Male Nudity``, ``Suggestive``, ``Tobacco`` ...
  Where a name exists in both, the current taxonomy's parent and level win. An older-only name
  keeps its older parent and sits one level below it: ``Nudity`` is at level 3, under
  ``Explicit Nudity``, which is now a second-level label.

The manifest examples of Rekognition's Custom Moderation guide label images ``Rude Gesture`` and
``Nudity``; both are accepted (``Rude Gesture`` as a top-level label, as the guide's output manifest
answers it with an empty parent). Names are case-sensitive, as the API's are.

Pure Python: no AWS or Airflow import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

TOP_LEVEL_PARENT = ""
"""The ``ParentName`` Rekognition gives a top-level label."""


@dataclass(frozen=True)
class ModerationLabel:
    """One label of the taxonomy: its name, its parent's name (None at the top), its level."""

    name: str
    parent: str | None
    level: int


# Each entry: a top-level label, then (second-level label, its third-level labels).
_Tree = tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...]

CURRENT_TAXONOMY: _Tree = (
    ("Explicit", (
        ("Explicit Nudity", (
            "Exposed Male Genitalia", "Exposed Female Genitalia", "Exposed Buttocks or Anus",
            "Exposed Female Nipple",
        )),
        ("Explicit Sexual Activity", ()),
        ("Sex Toys", ()),
    )),
    ("Non-Explicit Nudity of Intimate parts and Kissing", (
        ("Non-Explicit Nudity", (
            "Bare Back", "Exposed Male Nipple", "Partially Exposed Buttocks",
            "Partially Exposed Female Breast", "Implied Nudity",
        )),
        ("Obstructed Intimate Parts", ("Obstructed Female Nipple", "Obstructed Male Genitalia")),
        ("Kissing on the Lips", ()),
    )),
    ("Swimwear or Underwear", (
        ("Female Swimwear or Underwear", ()),
        ("Male Swimwear or Underwear", ()),
    )),
    ("Violence", (
        ("Weapons", ()),
        ("Graphic Violence", (
            "Weapon Violence", "Physical Violence", "Self-Harm", "Blood & Gore",
            "Explosions and Blasts",
        )),
    )),
    ("Visually Disturbing", (
        ("Death and Emaciation", ("Emaciated Bodies", "Corpses")),
        ("Crashes", ("Air Crash",)),
    )),
    ("Drugs & Tobacco", (
        ("Products", ("Pills",)),
        ("Drugs & Tobacco Paraphernalia & Use", ("Smoking",)),
    )),
    ("Alcohol", (
        ("Alcohol Use", ("Drinking",)),
        ("Alcoholic Beverages", ()),
    )),
    ("Rude Gestures", (("Middle Finger", ()),)),
    ("Gambling", ()),
    ("Hate Symbols", (
        ("Nazi Party", ()),
        ("White Supremacy", ()),
        ("Extremist", ()),
    )),
)  # fmt: skip
"""The current (model 7) hierarchy."""

OLDER_TAXONOMY: _Tree = (
    ("Explicit Nudity", (
        ("Nudity", ()), ("Graphic Male Nudity", ()), ("Graphic Female Nudity", ()),
        ("Sexual Activity", ()), ("Illustrated Explicit Nudity", ()), ("Adult Toys", ()),
    )),
    ("Suggestive", (
        ("Female Swimwear Or Underwear", ()), ("Male Swimwear Or Underwear", ()),
        ("Partial Nudity", ()), ("Barechested Male", ()), ("Revealing Clothes", ()),
        ("Sexual Situations", ()),
    )),
    ("Violence", (
        ("Graphic Violence Or Gore", ()), ("Physical Violence", ()), ("Weapon Violence", ()),
        ("Weapons", ()), ("Self Injury", ()),
    )),
    ("Visually Disturbing", (
        ("Emaciated Bodies", ()), ("Corpses", ()), ("Hanging", ()), ("Air Crash", ()),
        ("Explosions And Blasts", ()),
    )),
    ("Rude Gestures", (("Middle Finger", ()),)),
    ("Rude Gesture", ()),
    ("Drugs", (
        ("Drug Products", ()), ("Drug Use", ()), ("Pills", ()), ("Drug Paraphernalia", ()),
    )),
    ("Tobacco", (("Tobacco Products", ()), ("Smoking", ()))),
    ("Alcohol", (("Drinking", ()), ("Alcoholic Beverages", ()))),
    ("Gambling", ()),
    ("Hate Symbols", (("Nazi Party", ()), ("White Supremacy", ()), ("Extremist", ()))),
)  # fmt: skip
"""Older (model 6) names, still found in manifests; ``Rude Gesture`` is the guide's spelling."""


def _flatten(tree: _Tree) -> dict[str, ModerationLabel]:
    labels: dict[str, ModerationLabel] = {}
    for top, seconds in tree:
        labels[top] = ModerationLabel(top, None, 1)
        for second, thirds in seconds:
            labels[second] = ModerationLabel(second, top, 2)
            for third in thirds:
                labels[third] = ModerationLabel(third, second, 3)
    return labels


def _build() -> tuple[Mapping[str, ModerationLabel], frozenset[str]]:
    """Current labels, then older-only ones under their older parent, one level below it."""
    labels = _flatten(CURRENT_TAXONOMY)
    older = [label for label in _flatten(OLDER_TAXONOMY).values() if label.name not in labels]
    for label in older:  # parents come before their children
        level = 1 if label.parent is None else labels[label.parent].level + 1
        labels[label.name] = ModerationLabel(label.name, label.parent, level)
    return MappingProxyType(labels), frozenset(label.name for label in older)


MODERATION_LABELS, OLDER_LABEL_NAMES = _build()
"""Every accepted label by name; and the names that only the older taxonomy has."""


def is_moderation_label(name: str) -> bool:
    """Whether ``name`` is a Rekognition moderation label (current or older name)."""
    return name in MODERATION_LABELS


def _label(name: str) -> ModerationLabel:
    try:
        return MODERATION_LABELS[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a Rekognition moderation label") from None


def parent_name(name: str) -> str:
    """The ``ParentName`` Rekognition answers for ``name``: ``""`` for a top-level label.

    :raises KeyError: ``name`` is not a moderation label.
    """
    parent = _label(name).parent
    return TOP_LEVEL_PARENT if parent is None else parent


def taxonomy_level(name: str) -> int:
    """The ``TaxonomyLevel`` of ``name``: 1, 2 or 3.

    :raises KeyError: ``name`` is not a moderation label.
    """
    return _label(name).level


def unknown_labels(names: Iterable[str]) -> list[str]:
    """The names that are not moderation labels, each once, in the order first seen."""
    unknown: dict[str, None] = {}
    for name in names:
        if name not in MODERATION_LABELS:
            unknown.setdefault(name)
    return list(unknown)
