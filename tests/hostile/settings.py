"""Hypothesis settings of the hostile-input tests: bounded, repeatable, no deadline.

Each test runs a fixed number of examples drawn from a fixed seed (``FIXED_SEED``), so a run finds
what the last one found, in CI as on a laptop, and no example database is written. (Hypothesis's
``derandomize`` would too, but draws a narrow spread of corruptions.) ``deadline=None``: a
command's first run imports Great Expectations, and run times say nothing here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, seed, settings

Test = TypeVar("Test", bound=Callable[..., Any])

FIXED_SEED = 20261207
_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": (HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                              HealthCheck.data_too_large, HealthCheck.large_base_example),
}


def examples(count: int) -> Callable[[Test], Test]:
    """``count`` examples from the fixed seed, under the common settings."""

    def apply(test: Test) -> Test:
        return seed(FIXED_SEED)(settings(max_examples=count, **_COMMON)(test))

    return apply


QUICK = examples(300)
"""Pure functions on small inputs: the reader on raw bytes."""
HOSTILE = examples(60)
"""A seed's corrupted files through the reader or a flattener: milliseconds each."""
COMMAND = examples(40)
"""A command run in this process on a corrupted file: chain, merge, to-moderation, evaluate."""
VALIDATE = examples(15)
"""``validate``, which runs Great Expectations: a quarter of a second each."""
