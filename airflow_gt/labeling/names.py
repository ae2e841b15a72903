"""The default labeling job name of a task run: stable across retries, distinct across runs.

A labeling job name is unique per AWS account and region for good (a finished job keeps its
name), so it is the natural key that makes creating a job idempotent. The default name is
derived from what identifies one task run and nothing that changes when the task is retried::

    <readable part>-<12 hex digits of SHA-256 over dag_id, task_id, run_id and map_index>

The readable part is the DAG and task ids squeezed into the name alphabet (ASCII letters, digits,
hyphens), lowercased and cut so the whole name fits 63 characters. The digest is over the full,
unsqueezed ids, so two runs never share a name even when their readable parts do.
"""

from __future__ import annotations

import hashlib
import re

from airflow_gt.manifests.attributes import JOB_NAME_MAX_LENGTH, validate_job_name

DIGEST_LENGTH = 12
_OUTSIDE_ALPHABET = re.compile(r"[^a-z0-9]+")
_FALLBACK = "labeling"


def readable_part(text: str, length: int) -> str:
    """``text`` in the job-name alphabet, at most ``length`` characters, no edge hyphens."""
    squeezed = _OUTSIDE_ALPHABET.sub("-", text.lower()).strip("-")
    return squeezed[:length].rstrip("-")


def default_job_name(
    dag_id: str, task_id: str, run_id: str, map_index: int = -1, *, prefix: str | None = None
) -> str:
    """The labeling job name for one run of one task (and one mapped instance of it).

    :param prefix: the readable part to use instead of ``<dag_id>-<task_id>``.
    """
    key = "\x1f".join((dag_id, task_id, run_id, str(map_index)))
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]
    room = JOB_NAME_MAX_LENGTH - DIGEST_LENGTH - 1
    readable = readable_part(prefix if prefix is not None else f"{dag_id}-{task_id}", room)
    return validate_job_name(f"{readable or _FALLBACK}-{digest}")
