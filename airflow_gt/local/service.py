"""What every emulated service shares: its botocore model, its handlers, its errors, its state lock.

A service (``labeling_jobs.LabelingJobService``, ``rekognition.RekognitionService``) names its
botocore service, maps operation names to handlers, and advances its simulations in :meth:`tick`.
The server has already checked a request against the operation's input shape when a handler runs,
and holds :attr:`LocalContext.lock`, so handlers and ticks never run at the same time.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar

import botocore.session
from botocore.model import OperationModel, ServiceModel
from moto.core.models import DEFAULT_ACCOUNT_ID

from airflow_gt.local.clock import Clock, WallClock
from airflow_gt.local.errors import AwsError
from airflow_gt.local.faults import FaultInjector
from airflow_gt.local.s3store import S3Store


@dataclass
class LocalContext:
    """The state every service of one stand-in shares."""

    clock: Clock = field(default_factory=WallClock)
    s3: S3Store = field(default_factory=S3Store)
    faults: FaultInjector = field(default_factory=FaultInjector)
    seed: int = 0
    account_id: str = DEFAULT_ACCOUNT_ID
    lock: threading.RLock = field(default_factory=threading.RLock)


@dataclass(frozen=True)
class Request:
    """Who asked what: the operation, and the region the client signed its request for."""

    operation: str
    region: str
    account_id: str


Handler = Callable[[Request, dict[str, Any]], dict[str, Any]]


@cache
def service_model(name: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(name)


class Service(ABC):
    """One AWS service of the stand-in."""

    service_name: ClassVar[str]
    """botocore's name for the service: ``sagemaker``, ``rekognition``."""
    server_error_code: ClassVar[str] = "InternalFailure"
    server_error_status: ClassVar[int] = 500
    throttling_code: ClassVar[str] = "ThrottlingException"

    def __init__(self, context: LocalContext) -> None:
        self.context = context

    @property
    def model(self) -> ServiceModel:
        return service_model(self.service_name)

    @property
    def target_prefix(self) -> str:
        """The ``X-Amz-Target`` prefix of the service's JSON requests."""
        return str(self.model.metadata["targetPrefix"])

    def operation_model(self, name: str) -> OperationModel:
        return self.model.operation_model(name)

    @abstractmethod
    def handlers(self) -> Mapping[str, Handler]:
        """The operations this stand-in answers, by AWS name; others go to moto."""

    def tick(self) -> None:  # noqa: B027 - a service with nothing running in the background
        """Advance whatever runs over time to ``self.context.clock.now()``."""

    def throttling(self) -> AwsError:
        return AwsError(self.throttling_code, "Rate exceeded")

    def server_error(self) -> AwsError:
        return AwsError(
            self.server_error_code,
            "We encountered an internal error. Please try again.",
            self.server_error_status,
        )

    def arn(self, request: Request, resource: str) -> str:
        return f"arn:aws:{self.service_name}:{request.region}:{request.account_id}:{resource}"
