"""A local destination written all-or-nothing: a temporary file beside it, renamed over it.

The destination is resolved first (:func:`resolve`): a symbolic link is written through (the
file it points to is replaced, atomically, and the link stays a link), and a destination that
exists and is not a regular file is refused: renaming a file over a directory, FIFO, device or
socket would replace the node instead of writing to it.

The bytes go to a temporary file beside the target (``temp_names.py``: its name fits NAME_MAX
whenever the target's does, and carries the writer's pid, so a later run removes it if this one
is killed outright). :meth:`LocalSink.stage` flushes and syncs it; :meth:`LocalSink.publish`
renames it over the target and syncs the folder. In an output group, publishing first keeps a
hard link to the file it replaces (``.backup``), so a group that fails half-way puts the old file
back (:meth:`LocalSink.unpublish`); where hard links are not supported, ours is removed instead.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO

from airflow_gt.exceptions import DestinationError, ManifestWriteError
from airflow_gt.interrupts import deferred
from airflow_gt.manifests import temp_names

_KINDS: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)

_HOLD = getattr(os, "O_PATH", os.O_RDONLY)
"""How the published file is held open: O_PATH needs no read permission (Linux)."""


def _check_kind(destination: str, target: Path) -> None:
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ManifestWriteError(destination, exc.strerror or str(exc)) from exc
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a file")
        raise DestinationError(
            destination, f"exists and is {kind}, not a regular file; name a file to write"
        )


def resolve(destination: str) -> Path:
    """The file ``destination`` names, symbolic links followed. Refused (DestinationError) when
    it exists and is not a regular file, or ends with a path separator (it names a folder)."""
    if destination.endswith(("/", os.sep)):
        raise DestinationError(
            destination, "ends with a path separator, so it names a folder; name a file to write"
        )
    target = Path(os.path.realpath(destination))
    _check_kind(destination, target)
    return target


def _new_file(path: Path) -> tuple[int, Path]:
    # Mode 0666 less the umask: what a plain open() would give the manifest.
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666), path


def _new_link(target: Path) -> Callable[[Path], Path]:
    def link(path: Path) -> Path:
        os.link(target, path)
        return path

    return link


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the system can)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class LocalSink:
    """The bytes of one local output, in a temporary file until published."""

    def __init__(self, destination: str) -> None:
        self.destination = destination
        self.target: Path | None = None
        self._handle: IO[bytes] | None = None
        self._temp: Path | None = None
        self._backup: Path | None = None
        self._published: int | None = None
        """A descriptor of the file published, held until the group is done: while it is open,
        its inode cannot be freed and given to a file someone else makes at the same name."""

    def _error(self, exc: OSError) -> ManifestWriteError:
        return ManifestWriteError(self.destination, exc.strerror or str(exc))

    def open(self) -> None:
        target = self.target = resolve(self.destination)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temp_names.remove_stale(target.parent, target.name)
            with deferred():  # made and recorded together, so discard finds it
                fd, self._temp = temp_names.create(
                    target.parent, target.name, temp_names.PARTIAL, _new_file
                )
        except OSError as exc:
            raise self._error(exc) from exc
        self._handle = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        assert self._handle is not None
        try:
            self._handle.write(data)
        except OSError as exc:
            raise self._error(exc) from exc

    def stage(self) -> None:
        """Flush and sync the temporary file: only the rename is left."""
        handle, self._handle = self._handle, None
        assert handle is not None
        try:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        except OSError as exc:
            with contextlib.suppress(OSError):
                handle.close()
            raise self._error(exc) from exc

    def publish(self, *, keep_backup: bool = False) -> None:
        """Rename the temporary file over the target; ``keep_backup``: keep a hard link to the
        file it replaces until :meth:`commit` (for :meth:`unpublish`)."""
        target, temp = self.target, self._temp
        assert target is not None
        assert temp is not None
        _check_kind(self.destination, target)
        try:
            if keep_backup and target.exists():
                # Made and recorded together. No hard links here: nothing to put back.
                with contextlib.suppress(OSError), deferred():
                    self._backup = temp_names.create(
                        target.parent, target.name, temp_names.BACKUP, _new_link(target)
                    )
            held = os.open(temp, _HOLD | os.O_CLOEXEC)
            try:
                os.replace(temp, target)
            except OSError:
                os.close(held)
                raise
        except OSError as exc:
            raise self._error(exc) from exc
        self._temp = None
        self._published = held
        _sync_folder(target.parent)

    def unpublish(self) -> None:
        """Take back a published file while it is still ours: put back the file it replaced,
        or remove it if it replaced none."""
        target, held = self.target, self._published
        if target is None or held is None:
            return
        try:
            ours, now = os.fstat(held), os.stat(target)
        except FileNotFoundError:
            return
        finally:
            self._release()
        if (now.st_dev, now.st_ino) != (ours.st_dev, ours.st_ino):
            return  # replaced by someone else since: not ours to touch
        if self._backup is not None:
            os.replace(self._backup, target)
            self._backup = None
        else:
            os.unlink(target)
        _sync_folder(target.parent)

    def commit(self) -> None:
        """The group is published: the file replaced is no longer needed."""
        self._release()
        self._remove_backup()

    def _release(self) -> None:
        held, self._published = self._published, None
        if held is not None:
            os.close(held)

    def discard(self) -> None:
        """Close and remove whatever is left: the temporary file, a backup."""
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None
        if self._temp is not None:
            with contextlib.suppress(OSError):
                self._temp.unlink()
            self._temp = None
        self._release()
        self._remove_backup()

    def _remove_backup(self) -> None:
        if self._backup is not None:
            with contextlib.suppress(OSError):
                self._backup.unlink()
            self._backup = None
