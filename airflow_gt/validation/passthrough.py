"""Compare an output manifest with its input manifest: nothing lost, nothing reordered.

A labeling job writes one output line per input line, in the same order, with every input key
passed through unchanged and its label attributes added. The input manifest is read as a stream
in lockstep with the output, line for line, in the output's chunks; each output line becomes a
row of the ``lines`` frame:

- ``input_line_present``: the input has a line at this number (else the output has one too many);
- ``lost_keys``: the input keys the output line lacks, comma-separated, or None;
- ``changed_keys``: the input keys whose value differs in the output line, or None (a changed
  ``source-ref`` is a line out of order).

The label attributes being checked (and their metadata) are left out of the comparison: they are
what the job adds. When the output ends, one more row is added for the first input line past its
end, if there is one (``output_line_present`` False): the input's lines were not all written.

The comparison runs as one more "label attribute" of the validation, ``(pass-through)``, with the
``passthrough`` suite.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_gt.manifests.reader import read_manifest
from airflow_gt.validation.flatten import Chunk, Flattener, Frames, new_frame
from airflow_gt.validation.targets import Target
from airflow_gt.validation.validator import AttributeValidation

if TYPE_CHECKING:
    from airflow_gt.validation.frames import ArrayFrames

PASSTHROUGH_ATTRIBUTE = "(pass-through)"
PASSTHROUGH_JOB_TYPE = "passthrough"
LINE_COLUMNS = (
    "source", "labeled", "failed", "input_line_present", "output_line_present", "lost_keys",
    "changed_keys",
)


def differences(inputs: Mapping[str, Any], outputs: Mapping[str, Any],
                ignored: frozenset[str]) -> tuple[str | None, str | None]:
    """The input keys the output lacks, and those whose value it changed (None for none)."""
    lost: list[str] = []
    changed: list[str] = []
    missing = object()
    for key, value in inputs.items():
        if key in ignored:
            continue
        found = outputs.get(key, missing)
        if found is missing:
            lost.append(key)
        elif found != value:
            changed.append(key)
    return (", ".join(lost) or None), (", ".join(changed) or None)


def _source(record: Mapping[str, Any]) -> Any:
    source = record.get("source-ref")
    return source if source is not None else record.get("source")


class PassthroughFlattener(Flattener):
    """Flattens output lines against the input lines of the same numbers.

    :param inputs: the input manifest's ``(line number, record)``, read as the output is.
    :param ignored: the keys left out of the comparison: the label attributes being checked.
    """

    job_type = PASSTHROUGH_JOB_TYPE
    frames = ("lines",)

    def __init__(self, inputs: Iterable[tuple[int, Mapping[str, Any]]],
                 ignored: Iterable[str]) -> None:
        super().__init__(PASSTHROUGH_ATTRIBUTE, PASSTHROUGH_ATTRIBUTE)
        self.inputs: Iterator[tuple[int, Mapping[str, Any]]] = iter(inputs)
        self.ignored = frozenset(ignored)

    def flatten(self, chunk: Chunk) -> Frames:
        lines = new_frame(*LINE_COLUMNS)
        ignored, inputs = self.ignored, self.inputs
        for number, record in chunk:
            found = next(inputs, None)
            lost, changed = (None, None) if found is None else differences(
                found[1], record, ignored)
            self._row(lines, number, _source(record), found is not None, True, lost, changed)
        return {"lines": lines}

    def surplus(self) -> Frames | None:
        """A row for the first input line past the output's end; None if the input ended too."""
        found = next(self.inputs, None)
        if found is None:
            return None
        lines = new_frame(*LINE_COLUMNS)
        number, record = found
        self._row(lines, number, _source(record), True, False, None, None)
        return {"lines": lines}

    @staticmethod
    def _row(lines: dict[str, list[Any]], number: int, source: Any, in_input: bool,
             in_output: bool, lost: str | None, changed: str | None) -> None:
        lines["line"].append(number)
        lines["source"].append(source)
        lines["labeled"].append(in_input and in_output)
        lines["failed"].append(0)
        lines["input_line_present"].append(in_input)
        lines["output_line_present"].append(in_output)
        lines["lost_keys"].append(lost)
        lines["changed_keys"].append(changed)


class PassthroughValidation(AttributeValidation):
    """The pass-through comparison, validated as one more label attribute of the manifest."""

    def __init__(self, input_manifest: str | Path, targets: Iterable[Target],
                 parameters: dict[str, Any], s3_client: Any = None) -> None:
        ignored = {key for target in targets for key in (target.attribute, target.metadata_key)}
        flattener = PassthroughFlattener(read_manifest(input_manifest, s3_client=s3_client),
                                         ignored)
        super().__init__(
            Target(PASSTHROUGH_ATTRIBUTE, PASSTHROUGH_ATTRIBUTE, PASSTHROUGH_JOB_TYPE),
            parameters, flattener,
        )
        self.passthrough = flattener

    def final_frames(self) -> ArrayFrames | None:
        from airflow_gt.validation.frames import to_arrays

        frames = self.passthrough.surplus()
        return None if frames is None else to_arrays(frames)
