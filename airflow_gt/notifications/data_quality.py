"""Data-quality alerts: what a validate or evaluate task sends when the data fails its checks.

Any Airflow notifier carries the alert (SNS, Slack, e-mail...). The task adds the alert to the
context it calls the notifier with, under ``data_quality_alert`` (``subject``, ``message``,
``summary``, ``report_uri``), so the notifier's templated fields can use it, for instance
``message="{{ data_quality_alert.message }}"``. :func:`sns_data_quality_notifier` builds the
Amazon provider's SNS notifier with exactly those templates: the documented default.

The notifier is copied before each alert: rendering templates overwrites a notifier's fields, and
the task's own notifier must keep its templates for the next alert.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_gt.compat import send_notification

if TYPE_CHECKING:
    from airflow.sdk import BaseNotifier, Context

CONTEXT_KEY = "data_quality_alert"
SUBJECT_LIMIT = 100
"""SNS refuses a subject longer than this."""


@dataclass(frozen=True)
class DataQualityAlert:
    """One alert: a short subject, a message a person reads, and the machine summary.

    :param subject: one line, at most 100 characters (SNS's limit).
    :param message: what failed, with the counts and where the report is.
    :param summary: the check's JSON summary (``validate`` or ``evaluate --format json``).
    :param report_uri: where the full report was written, if it was.
    """

    subject: str
    message: str
    summary: dict[str, Any] = field(default_factory=dict)
    report_uri: str | None = None

    def __post_init__(self) -> None:
        if len(self.subject) > SUBJECT_LIMIT:
            object.__setattr__(self, "subject", self.subject[: SUBJECT_LIMIT - 3] + "...")


def send_alert(notifier: BaseNotifier | None, context: Context, alert: DataQualityAlert) -> bool:
    """Send ``alert`` through ``notifier`` (nothing if None); True if it was sent."""
    if notifier is None:
        return False
    alerting: Any = {**context, CONTEXT_KEY: asdict(alert)}
    send_notification(copy.copy(notifier), alerting)
    return True


def sns_data_quality_notifier(target_arn: str, *, aws_conn_id: str | None = "aws_default",
                              region_name: str | None = None) -> BaseNotifier:
    """The Amazon provider's SNS notifier, sending each data-quality alert's subject and message
    to ``target_arn`` (a topic ARN)."""
    from airflow.providers.amazon.aws.notifications.sns import SnsNotifier

    notifier: BaseNotifier = SnsNotifier(
        aws_conn_id=aws_conn_id,
        region_name=region_name,
        target_arn=target_arn,
        subject="{{ " + CONTEXT_KEY + ".subject }}",
        message="{{ " + CONTEXT_KEY + ".message }}",
    )
    return notifier
