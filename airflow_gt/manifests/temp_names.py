"""Temporary files beside a destination: their names, and removing those a dead run left.

A writer's temporary file beside the destination ``NAME`` is ``.NAME.PID.HOST.RANDOM.partial``
(``.backup`` for the hard link an output group keeps of the file it replaces). ``PID`` is the
writer's process, ``HOST`` six hex digits of a hash of the machine's name and PID namespace (a
pid means something only there), ``RANDOM`` eight hex digits. When that name could pass
NAME_MAX (255 bytes), ``NAME`` is replaced by ``agt-`` and 16 hex digits of its hash, so the
temporary name fits whenever the final name does.

A run killed outright (SIGKILL, a power cut) cannot remove its temporary file. The next write to
the same destination does (:func:`remove_stale`): it removes the temporary files of that
destination only, made on this machine and PID namespace, by a process that no longer exists.
Nothing else is touched, not another destination's files, not another machine's, not a file whose
name does not match exactly, and nothing on a system where a pid cannot be checked.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import secrets
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

NAME_MAX = 255
PARTIAL, BACKUP = ".partial", ".backup"
_LONGEST_PID = "9" * 10
_RANDOM_HEX = 8
_HOST_HEX = 6
_ATTEMPTS = 100

T = TypeVar("T")


def stem(name: str) -> str:
    """What stands for the destination ``name`` in its temporary names."""
    longest = f".{name}.{_LONGEST_PID}.{'f' * _HOST_HEX}.{'f' * _RANDOM_HEX}{PARTIAL}"
    if len(os.fsencode(longest)) <= NAME_MAX:
        return name
    return "agt-" + hashlib.sha256(os.fsencode(name)).hexdigest()[:16]


@functools.cache
def host_tag() -> str:
    """Six hex digits naming this machine and PID namespace."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    digest = hashlib.sha256(f"{socket.gethostname()}\0{namespace}".encode())
    return digest.hexdigest()[:_HOST_HEX]


def create(directory: Path, name: str, suffix: str, make: Callable[[Path], T]) -> T:
    """``make(path)`` for a new temporary name of ``name``'s in ``directory``; ``make`` must
    fail with FileExistsError when the path is taken (it is then tried with another)."""
    prefix = f".{stem(name)}.{os.getpid()}.{host_tag()}."
    for _ in range(_ATTEMPTS):
        path = directory / f"{prefix}{secrets.token_hex(_RANDOM_HEX // 2)}{suffix}"
        try:
            return make(path)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {directory} after {_ATTEMPTS} tries")


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"\.{re.escape(stem(name))}\.([0-9]{{1,10}})\.{host_tag()}\.[0-9a-f]{{{_RANDOM_HEX}}}"
        rf"(?:{re.escape(PARTIAL)}|{re.escape(BACKUP)})"
    )


def _alive(pid: int) -> bool:
    """Whether a process of this pid exists (True where that cannot be known)."""
    if os.name != "posix" or pid < 1 or pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_stale(directory: Path, name: str) -> list[Path]:
    """Remove the temporary files of the destination ``name`` in ``directory`` left by processes
    of this machine that no longer exist; returns what was removed."""
    pattern = _pattern(name)
    try:
        with os.scandir(directory) as entries:
            found = [(entry, match) for entry in entries
                     if (match := pattern.fullmatch(entry.name)) is not None]
    except OSError:
        return []
    removed = []
    for entry, match in found:
        if _alive(int(match[1])):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed
