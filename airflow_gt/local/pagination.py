"""``NextToken`` pagination, as the List/Describe operations of AWS do it.

A token is opaque to clients: it carries the offset of the next page and a fingerprint of the
query, so a token cannot be replayed against another query (AWS refuses that too). A token that
does not decode, or belongs to another query, is answered with the service's own error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import orjson

from airflow_gt.local.errors import AwsError

Item = TypeVar("Item")
PAGING_KEYS = frozenset({"NextToken", "MaxResults"})


def _fingerprint(params: Mapping[str, Any]) -> str:
    query = {key: value for key, value in params.items() if key not in PAGING_KEYS}
    return hashlib.sha256(orjson.dumps(query, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def _token(offset: int, params: Mapping[str, Any]) -> str:
    document = {"offset": offset, "query": _fingerprint(params)}
    return base64.urlsafe_b64encode(orjson.dumps(document)).decode("ascii")


def _offset(params: Mapping[str, Any], total: int) -> int | None:
    token = params.get("NextToken")
    if not token:
        return 0
    try:
        document = orjson.loads(base64.urlsafe_b64decode(str(token).encode("ascii")))
        offset, query = document["offset"], document["query"]
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        return None
    valid = isinstance(offset, int) and not isinstance(offset, bool) and 0 < offset <= total
    return offset if valid and query == _fingerprint(params) else None


def page(
    items: Sequence[Item],
    params: Mapping[str, Any],
    *,
    default_size: int,
    invalid_token: Callable[[], AwsError],
) -> tuple[list[Item], str | None]:
    """The page of ``items`` the request's ``NextToken`` and ``MaxResults`` ask for, and the
    token of the next page (None at the end)."""
    start = _offset(params, len(items))
    if start is None:
        raise invalid_token()
    end = start + int(params.get("MaxResults") or default_size)
    following = _token(end, params) if end < len(items) else None
    return list(items[start:end]), following
