"""botocore's own failures (not S3's answers) as airflow-gt errors that say what to check.

S3's answers (``ClientError``: no such key, access denied) are handled where they are met. Every
other botocore failure is a ``BotoCoreError`` raised before or instead of an answer: the endpoint
cannot be reached or stops answering, no credentials are found, botocore refuses the request's
parameters (an empty key, a bucket name S3 would not take), no region is known. :func:`s3_errors`
turns each into an :class:`~airflow_gt.exceptions.S3AccessError` that names the URI and what to
check. botocore's own text is kept only for parameter and region errors, which hold no secret,
and the endpoint is shown as scheme, host and port only (never a user or password in the URL).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from airflow_gt.exceptions import (
    S3AccessError,
    S3CredentialsError,
    S3EndpointError,
    S3RequestError,
)

_CREDENTIALS = (
    "NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError",
    "UnknownCredentialError", "NoAuthTokenError", "TokenRetrievalError", "SSOError",
    "SSOTokenLoadError", "UnauthorizedSSOTokenError", "ProfileNotFound",
    "MetadataRetrievalError", "RefreshWithMFAUnsupportedError", "LoginError",
)
_ENDPOINT = ("ConnectionError", "HTTPClientError", "IncompleteReadError")
"""botocore's ``ConnectionError`` covers EndpointConnectionError, ConnectTimeoutError,
ProxyConnectionError and SSLError; ``HTTPClientError`` covers ReadTimeoutError,
ConnectionClosedError and ResponseStreamingError."""
_TEXT_KEPT = ("ParamValidationError", "NoRegionError")
DETAIL_CHARACTERS = 300
"""botocore's text is cut to this length (a refused parameter's value can be long)."""


def _classes(names: tuple[str, ...]) -> tuple[type[BaseException], ...]:
    """The botocore exception classes of these names that this botocore has."""
    from botocore import exceptions

    found = (getattr(exceptions, name, None) for name in names)
    return tuple(cls for cls in found if isinstance(cls, type) and issubclass(cls, BaseException))


def safe_endpoint(url: str | None) -> str:
    """``scheme://host:port`` of an endpoint URL, without user, password, path or query."""
    try:
        parts = urlsplit(url or "")
        host, port = parts.hostname, parts.port
    except ValueError:
        return "(an invalid URL)"
    if not host:
        return "(an invalid URL)" if url else "(botocore's default)"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def endpoint_of(client: Any) -> str:
    """The endpoint a client talks to (or the environment names), safe to print."""
    meta = getattr(client, "meta", None)
    url = getattr(meta, "endpoint_url", None) or os.environ.get("AWS_ENDPOINT_URL")
    return safe_endpoint(url if isinstance(url, str) else None)


def translate(exc: BaseException, uri: str, action: str, client: Any = None) -> S3AccessError:
    """The airflow-gt error for botocore's failure ``exc`` while it did ``action`` on ``uri``."""
    kind = type(exc).__name__
    if isinstance(exc, _classes(_CREDENTIALS)):
        return S3CredentialsError(uri, action, kind)
    if isinstance(exc, _classes(_ENDPOINT)):
        return S3EndpointError(uri, action, endpoint_of(client), kind)
    if isinstance(exc, _classes(_TEXT_KEPT)):
        text = " ".join(str(exc).split())
        if len(text) > DETAIL_CHARACTERS:
            text = text[: DETAIL_CHARACTERS - 3] + "..."
        kind = f"{kind}: {text}"
    return S3RequestError(uri, action, kind)


@contextmanager
def s3_errors(uri: str, action: str, client: Any = None) -> Iterator[None]:
    """Within the block, a ``BotoCoreError`` becomes the matching ``S3AccessError``."""
    from botocore.exceptions import BotoCoreError

    try:
        yield
    except BotoCoreError as exc:
        raise translate(exc, uri, action, client) from exc


def make_client(uri: str, action: str) -> Any:
    """``boto3.client("s3")`` from the environment; a configuration botocore cannot use (an
    unknown profile, an invalid endpoint URL) is an ``S3AccessError`` naming ``uri``."""
    import boto3

    with s3_errors(uri, action):
        try:
            return boto3.client("s3")
        except ValueError as exc:  # botocore: "Invalid endpoint: ..."
            raise S3EndpointError(
                uri, action, endpoint_of(None), type(exc).__name__, invalid=True
            ) from exc
