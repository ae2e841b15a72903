"""Rekognition Custom Moderation manifests: ``moderation-input`` and ``moderation-output``.

They have no Ground Truth metadata: a line is ``{"source-ref", "content-moderation-groundtruth":
{"ModerationLabels": [{"Name"}]}}``, and a testing output line adds the adapter's predictions
``detect-moderation-labels`` and the base model's ``detect-moderation-labels-base-model``, each
``{"ModerationLabels": [{"Confidence", "Name", "ParentName"}], "ModerationModelVersion",
"ProjectVersion"}``. So :class:`ModerationFlattener` replaces the Ground Truth ``flatten``: a line
is labeled when it has the flattener's key, and ``labels`` has one row per such line.

- ``moderation-input`` (key ``content-moderation-groundtruth``): ``lines`` also has each image's
  bucket and the first bucket seen in the manifest (kept across chunks), for the one-bucket rule;
  ``moderation_labels`` has one row per ground-truth label.
- ``moderation-output`` (key ``detect-moderation-labels``): ``models`` has one row per prediction
  object of a line (``model`` is ``adapter`` or ``base-model``), ``predictions`` one row per
  predicted label. A label entry that is not an object is counted in ``models``, not given a row,
  so it breaks one rule rather than one per field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_gt.validation.flatten import (
    Chunk,
    Columns,
    Flattener,
    Frames,
    json_type,
    new_frame,
    number,
    text,
)

if TYPE_CHECKING:
    from airflow_gt.validation.frames import ArrayFrames

MODELS = (("adapter", "", "adapter_type"), ("base-model", "-base-model", "base_model_type"))
"""Each model of a testing output line: its name in the ``model`` columns, what its key adds to
the adapter's key, and its ``labels`` column (the JSON type of its predictions)."""
MODEL_COLUMNS = (
    "model", "labels_type", "non_object_labels", "model_version", "project_version",
    "adapter_project_version",
)
PREDICTION_COLUMNS = ("model", "confidence", "name", "parent_name")


def s3_bucket(uri: str | None) -> str | None:
    """The bucket of an ``s3://bucket/key`` URI; None for anything else."""
    if uri is None or not uri.startswith("s3://"):
        return None
    bucket, slash, key = uri[5:].partition("/")
    return bucket if bucket and slash and key else None


class ModerationFlattener(Flattener):
    """A Rekognition manifest's lines: ``lines`` with the source, and a ``labels`` row for each
    line that has the flattener's key (``attribute``); nothing ever fails as in Ground Truth."""

    line_columns: ClassVar[tuple[str, ...]] = ()
    """The type's own columns of the ``lines`` frame."""

    def flatten(self, chunk: Chunk) -> Frames:
        frames: Frames = {
            "lines": new_frame("source", "source_keys", "source_ref", "labeled", "failed",
                               *self.line_columns),
            "labels": new_frame(*self.label_columns),
        }
        for name, _ in self.part_columns:
            frames[name] = self.new_part_frame(name)
        lines, labels = frames["lines"], frames["labels"]
        attribute = self.attribute
        no_metadata: Mapping[str, Any] = {}
        for number_, record in chunk:
            source_ref = text(record.get("source-ref"))
            labeled = attribute in record
            lines["line"].append(number_)
            lines["source"].append(source_ref if source_ref is not None else record.get("source"))
            lines["source_keys"].append(("source-ref" in record) + ("source" in record))
            lines["source_ref"].append(source_ref)
            lines["labeled"].append(labeled)
            lines["failed"].append(0)
            self.flatten_line(source_ref, lines)
            if labeled:
                labels["line"].append(number_)
                self.flatten_label(number_, record, record[attribute], no_metadata, frames)
        return frames

    def flatten_line(self, source_ref: str | None, lines: Columns) -> None:
        """Add the type's own ``lines`` columns of one line."""


