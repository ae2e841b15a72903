"""An SNS topic on a stand-in with an SQS queue subscribed, to read what was published to it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import orjson

from tests.conftest import client


@dataclass(frozen=True)
class SubscribedTopic:
    """A topic and the queue that receives its messages."""

    topic_arn: str
    queue_url: str
    sqs: Any

    def received(self, wait_seconds: int = 1) -> list[dict[str, Any]]:
        """The SNS notifications that reached the queue so far (``Subject``, ``Message``...)."""
        notifications: list[dict[str, Any]] = []
        while True:
            answer = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
            )
            messages = answer.get("Messages", [])
            if not messages:
                return notifications
            for message in messages:
                notifications.append(orjson.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
            wait_seconds = 0


def subscribed_topic(endpoint_url: str, name: str | None = None) -> SubscribedTopic:
    """Make a topic (``name`` or a new one) and an SQS queue subscribed to it."""
    name = name or f"alerts-{uuid.uuid4().hex[:8]}"
    sns, sqs = client("sns", endpoint_url), client("sqs", endpoint_url)
    topic_arn = sns.create_topic(Name=name)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=f"{name}-queue")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return SubscribedTopic(topic_arn, queue_url, sqs)
