"""Which flattener turns which job type's lines into frames."""

from __future__ import annotations

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.validation.flatten import Flattener
from airflow_gt.validation.flatten_boxes import BoundingBoxFlattener

FLATTENERS: dict[str, type[Flattener]] = {
    flattener.job_type: flattener
    for flattener in (
        BoundingBoxFlattener,
    )
}


def flattener_for(job_type: str, attribute: str, metadata_key: str) -> Flattener:
    try:
        kind = FLATTENERS[job_type]
    except KeyError:
        raise ConfigurationError(
            "job_type", f"no validation for job type {job_type!r}; validated types: "
            f"{', '.join(sorted(FLATTENERS))}"
        ) from None
    return kind(attribute, metadata_key)
