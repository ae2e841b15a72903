"""Create a Ground Truth labeling job, or attach to the one this task run already created.

A labeling job costs money per object, so a retried task must not create a second one. The
operator names the job after the task run (:func:`airflow_gt.labeling.default_job_name`), and
before creating it looks for a job of that name: if there is one, made from the same request,
the task attaches to it; if its request differs, the task fails and says which fields differ. A
``ResourceInUse`` answer to CreateLabelingJob (a request whose first answer was lost, then
retried) is handled the same way.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from airflow.sdk import Asset, BaseOperator, Context

from airflow_gt.assets.ground_truth import labeling_output_asset
from airflow_gt.compat import conf, persist_link
from airflow_gt.exceptions import ConfigurationError, LabelingJobConflictError, LabelingJobWaitError
from airflow_gt.labeling.differences import category_differences, request_differences
from airflow_gt.labeling.names import default_job_name
from airflow_gt.labeling.outcome import (
    LabelingJobResult,
    finished_result,
    has_ended,
)
from airflow_gt.labeling.request import LabelingJobArguments
from airflow_gt.links.ground_truth import GroundTruthLabelingJobLink
from airflow_gt.manifests.attributes import validate_job_name
from airflow_gt.manifests.categories import LabelCategoryConfig
from airflow_gt.manifests.storage import error_code
from airflow_gt.operators.base import AwsParamsMixin, aws_template_fields
from airflow_gt.operators.lineage_records import LineageMixin, labeling_job_lineage
from airflow_gt.triggers.ground_truth import GroundTruthLabelingJobTrigger

IN_USE = "ResourceInUse"
_ARGUMENT_FIELDS = tuple(
    name for name in LabelingJobArguments.__dataclass_fields__ if name != "task_type"
)
_REQUIRED = ("labeling_task_type", "input_manifest_uri", "output_path", "label_attribute_name",
             "role_arn", "workteam_arn")


class GroundTruthCreateLabelingJobOperator(LineageMixin, AwsParamsMixin, BaseOperator):
    """Create a SageMaker Ground Truth labeling job and, by default, wait for its labels.

    Give the job either as friendly arguments (``labeling_task_type`` and the rest) or as a raw
    ``create_job_request``. With the friendly form the region's built-in PRE- and ACS- Lambda
    functions are chosen for the task type, and ``label_categories`` is uploaded as the label
    category file (to ``<output_path>/<job name>/label-categories.json``).

    Returns ``{"job_name", "job_arn", "status", "output_manifest_uri", "label_counters"}``, and
    ``"final_active_learning_model_arn"`` when the job used automated data labeling.
    A job that ends Failed or Stopped fails the task with AWS's reason; one that completes with
    nothing labeled fails it unless ``allow_empty_output``. A completed job's output manifest is
    published as an Asset event (see :mod:`airflow_gt.assets.ground_truth`). With OpenLineage on,
    the task reports the input manifest -> the output manifest, and the job (ARN, task type,
    label attribute, label counters) as the ``groundTruthLabelingJob`` run facet.

    :param labeling_task_type: the built-in task: ``BoundingBox``, ``ImageMultiClass``,
        ``VerificationBoundingBox``... (see ``airflow_gt.manifests.BUILT_IN_TASKS``). (templated)
    :param input_manifest_uri: the ``s3://`` input manifest. (templated)
    :param output_path: the ``s3://`` folder the job writes under. (templated)
    :param label_attribute_name: the key the labels are written under. (templated)
    :param role_arn: the IAM role Ground Truth assumes. (templated)
    :param workteam_arn: the work team (private, vendor or public). (templated)
    :param ui_template_uri: the worker task template in S3 (image and text tasks). (templated)
    :param human_task_ui_arn: the AWS worker UI, instead of a template (video, 3D). (templated)
    :param label_categories: the label names, uploaded as the label category file. (templated)
    :param label_category_config_uri: a label category file already in S3. (templated)
    :param audit_label_attribute_name: for verification and adjustment tasks, the label
        attribute of the labels to check. (templated)
    :param instructions: ``{"shortInstruction", "fullInstruction"}`` for named entity
        recognition. (templated)
    :param task_title: the title workers see. (templated)
    :param task_description: the description workers see. (templated)
    :param task_keywords: up to 5 keywords for the public workforce. (templated)
    :param workers_per_object: how many workers label each object.
    :param task_time_limit: seconds a worker has for one task.
    :param task_availability_lifetime: seconds a task stays available to workers.
    :param max_concurrent_tasks: how many objects are offered at once.
    :param public_workforce_price: US dollars per task for the public workforce (``0.036``).
    :param max_labeled_objects: stop after this many objects are labeled.
    :param max_labeled_percentage: stop after this percentage of objects is labeled.
    :param automated_labeling: label by machine what a model trained on the workers' labels is
        sure of (Ground Truth's automated data labeling, active learning): True for the task's
        built-in algorithm, or its name (``image-classification``, ``text-classification``,
        ``object-detection``, ``semantic-segmentation``). Only single-label image and text
        classification, bounding box and semantic segmentation tasks have one, and AWS requires
        at least 1,250 data objects. With a raw ``create_job_request``, give
        ``LabelingJobAlgorithmsConfig`` in it instead.
    :param initial_active_learning_model_arn: a former job's ``FinalActiveLearningModelArn``
        for the model to start from (needs ``automated_labeling``). (templated)
    :param output_kms_key_id: the KMS key the output is encrypted with. (templated)
    :param tags: the job's tags, as a mapping. (templated)
    :param create_job_request: a whole CreateLabelingJob request instead of the friendly
        arguments; ``LabelingJobName`` may be left out. (templated)
    :param job_name: the labeling job name; by default derived from the DAG, task, run and map
        index, so a retry finds the job its first try created. (templated)
    :param wait_for_completion: wait, in the worker, until the job ends.
    :param deferrable: wait in the triggerer instead, freeing the worker.
    :param poll_interval: seconds between two checks of the job.
    :param max_attempts: how many checks before the task gives up waiting (the job goes on);
        by default the ``LabelingJobCompleted`` waiter's.
    :param allow_empty_output: accept a completed job that labeled nothing.
    :param stop_on_kill: stop the labeling job when the task is killed. Off by default: a worker
        that shuts down or restarts (a deploy, a Celery warm or cold shutdown) kills the tasks it
        runs, and their retries then attach to the job, still labeling, by its name; with it on,
        the job is stopped, its paid work ends, and a retry fails on the Stopped job. Airflow
        cannot tell a shutdown from a user marking the task failed: stop a job by hand with
        ``aws sagemaker stop-labeling-job`` or in the console.
    :param output_asset: the Asset the output manifest is published as; True derives it from
        ``output_path`` and ``label_attribute_name`` when they are not templates, False publishes
        none. Only a task that waits for the job publishes one.
    """

    template_fields: Sequence[str] = aws_template_fields(
        "audit_label_attribute_name", "create_job_request", "human_task_ui_arn",
        "initial_active_learning_model_arn", "input_manifest_uri", "instructions", "job_name",
        "label_attribute_name", "label_categories", "label_category_config_uri",
        "output_kms_key_id", "output_path", "labeling_task_type", "role_arn", "tags",
        "task_description", "task_keywords", "task_title", "ui_template_uri", "workteam_arn",
    )
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "create_job_request": "json", "instructions": "json", "tags": "json",
    }
    operator_extra_links = (GroundTruthLabelingJobLink(),)

    def __init__(
        self,
        *,
        labeling_task_type: str | None = None,
        input_manifest_uri: str | None = None,
        output_path: str | None = None,
        label_attribute_name: str | None = None,
        role_arn: str | None = None,
        workteam_arn: str | None = None,
        ui_template_uri: str | None = None,
        human_task_ui_arn: str | None = None,
        label_categories: Sequence[str] | None = None,
        label_category_config_uri: str | None = None,
        audit_label_attribute_name: str | None = None,
        instructions: Mapping[str, str] | None = None,
        task_title: str | None = None,
        task_description: str | None = None,
        task_keywords: Sequence[str] | None = None,
        workers_per_object: int = 1,
        task_time_limit: int = 300,
        task_availability_lifetime: int | None = None,
        max_concurrent_tasks: int | None = None,
        public_workforce_price: float | str | Decimal | None = None,
        max_labeled_objects: int | None = None,
        max_labeled_percentage: int | None = None,
        output_kms_key_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        automated_labeling: bool | str = False,
        initial_active_learning_model_arn: str | None = None,
        create_job_request: Mapping[str, Any] | None = None,
        job_name: str | None = None,
        wait_for_completion: bool = True,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: float = 60.0,
        max_attempts: int | None = None,
        allow_empty_output: bool = False,
        output_asset: Asset | bool = True,
        stop_on_kill: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.labeling_task_type = labeling_task_type
        self.input_manifest_uri = input_manifest_uri
        self.output_path = output_path
        self.label_attribute_name = label_attribute_name
        self.role_arn = role_arn
        self.workteam_arn = workteam_arn
        self.ui_template_uri = ui_template_uri
        self.human_task_ui_arn = human_task_ui_arn
        self.label_categories = label_categories
        self.label_category_config_uri = label_category_config_uri
        self.audit_label_attribute_name = audit_label_attribute_name
        self.instructions = instructions
        self.task_title = task_title
        self.task_description = task_description
        self.task_keywords = task_keywords
        self.workers_per_object = workers_per_object
        self.task_time_limit = task_time_limit
        self.task_availability_lifetime = task_availability_lifetime
        self.max_concurrent_tasks = max_concurrent_tasks
        self.public_workforce_price = public_workforce_price
        self.max_labeled_objects = max_labeled_objects
        self.max_labeled_percentage = max_labeled_percentage
        self.output_kms_key_id = output_kms_key_id
        self.tags = tags
        self.automated_labeling = automated_labeling
        self.initial_active_learning_model_arn = initial_active_learning_model_arn
        self.create_job_request = create_job_request
        self.job_name = job_name
        self.wait_for_completion = wait_for_completion
        self.deferrable = deferrable
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self.allow_empty_output = allow_empty_output
        self.stop_on_kill = stop_on_kill
        self._check_form()
        self.output_asset = self._output_asset(output_asset)
        if self.output_asset is not None:
            self.outlets = [*self.outlets, self.output_asset]
        self.labeling_job_name: str | None = None
        """The job this task created or attached to, once known (``on_kill`` stops it)."""

    # -- checks that need no rendering ------------------------------------------------------

    def _check_form(self) -> None:
        given = [name for name in _REQUIRED if getattr(self, name) is not None]
        if self.create_job_request is not None:
            if self.automated_labeling is not False:
                given.append("automated_labeling")
            if given:
                raise ConfigurationError(
                    "create_job_request",
                    f"give either a raw request or the friendly arguments, not both ({given[0]})",
                )
            return
        missing = [name for name in _REQUIRED if getattr(self, name) is None]
        if missing:
            raise ConfigurationError(
                missing[0], f"required unless create_job_request is given (missing: "
                f"{', '.join(missing)})"
            )

    def _output_asset(self, output_asset: Asset | bool) -> Asset | None:
        if output_asset is False or not (self.wait_for_completion or self.deferrable):
            return None
        if isinstance(output_asset, Asset):
            return output_asset
        request = self.create_job_request or {}
        output_path = self.output_path or (request.get("OutputConfig") or {}).get("S3OutputPath")
        attribute = self.label_attribute_name or request.get("LabelAttributeName")
        if not isinstance(output_path, str) or not isinstance(attribute, str) or any(
            "{{" in value for value in (output_path, attribute)
        ):
            return None
        return labeling_output_asset(output_path, attribute)

    # -- execution --------------------------------------------------------------------------

    def execute(self, context: Context) -> dict[str, Any]:
        job_name = self._resolve_job_name(context)
        self.labeling_job_name = job_name
        request, categories = self._request(job_name)
        existing = self._create_or_attach(job_name, request, categories)
        persist_link(
            GroundTruthLabelingJobLink, context, self, region_name=self.hook.conn_region_name,
            aws_partition=self.hook.conn_partition, job_name=job_name,
        )
        if existing is not None and has_ended(existing):
            return self._finish(context, existing)
        if self.deferrable:
            self.defer(
                trigger=GroundTruthLabelingJobTrigger(
                    job_name=job_name, stop_on_kill=self.stop_on_kill,
                    poll_interval=self.poll_interval,
                    **self._attempts(), **self.trigger_aws_params(),
                ),
                method_name="execute_complete",
            )
        if self.wait_for_completion:
            description = self.hook.wait_for_labeling_job(
                job_name, poll_interval=self.poll_interval, max_attempts=self.max_attempts
            )
            return self._finish(context, description)
        return LabelingJobResult.from_description(
            existing or self.hook.describe_labeling_job(job_name)
        ).to_xcom()

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger: the job ended (or could not be watched to its end)."""
        if event.get("status") != "done":
            raise LabelingJobWaitError(
                str(event.get("job_name")), str(event.get("message", "the trigger failed"))
            )
        return self._finish(context, event["job"])

    def on_kill(self) -> None:
        """With ``stop_on_kill``, stop the labeling job this task created or attached to, if it
        is still running; without, leave it to the task's retry."""
        name = self.labeling_job_name
        if name is None:
            return
        if not self.stop_on_kill:
            self.log.info("Task killed: labeling job %s goes on; a retry attaches to it "
                          "(stop_on_kill=False)", name)
            return
        description = self.hook.find_labeling_job(name)
        if description is None or has_ended(description):
            self.log.info("Task killed: labeling job %s is not running, nothing to stop", name)
            return
        self.log.info("Task killed: stopping labeling job %s", name)
        self.hook.stop_labeling_job(name)

    # -- steps ------------------------------------------------------------------------------

    def _attempts(self) -> dict[str, Any]:
        return {} if self.max_attempts is None else {"max_attempts": self.max_attempts}

    def _resolve_job_name(self, context: Context) -> str:
        if self.job_name:
            return validate_job_name(self.job_name)
        raw_name = (self.create_job_request or {}).get("LabelingJobName")
        if raw_name:
            return validate_job_name(str(raw_name))
        ti = context["ti"]
        map_index = ti.map_index if ti.map_index is not None else -1
        return default_job_name(ti.dag_id, ti.task_id, ti.run_id, map_index)

    def _request(self, job_name: str) -> tuple[dict[str, Any], LabelCategoryConfig | None]:
        """The request to send, and the category file to upload with it (if any)."""
        if self.create_job_request is not None:
            request = copy.deepcopy(dict(self.create_job_request))
            request["LabelingJobName"] = job_name
            return request, None
        arguments = LabelingJobArguments(
            task_type=str(self.labeling_task_type),
            **{name: getattr(self, name) for name in _ARGUMENT_FIELDS},
        )
        return arguments.to_request(job_name, self.hook.conn_region_name), arguments.categories()

    def _create_or_attach(
        self, job_name: str, request: dict[str, Any], categories: LabelCategoryConfig | None
    ) -> dict[str, Any] | None:
        """Create the job; or, if one of that name exists, check it is ours and return it."""
        from botocore.exceptions import ClientError

        existing = self.hook.find_labeling_job(job_name)
        if existing is None:
            if categories is not None:
                self.hook.upload_label_categories(categories, request["LabelCategoryConfigS3Uri"])
            try:
                arn = self.hook.create_labeling_job(request)
            except ClientError as error:
                if error_code(error) != IN_USE:
                    raise
                self.log.info("Labeling job %s exists already; checking it is this task's",
                              job_name)
                existing = self.hook.describe_labeling_job(job_name)
            else:
                self.log.info("Created labeling job %s (%s)", job_name, arn)
                return None
        self._check_same(job_name, request, categories, existing)
        self.log.info(
            "Attaching to labeling job %s (%s), which is %s: created from the same request",
            job_name, existing.get("LabelingJobArn"), existing.get("LabelingJobStatus"),
        )
        return existing

    def _check_same(
        self,
        job_name: str,
        request: dict[str, Any],
        categories: LabelCategoryConfig | None,
        existing: dict[str, Any],
    ) -> None:
        differences = request_differences(request, existing)
        uri = request.get("LabelCategoryConfigS3Uri")
        if categories is not None and uri == existing.get("LabelCategoryConfigS3Uri"):
            differences += category_differences(
                categories.to_json(), self.hook.read_json_object(str(uri))
            )
        if differences:
            raise LabelingJobConflictError(job_name, differences)

    def _finish(self, context: Context, description: dict[str, Any]) -> dict[str, Any]:
        result = finished_result(description, allow_empty=self.allow_empty_output)
        self.lineage_record = labeling_job_lineage(
            description, result, self.create_job_request or {"InputConfig": {"DataSource": {
                "S3DataSource": {"ManifestS3Uri": self.input_manifest_uri}}}},
            task_type=self.labeling_task_type,
        )
        self.log.info(
            "Labeling job %s completed: %s; output manifest %s",
            result.job_name, result.label_counters, result.output_manifest_uri,
        )
        if self.output_asset is not None and "outlet_events" in context:
            context["outlet_events"][self.output_asset].extra = {
                "output_manifest_uri": result.output_manifest_uri,
                "job_name": result.job_name,
                "job_arn": result.job_arn,
                "label_counters": dict(result.label_counters.to_json()),
            }
        return result.to_xcom()
