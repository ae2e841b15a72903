"""A labeling job with automated data labeling: iterations of workers, then the model.

As AWS's developer guide ("Automate Data Labeling") describes it, each iteration ``n``:

1. the workers label ``MaxConcurrentTaskCount`` objects ("You can control the number of human
   labels collected per active learning iteration by changing the value for
   MaxConcurrentTaskCount"). In iteration 1 they are a random sample that holds the
   *validation set* (20 % of a dataset under 5,000 objects, 10 % of a larger one) and, for the
   rest, the first training set; the sample is at least twice the validation set, so the first
   model has as many objects to learn from as to be checked on. Later, they are the objects the
   model was least sure of. Their files
   go to ``annotations/worker-response/iteration-<n>/``, ``consolidated-annotation/...
   /iteration-<n>/`` and ``annotations/intermediate/<n>/``, as for any job;
2. after :attr:`WorkforceConfig.auto_labeling_seconds` a model is trained on the human-labeled
   objects outside the validation set, run over the validation set to find the confidence
   threshold that gives the task's target accuracy (:mod:`airflow_gt.local.active_learning`), and
   run over the unlabeled objects: those at or above the threshold are machine-labeled
   (``"human-annotated": "no"``);
3. the job ends when every object is labeled. A model that has labeled nothing yet tries again
   after the next batch; once one that had labeled objects can label nothing more, the workers
   label all the objects left in one last iteration.

If more than 10 % of the first iteration's objects fail, the job fails, as AWS's guide says.

Each model step writes, under the job's folder, what it used and produced (JSON Lines and small
JSON files; ``<n>`` is the iteration)::

    training/input/iteration-<n>/train.manifest              the human-labeled training lines
    training/output/iteration-<n>/model.json                 the model: its ARN, what trained it
    inference/input/iteration-<n>/{validation,unlabeled}.manifest          batch transform input
    inference/output/iteration-<n>/{validation,unlabeled}.manifest.out     its confidences
    activelearning/validation/input/iteration-<n>/validation.manifest     the validation lines
    activelearning/validation/output/iteration-<n>/validation-results.json  the threshold
    activelearning/auto-labeled/input/iteration-<n>/unlabeled.manifest    what was offered
    activelearning/auto-labeled/output/iteration-<n>/auto-labeled.manifest  the machine labels
                                                             (and their masks, for segmentation)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import orjson

from airflow_gt.local.active_learning import Prediction, SimulatedModel, confidence_threshold
from airflow_gt.local.auto_labeling_requests import AutoLabelingSpec
from airflow_gt.local.clock import file_timestamp, iso_timestamp
from airflow_gt.local.labeling_run import LabelingRun, ObjectState, RunSettings
from airflow_gt.local.output_lines import output_record
from airflow_gt.local.s3store import S3Store
from airflow_gt.local.tasks import CommonMetadata, DataObject, TaskSimulator
from airflow_gt.local.workforce import (
    PlannedObject,
    ScheduleRequest,
    WorkforceConfig,
    object_random,
    plan_schedule,
)
from airflow_gt.manifests.auto_labeling import TARGET_ACCURACY, validation_set_size
from airflow_gt.manifests.layout import LabelingJobOutputLayout
from airflow_gt.manifests.writer import dump_line

if TYPE_CHECKING:
    from airflow_gt.local.labeling_requests import LabelingJobSpec

Planner = Callable[[Sequence[int], float], list[PlannedObject]]
"""Plans the workers' answers to these objects (by index), offered from this time on."""
FIRST_SAMPLE_MAX_FAILED = 0.1


@dataclass(frozen=True)
class AutoLabelingPlan:
    """How a job's automated labeling runs.

    :param batch_size: objects the workers label per iteration (``MaxConcurrentTaskCount``).
    :param model_seconds: how long each model step takes.
    :param model_arn_prefix: ``arn:aws:sagemaker:<region>:<account>:model/``.
    :param max_total: labeled objects (human and machine) at which the job stops
        (``MaxPercentageOfInputDatasetLabeled``; all objects when not set).
    """

    spec: AutoLabelingSpec
    batch_size: int
    model_seconds: float
    model_arn_prefix: str
    max_total: int


