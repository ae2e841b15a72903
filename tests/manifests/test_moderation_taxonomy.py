"""Rekognition's moderation label taxonomy: current and older names, parents and levels."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_gt.local.datasets import DEFAULT_MODERATION_LABELS
from airflow_gt.manifests import moderation_taxonomy
from airflow_gt.manifests.moderation_taxonomy import (
    CURRENT_TAXONOMY,
    MODERATION_LABELS,
    OLDER_LABEL_NAMES,
    ModerationLabel,
    is_moderation_label,
    parent_name,
    taxonomy_level,
    unknown_labels,
)

CURRENT_TOP_LEVEL = [
    "Explicit",
    "Non-Explicit Nudity of Intimate parts and Kissing",
    "Swimwear or Underwear",
    "Violence",
    "Visually Disturbing",
    "Drugs & Tobacco",
    "Alcohol",
    "Rude Gestures",
    "Gambling",
    "Hate Symbols",
]


def test_the_guides_manifest_examples_are_accepted() -> None:
    assert is_moderation_label("Rude Gesture") and is_moderation_label("Nudity")
    assert (parent_name("Rude Gesture"), taxonomy_level("Rude Gesture")) == ("", 1)
    assert (parent_name("Nudity"), taxonomy_level("Nudity")) == ("Explicit Nudity", 3)


def test_the_current_taxonomy_has_ten_top_level_categories() -> None:
    assert [top for top, _ in CURRENT_TAXONOMY] == CURRENT_TOP_LEVEL
    for name in CURRENT_TOP_LEVEL:
        assert MODERATION_LABELS[name] == ModerationLabel(name, None, 1)


@pytest.mark.parametrize(
    ("name", "parent", "level"),
    [
        ("Explicit Nudity", "Explicit", 2),
        ("Exposed Buttocks or Anus", "Explicit Nudity", 3),
        ("Implied Nudity", "Non-Explicit Nudity", 3),
        ("Kissing on the Lips", "Non-Explicit Nudity of Intimate parts and Kissing", 2),
        ("Blood & Gore", "Graphic Violence", 3),
        ("Weapons", "Violence", 2),
        ("Air Crash", "Crashes", 3),
        ("Smoking", "Drugs & Tobacco Paraphernalia & Use", 3),
        ("Pills", "Products", 3),
        ("Drinking", "Alcohol Use", 3),
        ("Middle Finger", "Rude Gestures", 2),
        ("Extremist", "Hate Symbols", 2),
        ("Gambling", "", 1),
    ],
)
def test_current_labels_answer_their_parent_and_level(name: str, parent: str, level: int) -> None:
    assert (parent_name(name), taxonomy_level(name)) == (parent, level)


@pytest.mark.parametrize(
    ("name", "parent", "level"),
    [
        ("Suggestive", "", 1),
        ("Graphic Male Nudity", "Explicit Nudity", 3),
        ("Female Swimwear Or Underwear", "Suggestive", 2),
        ("Barechested Male", "Suggestive", 2),
        ("Graphic Violence Or Gore", "Violence", 2),
        ("Hanging", "Visually Disturbing", 2),
        ("Drug Paraphernalia", "Drugs", 2),
        ("Tobacco Products", "Tobacco", 2),
        ("Tobacco", "", 1),
    ],
)
def test_older_names_are_accepted(name: str, parent: str, level: int) -> None:
    assert name in OLDER_LABEL_NAMES
    assert (parent_name(name), taxonomy_level(name)) == (parent, level)


def test_current_names_win_over_older_ones() -> None:
    for name in ("Explicit Nudity", "Smoking", "Middle Finger", "Violence"):
        assert name not in OLDER_LABEL_NAMES
    assert parent_name("Smoking") == "Drugs & Tobacco Paraphernalia & Use"


def test_every_parent_is_a_label_one_level_up() -> None:
    for label in MODERATION_LABELS.values():
        assert 1 <= label.level <= 3
        if label.parent is None:
            assert label.level == 1
        else:
            assert MODERATION_LABELS[label.parent].level == label.level - 1, label


def test_names_are_case_sensitive_and_unknown_ones_listed_once() -> None:
    assert not is_moderation_label("nudity")
    assert unknown_labels(["Nudity", "Ketchup", "nudity", "Ketchup", "Smoking"]) == [
        "Ketchup",
        "nudity",
    ]
    assert unknown_labels([]) == []


def test_unknown_names_have_no_parent_or_level() -> None:
    with pytest.raises(KeyError, match="Ketchup"):
        parent_name("Ketchup")
    with pytest.raises(KeyError, match="Ketchup"):
        taxonomy_level("Ketchup")


def test_the_taxonomy_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        MODERATION_LABELS["Ketchup"] = ModerationLabel("Ketchup", None, 1)  # type: ignore[index]


def test_the_generators_labels_are_moderation_labels() -> None:
    assert unknown_labels(DEFAULT_MODERATION_LABELS) == []


def test_the_module_imports_only_the_standard_library() -> None:
    source = Path(moderation_taxonomy.__file__).read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= {"__future__", "collections", "dataclasses", "types"}
    heavy = ("airflow", "boto3", "botocore", "pandas", "great_expectations")
    check = (
        "import sys, airflow_gt.manifests.moderation_taxonomy; "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    found = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]"
