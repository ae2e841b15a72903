"""Operator arguments that arrive as numbers or as templates rendered to text."""

from __future__ import annotations

import pytest

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.operators.arguments import number


def test_numbers_rendered_from_templates() -> None:
    assert number("0.8", "x") == 0.8
    assert number(" 7 ", "x") == 7.0
    assert number("None", "x") is None
    assert number(None, "x") is None
    assert number("", "x") is None
    assert number("3", "x", int) == 3
    assert number(0.25, "x") == 0.25
    with pytest.raises(ConfigurationError, match="x: must be a number, got True"):
        number(True, "x")
    with pytest.raises(ConfigurationError, match=r"x: must be an integer, got '3\.5'"):
        number("3.5", "x", int)
    with pytest.raises(ConfigurationError, match="x: must be a number, got 'lots'"):
        number("lots", "x")
    with pytest.raises(ConfigurationError, match="x: a number is required"):
        number("None", "x", optional=False)


def test_a_large_integer_is_kept_exact() -> None:
    assert number(2**60 + 1, "seed", int) == 2**60 + 1
