"""JSON text that ``orjson.dumps`` cannot write: literals JSON forbids, keys given twice.

A record to encode is made of dicts, lists, strings, numbers, booleans and None, plus two markers:
:class:`Raw` (bytes written as they are: ``NaN``, ``1e400``, 300 nested brackets) and
:class:`Pairs` (an object written from a list of pairs, so a key can appear twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True)
class Raw:
    """Bytes written in place of a JSON value, unchecked."""

    text: bytes


@dataclass(frozen=True)
class Pairs:
    """An object written from its pairs, in order; a key may repeat."""

    items: Sequence[tuple[str, Any]]


def encode(value: Any) -> bytes:
    """The JSON text of ``value``, compact, with :class:`Raw` and :class:`Pairs` as written."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Pairs):
        return b"{" + b",".join(
            orjson.dumps(key) + b":" + encode(item) for key, item in value.items
        ) + b"}"
    if isinstance(value, dict):
        return encode(Pairs(list(value.items())))
    if isinstance(value, list):
        return b"[" + b",".join(encode(item) for item in value) + b"]"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value).encode()  # any size: orjson.dumps stops at 64 bits
    return orjson.dumps(value)


def nested(depth: int, inner: bytes = b"0") -> Raw:
    """A value nested ``depth`` arrays deep."""
    return Raw(b"[" * depth + inner + b"]" * depth)


def nested_objects(depth: int) -> Raw:
    """A value nested ``depth`` objects deep: ``{"a":{"a":...{}}}``."""
    return Raw(b'{"a":' * depth + b"{}" + b"}" * depth)
