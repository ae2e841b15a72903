"""Every error airflow-gt raises, in one tree.

::

    AirflowGtError
     ├── ManifestError                  a manifest or a file beside it is unusable
     │    ├── ManifestNotFoundError     the local file or S3 object does not exist
     │    ├── ManifestLineError         one line is broken (source and 1-based line)
     │    │    ├── ByteOrderMarkError   the file starts with a UTF-8 byte-order mark
     │    │    ├── InvalidUtf8Error     the line is not valid UTF-8
     │    │    ├── InvalidJsonError     the line is not valid JSON
     │    │    ├── NotAnObjectError     the line is JSON but not an object
     │    │    ├── EmptyLineError       an empty line before the last line of data
     │    │    ├── NestingTooDeepError  arrays and objects nest deeper than orjson writes back
     │    │    └── LabelFormatError     a label or its metadata lacks its job type's shape
     │    ├── ManifestWriteError        a manifest could not be written (nothing was left behind)
     │    ├── S3AccessError             S3 was not reached or not asked: botocore's own failures
     │    │    ├── S3EndpointError      the endpoint could not be reached, or stopped answering
     │    │    ├── S3CredentialsError   no usable AWS credentials were found
     │    │    └── S3RequestError       botocore refused the request (bucket or key, region)
     │    ├── LabelCategoryConfigError  a label category configuration file is malformed
     │    ├── LabelMapError             a label map (class name -> moderation label) is malformed
     │    ├── WorkerResponseError       a worker-response file is malformed
     │    └── EvaluationResultsError    an adapter's evaluation results file is malformed (field)
     ├── NameRuleError (ValueError)     a label attribute or job name breaks a Ground Truth rule
     │    └── LabelAttributeNameError   the label attribute was read from a line (source, line)
     ├── ConfigurationError (ValueError) an argument given to airflow-gt is invalid
     │    ├── MissingExtraError         the argument needs an extra that is not installed
     │    ├── LabelAttributeNotFoundError  no line of the manifest has the label attribute named
     │    ├── IncompatibleFollowUpError the follow-up task cannot work on the labels' job type
     │    └── DestinationError          an output cannot go there: an input, not a regular file,
     │                                  or another output of the same command
     ├── ChainingError                  a follow-up job's input manifest cannot be made
     │    ├── LabelAttributeExistsError the new label attribute is already in the lines
     │    └── EmptySelectionError       the selection kept no line: nothing to label
     ├── MergeError                     job outputs cannot be joined (duplicates, conflicts)
     ├── ManifestValidationError        a manifest was read but failed its expectations
     ├── WorkforceCheckError            a labeling job's workforce failed its checks
     ├── LabelingJobError               a labeling job cannot be used, or gave no usable labels
     │    ├── LabelingJobConflictError  a job of that name exists with a different request
     │    ├── LabelingJobFailedError    the job ended Failed or Stopped (AWS's reason attached)
     │    ├── EmptyLabelingJobError     the job completed with no data object labeled
     │    ├── LabelingJobWaitError      waiting gave up before the job ended
     │    └── LabelingProgressError     the job ended short of the wanted share of labeled objects
     ├── AdapterError                   a Rekognition Custom Moderation adapter cannot be used
     │    ├── AdapterProjectError       its project is missing, or not a Custom Moderation project
     │    ├── AdapterVersionConflictError  a version of that name exists with a different request
     │    ├── AdapterTrainingFailedError   training ended TRAINING_FAILED (Rekognition's message)
     │    ├── AdapterWaitError          waiting gave up before training ended
     │    └── AdapterGateError          its evaluation failed a gate (each failing gate named)
     ├── RetryBudgetExhaustedError      AWS kept throttling (or failing transiently) past the budget
     └── ModerationConversionError      labels cannot become a Rekognition moderation manifest
          ├── UnsupportedLabelError     a line's label is not of a job type that can be converted
          ├── UnknownModerationLabelError  class names outside Rekognition's moderation taxonomy
          ├── ImageSourceError          an image is not in S3, or not in the first image's bucket
          └── NoLabeledImagesError      no line of the manifest is labeled

    Interrupted (BaseException)         SIGINT or SIGTERM stopped the command (not an error: it
                                        unwinds past ``except Exception``, cleaning up on its way)

Each class builds its own message from its fields, so every error names the file (or S3 URI)
and, where there is one, the line it is about.
"""

