"""One loopback endpoint for S3, SNS, SQS (moto's server), SageMaker labeling jobs and Rekognition.

A request whose ``X-Amz-Target`` names an operation of one of our services is answered here,
after the checks AWS makes; everything else goes to moto's own dispatcher. Before either, the body
is read whole (``request_body``) and the request placed (``routing``), so that a bad request gets
the error its service sends, in that service's format, never a traceback. Over time, a ticker
thread advances the simulations (workers answering, jobs and adapters finishing) to the clock's
time; with a :class:`~airflow_gt.local.clock.ManualClock`, :meth:`LocalAws.advance` does it instead.
"""

from __future__ import annotations

import io
import logging
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import Any

import orjson
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from airflow_gt.compat import moto_request_handler
from airflow_gt.exceptions import ConfigurationError
from airflow_gt.local.adapter_training import AdapterTrainingConfig
from airflow_gt.local.clock import Clock, ManualClock, WallClock
from airflow_gt.local.errors import AwsError
from airflow_gt.local.faults import FaultInjector
from airflow_gt.local.labeling_jobs import LabelingJobService
from airflow_gt.local.moto_faults import moto_fault_target
from airflow_gt.local.rekognition import RekognitionService
from airflow_gt.local.request_body import (
    DEFAULT_BODY_TIMEOUT,
    SocketInput,
    UnreadableBody,
    read_body,
)
from airflow_gt.local.routing import (
    FAILURE_OF_BODY_FAULT,
    Destination,
    Failure,
    JsonCall,
    check_query_action,
    destination_of,
    json_call,
    moto_serves,
)
from airflow_gt.local.service import LocalContext, Request, Service
from airflow_gt.local.shapes import validate_request
from airflow_gt.local.workforce import WorkforceConfig

log = logging.getLogger(__name__)

DEFAULT_REGION = "us-east-1"
TICK_SECONDS = 0.1
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/([a-z0-9-]+)/")

StartResponse = Callable[..., Any]


class QuietRequestHandler(moto_request_handler()):  # type: ignore[misc]
    """moto's request handler, without a log line per request, reading through
    :class:`~airflow_gt.local.request_body.SocketInput` so that a body read may time out."""

    def setup(self) -> None:
        super().setup()
        self.rfile = io.BufferedReader(SocketInput(self.connection))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def region_of(environ: dict[str, Any]) -> str:
    """The region a request was signed for, from its Authorization header's credential scope."""
    match = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else DEFAULT_REGION