def _jsonl(records: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(record) + b"\n" for record in records)


class AutoLabelingRun(LabelingRun):
    """A :class:`LabelingRun` in iterations, with a simulated model between them."""

    def __init__(
        self,
        settings: RunSettings,
        layout: LabelingJobOutputLayout,
        objects: list[ObjectState],
        simulator: TaskSimulator,
        s3: S3Store,
        max_labeled: int,
        plan: AutoLabelingPlan,
        planner: Planner,
        start: float,
    ) -> None:
        order = list(range(len(objects)))
        object_random(settings.seed, settings.job_name, -1, "validation-set").shuffle(order)
        size = validation_set_size(len(objects))
        first = sorted(order[: max(plan.batch_size, 2 * size)])
        super().__init__(settings, layout, objects, planner(first, start), simulator, s3,
                         max_labeled)  # fmt: skip
        self.plan = plan
        self.planner = planner
        self.validation = frozenset(order[:size])
        self.iteration_objects = first
        self.iteration_started = start
        self.model_labels = True
        """Whether model steps go on; False once the model can label nothing more (the workers
        finish)."""
        self.done = False
        self.models: list[str] = []
        self.trained_objects = plan.spec.initial_model_objects
        """The human-labeled objects the last model was trained on (with its initial model's)."""
        self._objects: dict[int, DataObject] = {}

    @property
    def finished(self) -> bool:
        return self.done

    @property
    def limit_reached(self) -> bool:
        total = self.labeled + self.machine_labeled
        return self.labeled >= self.max_labeled or total >= self.plan.max_total

    @property
    def final_model_arn(self) -> str | None:
        return self.models[-1] if self.models else None

    def advance(self, now: float) -> bool:
        """Consolidate the workers' objects done by ``now``, and run each model step due by
        then; True when anything was written."""
        wrote = False
        while not self.done and self.failure_reason is None:
            wrote = super().advance(now) or wrote
            if self.position < len(self.schedule):
                return wrote
            if not self._unlabeled():
                self.done = True
                return wrote
            if self.limit_reached:
                return wrote
            if self.iteration == 1 and self._first_sample_failed():
                return wrote
            remaining = self._unlabeled()
            if not self.model_labels:  # the workers' last iteration is over: objects failed
                self.done = True
                return wrote
            workers_done = max((p.done_at for p in self.schedule), default=self.iteration_started)
            due = workers_done + self.plan.model_seconds
            if now < due:
                return wrote
            labeled_now, predictions = self._model_step(due, remaining)
            wrote = True
            remaining = self._unlabeled()
            if not remaining:
                self.done = True
                return wrote
            if self.limit_reached:
                return wrote
            if labeled_now or not self.machine_labeled:
                by_doubt = sorted(remaining, key=lambda i: (predictions[i].confidence, i))
                batch = sorted(by_doubt[: self.plan.batch_size])
            else:  # it labeled before, and can label nothing more
                self.model_labels = False
                batch = remaining
            self._start_iteration(batch, due)
        return wrote

    # -- steps ---------------------------------------------------------------------------------

    def _unlabeled(self) -> list[int]:
        return [i for i, state in enumerate(self.objects) if state.status == "unlabeled"]

    def _first_sample_failed(self) -> bool:
        failed = sum(self.objects[i].status == "failed" for i in self.iteration_objects)
        if failed <= FIRST_SAMPLE_MAX_FAILED * len(self.iteration_objects):
            return False
        self.failure_reason = (
            f"ClientError: {failed} of the {len(self.iteration_objects)} data objects of the "
            "first sample sent to workers failed, more than 10%; automated data labeling "
            "stops the job"
        )
        return True

    def _start_iteration(self, indexes: list[int], start: float) -> None:
        self.iteration += 1
        self.iteration_objects = indexes
        self.iteration_started = start
        self.schedule = self.planner(indexes, start)
        self.position = 0
        self._batches = {}
        self.s3.put_uri(self.layout.intermediate_manifest(self.iteration), self.manifest_bytes())

    def _object(self, index: int) -> DataObject:
        if index not in self._objects:
            self._objects[index] = self._data_object(self.objects[index], index)
        return self._objects[index]

    def _model_step(self, at: float, remaining: list[int]) -> tuple[int, dict[int, Prediction]]:
        settings, spec, n = self.settings, self.plan.spec, self.iteration
        training = [i for i, state in enumerate(self.objects)
                    if state.labeled_by == "human" and state.status == "labeled"
                    and i not in self.validation]  # fmt: skip
        self.trained_objects = len(training) + spec.initial_model_objects
        model = SimulatedModel(self.simulator, settings.seed, settings.job_name, n,
                               self.trained_objects)  # fmt: skip
        validation = [i for i in sorted(self.validation) if self.objects[i].status == "labeled"]
        scored = []
        for index in validation:
            record = orjson.loads(self.objects[index].line)
            prediction = model.predict(index)
            quality = model.quality(
                self._object(index), prediction, record[settings.metadata_key],
                record.get(settings.label_attribute), self.s3.get_uri,
            )
            scored.append((index, prediction.confidence, quality))
        target = TARGET_ACCURACY[spec.algorithm]
        threshold = confidence_threshold([(c, q) for _, c, q in scored], target)
        predictions = {index: model.predict(index) for index in remaining}
        chosen = [] if threshold is None else sorted(
            (i for i in remaining if predictions[i].confidence >= threshold),
            key=lambda i: (-predictions[i].confidence, i),
        )
        room = self.plan.max_total - self.labeled - self.machine_labeled
        chosen = sorted(chosen[: max(room, 0)])
        for index in chosen:
            self._machine_label(model, index, predictions[index], at)
        model_arn = self._write_step_files(
            model, at, training, validation, scored, threshold, remaining, predictions, chosen
        )
        self.models.append(model_arn)
        self.s3.put_uri(self.layout.intermediate_manifest(n), self.manifest_bytes())
        return len(chosen), predictions

    def _machine_label(
        self, model: SimulatedModel, index: int, prediction: Prediction, at: float
    ) -> None:
        settings = self.settings
        mask_uri = self._folder(
            "activelearning", "auto-labeled", "output", f"{index}_{file_timestamp(at)}.png"
        )
        common = CommonMetadata(settings.job_name, iso_timestamp(at), "no", mask_uri)
        result = model.label(self._object(index), prediction, common)
        for uri, data in result.files.items():
            self.s3.put_uri(uri, data)
        state = self.objects[index]
        label = {settings.label_attribute: result.value, settings.metadata_key: result.metadata}
        state.line = dump_line(output_record(state.record, settings.label_attribute, label))
        state.status, state.labeled_by = "labeled", "machine"
        self.machine_labeled += 1

    def _folder(self, top: str, *parts: str) -> str:
        """``<job>/<top>/<parts[0]>/.../iteration-<n>/<last part>``."""
        *folders, name = parts
        return str(self.layout.root.child(top, *folders, f"iteration-{self.iteration}", name))

    def _source(self, index: int) -> dict[str, Any]:
        state = self.objects[index]
        key = "source-ref" if "source-ref" in state.record else "source"
        return {"datasetObjectId": str(index), key: state.source}

    def _write_step_files(
        self, model: SimulatedModel, at: float, training: list[int], validation: list[int],
        scored: list[tuple[int, float, float]], threshold: float | None, remaining: list[int],
        predictions: dict[int, Prediction], chosen: list[int],
    ) -> str:  # fmt: skip
        spec, put = self.plan.spec, self.s3.put_uri
        name = f"{self.settings.job_name[:48].rstrip('-')}-model-{self.iteration}".lower()
        model_arn = self.plan.model_arn_prefix + name
        lines = self.objects
        put(self._folder("training", "input", "train.manifest"),
            b"".join(lines[i].line for i in training))
        put(self._folder("training", "output", "model.json"), orjson.dumps({
            "modelName": name, "modelArn": model_arn, "iteration": self.iteration,
            "labelingJobAlgorithmSpecificationArn": spec.algorithm_arn,
            "initialActiveLearningModelArn": spec.initial_model_arn,
            "trainingObjects": len(training), "creationTime": iso_timestamp(at),
        }, option=orjson.OPT_INDENT_2))
        for kind, indexes in (("validation", validation), ("unlabeled", remaining)):
            put(self._folder("inference", "input", f"{kind}.manifest"),
                _jsonl(self._source(i) for i in indexes))
        put(self._folder("inference", "output", "validation.manifest.out"), _jsonl(
            {**self._source(i), "confidence": c, "quality": round(q, 4)} for i, c, q in scored
        ))
        put(self._folder("inference", "output", "unlabeled.manifest.out"), _jsonl(
            {**self._source(i), "confidence": predictions[i].confidence} for i in remaining
        ))
        above = [q for _, c, q in scored if threshold is not None and c >= threshold]
        put(self._folder("activelearning", "validation", "input", "validation.manifest"),
            b"".join(lines[i].line for i in validation))
        put(self._folder("activelearning", "validation", "output", "validation-results.json"),
            orjson.dumps({
                "iteration": self.iteration, "modelArn": model_arn,
                "metric": "accuracy" if "classification" in spec.algorithm else "mean-iou",
                "target": TARGET_ACCURACY[spec.algorithm], "confidenceThreshold": threshold,
                "achieved": round(sum(above) / len(above), 4) if above else None,
                "validationObjects": len(validation), "objectsAboveThreshold": len(above),
            }, option=orjson.OPT_INDENT_2))  # fmt: skip
        put(self._folder("activelearning", "auto-labeled", "input", "unlabeled.manifest"),
            b"".join(lines[i].line for i in remaining))
        put(self._folder("activelearning", "auto-labeled", "output", "auto-labeled.manifest"),
            b"".join(lines[i].line for i in chosen))
        return model_arn


