"""Faults for the services moto serves: S3 and SNS, answered as those services answer them.

A request that none of the stand-in's own services handles goes to moto. Before it does, the
fault injector draws for it like for any other call, under the operation's AWS name
(``GetObject``, ``PutObject``, ``Publish``...; ``*`` covers them too), and a faulted call gets
the service's own error in the service's own protocol:

- S3 (REST-XML): ``SlowDown`` with status 503, ``InternalError`` with status 500, as an
  ``<Error>`` document (no body for ``HEAD``, as S3 sends none);
- SNS (query): ``Throttling`` with status 400, ``InternalError`` with status 500, as an
  ``<ErrorResponse>`` document.

botocore retries all four, as it does against AWS. Other services moto serves are not faulted.
"""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from airflow_gt.local.errors import AwsError

_SERVICE_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/[a-z0-9-]+/([a-z0-9-]+)/aws4_request")
SNS_NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/"


class S3Error(AwsError):
    """An S3 error response: an ``<Error>`` document, empty for ``HEAD``."""

    def __init__(self, code: str, message: str, status: int, *, head: bool,
                 request_id: str) -> None:
        super().__init__(code, message, status)
        self.head = head
        self.request_id = request_id

    def body(self) -> bytes:
        if self.head:
            return b""
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message>"
            f"<RequestId>{escape(self.request_id)}</RequestId></Error>"
        ).encode()

    def headers(self) -> list[tuple[str, str]]:
        return [("Content-Type", "application/xml"), ("x-amz-request-id", self.request_id)]


class QueryError(AwsError):
    """An error of an AWS query-protocol service (SNS): an ``<ErrorResponse>`` document."""

    def __init__(self, code: str, message: str, status: int, *, namespace: str,
                 request_id: str) -> None:
        super().__init__(code, message, status)
        self.namespace = namespace
        self.request_id = request_id

    def body(self) -> bytes:
        kind = "Receiver" if self.status >= 500 else "Sender"
        return (
            f'<ErrorResponse xmlns="{self.namespace}"><Error><Type>{kind}</Type>'
            f"<Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message></Error>"
            f"<RequestId>{escape(self.request_id)}</RequestId></ErrorResponse>"
        ).encode()

    def headers(self) -> list[tuple[str, str]]:
        return [("Content-Type", "text/xml"), ("x-amzn-RequestId", self.request_id)]


def service_of(environ: dict[str, Any]) -> str | None:
    """The service a request was signed for (``s3``, ``sns``), from its credential scope."""
    match = _SERVICE_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else None


def s3_operation(environ: dict[str, Any]) -> str:
    """The S3 operation of a path-style request, as AWS names it."""
    method: str = environ.get("REQUEST_METHOD", "GET")
    bucket, _, key = environ.get("PATH_INFO", "/").lstrip("/").partition("/")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    copy = "HTTP_X_AMZ_COPY_SOURCE" in environ
    if not bucket:
        return "ListBuckets"
    if not key:
        if method == "GET":
            if query.get("list-type") == ["2"]:
                return "ListObjectsV2"
            if "uploads" in query:
                return "ListMultipartUploads"
            if "location" in query:
                return "GetBucketLocation"
            return "ListObjects"
        return {"PUT": "CreateBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket",
                "POST": "DeleteObjects"}.get(method, method)
    if method == "PUT":
        if "partNumber" in query:
            return "UploadPartCopy" if copy else "UploadPart"
        return "CopyObject" if copy else "PutObject"
    if method == "POST":
        return "CreateMultipartUpload" if "uploads" in query else "CompleteMultipartUpload"
    if method == "DELETE":
        return "AbortMultipartUpload" if "uploadId" in query else "DeleteObject"
    if method == "GET" and "uploadId" in query:
        return "ListParts"
    return {"GET": "GetObject", "HEAD": "HeadObject"}.get(method, method)


def query_action(environ: dict[str, Any]) -> str:
    """The ``Action`` of a query-protocol request; the body is read and put back for moto."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    form = parse_qs(raw.decode("utf-8", "replace")) or parse_qs(environ.get("QUERY_STRING", ""))
    action: str = form.get("Action", ["Unknown"])[0]
    return action


def moto_fault_target(
    environ: dict[str, Any], request_id: str
) -> tuple[str, AwsError, AwsError] | None:
    """For an S3 or SNS request: its operation, and the service's throttling and server errors.
    None for the other services moto serves."""
    service = service_of(environ)
    if service == "s3":
        head = environ.get("REQUEST_METHOD") == "HEAD"
        return (
            s3_operation(environ),
            S3Error("SlowDown", "Please reduce your request rate.", 503, head=head,
                    request_id=request_id),
            S3Error("InternalError", "We encountered an internal error. Please try again.",
                    500, head=head, request_id=request_id),
        )
    if service == "sns":
        return (
            query_action(environ),
            QueryError("Throttling", "Rate exceeded", 400, namespace=SNS_NAMESPACE,
                       request_id=request_id),
            QueryError("InternalError", "Internal Error", 500, namespace=SNS_NAMESPACE,
                       request_id=request_id),
        )
    return None
