"""What a deployment installs: the base requirements, the extras, and (in the matrix) the floors.

``scripts/matrix.py`` runs these in each set's venv with ``AIRFLOW_GT_MATRIX`` naming the set;
there the package under test is the installed wheel, and the lowest set proves that every lower
bound pyproject.toml declares is the version installed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import airflow_gt
from airflow_gt.exceptions import ConfigurationError, MissingExtraError
from airflow_gt.extras import LOCAL, PLOTS, require_extra

ROOT = Path(__file__).resolve().parent.parent
MATRIX_SET = os.environ.get("AIRFLOW_GT_MATRIX")


def project() -> dict[str, Any]:
    document: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return document["project"]  # type: ignore[no-any-return]


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower()
            for requirement in requirements}


def matrix_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("matrix", ROOT / "scripts" / "matrix.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("matrix", module)  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_base_install_carries_no_stand_in_and_no_plotting() -> None:
    base = names(project()["dependencies"])
    assert not base & {"moto", "flask", "werkzeug", "matplotlib"}, base
    extras = project()["optional-dependencies"]
    assert names(extras["local"]) == {"moto"}
    assert names(extras["plots"]) == {"matplotlib"}
    assert names(extras["openlineage"]) == {"apache-airflow-providers-openlineage"}


def test_every_requirement_is_a_range_with_a_lower_bound() -> None:
    extras = project()["optional-dependencies"]
    for requirement in [*project()["dependencies"], *extras["local"], *extras["plots"],
                        *extras["openlineage"]]:
        assert ">=" in requirement and "==" not in requirement, requirement


def test_python_versions_and_classifiers_agree() -> None:
    assert project()["requires-python"] == ">=3.11,<3.14"
    classified = {c.rsplit(" ", 1)[1] for c in project()["classifiers"]
                  if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)}
    assert classified == {"3.11", "3.12", "3.13"}


@pytest.mark.parametrize(("extra", "module"), [(LOCAL, "moto"), (PLOTS, "matplotlib")])
def test_each_extra_is_checked_by_the_module_it_brings(extra: tuple[str, str], module: str) -> None:
    assert extra[0] == module
    require_extra("anything", extra)  # installed in every test environment


def test_a_missing_extra_is_a_one_line_error_naming_the_parameter_and_the_extra() -> None:
    with pytest.raises(MissingExtraError) as caught:
        require_extra("--plot", ("no_such_module_of_airflow_gt", "plots"))
    assert isinstance(caught.value, ConfigurationError)
    assert str(caught.value) == (
        "--plot: needs no_such_module_of_airflow_gt, which is not installed: "
        "pip install 'airflow-gt[plots]'"
    )


@pytest.mark.skipif(MATRIX_SET is None, reason="only in a matrix set's venv (scripts/matrix.py)")
def test_a_matrix_set_tests_the_installed_wheel_not_the_checkout() -> None:
    assert Path(airflow_gt.__file__).resolve().parent != ROOT / "airflow_gt", airflow_gt.__file__


@pytest.mark.skipif(MATRIX_SET != "lowest", reason="only in the lowest set (make test-lowest)")
def test_every_declared_lower_bound_is_the_version_installed() -> None:
    floors = matrix_script().declared_floors()
    installed = {name: importlib.metadata.version(name) for name in floors}
    assert installed == floors
