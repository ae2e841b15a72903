"""What differs between the CreateLabelingJob request a task would send and an existing job.

A task that finds a job of its name already there (its own earlier try, or a job created by
someone else) may attach to it only if that job was created from the same request. The existing
job's DescribeLabelingJob answer repeats the request it was created from, so each field the task
would send is looked up there, and every difference is reported by its path::

    HumanTaskConfig.NumberOfHumanWorkersPerDataObject: the existing job has 3, this task asks for 1

Only the fields the task sends are compared: the answer also holds fields AWS filled in with
defaults, which a request that leaves them out does not contradict. Tags are not compared: they
label the job and change nothing about what is labeled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

IGNORED_FIELDS = frozenset({"LabelingJobName", "Tags"})
_MISSING = object()


def request_differences(
    request: Mapping[str, Any],
    description: Mapping[str, Any],
    *,
    ignored: frozenset[str] = IGNORED_FIELDS,
    what: str = "the existing job",
) -> list[str]:
    """Each field of ``request`` that ``description`` lacks or holds another value for.

    :param ignored: top-level request fields not compared.
    :param what: what the description is of, in the messages (``the existing version``).
    """
    found: list[str] = []
    for key, wanted in request.items():
        if key not in ignored:
            _compare(key, wanted, description.get(key, _MISSING), found, what)
    return found


def _compare(path: str, wanted: Any, existing: Any, found: list[str], what: str) -> None:
    if isinstance(wanted, Mapping) and isinstance(existing, Mapping):
        for key, value in wanted.items():
            _compare(f"{path}.{key}", value, existing.get(key, _MISSING), found, what)
        return
    if existing is _MISSING:
        found.append(f"{path}: {what} has none, this task asks for {wanted!r}")
    elif not _same(wanted, existing):
        found.append(f"{path}: {what} has {existing!r}, this task asks for {wanted!r}")


def _same(wanted: Any, existing: Any) -> bool:
    if isinstance(wanted, (list, tuple)) and isinstance(existing, (list, tuple)):
        return len(wanted) == len(existing) and all(
            _same(a, b) for a, b in zip(wanted, existing, strict=True)
        )
    if isinstance(wanted, Mapping) and isinstance(existing, Mapping):
        return wanted.keys() == existing.keys() and all(
            _same(value, existing[key]) for key, value in wanted.items()
        )
    if isinstance(wanted, bool) or isinstance(existing, bool):
        return wanted is existing
    return bool(wanted == existing)


def category_differences(
    wanted: Mapping[str, Any], existing: Mapping[str, Any] | None
) -> list[str]:
    """What differs between the label category file a task would upload and the one in S3."""
    if existing is None:
        return ["label categories: the existing job's category file is gone"]
    if _same(dict(wanted), dict(existing)):
        return []
    before = [entry.get("label") for entry in existing.get("labels", [])]
    after = [entry.get("label") for entry in wanted.get("labels", [])]
    if before != after:
        return [f"label categories: the existing job has {before!r}, this task asks for {after!r}"]
    return ["label categories: the existing job's category file differs from this task's"]
