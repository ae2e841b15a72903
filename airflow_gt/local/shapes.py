"""Check a request against botocore's service model, on the server side, as AWS does.

botocore checks required members and types before sending, but not lengths beyond a minimum,
patterns, enums or numeric ranges; AWS checks all of them and answers ``ValidationException``
listing each broken constraint. This module walks an operation's input shape and reports every
violation in AWS's wording, so a request that AWS would refuse is refused here too.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from functools import cache
from typing import Any

import regex
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from airflow_gt.local.errors import AwsError, constraint_errors

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "structure": (dict,),
    "map": (dict,),
    "list": (list,),
    "string": (str,),
    "blob": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "timestamp": (int, float, str),
}


@cache
def _compiled(pattern: str) -> Any:
    # AWS patterns are Java regular expressions matched against the whole value; the regex module
    # understands their \p{L} classes, which re does not.
    return regex.compile(pattern)


def _member_path(path: str, name: str) -> str:
    camel = name[:1].lower() + name[1:]
    return f"{path}.{camel}" if path else camel


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    return repr(value) if not isinstance(value, (list, dict)) else "[...]"


def _constraints(shape: Shape, value: Any, path: str) -> Iterator[str]:
    meta = shape.metadata
    prefix = f"Value {_shown(value)} at '{path}' failed to satisfy constraint: Member must"
    if shape.type_name in ("string", "list", "map", "blob"):
        size = len(value)
        if shape.type_name == "blob":
            size = len(_blob_bytes(value, path))
        if "min" in meta and size < meta["min"]:
            yield f"{prefix} have length greater than or equal to {meta['min']}"
        if "max" in meta and size > meta["max"]:
            yield f"{prefix} have length less than or equal to {meta['max']}"
    if shape.type_name == "string":
        if shape.enum and value not in shape.enum:
            yield f"{prefix} satisfy enum value set: [{', '.join(shape.enum)}]"
        pattern = meta.get("pattern")
        if pattern and _compiled(pattern).fullmatch(value) is None:
            yield f"{prefix} satisfy regular expression pattern: {pattern}"
    if shape.type_name in ("integer", "long", "float", "double"):
        if "min" in meta and value < meta["min"]:
            yield f"{prefix} have value greater than or equal to {meta['min']}"
        if "max" in meta and value > meta["max"]:
            yield f"{prefix} have value less than or equal to {meta['max']}"


def _blob_bytes(value: str, path: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise AwsError(
            "SerializationException", f"'{path}' is not valid base64-encoded binary data"
        ) from None


def _check_type(shape: Shape, value: Any, path: str) -> None:
    expected = _JSON_TYPES.get(shape.type_name, (object,))
    wrong_bool = isinstance(value, bool) and bool not in expected
    if wrong_bool or not isinstance(value, expected):
        raise AwsError(
            "SerializationException",
            f"'{path}': expected a {shape.type_name}, got {type(value).__name__} {_shown(value)}",
        )


def _walk(shape: Shape, value: Any, path: str) -> Iterator[str]:
    _check_type(shape, value, path)
    yield from _constraints(shape, value, path)
    if isinstance(shape, StructureShape):
        unknown = sorted(set(value) - set(shape.members))
        if unknown:
            raise AwsError(
                "SerializationException",
                f"unknown member {unknown[0]!r} at '{path or shape.name}'",
            )
        for name in shape.required_members:
            if value.get(name) is None:
                yield (
                    f"Value null at '{_member_path(path, name)}' failed to satisfy constraint: "
                    "Member must not be null"
                )
        for name, member in shape.members.items():
            if value.get(name) is not None:
                yield from _walk(member, value[name], _member_path(path, name))
    elif isinstance(shape, ListShape):
        for i, item in enumerate(value, start=1):
            yield from _walk(shape.member, item, f"{path}.{i}.member")
    elif isinstance(shape, MapShape):
        for key, item in value.items():
            yield from _walk(shape.key, key, f"{path}.{key}.key")
            yield from _walk(shape.value, item, f"{path}.{key}.value")


def validate_request(operation: OperationModel, params: Any) -> None:
    """Raise the ``ValidationException`` AWS would send for ``params``, if any rule is broken."""
    shape = operation.input_shape
    if shape is None:
        return
    errors = list(_walk(shape, params, ""))
    if errors:
        raise constraint_errors(errors)
