"""Every named hostile input of the corpus (``tests/hostile/corpus/``) through the command it
targets: the exact exit code (or, where issue 14 leaves it open, 1 or 2), the contract
(``harness.check_contract``), and a message naming the file (and the line, for a manifest line).
"""

from __future__ import annotations

import re
import socket
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import client
from tests.hostile.corpus import Case, arguments, files, issue14, labels, sample_bad
from tests.hostile.harness import (
    Ran,
    check_contract,
    names_file,
    run_cli,
    run_process,
    snapshot,
    usage_error,
)

CORPUS: list[Case] = [*issue14.CASES, *sample_bad.CASES, *labels.CASES, *files.CASES,
                      *arguments.CASES]


def test_the_corpus_is_large_and_each_case_named_once() -> None:
    names = [case.name for case in CORPUS]
    assert len(names) == len(set(names)), {n for n in names if names.count(n) > 1}
    assert len(names) >= 150


def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class Places:
    """The places a case's ``{...}`` names stand for, made as the case runs."""

    def __init__(self, root: Path, stack: ExitStack) -> None:
        self.values = {"{d}": str(root)}
        self.stack = stack

    def busy_port(self) -> None:
        listening = self.stack.enter_context(socket.socket())
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        self.values["{busy}"] = str(listening.getsockname()[1])

    def fill(self, text: str) -> str:
        for name, value in self.values.items():
            text = text.replace(name, value)
        return text


def _stand_in(case: Case, places: Places, request: pytest.FixtureRequest,
              monkeypatch: pytest.MonkeyPatch) -> Any:
    endpoint = request.getfixturevalue("aws_endpoint")
    s3 = client("s3", endpoint)
    bucket = f"hostile-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    for key, data in case.s3_files.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data)
    places.values["{bucket}"] = bucket
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    return s3


def _message_names(case: Case, ran: Ran, places: Places) -> None:
    """The error line (or the report, for a validation or gate that failed) names the file, the
    line, and holds the fragment."""
    fragment = None if case.fragment is None else places.fill(case.fragment)
    if case.usage:
        if fragment is not None:
            assert fragment in usage_error(ran), ran
        return
    if ran.code == 0:
        return
    text = ran.message or ran.out
    if case.names is not None:
        path = places.fill(case.names)
        if ran.message:
            assert names_file(ran, path, case.line), (ran, path, case.line)
        else:  # a report on standard output: validate's or evaluate's exit 1
            assert path in ran.out, ran
            if case.line is not None:
                assert re.search(rf"sample lines: (.*, )?{case.line}\b", ran.out), ran
    if fragment is not None:
        assert fragment in text, (ran, fragment)


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_hostile_input(case: Case, tmp_path: Path, request: pytest.FixtureRequest,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "d"
    root.mkdir()
    for relative, data in case.files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    if case.setup is not None:
        case.setup(root)
    with ExitStack() as stack:
        places = Places(root, stack)
        text = " ".join([*case.argv, *(case.env or {}).values()])
        if "{busy}" in text:
            places.busy_port()
        if "{closed}" in text:
            places.values["{closed}"] = str(closed_port())
        s3 = _stand_in(case, places, request, monkeypatch) if case.stand_in else None
        argv = [places.fill(arg) for arg in case.argv]
        before = snapshot(root)
        if case.env is not None:
            env = {key: places.fill(value) for key, value in case.env.items()}
            ran = run_process(argv, env, cwd=root, timeout=120)
        else:
            ran = run_cli(argv)
    check_contract(ran, before, snapshot(root), case.outputs, command=case.command,
                   usage=case.usage)
    assert ran.code in case.exits, ran
    _message_names(case, ran, places)
    if s3 is not None and ran.code != 0:
        for key in case.s3_outputs:
            listed = s3.list_objects_v2(Bucket=places.values["{bucket}"], Prefix=key)
            assert listed.get("KeyCount", 0) == 0, (ran, key)
    if case.after is not None:
        case.after(root, ran)

