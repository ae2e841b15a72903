"""Named entity recognition tasks: marking the entity spans of a text."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_gt.local.answers import entity_answer, read_entity_answer
from airflow_gt.local.consolidation import vote_spans
from airflow_gt.local.simulators.base import CommonMetadata, Consolidated, DataObject, Simulator
from airflow_gt.local.truth import Span
from airflow_gt.local.worker_mistakes import mark_spans


class Entities(Simulator):
    """NamedEntityRecognition: workers mark spans of the text; spans most workers gave win."""

    def true_spans(self, obj: DataObject) -> list[Span]:
        return [span for span in self.truth(obj).entities if span.label in self.labels]

    def answer(self, obj: DataObject, worker: int, rng: random.Random) -> dict[str, Any]:
        spans = mark_spans(self.true_spans(obj), len(obj.source), self.skill.accuracy, rng)
        return entity_answer(spans)

    def consolidate(
        self, obj: DataObject, answers: Sequence[Mapping[str, Any]], common: CommonMetadata
    ) -> Consolidated:
        spans = vote_spans([
            [span for span in read_entity_answer(content) if span.label in self.labels]
            for content in answers
        ])  # fmt: skip
        value = {"annotations": {
            "entities": [span.to_json() for span, _confidence in spans],
            "labels": [{"label": label} for label in self.labels],
        }}  # fmt: skip
        metadata = {
            "entities": [{"confidence": confidence} for _span, confidence in spans],
            "type": self.metadata_type,
            "job-name": common.job_name,
            "human-annotated": common.human_annotated,
            "creation-date": common.creation_date,
        }
        return Consolidated(value, metadata)