class LocalAwsApplication:
    """The WSGI application: our services first, moto for the rest, AWS's errors for the bad.

    Every request's body is read whole first (within ``body_timeout`` seconds) and the request is
    placed (:mod:`~airflow_gt.local.routing`), so that nothing it carries can make moto or a
    handler fail with a traceback: a body that cannot be read, an operation nobody has, a body
    that is not a JSON object, a service nothing here serves, each gets the 4xx the service would
    send, in its protocol. A failure of the stand-in itself is a 5xx in that protocol too.
    """

    def __init__(
        self, context: LocalContext, services: Iterable[Service],
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        self.context = context
        self.services = {service.target_prefix: service for service in services}
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.body_timeout = body_timeout

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request_id = str(uuid.uuid4())
        destination = destination_of(environ)
        try:
            call = self._checked(environ, destination, request_id)
            if call is not None and call.service is not None:
                answer = self._answer(call.service, call.operation, call.params, environ)
                start_response("200 OK", [
                    ("Content-Type", "application/x-amz-json-1.1"),
                    ("x-amzn-RequestId", request_id),
                ])
                return [answer]
        except AwsError as error:
            return _refuse(error, request_id, start_response)
        refused = self._moto_fault(environ, request_id, start_response)
        if refused is not None:
            return refused
        return self._moto_answer(environ, destination, request_id, start_response)

    def _checked(
        self, environ: dict[str, Any], destination: Destination, request_id: str
    ) -> JsonCall | None:
        """Read the body and check the request as the service would before answering it; raise
        its refusal. Returns the JSON call it makes, None for a call of another protocol."""
        try:
            body = read_body(environ, self.body_timeout)
        except UnreadableBody as unreadable:
            failure = FAILURE_OF_BODY_FAULT[unreadable.fault]
            raise destination.error(failure, unreadable.message, request_id) from None
        if destination.json_call:
            call = json_call(environ, body, destination, self.services, request_id)
            if call.service is None and call.model is not None:  # moto's: checked here
                validate_request(call.model.operation_model(call.operation), call.params)
            return call
        check_query_action(environ, destination, request_id)
        name = destination.service_name
        if name is not None and not moto_serves(self.moto, name):
            raise destination.error(
                Failure.UNKNOWN_OPERATION,
                f"No service named {name!r} (the service in the credential scope) is served "
                "here: the stand-in serves SageMaker, Rekognition, and what moto serves",
                request_id,
            )
        return None

    def _moto_answer(
        self, environ: dict[str, Any], destination: Destination, request_id: str,
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        """moto's answer; an operation moto lacks, or moto failing, in the service's format."""
        try:
            return self.moto(environ, start_response)  # type: ignore[no-any-return]
        except NotImplementedError as error:
            refusal = destination.error(
                Failure.NOT_EMULATED,
                f"The local stand-in does not emulate this operation ({error})",
                request_id,
            )
            return _refuse(refusal, request_id, start_response, sys.exc_info())
        except Exception as error:
            log.warning(
                "moto failed on %s %s: %s: %s", environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"), type(error).__name__, error,
            )
            refusal = destination.error(
                Failure.INTERNAL, "We encountered an internal error. Please try again.", request_id
            )
            return _refuse(refusal, request_id, start_response, sys.exc_info())

    def _moto_fault(
        self, environ: dict[str, Any], request_id: str, start_response: StartResponse
    ) -> list[bytes] | None:
        """The faulted answer to an S3 or SNS call that the injector fails, else None."""
        target = moto_fault_target(environ, request_id)
        if target is None:
            return None
        fault = self.context.faults.draw(*target)
        if fault.latency:
            time.sleep(fault.latency)
        if fault.error is None:
            return None
        start_response(f"{fault.error.status} Error", fault.error.headers())
        return [fault.error.body()]

    def _answer(
        self, service: Service, operation: str, params: dict[str, Any], environ: dict[str, Any]
    ) -> bytes:
        fault = self.context.faults.draw(operation, service.throttling(), service.server_error())
        if fault.latency:
            time.sleep(fault.latency)
        if fault.error is not None:
            raise fault.error
        validate_request(service.operation_model(operation), params)
        request = Request(operation, region_of(environ), self.context.account_id)
        try:
            with self.context.lock:
                service.tick()
                result = service.handlers()[operation](request, params)
            return orjson.dumps(
                result, default=_json_default, option=orjson.OPT_PASSTHROUGH_DATETIME
            )
        except AwsError:
            raise
        except Exception:
            log.exception("the local stand-in failed on %s.%s", service.target_prefix, operation)
            raise service.server_error() from None


def _refuse(
    error: AwsError, request_id: str, start_response: StartResponse,
    exc_info: Any = None,
) -> list[bytes]:
    """Send an AWS error: its status, its headers with the request id, its body."""
    headers = error.headers()
    if not any(name.lower() in ("x-amzn-requestid", "x-amz-request-id") for name, _ in headers):
        headers = [*headers, ("x-amzn-RequestId", request_id)]
    start_response(f"{error.status} Error", headers, exc_info)
    return [error.body()]


class LocalAws:
    """The local stand-in: start it, point boto3 at :attr:`endpoint_url`, stop it.

    :param host: the address to listen on.
    :param port: the port; 0 picks a free one.
    :param seed: makes every simulated answer, failure and fault reproducible.
    :param clock: the stand-in's time; a :class:`ManualClock` lets a test move time by hand.
    :param workforce: how the simulated labeling workforce behaves (``WorkforceConfig``).
    :param workers: named simulated workers, name -> accuracy (``{"w1": 0.95, "w3": 0.4}``):
        the work team of every labeling job is exactly these workers, their names are the
        ``workerId`` of their answers in the worker-response files, and each answers with its own
        accuracy instead of ``workforce.skill.accuracy``. Sets ``named_workers`` of
        ``workforce`` (or of the default one); a job asking more workers per object than there
        are is refused with a ValidationException.
    :param training: how adapter training behaves (``AdapterTrainingConfig``).
    :param services: factories of the emulated services, each given the shared context; by
        default the labeling-job service and the Rekognition service, set by ``workforce``
        (with ``workers``) and ``training``.
    :param body_timeout: seconds a client has to send a request's whole body; a body that has
        not arrived by then is refused with a 400 in the service's format, not waited for.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int = 0,
        clock: Clock | None = None,
        faults: FaultInjector | None = None,
        workforce: WorkforceConfig | None = None,
        workers: Mapping[str, float] | None = None,
        training: AdapterTrainingConfig | None = None,
        services: Iterable[Callable[[LocalContext], Service]] | None = None,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        self.context = LocalContext(
            clock=clock or WallClock(), faults=faults or FaultInjector(seed=seed), seed=seed
        )
        if workers is not None:
            if not workers:
                raise ConfigurationError("workers", "name at least one worker, or pass None")
            named = tuple(workers.items())
            workforce = replace(workforce or WorkforceConfig(), named_workers=named)
        if services is None:
            services = default_services(workforce, training)
        self.services = [factory(self.context) for factory in services]
        self.application = LocalAwsApplication(self.context, self.services, body_timeout)
        self._host = host
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    @property
    def clock(self) -> Clock:
        return self.context.clock

    @property
    def faults(self) -> FaultInjector:
        return self.context.faults

    def service(self, kind: type[Any]) -> Any:
        """The running service of that class (``LabelingJobService``, ``RekognitionService``)."""
        for service in self.services:
            if isinstance(service, kind):
                return service
        raise LookupError(f"no {kind.__name__} in this stand-in")

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the local stand-in is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalAws:
        self._server = make_server(
            self._host, self._port, self.application, threaded=True,
            request_handler=QuietRequestHandler,
        )
        self._stopping.clear()
        serve = threading.Thread(target=self._server.serve_forever, name="local-aws", daemon=True)
        ticker = threading.Thread(target=self._tick_forever, name="local-aws-ticker", daemon=True)
        self._threads = [serve, ticker]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join()
        self._server = None

    def __enter__(self) -> LocalAws:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def tick(self) -> None:
        """Bring every simulation up to the clock's time."""
        with self.context.lock:
            for service in self.services:
                service.tick()

    def advance(self, seconds: float) -> None:
        """Move a manual clock forward and let everything due by then happen."""
        if not isinstance(self.context.clock, ManualClock):
            raise TypeError("advance() needs a LocalAws made with clock=ManualClock()")
        self.context.clock.advance(seconds)
        self.tick()

    def run_until(
        self, done: Callable[[], bool], step: float = 1.0, limit: float = 86_400
    ) -> float:
        """Advance a manual clock by ``step`` until ``done()``; returns the simulated seconds."""
        waited = 0.0
        while not done():
            if waited >= limit:
                raise TimeoutError(f"not done after {limit} simulated seconds")
            self.advance(step)
            waited += step
        return waited

    def _tick_forever(self) -> None:
        for _ in self._ticks():
            try:
                self.tick()
            except Exception:
                log.exception("the local stand-in's simulation failed a tick")

    def _ticks(self) -> Iterator[None]:
        while not self._stopping.wait(TICK_SECONDS):
            if not isinstance(self.context.clock, ManualClock):
                yield None


def default_services(
    workforce: WorkforceConfig | None = None, training: AdapterTrainingConfig | None = None
) -> list[Callable[[LocalContext], Service]]:
    """The labeling-job service and the Rekognition service, with these settings."""
    return [
        lambda context: LabelingJobService(context, workforce),
        lambda context: RekognitionService(context, training),
    ]
