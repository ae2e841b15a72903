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
     │    │    └── LabelFormatError     a label or its metadata lacks its job type's shape
     │    ├── ManifestWriteError        a manifest could not be written (nothing was left behind)
     │    ├── LabelCategoryConfigError  a label category configuration file is malformed
     │    ├── LabelMapError             a label map (class name -> moderation label) is malformed
     │    ├── WorkerResponseError       a worker-response file is malformed
     │    └── EvaluationResultsError    an adapter's evaluation results file is malformed (field)
     ├── NameRuleError (ValueError)     a label attribute or job name breaks a Ground Truth rule
     ├── ConfigurationError (ValueError) an argument given to airflow-gt is invalid
     ├── ChainingError                  a follow-up job's input manifest cannot be made
     │    └── LabelAttributeExistsError the new label attribute is already in the lines
     ├── MergeError                     job outputs cannot be joined (duplicates, conflicts)
     └── ModerationConversionError      labels cannot become a Rekognition moderation manifest
          ├── UnsupportedLabelError     a line's label is not of a job type that can be converted
          ├── UnknownModerationLabelError  class names outside Rekognition's moderation taxonomy
          ├── ImageSourceError          an image is not in S3, or not in the first image's bucket
          └── NoLabeledImagesError      no line of the manifest is labeled

Each class builds its own message from its fields, so every error names the file (or S3 URI)
and, where there is one, the line it is about.
"""

from __future__ import annotations


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
    that is broken, in words.
    """

    def __init__(self, kind: str, name: str, rule: str) -> None:
        self.kind = kind
        self.name = name
        self.rule = rule
        super().__init__(f"{kind} {name!r}: {rule}")


class ConfigurationError(AirflowGtError, ValueError):
    """Raised when an argument given to airflow-gt is invalid; ``parameter`` names it."""

    def __init__(self, parameter: str, detail: str) -> None:
        self.parameter = parameter
        self.detail = detail
        super().__init__(f"{parameter}: {detail}")


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


class MergeError(AirflowGtError):
    """Raised when job outputs cannot be joined: a repeated source, or conflicting values."""


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
