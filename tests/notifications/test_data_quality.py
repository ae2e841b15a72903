"""Data-quality alerts through Airflow notifiers: the SNS default end to end on the stand-in."""

from __future__ import annotations

from typing import Any

from airflow_gt.compat import BaseNotifier
from airflow_gt.local import LocalAws
from airflow_gt.notifications.data_quality import (
    CONTEXT_KEY,
    SUBJECT_LIMIT,
    DataQualityAlert,
    send_alert,
    sns_data_quality_notifier,
)
from tests.airflow_support import TaskInstanceStub, task_context
from tests.notifications.topics import subscribed_topic

ALERT = DataQualityAlert(
    subject="Data quality: bounding-box failed 1 expectation",
    message="3 objects, 2 labeled\n- a box has a positive width: 1 unexpected; sample lines 2\n",
    summary={"success": False, "objects": 3},
    report_uri="s3://labels/job/manifests/output/validation-report.html",
)


class Recorder(BaseNotifier):
    """A notifier that keeps what it was asked to send, and the context it was given."""

    template_fields = ("text",)

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def notify(self, context: Any) -> None:
        self.sent.append((self.text, dict(context)))


def test_the_sns_notifier_publishes_the_subject_and_message_to_the_topic(aws: LocalAws) -> None:
    topic = subscribed_topic(aws.endpoint_url)
    notifier = sns_data_quality_notifier(topic.topic_arn)
    assert send_alert(notifier, task_context(), ALERT) is True
    (notification,) = topic.received()
    assert notification["TopicArn"] == topic.topic_arn
    assert notification["Subject"] == ALERT.subject
    assert notification["Message"] == ALERT.message


def test_the_notifier_keeps_its_templates_for_the_next_alert(aws: LocalAws) -> None:
    topic = subscribed_topic(aws.endpoint_url)
    notifier: Any = sns_data_quality_notifier(topic.topic_arn)
    second = DataQualityAlert(subject="Data quality: the second alert", message="other counts")
    send_alert(notifier, task_context(), ALERT)
    send_alert(notifier, task_context(), second)
    assert notifier.subject == "{{ " + CONTEXT_KEY + ".subject }}"
    assert notifier.message == "{{ " + CONTEXT_KEY + ".message }}"
    assert [n["Subject"] for n in topic.received()] == [ALERT.subject, second.subject]


def test_any_notifier_renders_the_alert_beside_the_task_context() -> None:
    recorder = Recorder("{{ data_quality_alert.report_uri }} in {{ ti.task_id }}")
    context = task_context(TaskInstanceStub(task_id="validate_boxes"))
    assert send_alert(recorder, context, ALERT) is True
    ((text, given),) = recorder.sent  # the copy shares the list, not the rendered field
    assert text == f"{ALERT.report_uri} in validate_boxes"
    assert given[CONTEXT_KEY]["summary"] == ALERT.summary
    assert recorder.text == "{{ data_quality_alert.report_uri }} in {{ ti.task_id }}"
    assert CONTEXT_KEY not in context


def test_no_notifier_sends_nothing() -> None:
    assert send_alert(None, task_context(), ALERT) is False


def test_a_long_subject_is_cut_to_what_sns_accepts() -> None:
    alert = DataQualityAlert(subject="x" * 150, message="m")
    assert len(alert.subject) == SUBJECT_LIMIT
    assert alert.subject.endswith("...") and alert.subject.isascii()
