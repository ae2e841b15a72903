"""Which service a request is for, and so in which protocol its errors must come back.

moto picks a backend from the service in the credential scope of the ``Authorization`` header
(for an unsigned request, from ``X-Amz-Target`` or the body, else S3); the stand-in's own services
are picked first, by the prefix of ``X-Amz-Target``. Before anything reads the request the server
asks here what it is:

- a call of a JSON-protocol service (SageMaker, Rekognition, SQS), whose
  ``X-Amz-Target: Prefix.Operation`` names the operation and whose body is one JSON object;
- an S3 call, or a query-protocol call (SNS), or a call of another service moto serves;
- a call of a service nothing here serves.

and :meth:`Destination.error` builds each refusal as that service sends it: the JSON
``{"__type", "message"}`` document, S3's ``<Error>``, the query protocol's ``<ErrorResponse>``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import orjson
from botocore.exceptions import UnknownServiceError
from botocore.model import ServiceModel
from moto import backends
from moto.moto_server import werkzeug_app

from airflow_gt.local.errors import AwsError
from airflow_gt.local.moto_faults import (
    SNS_NAMESPACE,
    QueryError,
    S3Error,
    query_action,
    service_of,
)
from airflow_gt.local.request_body import BodyFault
from airflow_gt.local.service import Service, service_model

_JSON_CONTENT = "application/x-amz-json"
_FORM_CONTENT = "application/x-www-form-urlencoded"


class Protocol(enum.Enum):
    """How a service words its errors."""

    JSON = "json"  # awsJson1_0, awsJson1_1 and rest-json
    S3 = "s3"  # S3's <Error>, no body for HEAD
    QUERY = "query"  # <ErrorResponse>: the query protocol (SNS) and the other XML services


class Failure(enum.Enum):
    """What is wrong with a request (or, for INTERNAL, with the stand-in)."""

    BAD_LENGTH = "bad-length"
    INCOMPLETE_BODY = "incomplete-body"
    BODY_TIMEOUT = "body-timeout"
    BAD_CHUNKING = "bad-chunking"
    NOT_JSON = "not-json"
    UNKNOWN_OPERATION = "unknown-operation"
    NOT_EMULATED = "not-emulated"
    INTERNAL = "internal"


FAILURE_OF_BODY_FAULT = {
    BodyFault.LENGTH: Failure.BAD_LENGTH,
    BodyFault.INCOMPLETE: Failure.INCOMPLETE_BODY,
    BodyFault.TIMEOUT: Failure.BODY_TIMEOUT,
    BodyFault.CHUNKING: Failure.BAD_CHUNKING,
}

# (error code, HTTP status) per protocol. JSON services call every unreadable body a
# SerializationException; S3 and the query protocol have codes of their own.
_CODES: dict[Protocol, dict[Failure, tuple[str, int]]] = {
    Protocol.JSON: {
        Failure.BAD_LENGTH: ("SerializationException", 400),
        Failure.INCOMPLETE_BODY: ("SerializationException", 400),
        Failure.BODY_TIMEOUT: ("SerializationException", 400),
        Failure.BAD_CHUNKING: ("SerializationException", 400),
        Failure.NOT_JSON: ("SerializationException", 400),
        Failure.UNKNOWN_OPERATION: ("UnknownOperationException", 400),
        Failure.NOT_EMULATED: ("UnknownOperationException", 400),
        Failure.INTERNAL: ("InternalFailure", 500),
    },
    Protocol.S3: {
        Failure.BAD_LENGTH: ("InvalidArgument", 400),
        Failure.INCOMPLETE_BODY: ("IncompleteBody", 400),
        Failure.BODY_TIMEOUT: ("RequestTimeout", 400),
        Failure.BAD_CHUNKING: ("IncompleteBody", 400),
        Failure.NOT_JSON: ("MalformedXML", 400),
        Failure.UNKNOWN_OPERATION: ("NotImplemented", 501),
        Failure.NOT_EMULATED: ("NotImplemented", 501),
        Failure.INTERNAL: ("InternalError", 500),
    },
    Protocol.QUERY: {
        Failure.BAD_LENGTH: ("InvalidQueryParameter", 400),
        Failure.INCOMPLETE_BODY: ("InvalidQueryParameter", 400),
        Failure.BODY_TIMEOUT: ("InvalidQueryParameter", 400),
        Failure.BAD_CHUNKING: ("InvalidQueryParameter", 400),
        Failure.NOT_JSON: ("InvalidQueryParameter", 400),
        Failure.UNKNOWN_OPERATION: ("InvalidAction", 400),
        Failure.NOT_EMULATED: ("InvalidAction", 400),
        Failure.INTERNAL: ("InternalFailure", 500),
    },
}


@lru_cache(maxsize=64)
def model_of(service_name: str) -> ServiceModel | None:
    """botocore's model of the service a request was signed for, None if botocore has none."""
    try:
        return service_model(service_name)
    except UnknownServiceError:
        return None


@cache
def _moto_modules() -> frozenset[str]:
    return frozenset(backends.list_of_moto_modules())


def moto_serves(dispatcher: werkzeug_app.DomainDispatcherApplication, service_name: str) -> bool:
    """Whether moto has a backend for the service a request was signed for, found as moto finds
    it (its signing-name aliases, then its module names and host patterns), without asking moto,
    which prints a line and fails with a traceback where it has none."""
    name = werkzeug_app.SIGNING_ALIASES.get(service_name, service_name)
    if name in _moto_modules():
        return True
    host = f"http://{name}.us-east-1.amazonaws.com"
    return any(pattern.match(host) for _, pattern in dispatcher.backend_url_patterns)


