"""A request's body, read whole and within a time limit before anyone routes or parses it.

Our services and moto both read the body while they parse a request. A body that cannot be read
(a ``Content-Length`` that is not a number or is negative, one larger than what arrives, broken
chunked encoding) then failed deep inside them, as an HTML 500 with a traceback, and a client that
announced more than it sent held its server thread forever. Read here first, each of those becomes
one :class:`UnreadableBody` that the server answers in the protocol of the service asked, and
everything after it gets the bytes from memory.

The limit is on the whole body, not per read: ``SocketInput`` (set up by the server's request
handler) lets a read time out without making the connection unreadable afterwards, as
``socket.SocketIO`` would.
"""

from __future__ import annotations

import enum
import io
import re
import socket
import time
from typing import Any

READ_SIZE = 1 << 16
DEFAULT_BODY_TIMEOUT = 20.0
"""Seconds a client has to send a whole body: S3 gives up on a silent upload after about that."""

_DECIMAL = re.compile(r"[0-9]+")


class BodyFault(enum.Enum):
    """Why a body could not be read."""

    LENGTH = "Content-Length is not a number of bytes"
    INCOMPLETE = "the body ended before its Content-Length"
    TIMEOUT = "the body did not arrive in time"
    CHUNKING = "the chunked transfer encoding is broken"


class UnreadableBody(Exception):
    """The request's body could not be read; the server answers it with a 400."""

    def __init__(self, fault: BodyFault, message: str) -> None:
        super().__init__(message)
        self.fault = fault
        self.message = message


class SocketInput(io.RawIOBase):
    """A socket's incoming bytes, for the request handler's buffered ``rfile``.

    ``socket.SocketIO`` refuses every read after one that timed out; werkzeug reads the
    connection once more after the answer (to drain what the client still sends), and that read
    would fail with a traceback after a body that timed out. This reader just raises
    ``TimeoutError`` each time one happens.
    """

    def __init__(self, connection: socket.socket) -> None:
        super().__init__()
        self._connection = connection

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._connection.recv_into(buffer)


def declared_length(environ: dict[str, Any]) -> int:
    """The ``Content-Length`` of a request, 0 if it has none."""
    raw = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not raw:
        return 0
    if _DECIMAL.fullmatch(raw) is None:
        raise UnreadableBody(
            BodyFault.LENGTH, f"Content-Length {raw!r} is not a whole number of bytes"
        )
    return int(raw)


def read_body(environ: dict[str, Any], timeout: float = DEFAULT_BODY_TIMEOUT) -> bytes:
    """The whole body of the request, which is then also in ``environ`` as an in-memory stream
    with its true ``Content-Length``, for whoever parses the request next.

    A chunked body (werkzeug has already put a de-chunking stream in ``wsgi.input``) is read to
    its last chunk; any other to its ``Content-Length``. Raises :class:`UnreadableBody`.
    """
    chunked = bool(environ.get("wsgi.input_terminated"))
    length = None if chunked else declared_length(environ)
    connection = environ.get("werkzeug.socket")
    before = connection.gettimeout() if connection is not None else None
    try:
        body = _read(environ["wsgi.input"], length, time.monotonic() + timeout, connection)
    finally:
        if connection is not None:
            connection.settimeout(before)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _read(
    stream: Any, length: int | None, deadline: float, connection: socket.socket | None
) -> bytes:
    """Read ``length`` bytes (to the end, if None) from ``stream`` by ``deadline``."""
    read = getattr(stream, "read1", stream.read)
    parts: list[bytes] = []
    received = 0
    while length is None or received < length:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _timed_out(received, length)
        if connection is not None:
            connection.settimeout(left)
        try:
            data = read(READ_SIZE if length is None else min(READ_SIZE, length - received))
        except TimeoutError:
            raise _timed_out(received, length) from None
        except (OSError, ValueError) as error:  # werkzeug's de-chunking stream, a reset
            if length is None:
                raise UnreadableBody(
                    BodyFault.CHUNKING, f"broken chunked transfer encoding: {error}"
                ) from None
            raise _incomplete(received, length) from None
        if not data:
            if length is None:
                break
            raise _incomplete(received, length)
        parts.append(data)
        received += len(data)
    return b"".join(parts)


def _timed_out(received: int, length: int | None) -> UnreadableBody:
    expected = "its last chunk" if length is None else f"the {length} its Content-Length announces"
    return UnreadableBody(
        BodyFault.TIMEOUT,
        f"the request body did not arrive in time: {received} bytes received, waiting for "
        f"{expected}",
    )


def _incomplete(received: int, length: int) -> UnreadableBody:
    return UnreadableBody(
        BodyFault.INCOMPLETE,
        f"the request body ended after {received} of the {length} bytes its Content-Length "
        "announces",
    )