class ModerationInputFlattener(ModerationFlattener):
    """Ground-truth labels; the bucket of every image, and the first bucket of the manifest."""

    job_type = "moderation-input"
    part_columns = (("moderation_labels", ("name",)),)
    line_columns = ("bucket", "first_bucket")
    label_columns = ("ground_truth_type", "labels_type")

    def __init__(self, attribute: str, metadata_key: str) -> None:
        super().__init__(attribute, metadata_key)
        self.first_bucket: str | None = None

    def arrow_fields(self) -> list[Any]:
        from airflow_gt.validation.flatten_moderation_arrow import input_fields

        return input_fields(self.attribute)

    def flatten_table(self, table: Any, first: int) -> ArrayFrames | None:
        from airflow_gt.validation.flatten_moderation_arrow import (
            buckets,
            first_buckets,
            ground_truth_frames,
            moderation_lines,
        )

        frames, labeled = moderation_lines(table, first, self.attribute)
        lines = frames["lines"]
        lines["bucket"] = bucket = buckets(lines["source_ref"])
        lines["first_bucket"], found = first_buckets(bucket, self.first_bucket)
        if found is not None:
            self.first_bucket = found
        ground_truth_frames(labeled, self.attribute, frames)
        return frames

    def saved_state(self) -> str | None:
        return self.first_bucket

    def restore_state(self, state: Any) -> None:
        self.first_bucket = state

    def flatten_line(self, source_ref: str | None, lines: Columns) -> None:
        bucket = s3_bucket(source_ref)
        if self.first_bucket is None:
            self.first_bucket = bucket
        lines["bucket"].append(bucket)
        lines["first_bucket"].append(self.first_bucket)

    def flatten_label(self, number_: int, record: Mapping[str, Any], value: Any,
                      metadata: Mapping[str, Any], frames: Frames) -> None:
        labels = frames["labels"]
        entries = value.get("ModerationLabels") if type(value) is dict else None
        labels["ground_truth_type"].append(json_type(value))
        labels["labels_type"].append(json_type(entries) if type(value) is dict else None)
        if type(entries) is not list:
            return
        rows = frames["moderation_labels"]
        for entry in entries:
            name = entry.get("Name") if type(entry) is dict else None
            rows["line"].append(number_)
            rows["name"].append(name if type(name) is str else None)


class ModerationOutputFlattener(ModerationFlattener):
    """The adapter's and the base model's predictions of each testing line."""

    job_type = "moderation-output"
    part_columns = (("models", MODEL_COLUMNS), ("predictions", PREDICTION_COLUMNS))
    label_columns = tuple(column for _, _, column in MODELS)

    def arrow_fields(self) -> list[Any]:
        from airflow_gt.validation.flatten_moderation_arrow import output_fields

        return output_fields(self.attribute, [key for _, key, _ in self._models()])

    def flatten_table(self, table: Any, first: int) -> ArrayFrames | None:
        from airflow_gt.validation.flatten_moderation_arrow import (
            moderation_lines,
            prediction_frames,
        )

        frames, labeled = moderation_lines(table, first, self.attribute)
        prediction_frames(labeled, self._models(), frames)
        return frames

    def _models(self) -> list[tuple[str, str, str]]:
        """Each model's name, key and ``labels`` column."""
        return [(model, self.attribute + suffix, column) for model, suffix, column in MODELS]

    def flatten_label(self, number_: int, record: Mapping[str, Any], value: Any,
                      metadata: Mapping[str, Any], frames: Frames) -> None:
        labels = frames["labels"]
        for model, suffix, column in MODELS:
            found = record.get(self.attribute + suffix)
            labels[column].append(json_type(found))
            if type(found) is dict:
                self._model(number_, model, found, frames)

    @staticmethod
    def _model(line: int, model: str, found: Mapping[str, Any], frames: Frames) -> None:
        models = frames["models"]
        entries = found.get("ModerationLabels")
        version, project = found.get("ModerationModelVersion"), found.get("ProjectVersion")
        project = project if type(project) is str else None
        models["line"].append(line)
        models["model"].append(model)
        models["labels_type"].append(json_type(entries))
        models["model_version"].append(version if type(version) is str else None)
        models["project_version"].append(project)
        models["adapter_project_version"].append(project if model == "adapter" else None)
        if type(entries) is not list:
            models["non_object_labels"].append(None)
            return
        models["non_object_labels"].append(sum(type(entry) is not dict for entry in entries))
        rows = frames["predictions"]
        for entry in entries:
            if type(entry) is not dict:
                continue
            name, parent = entry.get("Name"), entry.get("ParentName")
            rows["line"].append(line)
            rows["model"].append(model)
            rows["confidence"].append(number(entry.get("Confidence")))
            rows["name"].append(name if type(name) is str else None)
            rows["parent_name"].append(parent if type(parent) is str else None)
