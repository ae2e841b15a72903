"""What a checking task does when its data fails the checks: alert, then fail or warn.

Shared by the validate operator and the workforce operator. The alert goes out first, through the
task's notifier (:func:`airflow_gt.notifications.data_quality.send_alert`). Then, with
``on_failure="warn"``, a warning is logged and the task succeeds with its summary; with ``"fail"``,
the summary is pushed as the task's XCom and the task fails with ``AirflowFailException``, which is
not retried: the data would fail again, and the alert is out. An alert that cannot be sent fails
the task with the check's own error, which is retried, so that the alert goes out on the retry (a
warning nobody gets is lost); in ``"warn"`` mode the sending error itself is raised.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from airflow_gt.compat import AirflowFailException
from airflow_gt.exceptions import AirflowGtError
from airflow_gt.notifications.data_quality import DataQualityAlert, send_alert

if TYPE_CHECKING:
    from airflow.sdk import BaseNotifier, Context


def alert_then_fail_or_warn(
    *,
    context: Context,
    summary: dict[str, Any],
    alert: DataQualityAlert,
    error: AirflowGtError,
    notifier: BaseNotifier | None,
    on_failure: str,
    log: logging.Logger | Any,
) -> dict[str, Any]:
    """Send ``alert``; then return ``summary`` (``"warn"``) or raise (``"fail"``)."""
    try:
        sent = send_alert(notifier, context, alert)
    except Exception as failure:
        log.error("Could not send the data-quality alert: %s", failure)
        if on_failure == "fail":
            raise error from failure  # retried: the alert is not out yet
        raise
    if sent:
        log.info("Sent the data-quality alert %r", alert.subject)
    if on_failure == "warn":
        log.warning("%s; on_failure is 'warn', so the task goes on", error)
        return summary
    context["ti"].xcom_push(key="return_value", value=summary)
    raise AirflowFailException(str(error)) from error
