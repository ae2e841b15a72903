"""Workforce quality: how far a labeling job's workers agreed, and each worker's accuracy.

Pure core: nothing here imports Airflow; Great Expectations is imported only when
:func:`check_workforce` runs.

- :func:`measure_workforce`: the measures of one job, from its output folder;
- :func:`check_workforce`: the measures checked against thresholds with the ``workforce`` suite;
- :mod:`airflow_gt.workforce.reports`: the text, JSON and HTML reports.
"""

from airflow_gt.workforce.checks import WorkforceResult, WorkforceThresholds, check_workforce
from airflow_gt.workforce.measures import (
    ObjectAgreement,
    WorkerTally,
    WorkforceMeasures,
    measure_workforce,
)

__all__ = [
    "ObjectAgreement",
    "WorkerTally",
    "WorkforceMeasures",
    "WorkforceResult",
    "WorkforceThresholds",
    "check_workforce",
    "measure_workforce",
]
