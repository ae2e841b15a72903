"""A command stopped by a signal leaves nothing behind (issue 14, item 5).

Each test runs the command as a process of its own on a generated manifest big enough to be
still running when the signal comes, waits until its output is under way (a temporary file
beside the destination, or a multipart upload with a part sent to the stand-in), then signals it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.manifests.reader import read_manifest
from tests.conftest import s3_keys

LINES = 300_000
TEMPLATE = (
    '{{"source-ref":"s3://my-images/animals/{n:07d}.jpg","species":0,"species-metadata":'
    '{{"class-name":"dog","confidence":0.93,"type":"groundtruth/image-classification",'
    '"job-name":"labeling-job/identify-species","human-annotated":"yes",'
    '"creation-date":"2018-10-18T22:18:13.527256"}}}}\n'
)
STOPPED = (
    "airflow-gt: stopped by {} before it finished; outputs not yet published were discarded\n"
)


@pytest.fixture(scope="module")
def big_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "output.manifest"
    with path.open("w") as handle:
        handle.writelines(TEMPLATE.format(n=n) for n in range(LINES))
    return path


def _default_signals() -> None:
    # A command started from a background job (CI under nohup or `&`) inherits SIGINT ignored,
    # and rightly keeps it ignored; these tests are about a terminal's Ctrl-C, so they start it
    # as a terminal would.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)


def start(env: dict[str, str] | None = None, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "airflow_gt.cli", *argv], env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_default_signals,
    )


def test_a_command_started_ignoring_sigint_keeps_ignoring_it(
    tmp_path: Path, big_manifest: Path
) -> None:
    # nohup's promise: a signal the command was started ignoring stays ignored.
    def ignore_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    out = tmp_path / "out.manifest"
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_gt.cli", "chain", str(big_manifest), "--out", str(out),
         "--new-label-attribute", "verify"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=ignore_sigint,
    )
    wait_for(lambda: bool(partials(tmp_path)), process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert (process.returncode, stderr) == (0, "")
    assert len(list(read_manifest(out))) == LINES


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, "the command ended before its output was under way"
        assert time.monotonic() < deadline, "the output never got under way"
        time.sleep(0.005)


def partials(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


def chain(source: Path, out: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return start(env, "chain", str(source), "--out", out, "--new-label-attribute", "verify")


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["TERM", "INT"]
)
def test_a_signal_removes_the_temporary_file_and_keeps_the_old_output(
    tmp_path: Path, big_manifest: Path, signum: int, code: int
) -> None:
    out = tmp_path / "input.manifest"
    out.write_bytes(b'{"old":true}\n')
    process = chain(big_manifest, str(out))
    wait_for(lambda: bool(partials(tmp_path)), process)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == code
    assert stderr == STOPPED.format(signal.Signals(signum).name)
    assert stdout == ""
    assert [p.name for p in tmp_path.iterdir()] == ["input.manifest"]
    assert out.read_bytes() == b'{"old":true}\n'


def test_after_a_sigkill_the_next_run_removes_the_stale_temporary_file(
    tmp_path: Path, big_manifest: Path
) -> None:
    out = tmp_path / "input.manifest"
    process = chain(big_manifest, str(out))
    wait_for(lambda: bool(partials(tmp_path)), process)
    process.kill()
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    (stale,) = partials(tmp_path)
    assert f".{process.pid}." in stale

    small = tmp_path.parent / f"{tmp_path.name}-small.manifest"
    small.write_text(TEMPLATE.format(n=1))
    again = chain(small, str(out))
    _, stderr = again.communicate(timeout=60)
    assert (again.returncode, stderr) == (0, "")
    assert [p.name for p in tmp_path.iterdir()] == ["input.manifest"]


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["TERM", "INT"]
)
def test_a_signal_during_an_upload_aborts_it(
    big_manifest: Path, aws_endpoint: str, s3: Any, bucket: str, signum: int, code: int
) -> None:
    def part_sent() -> bool:
        uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        return any(
            s3.list_parts(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"]).get("Parts")
            for u in uploads
        )

    process = chain(big_manifest, f"s3://{bucket}/input.manifest",
                    {"AWS_ENDPOINT_URL": aws_endpoint})
    wait_for(part_sent, process)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code
    assert stderr == STOPPED.format(signal.Signals(signum).name)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert s3_keys(s3, bucket) == []
