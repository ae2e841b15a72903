"""Run ``airflow-gt`` on hostile input and check the command-line contract (DESIGN.md).

The contract, as checked here after every run:

- the exit code is 0, 1 or 2, and no exception escapes ``airflow_gt.cli.main``;
- when it is not 0, standard error is one line beginning ``airflow-gt: `` (``validate`` and
  ``evaluate`` may instead exit 1 with their report on standard output and nothing on standard
  error: the data was read and failed its expectations or gates); exit 2 always has the line;
- nothing is half-written: no ``.partial`` file anywhere, no new file but the command's declared
  outputs, and none of those when the exit code is not 0 (but for the reports of a validation
  that failed its expectations, exit 1: they are what says why);
- every input is byte-identical afterwards (and keeps its kind: a FIFO stays a FIFO);
- no credential appears in the output.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from airflow_gt.cli import main

PREFIX = "airflow-gt: "
REPORTING_COMMANDS = ("validate", "evaluate")
"""Commands whose exit 1 (expectations, gates) is a report on standard output."""
SECRETS = ("AKIAHOSTILETESTKEY00", "hostile/secret+access/key")
"""Credentials the subprocess runs are given: they must never be printed."""


@dataclass(frozen=True)
class Ran:
    """One run of the command: exit code and what it printed."""

    argv: tuple[str, ...]
    code: int
    out: str
    err: str

    @property
    def message(self) -> str:
        """The error line (empty if the run printed none)."""
        return self.err.rstrip("\n")

    def __str__(self) -> str:
        return f"airflow-gt {' '.join(self.argv)} -> {self.code}\nstdout: {self.out[-2000:]!r}" \
               f"\nstderr: {self.err[-2000:]!r}"


def run_cli(argv: Sequence[str]) -> Ran:
    """``airflow_gt.cli.main(argv)`` in this process; any exception it lets out fails the test
    (that is the traceback a user would see)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return Ran(tuple(argv), code, out.getvalue(), err.getvalue())


def run_process(argv: Sequence[str], env: Mapping[str, str], cwd: Path,
                timeout: float = 300) -> Ran:
    """The command in a process of its own, with exactly ``env`` (plus PATH and the
    interpreter's site): for credentials and endpoints the test process must not share."""
    command = [sys.executable, "-m", "airflow_gt.cli", *argv]
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **env}
    done = subprocess.run(command, capture_output=True, text=True, env=full_env, cwd=cwd,
                          timeout=timeout, check=False)
    return Ran(tuple(argv), done.returncode, done.stdout, done.stderr)


Entry = tuple[str, bytes | str | None]
"""A file's kind and content (bytes for a file, the target for a symlink)."""


def snapshot(root: Path) -> dict[str, Entry]:
    """Every entry under ``root`` (symlinks not followed), by relative path."""
    found: dict[str, Entry] = {}
    for directory, dirs, files in os.walk(root, followlinks=False):
        for name in [*dirs, *files]:
            path = Path(directory, name)
            relative = str(path.relative_to(root))
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                found[relative] = ("symlink", os.readlink(path))
            elif stat.S_ISDIR(mode):
                found[relative] = ("dir", None)
            elif stat.S_ISFIFO(mode):
                found[relative] = ("fifo", None)
            elif stat.S_ISREG(mode):
                found[relative] = ("file", path.read_bytes())
            else:
                found[relative] = ("other", None)
    return found


def check_contract(ran: Ran, before: Mapping[str, Entry], after: Mapping[str, Entry],
                   outputs: Iterable[str] = (), *, command: str | None = None,
                   usage: bool = False) -> None:
    """Assert the contract (module docstring) of one run in a directory.

    :param before: the directory's snapshot before the run; ``after`` after it.
    :param outputs: the declared outputs, relative to the directory (a report directory's
        files are under it): the only entries that may appear or change, and only on exit 0.
    :param usage: the run is refused by argparse, which prints its usage before the one line
        ``airflow-gt CMD: error: ...``.
    """
    command = command or (ran.argv[0] if ran.argv else "")
    assert ran.code in (0, 1, 2), ran
    assert "Traceback" not in ran.err, ran
    for secret in SECRETS:
        assert secret not in ran.out and secret not in ran.err, ran
    if usage:
        assert ran.code == 2 and ran.out == "", ran
        assert ran.err.startswith("usage: airflow-gt"), ran
        assert usage_error(ran).startswith("airflow-gt") and ": error: " in usage_error(ran), ran
    elif ran.code != 0:
        if ran.err or ran.code == 2 or command not in REPORTING_COMMANDS:
            assert ran.err.count("\n") == 1 and ran.err.endswith("\n"), ran
            assert ran.err.startswith(PREFIX), ran
        else:
            assert ran.out.strip(), ran
    declared = tuple(outputs)

    def is_output(relative: str) -> bool:
        return any(relative == out or relative.startswith(out.rstrip("/") + "/")
                   for out in declared)

    partial = [name for name in after if ".partial" in Path(name).name]
    assert not partial, (ran, partial)
    written = ran.code == 0 or (ran.code == 1 and command in REPORTING_COMMANDS)
    for relative, entry in before.items():
        if written and is_output(relative):
            continue
        assert after.get(relative) == entry, (ran, relative, "changed or removed")
    for relative in after.keys() - before.keys():
        assert is_output(relative), (ran, relative, "a file that is no declared output")
        assert written, (ran, relative, "an output despite the failure")


def usage_error(ran: Ran) -> str:
    """argparse's error line: the last line of standard error."""
    return ran.err.rstrip("\n").rsplit("\n", 1)[-1]


def names_file(ran: Ran, path: str, line: int | None = None) -> bool:
    """Whether the error line names ``path`` (and ``, line N`` right after it)."""
    if line is None:
        return path in ran.message
    return f"{path}, line {line}:" in ran.message
