"""The corpus of named hostile inputs: each a command, its input files and the outcome it must
have (``tests/hostile/test_corpus.py`` runs them all).

A case's arguments and files may name places that exist only when it runs:

- ``{d}``: the case's own directory, where its ``files`` are written;
- ``{bucket}``: a new bucket on the local stand-in (cases with ``stand_in=True``, which run with
  ``AWS_ENDPOINT_URL`` set to it and the stand-in's dummy credentials), holding ``s3_files``;
- ``{closed}``: a loopback port nothing listens on.

Cases with ``env`` run in a process of their own with exactly that environment (no credentials
unless given): the test session's own environment has the stand-in's dummy credentials.

The tables live beside this module, one per kind of hostility: ``issue14`` (the reproductions of
issue 14), ``sample_bad`` (``tests/sample/bad/``), ``labels`` (each job type's label and metadata
broken field by field), ``files`` (side files, file-level oddities), ``arguments`` (bad arguments of
every command).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.hostile.encoding import encode
from tests.hostile.harness import SECRETS, Ran
from tests.hostile.seeds import SEEDS_BY_NAME, Record, seed_lines
from tests.hostile.strategies import edit

DELETE = object()
"""A field value meaning: remove the key."""


@dataclass(frozen=True)
class Case:
    """One hostile input and what ``airflow-gt`` must do with it.

    :param exit: the exit code, or the codes allowed where issue 14 leaves it open.
    :param names: the file (or URI) the error message must name; None for none.
    :param line: the 1-based line the message must name right after the file.
    :param fragment: text the message must hold.
    :param outputs: the declared outputs, relative to ``{d}``: the only new entries allowed,
        and only on exit 0 (``harness.check_contract``).
    :param usage: the error is argparse's: its usage, then ``airflow-gt CMD: error: ...``.
    :param setup: prepares ``{d}`` beyond the files (folders, links, FIFOs).
    :param after: more checks, given ``{d}`` and the run.
    :param s3_outputs: keys of ``{bucket}`` that must not exist after a failure.
    """

    name: str
    argv: tuple[str, ...]
    exit: int | frozenset[int]
    names: str | None = None
    line: int | None = None
    fragment: str | None = None
    files: Mapping[str, bytes] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()
    usage: bool = False
    setup: Callable[[Path], None] | None = None
    after: Callable[[Path, Ran], None] | None = None
    env: Mapping[str, str] | None = None
    stand_in: bool = False
    s3_files: Mapping[str, bytes] = field(default_factory=dict)
    s3_outputs: tuple[str, ...] = ()
    item: str = ""
    """Where the case comes from: ``issue 14 item N``, ``tests/sample/bad``..."""

    @property
    def command(self) -> str:
        return self.argv[0] if self.argv else ""

    @property
    def exits(self) -> frozenset[int]:
        return self.exit if isinstance(self.exit, frozenset) else frozenset({self.exit})


EITHER = frozenset({1, 2})
"""Where issue 14 leaves open whether the data failed (1) or could not be used (2)."""


def lines(records: Sequence[Any]) -> bytes:
    """A manifest of these lines (records, or bytes taken as they are)."""
    return b"".join((r if isinstance(r, bytes) else encode(r)) + b"\n" for r in records)


def seed_file(seed: str, count: int = 3) -> bytes:
    return lines(seed_lines(SEEDS_BY_NAME[seed], count))


def resolve(record: Record, path: str) -> list[Any]:
    """``"a/0/b"`` as the keys and indexes it walks in ``record``."""
    keys: list[Any] = []
    node: Any = record
    for part in path.split("/"):
        key: Any = int(part) if isinstance(node, list) else part
        keys.append(key)
        node = node[key] if isinstance(node, list) or key in node else None
    return keys


def changed(record: Record, path: str, value: Any) -> Any:
    """``record`` with the field at ``path`` set to ``value`` (or removed: ``DELETE``)."""
    keys = resolve(record, path)
    parent = _node(record, keys[:-1])
    if value is DELETE:
        def drop(found: Any) -> Any:
            return {k: v for k, v in found.items() if k != keys[-1]}

        return edit(record, keys[:-1], drop)
    if isinstance(parent, dict) and keys[-1] not in parent:  # a key added
        return edit(record, keys[:-1], lambda found: {**found, keys[-1]: value})
    return edit(record, keys, lambda _: value)


def _node(record: Record, keys: Sequence[Any]) -> Any:
    node: Any = record
    for key in keys:
        node = node[key]
    return node


def broken_file(seed: str, path: str, value: Any, count: int = 3, at: int = 2) -> bytes:
    """``count`` lines of a seed, line ``at`` with the field at ``path`` set (or removed)."""
    records: list[Any] = list(seed_lines(SEEDS_BY_NAME[seed], count))
    records[at - 1] = changed(records[at - 1], path, value)
    return lines(records)


def no_credentials(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment in which boto3 finds no credentials (no keys, no files, no instance
    metadata)."""
    return {
        "HOME": "{d}", "AWS_CONFIG_FILE": "{d}/no-config", "AWS_SHARED_CREDENTIALS_FILE":
        "{d}/no-credentials", "AWS_EC2_METADATA_DISABLED": "true", "AWS_DEFAULT_REGION":
        "us-east-1", **(extra or {}),
    }


def unreachable_endpoint() -> dict[str, str]:
    """Credentials (which must never be printed) and an endpoint on a closed port."""
    return no_credentials({
        "AWS_ENDPOINT_URL": "http://127.0.0.1:{closed}", "AWS_ACCESS_KEY_ID": SECRETS[0],
        "AWS_SECRET_ACCESS_KEY": SECRETS[1], "AWS_MAX_ATTEMPTS": "2",
    })