from __future__ import annotations

import signal


class AirflowGtError(Exception):
    """Base class of every error raised by airflow-gt."""


class ManifestError(AirflowGtError):
    """A manifest, or a file that belongs with one, cannot be used."""


class ManifestNotFoundError(ManifestError):
    """Raised when the local file or S3 object named as a manifest does not exist."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__(f"{source}: no such manifest")


class ManifestLineError(ManifestError):
    """Raised for one broken line; ``line`` is 1-based and ``detail`` says what is wrong."""

    def __init__(self, source: str, line: int, detail: str) -> None:
        self.source = source
        self.line = line
        self.detail = detail
        super().__init__(f"{source}, line {line}: {detail}")


class ByteOrderMarkError(ManifestLineError):
    """Raised when a manifest starts with a UTF-8 byte-order mark, which Ground Truth rejects."""

    def __init__(self, source: str, line: int = 1) -> None:
        super().__init__(source, line, "starts with a UTF-8 byte-order mark; save it without one")


class InvalidUtf8Error(ManifestLineError):
    """Raised when a line's bytes are not valid UTF-8."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        super().__init__(source, line, f"not valid UTF-8 ({reason})")


class InvalidJsonError(ManifestLineError):
    """Raised when a line is not one valid JSON document."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        super().__init__(source, line, f"not valid JSON ({reason})")


class NotAnObjectError(ManifestLineError):
    """Raised when a line holds valid JSON that is not an object (a list, a string...)."""

    def __init__(self, source: str, line: int, found: str) -> None:
        self.found = found
        super().__init__(source, line, f"expected a JSON object, found {found}")


class EmptyLineError(ManifestLineError):
    """Raised for an empty line followed by more data (trailing empty lines are allowed)."""

    def __init__(self, source: str, line: int) -> None:
        super().__init__(source, line, "empty line inside the manifest")


class NestingTooDeepError(ManifestLineError):
    """Raised for a line whose arrays and objects nest deeper than ``limit``, the deepest
    orjson can write back (it reads deeper), so a line that is read can always be written.
    ``at_least``: the line was not read to its end, so it may be deeper than ``depth``."""

    def __init__(
        self, source: str, line: int, depth: int, limit: int, *, at_least: bool = False
    ) -> None:
        self.depth = depth
        self.limit = limit
        how_deep = f"at least {depth}" if at_least else str(depth)
        super().__init__(
            source, line, f"arrays and objects nest {how_deep} levels deep (the line's own "
            f"object included); at most {limit} are read, the most that can be written back",
        )


class LabelFormatError(ManifestLineError):
    """Raised when a label value or its metadata does not have the shape of its job type."""

    def __init__(self, source: str, line: int, attribute: str, detail: str) -> None:
        self.attribute = attribute
        super().__init__(source, line, f"label attribute {attribute!r}: {detail}")


class ManifestWriteError(ManifestError):
    """Raised when a manifest cannot be written; no partial file or object is left behind."""

    def __init__(self, destination: str, reason: str) -> None:
        self.destination = destination
        super().__init__(f"{destination}: could not write the manifest ({reason})")


class S3AccessError(ManifestError):
    """Raised when an S3 call fails before S3 answers (botocore's own failure, not an AWS error).

    ``uri`` is the object (or prefix) the call was about, ``action`` what was being done
    (``read``, ``write``, ``list``) and ``check`` what to look at. No credential is ever part of
    the message.
    """

    def __init__(self, uri: str, action: str, problem: str, check: str) -> None:
        self.uri = uri
        self.action = action
        self.check = check
        super().__init__(f"{uri}: could not {action}: {problem}; check {check}")


class S3EndpointError(S3AccessError):
    """Raised when the S3 endpoint cannot be reached, times out or breaks off its answer, or
    (``invalid``) its URL is not one botocore can use."""

    def __init__(
        self, uri: str, action: str, endpoint: str, kind: str, *, invalid: bool = False
    ) -> None:
        self.endpoint = endpoint
        problem = (
            f"the S3 endpoint URL is not one botocore can use ({kind})" if invalid
            else f"the S3 endpoint {endpoint} did not answer ({kind})"
        )
        super().__init__(
            uri, action, problem,
            "the endpoint (AWS_ENDPOINT_URL, or the connection's endpoint_url) and the network",
        )


class S3CredentialsError(S3AccessError):
    """Raised when no usable AWS credentials are found (none at all, half of a pair, a profile
    that does not exist, a credential process or SSO token that failed)."""

    def __init__(self, uri: str, action: str, kind: str) -> None:
        super().__init__(
            uri, action, f"no usable AWS credentials ({kind})",
            "the credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the "
            "role of the machine or connection",
        )


class S3RequestError(S3AccessError):
    """Raised when botocore refuses to send a request: an invalid bucket name or key, no region,
    an unusable configuration; ``detail`` is botocore's reason where it holds no secret."""

    def __init__(self, uri: str, action: str, detail: str) -> None:
        self.detail = detail
        super().__init__(
            uri, action, f"the request was refused before it was sent ({detail})",
            "the URI's bucket and key, the region (AWS_DEFAULT_REGION) and the AWS configuration",
        )


class LabelCategoryConfigError(ManifestError):
    """Raised when a label category configuration file is not valid."""

    def __init__(self, source: str, detail: str) -> None:
        self.source = source
        self.detail = detail
        super().__init__(f"{source}: label category configuration: {detail}")


class LabelMapError(ManifestError):
    """Raised when a label map file (class name -> moderation label or "safe") is not valid."""

    def __init__(self, source: str, detail: str) -> None:
        self.source = source
        self.detail = detail
        super().__init__(f"{source}: label map: {detail}")


class WorkerResponseError(ManifestError):
    """Raised when a worker-response file under ``annotations/worker-response/`` is malformed."""

    def __init__(self, source: str, detail: str) -> None:
        self.source = source
        self.detail = detail
        super().__init__(f"{source}: worker response: {detail}")


class EvaluationResultsError(ManifestError):
    """Raised when an adapter's evaluation results file is not what Rekognition writes.

    ``field`` is the path of the offending field (``ContentModeration.
    AllConfidenceThresholdsEvalResults[3].ConfidenceThreshold``), or None when the file as a
    whole is unusable (not JSON: then ``detail`` gives the line and column).
    """

    def __init__(self, source: str, field: str | None, detail: str) -> None:
        self.source = source
        self.field = field
        self.detail = detail
        where = source if field is None else f"{source}: {field}"
        super().__init__(f"{where}: {detail}")


class NameRuleError(AirflowGtError, ValueError):
    """Raised when a label attribute name or a labeling job name breaks a Ground Truth rule.

    ``kind`` is what was named ("label attribute" or "labeling job name") and ``rule`` the rule
    that is broken, in words; ``where`` (the file and line), when the name was read from a file.
    """

    def __init__(self, kind: str, name: str, rule: str, where: str | None = None) -> None:
        self.kind = kind
        self.name = name
        self.rule = rule
        prefix = "" if where is None else f"{where}: "
        super().__init__(f"{prefix}{kind} {name!r}: {rule}")


class LabelAttributeNameError(NameRuleError):
    """Raised when a label attribute found in a manifest's lines breaks a Ground Truth naming
    rule (such as containing ``-metadata``); ``line`` is the first line that carries it."""

    def __init__(self, source: str, line: int, name: str, rule: str) -> None:
        self.source = source
        self.line = line
        super().__init__("label attribute", name, rule, where=f"{source}, line {line}")


class ConfigurationError(AirflowGtError, ValueError):
    """Raised when an argument given to airflow-gt is invalid; ``parameter`` names it."""

    def __init__(self, parameter: str, detail: str) -> None:
        self.parameter = parameter
        self.detail = detail
        super().__init__(f"{parameter}: {detail}")


class MissingExtraError(ConfigurationError):
    """Raised when what was asked for needs a package of an extra that is not installed."""

    def __init__(self, parameter: str, module: str, extra: str) -> None:
        self.module = module
        self.extra = extra
        super().__init__(
            parameter,
            f"needs {module}, which is not installed: pip install 'airflow-gt[{extra}]'",
        )


class LabelAttributeNotFoundError(ConfigurationError):
    """Raised when the label attribute named (``parameter``) is on no line of ``source``: no
    line has its label, its metadata, or a failure under it."""

    def __init__(self, source: str, attribute: str, parameter: str = "label_attribute") -> None:
        self.source = source
        self.attribute = attribute
        super().__init__(parameter, f"no line has label attribute {attribute!r} in {source}")


class IncompatibleFollowUpError(ConfigurationError):
    """Raised when a follow-up task cannot work on the job type of the labels it is given: a
    verification or adjustment task works on labels of one job type (``accepted``).

    ``line`` is the first line of ``source`` whose label under ``attribute`` is of ``found``.
    """

    def __init__(
        self, follow_up: str, accepted: tuple[str, ...], source: str, line: int,
        attribute: str, found: str, parameter: str = "follow_up",
    ) -> None:
        self.follow_up = follow_up
        self.accepted = accepted
        self.source = source
        self.line = line
        self.attribute = attribute
        self.found = found
        super().__init__(
            parameter,
            f"{follow_up} works on labels of job type {' or '.join(accepted)}, but {source}, "
            f"line {line} has label attribute {attribute!r} of job type {found}",
        )


class DestinationError(ConfigurationError):
    """Raised, before any input is read, when an output cannot be written where it is named.

    The destination is one of the command's inputs (the same S3 object, or the same local file
    through a link or a hard link), exists and is not a regular file (a directory, a FIFO, a
    device, a socket: renaming a file over it would replace it rather than write to it), or is
    another output of the same command. ``destination`` is the output as given.
    """

    def __init__(self, destination: str, detail: str) -> None:
        self.destination = destination
        super().__init__(destination, detail)


class ChainingError(AirflowGtError):
    """Raised when the input manifest of a follow-up labeling job cannot be made."""


class LabelAttributeExistsError(ChainingError):
    """Raised when the follow-up job's label attribute already exists in a line."""

    def __init__(self, source: str, line: int, attribute: str, key: str) -> None:
        self.source = source
        self.line = line
        self.attribute = attribute
        self.key = key
        super().__init__(
            f"{source}, line {line}: the new label attribute {attribute!r} already exists "
            f"there (key {key!r}); a follow-up job would overwrite it, choose another name"
        )


class EmptySelectionError(ChainingError):
    """Raised when a chaining step kept no line and was told that is an error."""

    def __init__(self, source: str, destination: str, lines_read: int) -> None:
        self.source = source
        self.destination = destination
        self.lines_read = lines_read
        super().__init__(
            f"{source}: the selection kept none of its {lines_read} lines, so {destination} is "
            "empty and a follow-up labeling job would have nothing to label"
        )


class MergeError(AirflowGtError):
    """Raised when job outputs cannot be joined: a repeated source, or conflicting values."""


class ManifestValidationError(AirflowGtError):
    """Raised when a manifest fails expectations of its suite and the task is told to fail.

    ``failed`` and ``total`` count expectations; ``report_uri`` is the HTML report, if written.
    """

    def __init__(
        self, source: str, failed: int, total: int, report_uri: str | None = None
    ) -> None:
        self.source = source
        self.failed = failed
        self.total = total
        self.report_uri = report_uri
        report = f"; report: {report_uri}" if report_uri else ""
        super().__init__(
            f"{source}: {failed} of {total} expectations did not hold{report}"
        )


class WorkforceCheckError(AirflowGtError):
    """Raised when a labeling job's workforce fails its checks and the task is told to fail.

    ``failed`` and ``total`` count the suite's expectations; ``workers`` names the workers below
    the accuracy threshold; ``report_uri`` is the HTML report, if written.
    """

    def __init__(self, source: str, failed: int, total: int, workers: list[str],
                 report_uri: str | None = None) -> None:
        self.source = source
        self.failed = failed
        self.total = total
        self.workers = workers
        self.report_uri = report_uri
        below = f" (workers below the accuracy threshold: {', '.join(workers)})" if workers else ""
        report = f"; report: {report_uri}" if report_uri else ""
        super().__init__(
            f"{source}: {failed} of {total} workforce checks did not hold{below}{report}"
        )


class LabelingJobError(AirflowGtError):
    """A labeling job cannot be used: it conflicts, failed, labeled nothing, or was not seen end."""


class LabelingJobConflictError(LabelingJobError):
    """Raised when a job of the wanted name exists but was created from a different request.

    ``differences`` says, field by field, what the existing job has and what this task asks for.
    """

    def __init__(self, job_name: str, differences: list[str]) -> None:
        self.job_name = job_name
        self.differences = differences
        listed = "; ".join(differences)
        super().__init__(
            f"labeling job {job_name!r} already exists with a different request ({listed}); "
            "it was not attached to. Give another job name to create a new job"
        )


class LabelingJobFailedError(LabelingJobError):
    """Raised when a labeling job ends ``Failed`` or ``Stopped``; ``reason`` is AWS's."""

    def __init__(self, job_name: str, status: str, reason: str | None, progress: str = "") -> None:
        self.job_name = job_name
        self.status = status
        self.reason = reason
        because = f": {reason}" if reason else " (AWS gave no reason)"
        after = f" with {progress}" if progress else ""
        super().__init__(f"labeling job {job_name!r} ended {status}{after}{because}")


class EmptyLabelingJobError(LabelingJobError):
    """Raised when a labeling job completes without labeling any data object."""

    def __init__(self, job_name: str, failed: int, unlabeled: int) -> None:
        self.job_name = job_name
        self.failed = failed
        self.unlabeled = unlabeled
        super().__init__(
            f"labeling job {job_name!r} completed but labeled no data object ({failed} failed, "
            f"{unlabeled} unlabeled); set allow_empty_output=True to accept such a job"
        )


class LabelingJobWaitError(LabelingJobError):
    """Raised when waiting for a labeling job stops before the job ends; ``detail`` says why."""

    def __init__(self, job_name: str, detail: str) -> None:
        self.job_name = job_name
        self.detail = detail
        super().__init__(f"labeling job {job_name!r}: {detail}")


class LabelingProgressError(LabelingJobError):
    """Raised when a job ends before its intermediate manifest reaches the wanted labeled share."""

    def __init__(
        self, job_name: str, status: str, labeled: int, objects: int, wanted: float
    ) -> None:
        self.job_name = job_name
        self.status = status
        self.labeled = labeled
        self.objects = objects
        self.wanted = wanted
        super().__init__(
            f"labeling job {job_name!r} ended {status} with {labeled} of {objects} data objects "
            f"labeled in its intermediate manifest; {wanted:.0%} were wanted"
        )


class AdapterError(AirflowGtError):
    """A Custom Moderation adapter cannot be used: its project, request, training or gates."""


class AdapterProjectError(AdapterError):
    """Raised when an adapter's project is missing (and not to be created), or not usable."""

    def __init__(self, project_name: str, detail: str) -> None:
        self.project_name = project_name
        self.detail = detail
        super().__init__(f"Rekognition project {project_name!r}: {detail}")


class AdapterVersionConflictError(AdapterError):
    """Raised when a version of the wanted name exists but was created from a different request.

    ``differences`` says, field by field, what the existing version has and what this task asks.
    """

    def __init__(self, project_name: str, version_name: str, differences: list[str]) -> None:
        self.project_name = project_name
        self.version_name = version_name
        self.differences = differences
        listed = "; ".join(differences)
        super().__init__(
            f"adapter version {version_name!r} of project {project_name!r} already exists with a "
            f"different request ({listed}); it was not attached to. Give another version name to "
            "train a new adapter"
        )


class AdapterTrainingFailedError(AdapterError):
    """Raised when an adapter version ends other than TRAINING_COMPLETED; ``message`` is AWS's."""

    def __init__(self, version_name: str, status: str, message: str | None) -> None:
        self.version_name = version_name
        self.status = status
        self.message = message
        because = f": {message}" if message else " (Rekognition gave no status message)"
        super().__init__(f"adapter version {version_name!r} ended {status}{because}")


class AdapterWaitError(AdapterError):
    """Raised when waiting for an adapter's training stops before it ends; ``detail`` says why."""

    def __init__(self, version_name: str, detail: str) -> None:
        self.version_name = version_name
        self.detail = detail
        super().__init__(f"adapter version {version_name!r}: {detail}")


class AdapterGateError(AdapterError):
    """Raised when an adapter's evaluation fails one or more gates.

    ``failed`` holds ``(gate, detail)`` for each failing gate, in the order they were checked;
    ``report_uri`` is where the text report was written, if it was.
    """

    def __init__(
        self, source: str, failed: list[tuple[str, str]], report_uri: str | None = None
    ) -> None:
        self.source = source
        self.failed = failed
        self.report_uri = report_uri
        listed = "; ".join(f"{gate} ({detail})" for gate, detail in failed)
        report = f"; report: {report_uri}" if report_uri else ""
        super().__init__(f"{source}: the adapter failed gate(s) {listed}{report}")


class RetryBudgetExhaustedError(AirflowGtError):
    """Raised when an AWS call is still throttled (or failing transiently) when its budget ends.

    ``retries`` counts the calls made after the first; ``last_error`` is the last error's code.
    """

    def __init__(
        self, operation: str, retries: int, elapsed: float, budget: float, last_error: str
    ) -> None:
        self.operation = operation
        self.retries = retries
        self.elapsed = elapsed
        self.budget = budget
        self.last_error = last_error
        super().__init__(
            f"{operation}: still failing with {last_error} after {retries} retries in "
            f"{elapsed:.1f} s; gave up at the retry budget of {budget:g} s"
        )


class ModerationConversionError(AirflowGtError):
    """Raised when Ground Truth labels cannot become a Rekognition Custom Moderation manifest."""


class UnsupportedLabelError(ModerationConversionError):
    """Raised for a labeled line whose job type has no moderation meaning (boxes, text...)."""

    def __init__(self, source: str, line: int, attribute: str, job_type: str | None) -> None:
        self.source = source
        self.line = line
        self.attribute = attribute
        self.job_type = job_type
        super().__init__(
            f"{source}, line {line}: label attribute {attribute!r} is of type "
            f"{job_type or 'unknown'!r}; only image-classification, "
            "image-classification-multilabel and label-verification labels can become "
            "moderation labels"
        )


class UnknownModerationLabelError(ModerationConversionError):
    """Raised when class names are not Rekognition moderation labels and no label map maps them.

    ``names`` maps each such class name to the 1-based line where it was first seen.
    """

    def __init__(self, source: str, names: dict[str, int]) -> None:
        self.source = source
        self.names = names
        listed = ", ".join(f"{name!r} (first on line {line})" for name, line in names.items())
        super().__init__(
            f"{source}: class names that are not in Rekognition's moderation taxonomy: {listed}; "
            'map each to a moderation label or to "safe" with a label map'
        )


class ImageSourceError(ModerationConversionError):
    """Raised when an image is not an ``s3://`` object, or is in another bucket than the first.

    Rekognition reads a dataset's images from one S3 bucket.
    """

    def __init__(self, source: str, line: int, detail: str) -> None:
        self.source = source
        self.line = line
        self.detail = detail
        super().__init__(f"{source}, line {line}: {detail}")


class NoLabeledImagesError(ModerationConversionError):
    """Raised when no line is labeled under the label attribute: nothing to train on."""

    def __init__(self, source: str, attribute: str, unlabeled: int, failed: int) -> None:
        self.source = source
        self.attribute = attribute
        self.unlabeled = unlabeled
        self.failed = failed
        super().__init__(
            f"{source}: no line is labeled under {attribute!r} ({unlabeled} unlabeled, "
            f"{failed} failed); there is nothing to convert"
        )


class Interrupted(BaseException):
    """Raised in the main thread when the command receives SIGINT or SIGTERM (``signum``).

    Like ``KeyboardInterrupt`` it is a ``BaseException``, so ``except Exception`` does not stop
    it: it unwinds through every writer's ``with`` block, which discards its temporary file or
    aborts its upload, and the command exits with ``128 + signum``.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = f"signal {signum}"
        super().__init__(
            f"stopped by {name} before it finished; outputs not yet published were discarded"
        )
