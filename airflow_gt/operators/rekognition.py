"""Rekognition Custom Moderation adapters: their training manifests, and the adapter itself.

:class:`RekognitionModerationManifestOperator` turns a Ground Truth output manifest into the
training (and testing) manifest of an adapter, through the manifest core
(:func:`airflow_gt.manifests.to_moderation`).

:class:`RekognitionCreateAdapterOperator` trains an adapter version, which costs money per hour
of training, so a retried task must not start a second one. As for labeling jobs, the version is
named after the task run (:func:`airflow_gt.adapters.default_version_name`); before creating it
the task looks for a version of that name in the project: if there is one, made from the same
request, the task attaches to it; if its request differs, the task fails and says which fields
differ. A ``ResourceInUseException`` answer to CreateProjectVersion (a request whose first answer
was lost, then retried) is handled the same way. The project is created when missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any, ClassVar

from airflow.sdk import BaseOperator, Context

from airflow_gt.adapters.names import (
    default_version_name,
    validate_project_name,
    validate_version_name,
)
from airflow_gt.adapters.outcome import AdapterVersionResult, finished_result, has_ended
from airflow_gt.adapters.request import (
    AdapterVersionArguments,
    version_differences,
)
from airflow_gt.compat import conf, persist_link
from airflow_gt.exceptions import (
    AdapterProjectError,
    AdapterVersionConflictError,
    AdapterWaitError,
    ConfigurationError,
)
from airflow_gt.hooks.rekognition import IN_USE, RekognitionHook
from airflow_gt.links.rekognition import RekognitionAdapterLink
from airflow_gt.manifests.storage import error_code
from airflow_gt.operators.arguments import manifest_uri_of, number
from airflow_gt.operators.base import AwsParamsMixin, aws_template_fields
from airflow_gt.operators.lineage_records import (
    LineageMixin,
    LineageRecord,
    adapter_lineage,
    s3_dataset,
)
from airflow_gt.triggers.rekognition import RekognitionAdapterTrainingTrigger


class RekognitionModerationManifestOperator(
    LineageMixin, AwsParamsMixin[RekognitionHook], BaseOperator
):
    """Write the Custom Moderation manifest(s) of a Ground Truth output manifest to S3.

    The labels of an image classification, multi-label image classification or label
    verification job become moderation labels (through ``label_map``; a class it does not name
    stands for itself, ``"safe"`` for no label); with ``testing_manifest_uri``, a seeded split,
    stratified by label set, puts ``test_fraction`` of the images in a testing manifest. The
    whole manifest is checked before anything is written.

    Returns what was read and written (:class:`~airflow_gt.manifests.moderation.ModerationResult`
    as a dict: ``training``, ``testing``, ``images``, ``labels``...), each key also pushed as its
    own XCom (``multiple_outputs``), so the adapter takes ``training_manifest_uri=convert.output[
    "training"]``. With OpenLineage on, the task reports the labeling output -> the training
    and testing manifests, with the lines read and written.

    :param source_manifest_uri: the job's output manifest: an ``s3://`` URI, or the labeling
        task's result (``label.output``). (templated)
    :param label_attribute_name: the job's label attribute. (templated)
    :param training_manifest_uri: where the training manifest goes. (templated)
    :param testing_manifest_uri: where the testing manifest goes; None writes every image to
        the training manifest (Rekognition then splits a test set off). (templated)
    :param test_fraction: the share of images to test on.
    :param seed: the split's seed; the same seed splits the same images the same way.
    :param label_map: class name -> moderation label or ``"safe"``. (templated)
    :param label_map_uri: a label map file in S3, instead of ``label_map``. (templated)
    """

    aws_hook_class = RekognitionHook
    template_fields: Sequence[str] = aws_template_fields(
        "label_attribute_name", "label_map", "label_map_uri", "source_manifest_uri",
        "testing_manifest_uri", "training_manifest_uri",
    )
    template_fields_renderers: ClassVar[dict[str, str]] = {"label_map": "json"}

    def __init__(
        self,
        *,
        source_manifest_uri: str | Mapping[str, Any],
        label_attribute_name: str,
        training_manifest_uri: str,
        testing_manifest_uri: str | None = None,
        test_fraction: float = 0.2,
        seed: int = 0,
        label_map: Mapping[str, str] | None = None,
        label_map_uri: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        self.source_manifest_uri = source_manifest_uri
        self.label_attribute_name = label_attribute_name
        self.training_manifest_uri = training_manifest_uri
        self.testing_manifest_uri = testing_manifest_uri
        self.test_fraction = test_fraction
        self.seed = seed
        self.label_map = label_map
        self.label_map_uri = label_map_uri
        if label_map is not None and label_map_uri is not None:
            raise ConfigurationError("label_map", "give either label_map or label_map_uri")

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_gt.manifests.label_map import LabelMap, read_label_map
        from airflow_gt.manifests.moderation import to_moderation

        s3 = self.hook.s3_client
        label_map = None
        if self.label_map_uri:
            label_map = read_label_map(self.label_map_uri, s3_client=s3)
        elif self.label_map is not None:
            label_map = LabelMap(dict(self.label_map), "label_map")
        result = to_moderation(
            manifest_uri_of(self.source_manifest_uri, "source_manifest_uri"),
            self.training_manifest_uri,
            label_attribute=self.label_attribute_name,
            testing=self.testing_manifest_uri or None,
            test_fraction=self.test_fraction,
            seed=self.seed,
            label_map=label_map,
            s3_client=s3,
        )
        self.lineage_record = LineageRecord(
            inputs=(s3_dataset(result.source, rows=result.lines_read),),
            outputs=tuple(s3_dataset(uri, rows=rows) for uri, rows in (
                (result.training, result.training_images), (result.testing, result.testing_images)
            ) if uri),
        )
        self.log.info("Moderation manifests written:\n%s", result.render_text())
        summary = asdict(result)
        summary["labels"] = {label: dict(counts) for label, counts in result.labels.items()}
        return summary


class RekognitionCreateAdapterOperator(
    LineageMixin, AwsParamsMixin[RekognitionHook], BaseOperator
):
    """Train a Rekognition Custom Moderation adapter version and, by default, wait for it.

    The project is created (``Feature=CONTENT_MODERATION``) if it does not exist. Returns
    ``{"project_name", "project_arn", "version_name", "version_arn", "status",
    "status_message", "f1_score", "confidence_threshold", "evaluation_uri",
    "training_output_uri", "testing_output_uri"}`` (the files once training has completed),
    each key also pushed as its own XCom (``multiple_outputs``), so the evaluation takes
    ``evaluation_uri=train.output["evaluation_uri"]``. Training that ends ``TRAINING_FAILED``
    fails the task with Rekognition's status message. With OpenLineage on, the task reports the
    training and testing manifests -> the adapter version (namespace
    ``awsrekognition://rekognition.<region>.amazonaws.com``, name its ARN) and the files training
    wrote (evaluation results, output manifests), with the ``rekognitionAdapter`` run facet
    (ARN, status, F1 score, threshold).

    :param project_name: the Custom Moderation project. (templated)
    :param training_manifest_uri: the training manifest (``s3://``). (templated)
    :param output_path: the ``s3://bucket/prefix`` training writes its output manifests and
        evaluation results under. (templated)
    :param testing_manifest_uri: the testing manifest; None lets Rekognition split a test set
        off the training data (``TestingData.AutoCreate``). (templated)
    :param confidence_threshold: ``FeatureConfig.ContentModeration.ConfidenceThreshold``, the
        threshold the evaluation is computed at (0 to 100). (templated)
    :param kms_key_id: the KMS key training encrypts with. (templated)
    :param version_description: the version's description. (templated)
    :param tags: the version's tags, and the project's when it is created here. (templated)
    :param version_name: the adapter version name; by default derived from the DAG, task, run
        and map index, so a retry finds the version its first try created. (templated)
    :param create_project: create the project when it does not exist; else fail.
    :param auto_update: a project created here follows new base model versions.
    :param wait_for_completion: wait, in the worker, until training ends.
    :param deferrable: wait in the triggerer instead, freeing the worker.
    :param poll_interval: seconds between two checks of the version.
    :param max_attempts: how many checks before the task gives up waiting (training goes on);
        by default the ``AdapterTrainingCompleted`` waiter's.
    :param stop_on_kill: ask Rekognition to stop training when the task is killed (it refuses
        for adapters). Off by default, as for labeling jobs: a worker shutdown kills the task and
        its retry attaches to the version still training.
    """

    aws_hook_class = RekognitionHook
    template_fields: Sequence[str] = aws_template_fields(
        "confidence_threshold", "kms_key_id", "output_path", "project_name", "tags",
        "testing_manifest_uri", "training_manifest_uri", "version_description", "version_name",
    )
    template_fields_renderers: ClassVar[dict[str, str]] = {"tags": "json"}
    operator_extra_links = (RekognitionAdapterLink(),)

    def __init__(
        self,
        *,
        project_name: str,
        training_manifest_uri: str,
        output_path: str,
        testing_manifest_uri: str | None = None,
        confidence_threshold: float | str | None = None,
        kms_key_id: str | None = None,
        version_description: str | None = None,
        tags: Mapping[str, str] | None = None,
        version_name: str | None = None,
        create_project: bool = True,
        auto_update: bool = False,
        wait_for_completion: bool = True,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: float = 60.0,
        max_attempts: int | None = None,
        stop_on_kill: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        self.project_name = project_name
        self.training_manifest_uri = training_manifest_uri
        self.output_path = output_path
        self.testing_manifest_uri = testing_manifest_uri
        self.confidence_threshold = confidence_threshold
        self.kms_key_id = kms_key_id
        self.version_description = version_description
        self.tags = tags
        self.version_name = version_name
        self.create_project = create_project
        self.auto_update = auto_update
        self.wait_for_completion = wait_for_completion
        self.deferrable = deferrable
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self.stop_on_kill = stop_on_kill
        self.project_arn: str | None = None
        self.adapter_version_name: str | None = None
        """The project and version this task created or attached to, once known (``on_kill``)."""

    # -- execution --------------------------------------------------------------------------

    def execute(self, context: Context) -> dict[str, Any]:
        version_name = self._resolve_version_name(context)
        arguments = self._arguments()  # checked before anything is created
        project_arn = self._project_arn()
        self.project_arn, self.adapter_version_name = project_arn, version_name
        request = arguments.to_request(project_arn, version_name)
        existing = self._create_or_attach(project_arn, version_name, request)
        persist_link(
            RekognitionAdapterLink, context, self, region_name=self.hook.conn_region_name,
            aws_partition=self.hook.conn_partition, project_name=self.project_name,
        )
        if existing is not None and has_ended(existing):
            return self._finish(project_arn, existing)
        if self.deferrable:
            self.defer(
                trigger=RekognitionAdapterTrainingTrigger(
                    project_arn=project_arn, version_name=version_name,
                    stop_on_kill=self.stop_on_kill,
                    poll_interval=self.poll_interval, **self._attempts(),
                    **self.trigger_aws_params(),
                ),
                method_name="execute_complete",
            )
        if self.wait_for_completion:
            description = self.hook.wait_for_project_version(
                project_arn, version_name, poll_interval=self.poll_interval,
                max_attempts=self.max_attempts,
            )
            return self._finish(project_arn, description)
        return AdapterVersionResult.from_description(
            project_arn, existing or self.hook.describe_project_version(project_arn, version_name)
        ).to_xcom()

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger: training ended (or could not be watched to its end)."""
        name = str(event.get("version_name"))
        if event.get("status") != "done":
            raise AdapterWaitError(name, str(event.get("message", "the trigger failed")))
        if event.get("version") is None:
            raise AdapterWaitError(name, f"the version is gone from project {event['project_arn']}")
        return self._finish(str(event["project_arn"]), event["version"])

    def on_kill(self) -> None:
        """With ``stop_on_kill``, ask Rekognition to stop the version this task created or
        attached to, if training; without, leave it to the task's retry.

        Rekognition stops Custom Labels models only: for an adapter it refuses, training goes
        on to its end, and the task says so in its log.
        """
        if self.project_arn is None or self.adapter_version_name is None:
            return
        name = self.adapter_version_name
        if not self.stop_on_kill:
            self.log.info("Task killed: adapter version %s goes on training; a retry attaches "
                          "to it (stop_on_kill=False)", name)
            return
        description = self.hook.find_project_version(self.project_arn, name)
        if description is None or has_ended(description):
            self.log.info("Task killed: adapter version %s is not training, nothing to stop", name)
            return
        arn = description["ProjectVersionArn"]
        if self.hook.stop_project_version(arn):
            self.log.info("Task killed: asked Rekognition to stop adapter version %s", name)
        else:
            self.log.warning(
                "Task killed, but Rekognition cannot stop adapter version %s (%s): its training "
                "goes on to its end; delete it then with DeleteProjectVersion if it is unwanted",
                name, arn,
            )

    # -- steps ------------------------------------------------------------------------------

    def _attempts(self) -> dict[str, Any]:
        return {} if self.max_attempts is None else {"max_attempts": self.max_attempts}

    def _resolve_version_name(self, context: Context) -> str:
        if self.version_name:
            return validate_version_name(self.version_name)
        ti = context["ti"]
        map_index = ti.map_index if ti.map_index is not None else -1
        return default_version_name(ti.dag_id, ti.task_id, ti.run_id, map_index)

    def _arguments(self) -> AdapterVersionArguments:
        validate_project_name(self.project_name)
        return AdapterVersionArguments(
            training_manifest_uri=self.training_manifest_uri,
            output_path=self.output_path,
            testing_manifest_uri=self.testing_manifest_uri or None,
            confidence_threshold=number(self.confidence_threshold, "confidence_threshold"),
            kms_key_id=self.kms_key_id or None,
            version_description=self.version_description or None,
            tags=self.tags or None,
        )

    def _project_arn(self) -> str:
        """The project's ARN; the project is created first if it does not exist."""
        from botocore.exceptions import ClientError

        name = self.project_name
        project = self.hook.find_project(name)
        if project is not None:
            return str(project["ProjectArn"])
        if not self.create_project:
            raise AdapterProjectError(
                name, f"no Custom Moderation project of that name in {self.hook.conn_region_name}; "
                "create it, or set create_project=True",
            )
        try:
            arn = self.hook.create_project(
                name, auto_update="ENABLED" if self.auto_update else "DISABLED",
                tags=dict(self.tags) if self.tags else None,
            )
        except ClientError as error:
            if error_code(error) != IN_USE:
                raise
            project = self.hook.find_project(name)  # created meanwhile, or of another kind
            if project is None:
                raise AdapterProjectError(
                    name, "a project of that name exists but is not a Custom Moderation project "
                    "(its Feature is not CONTENT_MODERATION); give another project name",
                ) from error
            return str(project["ProjectArn"])
        self.log.info("Created Custom Moderation project %s (%s)", name, arn)
        return arn

    def _create_or_attach(
        self, project_arn: str, version_name: str, request: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Create the version; or, if one of that name exists, check it is ours and return it."""
        from botocore.exceptions import ClientError

        existing = self.hook.find_project_version(project_arn, version_name)
        if existing is None:
            try:
                arn = self.hook.create_project_version(request)
            except ClientError as error:
                if error_code(error) != IN_USE:
                    raise
                existing = self.hook.find_project_version(project_arn, version_name)
                if existing is None:  # in use for another reason: a project being deleted
                    raise
                self.log.info("Adapter version %s exists already; checking it is this task's",
                              version_name)
            else:
                self.log.info("Started training adapter version %s (%s)", version_name, arn)
                return None
        differences = version_differences(request, existing)
        if differences:
            raise AdapterVersionConflictError(self.project_name, version_name, differences)
        self.log.info(
            "Attaching to adapter version %s (%s), which is %s: created from the same request",
            version_name, existing.get("ProjectVersionArn"), existing.get("Status"),
        )
        return existing

    def _finish(self, project_arn: str, description: dict[str, Any]) -> dict[str, Any]:
        result = finished_result(project_arn, description)
        self.lineage_record = adapter_lineage(
            result, (self.training_manifest_uri, self.testing_manifest_uri or None),
            self.hook.conn_region_name,
        )
        self.log.info(
            "Adapter version %s trained: F1 %s at threshold %s; evaluation results %s",
            result.version_name, result.f1_score, result.confidence_threshold,
            result.evaluation_uri,
        )
        return result.to_xcom()
