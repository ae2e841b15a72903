"""What a validation found: per expectation, per label attribute, and for the whole manifest.

Chunk results are merged here: a row-wise expectation adds up its unexpected counts and keeps the
first few failing lines; an aggregate one (a mean over a column) is recomputed from the chunks'
observed values weighted by their row counts, then checked against its bounds again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SAMPLES_PER_EXPECTATION = 5


@dataclass(frozen=True)
class FailingValue:
    """One failing value: the 1-based manifest line, that line's source, and the value."""

    line: int
    source: str | None
    value: Any


@dataclass
class ExpectationOutcome:
    """One expectation of a suite, over the whole manifest.

    :param expectation: the GX expectation type (``expect_column_values_to_be_between``).
    :param column: the flattened column it checks (``column_A,column_B`` for a pair).
    :param frame: the flattened frame the column is in (``lines``, ``labels``, ``boxes``...).
    :param rule: what it checks, in words (the suite's ``meta.rule``).
    :param kwargs: the expectation's arguments, with suite parameters filled in.
    """

    expectation: str
    column: str
    frame: str
    rule: str
    kwargs: dict[str, Any]
    success: bool = True
    element_count: int = 0
    unexpected_count: int = 0
    observed_value: Any = None
    samples: list[FailingValue] = field(default_factory=list)
    aggregate: bool = False
    """True for expectations over a whole column (a mean), merged by recomputation."""
    _weighted_sum: float = field(default=0.0, repr=False)

    def add_rows(self, element_count: int, unexpected_count: int,
                 samples: list[FailingValue]) -> None:
        self.element_count += element_count
        self.unexpected_count += unexpected_count
        room = SAMPLES_PER_EXPECTATION - len(self.samples)
        if room > 0:
            self.samples.extend(samples[:room])
        self.success = self.unexpected_count == 0

    def add_aggregate(self, element_count: int, observed: float | None) -> None:
        if observed is not None and element_count:
            self._weighted_sum += float(observed) * element_count
            self.element_count += element_count
        if self.element_count:
            self.observed_value = self._weighted_sum / self.element_count
        low, high = self.kwargs.get("min_value"), self.kwargs.get("max_value")
        value = self.observed_value
        self.success = value is None or (
            (low is None or value >= low) and (high is None or value <= high)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "expectation": self.expectation,
            "column": self.column,
            "frame": self.frame,
            "rule": self.rule,
            "success": self.success,
            "element_count": self.element_count,
            "unexpected_count": self.unexpected_count,
            "observed_value": self.observed_value,
            "kwargs": self.kwargs,
            "samples": [
                {"line": s.line, "source": s.source, "value": s.value} for s in self.samples
            ],
        }


@dataclass
class AttributeResult:
    """The validation of one label attribute of the manifest, with its job type's suite."""

    label_attribute: str
    job_type: str
    suite: str
    outcomes: list[ExpectationOutcome]
    labeled: int = 0
    failed: int = 0

    @property
    def success(self) -> bool:
        return all(outcome.success for outcome in self.outcomes)

    @property
    def failed_expectations(self) -> list[ExpectationOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.success]


@dataclass
class ValidationResult:
    """The validation of a whole manifest: every label attribute it was checked for."""

    source: str
    objects: int
    attributes: list[AttributeResult]

    @property
    def success(self) -> bool:
        return all(attribute.success for attribute in self.attributes)

    def summary(self) -> dict[str, Any]:
        """The command line's JSON contract: ``success``, ``job_type``, ``label_attribute``,
        ``objects``, ``labeled``, ``failed_expectations``; with several label attributes, the
        first one's fields at the top and each one under ``label_attributes``."""
        first = self.attributes[0]
        return {
            "success": self.success,
            "source": self.source,
            "job_type": first.job_type,
            "label_attribute": first.label_attribute,
            "objects": self.objects,
            "labeled": first.labeled,
            "failed": first.failed,
            "failed_expectations": [
                failed_expectation(attribute, outcome)
                for attribute in self.attributes
                for outcome in attribute.failed_expectations
            ],
            "label_attributes": [
                {
                    "label_attribute": attribute.label_attribute,
                    "job_type": attribute.job_type,
                    "success": attribute.success,
                    "labeled": attribute.labeled,
                    "failed": attribute.failed,
                    "expectations": len(attribute.outcomes),
                    "failed_expectations": len(attribute.failed_expectations),
                }
                for attribute in self.attributes
            ],
        }


def failed_expectation(attribute: AttributeResult, outcome: ExpectationOutcome) -> dict[str, Any]:
    return {
        "expectation": outcome.expectation,
        "column": outcome.column,
        "unexpected_count": outcome.unexpected_count,
        "label_attribute": attribute.label_attribute,
        "rule": outcome.rule,
        "observed_value": outcome.observed_value,
        "sample_lines": [sample.line for sample in outcome.samples],
    }
