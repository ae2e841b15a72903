"""Checks on a command's outputs, made before any input is read and before anything is written.

:func:`check_outputs` refuses (:class:`~airflow_gt.exceptions.DestinationError`):

- a local output that exists and is not a regular file once symbolic links are followed (a
  directory, FIFO, device or socket), or that ends with a path separator;
- an output that is one of the inputs: the same S3 bucket and key, or locally the same file
  (the same device and inode, so through symbolic and hard links; or the same resolved path);
- two outputs that are the same file.

Writing an output over its own input would read a file while replacing it: the input would be
lost, with no error to say so.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from airflow_gt.exceptions import DestinationError
from airflow_gt.manifests.local_sink import resolve
from airflow_gt.manifests.storage import S3Location, Source, is_s3_uri, source_name

Identity = frozenset[tuple[object, ...]]


def identity(source: Source) -> Identity:
    """What makes two names the same file: its bucket and key; or its resolved path, and its
    device and inode where it exists. Two names with a common member are the same file."""
    if is_s3_uri(source):
        location = S3Location.parse(str(source))
        return frozenset({("s3", location.bucket, location.key)})
    path = os.path.realpath(source)
    marks: set[tuple[object, ...]] = {("path", path)}
    try:
        found = os.stat(path)
    except OSError:
        return frozenset(marks)
    marks.add(("inode", found.st_dev, found.st_ino))
    return frozenset(marks)


def check_outputs(outputs: Sequence[Source | None], inputs: Sequence[Source | None] = ()) -> None:
    """Refuse outputs that cannot be written, that are inputs, or that name one file twice.

    None stands for an output or input that was not asked for.
    """
    given_inputs = [(source_name(s), identity(s)) for s in inputs if s is not None]
    seen: list[tuple[str, Identity]] = []
    for output in outputs:
        if output is None:
            continue
        name = source_name(output)
        if not is_s3_uri(output):
            resolve(name)
        mine = identity(output)
        for source, theirs in given_inputs:
            if mine & theirs:
                raise DestinationError(
                    name, f"is the input {source}; writing it would replace the input while "
                    "it is read: name another output"
                )
        for other, theirs in seen:
            if mine & theirs:
                raise DestinationError(
                    name, f"is the same file as the output {other}: name a different file"
                )
        seen.append((name, mine))