def start_auto_labeling(
    spec: LabelingJobSpec,
    job_arn: str,
    settings: RunSettings,
    layout: LabelingJobOutputLayout,
    objects: list[ObjectState],
    simulator: TaskSimulator,
    s3: S3Store,
    schedule: ScheduleRequest,
    config: WorkforceConfig,
    start: float,
) -> AutoLabelingRun:
    """The run of a job with automated labeling, its first iteration planned from ``start``.

    ``MaxHumanLabeledObjectCount`` limits the workers' objects; ``MaxPercentageOfInputDataset
    Labeled`` all labeled objects, the model's too.
    """
    if spec.auto_labeling is None:
        raise ValueError(f"labeling job {spec.name} does not use automated data labeling")
    max_total = len(objects)
    if spec.max_labeled_percentage is not None:
        max_total = min(max_total, math.ceil(len(objects) * spec.max_labeled_percentage / 100))
    _, partition, _, region, account = job_arn.split(":", 5)[:5]
    plan = AutoLabelingPlan(
        spec=spec.auto_labeling,
        batch_size=spec.max_concurrent_tasks,
        model_seconds=config.auto_labeling_seconds,
        model_arn_prefix=f"arn:{partition}:sagemaker:{region}:{account}:model/",
        max_total=max_total,
    )

    def planner(indexes: Sequence[int], at: float) -> list[PlannedObject]:
        request = replace(schedule, objects=len(indexes), indexes=tuple(indexes), start=at)
        return plan_schedule(request, config)

    max_human = spec.max_labeled_objects if spec.max_labeled_objects is not None else len(objects)
    return AutoLabelingRun(settings, layout, objects, simulator, s3, max_human, plan, planner,
                           start)  # fmt: skip
