"""The data-quality alert of a workforce check, written for the person who gets it.

:func:`workforce_alert` turns a workforce check's JSON summary (``airflow-gt workers --format
json``, with the ``reports`` the operator adds) into a :class:`DataQualityAlert`: a subject that
fits SNS and names the workers below the accuracy threshold, and a message with the job's
figures, each failed check with its figures, and where the full report is. Plain Python: no
Airflow import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_gt.notifications.data_quality import SUBJECT_LIMIT, DataQualityAlert

MAX_LISTED = 20
"""Failed checks listed one by one in a message; the rest are counted."""


def _share(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) else "n/a"


def workforce_alert(
    summary: Mapping[str, Any], *, where: str, run_id: str | None = None
) -> DataQualityAlert:
    """The alert for a workforce check that failed.

    :param summary: the check's summary, with ``reports`` when the reports were written.
    :param where: what ran the check, for the subject (``dag_id.task_id``).
    :param run_id: the run it happened in, for the message.
    """
    failed = list(summary.get("failed_checks") or [])
    workers = [str(c["worker_id"]) for c in failed if c.get("worker_id") is not None]
    reports = summary.get("reports") or {}
    job = str(summary.get("job_name", "?"))
    lines = [
        f"Workforce check failed in {where}" + (f" (run {run_id})." if run_id else "."),
        "",
        f"Labeling job: {job} ({summary.get('job_type', '?')})",
        f"Output: {summary.get('source', '?')}",
        f"Objects: {summary.get('objects', 0)}, answers: {summary.get('answers', 0)}, "
        f"workers: {summary.get('workers', 0)}",
        f"Mean agreement: {_share(summary.get('mean_agreement'))}; Krippendorff's alpha: "
        f"{_share(summary.get('alpha'))}",
        "",
        f"Failed checks ({len(failed)}):",
    ]
    lines += [f"  - {_check_line(check)}" for check in failed[:MAX_LISTED]]
    if len(failed) > MAX_LISTED:
        lines.append(f"  ... and {len(failed) - MAX_LISTED} more (see the report)")
    if reports:
        lines += ["", f"Report: {reports.get('html', '-')}",
                  f"Summary (JSON): {reports.get('json', '-')}"]
    return DataQualityAlert(
        subject=_subject(job, workers, len(failed), where), message="\n".join(lines) + "\n",
        summary=dict(summary), report_uri=reports.get("html") or reports.get("json"),
    )


def _subject(job: str, workers: list[str], failed: int, where: str) -> str:
    """The first candidate SNS takes whole (under 100 characters)."""
    if workers:
        named = f"worker{'s' if len(workers) > 1 else ''} {', '.join(workers)} below accuracy"
        counted = f"{len(workers)} worker{'s' if len(workers) > 1 else ''} below accuracy"
        candidates = [f"Workforce: {named} in {job}", f"Workforce: {named}",
                      f"Workforce: {counted} in {job}", f"Workforce: {counted}"]
    else:
        counted = f"{failed} check{'s' if failed != 1 else ''} failed"
        candidates = [f"Workforce: {counted} in {job} ({where})", f"Workforce: {counted} in {job}",
                      f"Workforce: {counted}"]
    return next((text for text in candidates if len(text) < SUBJECT_LIMIT), candidates[-1])


def _check_line(check: Mapping[str, Any]) -> str:
    if check.get("worker_id") is not None:
        return (f"worker {check['worker_id']}: accuracy {_share(check.get('value'))} below "
                f"{check.get('threshold')} ({check.get('judged')} judged of "
                f"{check.get('tasks')} tasks)")
    if check.get("check") == "min_agreement":
        return (f"mean agreement {_share(check.get('value'))} below {check.get('threshold')}")
    return f"{check.get('rule')}: {check.get('value')} unexpected in {check.get('measure')}"
