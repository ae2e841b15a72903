"""Names of Rekognition projects and adapter versions: the rule they follow, and the default
version name of a task run.

Both names are 1 to 255 of ASCII letters, digits, ``_``, ``.`` and ``-`` (the API's pattern). A
version name is unique within its project for good, so, as for labeling jobs, it is the key that
makes training idempotent: the default is derived from the task run exactly as a labeling job's
is (:func:`airflow_gt.labeling.default_job_name`: the DAG and task ids made readable, then 12 hex
digits of a digest over the DAG, task, run and map index), which always fits the version pattern.
"""

from __future__ import annotations

import re

from airflow_gt.exceptions import NameRuleError
from airflow_gt.labeling.names import default_job_name

NAME_MAX_LENGTH = 255
NAME_PATTERN = re.compile(r"[a-zA-Z0-9_.\-]{1,255}")


def _check(kind: str, name: str) -> str:
    if not isinstance(name, str) or not name:
        raise NameRuleError(kind, str(name), "must not be empty")
    if len(name) > NAME_MAX_LENGTH:
        raise NameRuleError(
            kind, name, f"is {len(name)} characters long; at most {NAME_MAX_LENGTH} are allowed"
        )
    if NAME_PATTERN.fullmatch(name) is None:
        bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c in "_.-"))})
        shown = ", ".join(repr(c) for c in bad)
        raise NameRuleError(
            kind, name,
            f"contains {shown}; only ASCII letters, digits, '_', '.' and '-' are allowed",
        )
    return name


def validate_project_name(name: str) -> str:
    """Return ``name`` if it is a valid Rekognition project name, else raise NameRuleError."""
    return _check("Rekognition project name", name)


def validate_version_name(name: str) -> str:
    """Return ``name`` if it is a valid adapter version name, else raise NameRuleError."""
    return _check("adapter version name", name)


def default_version_name(dag_id: str, task_id: str, run_id: str, map_index: int = -1) -> str:
    """The adapter version name for one run of one task (and one mapped instance of it)."""
    return validate_version_name(default_job_name(dag_id, task_id, run_id, map_index))


def names_of_version_arn(arn: str) -> tuple[str, str]:
    """``(project name, version name)`` of a version ARN
    (``arn:aws:rekognition:<region>:<account>:project/<project>/version/<version>/<number>``)."""
    parts = arn.split(":project/", 1)[-1].split("/")
    if ":project/" not in arn or len(parts) != 4 or parts[1] != "version":
        raise ValueError(f"{arn!r} is not a Rekognition project version ARN")
    return parts[0], parts[2]
