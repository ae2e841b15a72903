"""The GX suites, one JSON file per job type, shipped in the package.

A suite is GX 1.x JSON (``{"name", "expectations": [{"type", "kwargs", "meta"}], "meta"}``);
``meta.frame`` says which flattened frame an expectation checks and ``meta.rule`` says what it
checks in words. Arguments may be suite parameters (``{"$PARAMETER": "max_failed_fraction"}``),
filled in at validation time; an expectation whose parameter is not given (``class_names`` without
label categories) is left out of that run. Loading a suite is plain JSON: GX itself is imported
only when a validation runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from airflow_gt.exceptions import ConfigurationError

PARAMETER = "$PARAMETER"


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a suite, as written in its JSON file."""

    type: str
    kwargs: dict[str, Any]
    frame: str
    rule: str

    @property
    def parameters(self) -> set[str]:
        return {
            value[PARAMETER] for value in self.kwargs.values()
            if isinstance(value, dict) and PARAMETER in value
        }

    @property
    def column(self) -> str:
        if "column" in self.kwargs:
            return str(self.kwargs["column"])
        return ",".join(str(self.kwargs[key]) for key in ("column_A", "column_B")
                        if key in self.kwargs)

    def filled(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """The kwargs with suite parameters replaced by their values."""
        return {
            key: parameters[value[PARAMETER]]
            if isinstance(value, dict) and PARAMETER in value else value
            for key, value in self.kwargs.items()
        }


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    job_type: str
    expectations: tuple[ExpectationSpec, ...]
    document: dict[str, Any]

    def runnable(self, parameters: dict[str, Any]) -> tuple[ExpectationSpec, ...]:
        """The expectations whose parameters are all given."""
        return tuple(e for e in self.expectations if e.parameters <= parameters.keys())


def suite_names() -> list[str]:
    folder = resources.files("airflow_gt.validation") / "expectations"
    return sorted(
        entry.name.removesuffix(".json") for entry in folder.iterdir()
        if entry.name.endswith(".json")
    )


def load_suite(job_type: str) -> SuiteSpec:
    """The suite of ``job_type`` (``object-detection``, ``moderation-input``...)."""
    name = job_type.removeprefix("groundtruth/")
    path = resources.files("airflow_gt.validation") / "expectations" / f"{name}.json"
    if not path.is_file():
        raise ConfigurationError(
            "job_type", f"no expectation suite for job type {name!r}; suites: "
            f"{', '.join(suite_names())}"
        )
    return read_suite(path)


def read_suite(path: Traversable) -> SuiteSpec:
    """A suite from its JSON file (in the package: ``importlib.resources``, or a path)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    expectations = tuple(
        ExpectationSpec(
            type=item["type"], kwargs=item["kwargs"], frame=item["meta"]["frame"],
            rule=item["meta"]["rule"],
        )
        for item in document["expectations"]
    )
    return SuiteSpec(document["name"], document["meta"]["job_type"], expectations, document)
