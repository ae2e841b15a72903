"""Which flattener turns which job type's lines into frames."""

from __future__ import annotations

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.manifests.job_types import JOB_TYPES
from airflow_gt.validation.flatten import Flattener
from airflow_gt.validation.flatten_boxes import BoundingBoxFlattener
from airflow_gt.validation.flatten_classes import (
    ImageClassificationFlattener,
    LabelVerificationFlattener,
    TextClassificationFlattener,
)
from airflow_gt.validation.flatten_common_only import CommonOnlyFlattener
from airflow_gt.validation.flatten_masks import MaskFlattener
from airflow_gt.validation.flatten_moderation import (
    ModerationInputFlattener,
    ModerationOutputFlattener,
)
from airflow_gt.validation.flatten_multilabel import (
    ImageMultiLabelFlattener,
    TextMultiLabelFlattener,
)
from airflow_gt.validation.flatten_spans import TextSpanFlattener

FLATTENERS: dict[str, type[Flattener]] = {
    flattener.job_type: flattener
    for flattener in (
        BoundingBoxFlattener,
        ImageClassificationFlattener,
        TextClassificationFlattener,
        ImageMultiLabelFlattener,
        TextMultiLabelFlattener,
        LabelVerificationFlattener,
        TextSpanFlattener,
        MaskFlattener,
        ModerationInputFlattener,
        ModerationOutputFlattener,
    )
}
FLATTENERS.update(
    {kind.name: CommonOnlyFlattener for kind in JOB_TYPES.values() if not kind.validated}
)


def flattener_for(job_type: str, attribute: str, metadata_key: str) -> Flattener:
    try:
        kind = FLATTENERS[job_type]
    except KeyError:
        raise ConfigurationError(
            "job_type", f"no validation for job type {job_type!r}; validated types: "
            f"{', '.join(sorted(FLATTENERS))}"
        ) from None
    return kind(attribute, metadata_key)
