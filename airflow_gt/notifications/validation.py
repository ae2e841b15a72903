"""The data-quality alert of a manifest validation, written for the person who gets it.

:func:`validation_alert` turns a validation's JSON summary (``airflow-gt validate --format
json``, with the ``reports`` the validate operator adds) into a :class:`DataQualityAlert`: a
subject that fits SNS, and a message with the counts, each failed expectation with its unexpected
count and sample lines, and where the full report is. Plain Python: no Airflow import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_gt.notifications.data_quality import SUBJECT_LIMIT, DataQualityAlert

MAX_LISTED = 20
"""Failed expectations listed one by one in a message; the rest are counted."""


def validation_alert(
    summary: Mapping[str, Any], *, where: str, run_id: str | None = None
) -> DataQualityAlert:
    """The alert for a validation that failed.

    :param summary: the validation summary, with ``reports`` (``{"json", "html"}``) when the
        reports were written.
    :param where: what ran the check, for the subject (``dag_id.task_id``).
    :param run_id: the run it happened in, for the message.
    """
    failed = list(summary.get("failed_expectations") or [])
    reports = summary.get("reports") or {}
    report_uri = reports.get("html") or reports.get("json")
    subject = _subject(str(summary.get("label_attribute", "?")), len(failed), where)
    lines = [
        f"Manifest validation failed in {where}" + (f" (run {run_id})." if run_id else "."),
        "",
        f"Manifest: {summary.get('source', '?')}",
        f"Objects: {summary.get('objects', 0)} lines",
    ]
    lines += [f"  {counts}" for counts in _attribute_counts(summary)]
    lines += ["", f"Failed expectations ({len(failed)}):"]
    lines += [f"  - {_failed_line(item)}" for item in failed[:MAX_LISTED]]
    if len(failed) > MAX_LISTED:
        lines.append(f"  ... and {len(failed) - MAX_LISTED} more (see the report)")
    if reports:
        lines += ["", f"Report: {reports.get('html', '-')}", f"Summary (JSON): "
                  f"{reports.get('json', '-')}"]
    return DataQualityAlert(
        subject=subject, message="\n".join(lines) + "\n", summary=dict(summary),
        report_uri=report_uri,
    )


def _subject(attribute: str, failed: int, where: str) -> str:
    """The first of a longer and a shorter subject that SNS takes whole (less than 100
    characters), so no subject is cut."""
    counted = f"failed {failed} expectation{'s' if failed != 1 else ''}"
    candidates = (
        f"Data quality: {attribute} {counted} in {where}",
        f"Data quality: {attribute} {counted}",
        f"Data quality: a manifest {counted}",
    )
    return next((text for text in candidates if len(text) < SUBJECT_LIMIT), candidates[-1])


def _attribute_counts(summary: Mapping[str, Any]) -> list[str]:
    """Per label attribute: labeled and failed objects, and how many expectations failed."""
    attributes: Sequence[Mapping[str, Any]] = summary.get("label_attributes") or []
    return [
        f"{item.get('label_attribute')} ({item.get('job_type')}): {item.get('labeled', 0)} "
        f"labeled, {item.get('failed', 0)} failed; {item.get('failed_expectations', 0)} of "
        f"{item.get('expectations', 0)} expectations failed"
        for item in attributes
    ]


def _failed_line(item: Mapping[str, Any]) -> str:
    """One failed expectation: its rule, where, and its counts or observed value."""
    head = (
        f"{item.get('label_attribute', '?')}: {item.get('rule') or item.get('expectation')} "
        f"[{item.get('expectation')} on {item.get('column')}]"
    )
    unexpected = int(item.get("unexpected_count") or 0)
    if unexpected:
        counts = f"{unexpected} unexpected"
    else:
        counts = f"observed {_observed(item.get('observed_value'))}"
    sample = item.get("sample_lines") or []
    lines = f"; sample lines {', '.join(str(n) for n in sample)}" if sample else ""
    return f"{head}: {counts}{lines}"


def _observed(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "none" if value is None else str(value)
