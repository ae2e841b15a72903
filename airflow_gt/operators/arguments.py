"""How the manifest operators read what a DAG gives them.

A DAG names a manifest by its ``s3://`` URI or by what an upstream task returned (a labeling job's
result, a sensor's, a chain or merge task's); a destination by its URI or by a folder, where the
file is named after the task run; a number by a value or a template rendered as text. Each
function raises :class:`~airflow_gt.exceptions.ConfigurationError` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from airflow.sdk import Context

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.labeling.names import default_job_name
from airflow_gt.manifests.storage import is_s3_uri

MANIFEST_KEYS = ("manifest_uri", "output_manifest_uri", "intermediate_manifest_uri")
"""The keys under which upstream results name a manifest: a chain or merge task's, a labeling
job's (create operator, job sensor), an intermediate-manifest sensor's."""


def manifest_uri_of(value: Any, parameter: str) -> str:
    """The manifest ``value`` names: an ``s3://`` URI (or local path) as it is, or an upstream
    task's result by its first key of :data:`MANIFEST_KEYS`."""
    if isinstance(value, str) and value.startswith("{"):
        raise ConfigurationError(
            parameter, f"{value[:80]!r} is a task result rendered as text; pass the result "
            "itself (task.output), which Airflow hands over as a dict",
        )
    if isinstance(value, str) and value:
        return value
    if isinstance(value, Mapping):
        for key in MANIFEST_KEYS:
            if isinstance(value.get(key), str) and value[key]:
                return str(value[key])
    raise ConfigurationError(
        parameter, f"expected an s3:// URI or a task result with one of {', '.join(MANIFEST_KEYS)}"
        f", got {value!r}",
    )


def destination_uri(destination: str, context: Context) -> str:
    """``destination``; one that ends in ``/`` is a folder, and the manifest goes into a folder
    of its own in it, named after the task run as a labeling job is:
    ``<destination><dag>-<task>-<digest>/<task_id>.manifest``. So a retry rewrites its own file,
    another run writes another, and the reports validated beside it are its own."""
    if not destination.endswith("/"):
        return destination
    ti = context["ti"]
    map_index = ti.map_index if ti.map_index is not None else -1
    name = default_job_name(ti.dag_id, ti.task_id, ti.run_id, map_index)
    return f"{destination}{name}/{ti.task_id}.manifest"


def folder_of(uri: str) -> str:
    """The folder (or ``s3://`` prefix) a file is in."""
    return uri.rpartition("/")[0] if is_s3_uri(uri) else str(Path(uri).parent)


def number(
    value: Any, parameter: str, kind: type[int] | type[float] = float, *, optional: bool = True
) -> Any:
    """A number, or a template rendered as text (``"0.8"``), as ``kind``. None, ``""`` and a
    rendered ``"None"`` mean no number: None when ``optional``, else an error. A boolean, or a
    fraction where an integer is wanted, is an error naming ``parameter``."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "None")):
        if optional:
            return None
        raise ConfigurationError(parameter, "a number is required")
    if kind is int and type(value) is int:
        return value  # exact, however large (a float would round a big seed)
    found: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        found = float(value)
    elif isinstance(value, str):
        try:
            found = float(value.strip())
        except ValueError:
            found = None
    if found is None or (kind is int and not found.is_integer()):
        wanted = "an integer" if kind is int else "a number"
        raise ConfigurationError(parameter, f"must be {wanted}, got {value!r}")
    return kind(found)


def check_choice(parameter: str, value: str, choices: Sequence[str]) -> None:
    """Raise unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ConfigurationError(parameter, f"must be one of {', '.join(choices)}, got {value!r}")
