"""AWS errors as the stand-in sends them: the JSON error body of the AWS JSON protocols.

A handler raises :class:`AwsError`; the server turns it into the status code, the
``x-amzn-ErrorType`` header and the ``{"__type", "message"}`` body that AWS sends, so botocore
raises the same ``ClientError`` (same ``Error.Code``) it raises against AWS.
"""

from __future__ import annotations

from typing import Any

import orjson


class AwsError(Exception):
    """An AWS error response.

    :param code: the error code botocore reports as ``Error.Code`` (``ResourceNotFound``).
    :param message: the human-readable message.
    :param status: the HTTP status; 400 for client errors, 5xx for service faults.
    """

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    def body(self) -> bytes:
        document: dict[str, Any] = {"__type": self.code, "message": self.message}
        return orjson.dumps(document)

    def headers(self) -> list[tuple[str, str]]:
        return [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", f"{self.code}:"),
        ]


def validation_error(message: str) -> AwsError:
    """``ValidationException``: what AWS answers when a request breaks a documented rule."""
    return AwsError("ValidationException", message)


def constraint_errors(errors: list[str]) -> AwsError:
    """One ``ValidationException`` listing every broken constraint, worded as AWS words it."""
    count = len(errors)
    noun = "error" if count == 1 else "errors"
    return validation_error(f"{count} validation {noun} detected: " + "; ".join(errors))
