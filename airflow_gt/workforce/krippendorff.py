"""Krippendorff's alpha for nominal data, accumulated one unit (data object) at a time.

``alpha = 1 - D_o / D_e`` (Krippendorff, *Computing Krippendorff's Alpha-Reliability*, 2011):
with ``o_ck`` the coincidences of values ``c`` and ``k`` within units (each ordered pair of
values of a unit of ``m`` values counts ``1 / (m - 1)``), ``n_c`` the pairable values of ``c`` and
``n`` all pairable values,

- ``D_o = sum over c != k of o_ck``, which for one unit is ``(m^2 - sum of count_c^2) / (m - 1)``;
- ``D_e = sum over c != k of n_c n_k / (n - 1) = (n^2 - sum of n_c^2) / (n - 1)``.

Units with fewer than two values are not pairable and count for nothing. Only the per-value
totals and the running ``D_o`` are kept, so memory does not grow with the number of units. When
every pairable value is the same there is no variation to agree on and alpha is undefined (None).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable


class NominalAlpha:
    """Add each unit's values with :meth:`add`, then read :attr:`alpha`."""

    def __init__(self) -> None:
        self.totals: Counter[Hashable] = Counter()
        self.observed = 0.0
        self.units = 0

    def add(self, values: Iterable[Hashable]) -> None:
        counts = Counter(values)
        m = sum(counts.values())
        if m < 2:
            return
        self.units += 1
        self.totals.update(counts)
        self.observed += (m * m - sum(c * c for c in counts.values())) / (m - 1)

    @property
    def pairable(self) -> int:
        return sum(self.totals.values())

    @property
    def alpha(self) -> float | None:
        n = self.pairable
        expected = n * n - sum(c * c for c in self.totals.values())
        if expected <= 0:
            return None
        return 1.0 - (n - 1) * self.observed / expected