@dataclass(frozen=True)
class Destination:
    """The service a request is for, as far as its headers tell.

    :param protocol: how that service words its errors.
    :param service_name: the service in the credential scope; None for an unsigned request.
    :param model: botocore's model of that service, if botocore has one.
    :param json_call: an RPC call of a JSON-protocol service (``POST /``, or any request with
        ``X-Amz-Target``): the header must name one of the service's operations.
    :param head: a ``HEAD`` request (S3 answers those without a body).
    """

    protocol: Protocol
    service_name: str | None
    model: ServiceModel | None
    json_call: bool
    head: bool

    def error(self, failure: Failure, message: str, request_id: str) -> AwsError:
        """The refusal, in this service's protocol."""
        code, status = _CODES[self.protocol][failure]
        if self.protocol is Protocol.S3:
            return S3Error(code, message, status, head=self.head, request_id=request_id)
        if self.protocol is Protocol.QUERY:
            namespace = (self.model.metadata.get("xmlNamespace") if self.model else None)
            return QueryError(code, message, status, namespace=namespace or SNS_NAMESPACE,
                              request_id=request_id)
        return AwsError(code, message, status)


def destination_of(environ: dict[str, Any]) -> Destination:
    """Where a request is going, from its headers alone (its body is not read yet)."""
    service_name = service_of(environ)
    model = model_of(service_name) if service_name else None
    head = environ.get("REQUEST_METHOD") == "HEAD"
    if "HTTP_X_AMZ_TARGET" in environ:  # only the JSON protocols name operations in a header
        return Destination(Protocol.JSON, service_name, model, True, head)
    if service_name is not None:
        if model is None or model.protocol in ("json", "rest-json"):
            rpc = model is not None and model.protocol == "json" and _is_rpc_path(environ)
            return Destination(Protocol.JSON, service_name, model, rpc, head)
        if model.signing_name == "s3":
            return Destination(Protocol.S3, service_name, model, False, head)
        return Destination(Protocol.QUERY, service_name, model, False, head)
    content_type = environ.get("CONTENT_TYPE") or ""
    if content_type.startswith(_JSON_CONTENT):
        return Destination(Protocol.JSON, None, None, True, head)
    if content_type.startswith(_FORM_CONTENT):
        return Destination(Protocol.QUERY, None, None, False, head)
    return Destination(Protocol.S3, None, None, False, head)  # where moto sends the rest


def _is_rpc_path(environ: dict[str, Any]) -> bool:
    return environ.get("PATH_INFO") in ("", "/") and environ.get("REQUEST_METHOD") == "POST"


@dataclass(frozen=True)
class JsonCall:
    """A JSON-protocol call that names a real operation, with its parameters.

    :param service: the stand-in's service that answers it; None when moto does.
    :param model: botocore's model of the service; None for the few unsigned calls moto routes
        by ``X-Amz-Target`` itself (Cognito's).
    """

    service: Service | None
    model: ServiceModel | None
    operation: str
    params: dict[str, Any]


def json_call(
    environ: dict[str, Any], body: bytes, destination: Destination,
    services: Mapping[str, Service], request_id: str,
) -> JsonCall:
    """Read the operation from ``X-Amz-Target`` and the parameters from the body; raise the
    ``UnknownOperationException`` or ``SerializationException`` AWS sends where either is not
    one."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    prefix, _, operation = target.partition(".")
    ours = services.get(prefix)
    model = ours.model if ours is not None else destination.model
    if not target:
        raise destination.error(
            Failure.UNKNOWN_OPERATION,
            "No operation: a JSON-protocol request names it in its X-Amz-Target header, "
            "which is missing or empty",
            request_id,
        )
    unsigned_moto = destination.service_name is None and prefix in werkzeug_app.UNSIGNED_REQUESTS
    if not unsigned_moto:
        if model is None or model.metadata.get("targetPrefix") != prefix:
            signed = f" (signed for {destination.service_name})" if destination.service_name else ""
            raise destination.error(
                Failure.UNKNOWN_OPERATION,
                f"Unknown operation {target!r}{signed}: no service here takes X-Amz-Target "
                f"prefix {prefix!r}",
                request_id,
            )
        if operation not in model.operation_names:
            raise destination.error(
                Failure.UNKNOWN_OPERATION,
                f"Unknown operation {target!r}: {model.service_id} has no operation "
                f"{operation!r}",
                request_id,
            )
    params = _json_object(body, destination, request_id)
    return JsonCall(ours if ours is not None and operation in ours.handlers() else None,
                    None if unsigned_moto else model, operation, params)


def _json_object(body: bytes, destination: Destination, request_id: str) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        params = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise destination.error(
            Failure.NOT_JSON, f"The request body is not JSON: {error}", request_id
        ) from None
    if not isinstance(params, dict):
        raise destination.error(
            Failure.NOT_JSON,
            f"The request body must be a JSON object, not a JSON {type(params).__name__}",
            request_id,
        )
    return params


def check_query_action(environ: dict[str, Any], destination: Destination, request_id: str) -> None:
    """Refuse a query-protocol call (SNS) whose ``Action`` the service does not have, with the
    ``InvalidAction`` AWS sends (moto answers an empty 404)."""
    model = destination.model
    if destination.protocol is not Protocol.QUERY or model is None or model.protocol != "query":
        return
    action = query_action(environ)
    if action not in model.operation_names:
        raise destination.error(
            Failure.UNKNOWN_OPERATION,
            f"The action {action!r} is not valid for {model.service_id}", request_id,
        )
