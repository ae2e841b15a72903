"""The compatibility matrix beyond the dev environment: the lowest set and the next Python.

    python scripts/matrix.py lowest       Airflow 3.0 on Python 3.12, under Airflow's constraints
    python scripts/matrix.py py313        the newest set on Python 3.13
    python scripts/matrix.py constraints  regenerate the newest sets' constraints files

Each set lives in a virtualenv of its own (``.venv-lowest``, ``.venv-py313``), built from the wheel
of this checkout the way a user installs it: first the base install alone, checked to bring no local
stand-in (``scripts/check_install.py --base``), then the extras and the test tools. A venv is reused
while pyproject.toml, its constraints file and this script are unchanged; the wheel is rebuilt and
reinstalled (without its dependencies) on every run, so the code tested is always this checkout's.

The lowest set installs ``apache-airflow==LOWEST_AIRFLOW`` under ``constraints/airflow-3.0-python-
3.12.txt`` plus, for every dependency that file does not pin, exactly the lower bound pyproject.toml
declares; ``tests/test_package.py`` then checks that every declared lower bound is what is
installed. Prints how long each step took.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints"
WHEELS = ROOT / "build" / "matrix-wheel"
PIP = ("-m", "pip", "--disable-pip-version-check")
LOWEST_AIRFLOW = "3.0.0"
AIRFLOW_30_CONSTRAINTS = CONSTRAINTS / "airflow-3.0-python-3.12.txt"
NEWEST_CONSTRAINTS = CONSTRAINTS / "newest-python-3.11.txt"
PY313_CONSTRAINTS = CONSTRAINTS / "newest-python-3.13.txt"

# What the lowest set tests: every Airflow-facing part, validation, the package's contracts
# (provider registration, every lower bound installed) and both example DAGs on the stand-in.
# Of tests/validation, the Arrow fast path's edge-case files (tests/validation/test_arrow_*.py,
# about 450 hostile-input cases) run in the dev set only: here the golden summaries of every
# sample and planted manifest, read by Arrow at its lowest version, stand for them.
LOWEST_TESTS = (
    "tests/test_install.py", "tests/test_package.py", "tests/operators", "tests/hooks",
    "tests/triggers", "tests/sensors", "tests/notifications", "tests/validation", "tests/dags",
    "--ignore-glob=tests/validation/test_arrow_*.py",
)
# Python 3.13: installs, registers, parses the DAGs (check_install.py) and runs one example DAG.
PY313_TESTS = (
    "tests/test_install.py",
    "tests/dags/test_chained_labeling.py::test_the_dag_labels_verifies_adjusts_and_merges",
)


@dataclass(frozen=True)
class MatrixSet:
    name: str
    python: str
    venv: Path
    constraints: Path
    airflow: str
    extras: str
    tests: tuple[str, ...]
    floor_pins: tuple[str, ...] = ()
    """Exact versions added to the constraints (the declared floors Airflow's file leaves open)."""

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def constraint_file(self) -> Path:
        if not self.floor_pins:
            return self.constraints
        combined = ROOT / "build" / f"constraints-{self.name}.txt"
        combined.parent.mkdir(exist_ok=True)
        combined.write_text(self.constraints.read_text() + "\n".join(self.floor_pins) + "\n")
        return combined


def interpreter(version: str) -> str:
    """A working ``python{version}``: on the PATH, else the newest pyenv has (whose shims fail
    for a version that is installed but not selected)."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [shutil.which(f"python{version}"), *sorted(
        (str(path) for path in pyenv_root.glob(f"versions/{version}.*/bin/python{version}")),
        key=lambda path: [int(part) for part in re.findall(r"\d+", Path(path).parents[1].name)],
        reverse=True,
    )]
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-c", ""], capture_output=True).returncode == 0:
            return candidate
    sys.exit(f"matrix: no working python{version} on PATH or under {pyenv_root}/versions")


def pinned(constraints: Path, name: str) -> str | None:
    pattern = re.compile(rf"^{re.escape(name)}==(\S+)$", re.IGNORECASE | re.MULTILINE)
    match = pattern.search(constraints.read_text())
    return match.group(1) if match else None


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_floors() -> dict[str, str]:
    """name -> lower bound of every requirement of the base install and the local, plots and
    openlineage extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["local"],
                    *project["optional-dependencies"]["plots"],
                    *project["optional-dependencies"]["openlineage"]]
    floors = {}
    for requirement in requirements:
        match = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([^,\s;]+)", requirement)
        if match is None:
            sys.exit(f"matrix: pyproject.toml: {requirement!r} has no lower bound (>=)")
        floors[canonical(match.group(1))] = match.group(3)
    return floors


def lowest_pins() -> list[str]:
    """Exact pins for the declared floors that Airflow's constraints file leaves open."""
    text = AIRFLOW_30_CONSTRAINTS.read_text().lower()
    constrained = {canonical(line.split("==")[0]) for line in text.splitlines() if "==" in line}
    return [f"{name}=={floor}" for name, floor in declared_floors().items()
            if name not in constrained and name != "apache-airflow"]


def matrix_sets() -> dict[str, MatrixSet]:
    newest_airflow = pinned(NEWEST_CONSTRAINTS, "apache-airflow")
    assert newest_airflow, f"{NEWEST_CONSTRAINTS} pins no apache-airflow"
    return {
        "lowest": MatrixSet(
            "lowest", "3.12", ROOT / ".venv-lowest", AIRFLOW_30_CONSTRAINTS, LOWEST_AIRFLOW,
            "local,plots,openlineage", LOWEST_TESTS, floor_pins=tuple(lowest_pins()),
        ),
        "py313": MatrixSet(
            "py313", "3.13", ROOT / ".venv-py313", PY313_CONSTRAINTS, newest_airflow,
            "local,plots,openlineage", PY313_TESTS,
        ),
    }


@contextmanager
def step(title: str) -> Iterator[None]:
    print(f"matrix: {title} ...", flush=True)
    start = time.monotonic()
    yield
    print(f"matrix: {title}: {time.monotonic() - start:.0f} s", flush=True)


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(part) for part in command], check=True, cwd=ROOT, env=env)


def build_wheel() -> Path:
    shutil.rmtree(WHEELS, ignore_errors=True)
    run(sys.executable, *PIP, "wheel", "--quiet", "--no-deps", ".", "--wheel-dir", WHEELS)
    (wheel,) = WHEELS.glob("airflow_gt-*.whl")
    return wheel


def fingerprint(matrix_set: MatrixSet) -> str:
    digest = hashlib.sha256()
    for path in (ROOT / "pyproject.toml", matrix_set.constraint_file(), Path(__file__)):
        digest.update(path.read_bytes())
    digest.update(matrix_set.python.encode())
    return digest.hexdigest()


def pip_install(matrix_set: MatrixSet, *requirements: str | Path) -> None:
    run(matrix_set.bin / "python", *PIP, "install", "--quiet", *requirements,
        "--constraint", matrix_set.constraint_file())


def ensure_venv(matrix_set: MatrixSet, wheel: Path) -> None:
    stamp = matrix_set.venv / ".matrix-installed"
    wanted = fingerprint(matrix_set)
    if stamp.exists() and stamp.read_text() == wanted:
        print(f"matrix: reusing {matrix_set.venv.name}", flush=True)
        return
    shutil.rmtree(matrix_set.venv, ignore_errors=True)
    with step(f"{matrix_set.venv.name}: base install (Airflow {matrix_set.airflow})"):
        run(interpreter(matrix_set.python), "-m", "venv", matrix_set.venv)
        pip_install(matrix_set, f"apache-airflow=={matrix_set.airflow}", wheel)
    with step(f"{matrix_set.venv.name}: the base install brings no stand-in"):
        run(matrix_set.bin / "python", "scripts/check_install.py", "--base")
    with step(f"{matrix_set.venv.name}: extras [{matrix_set.extras}] and test tools"):
        # hypothesis: the property tests of tests/validation (the byte checks before Arrow).
        pip_install(matrix_set, f"apache-airflow=={matrix_set.airflow}",
                    f"{wheel}[{matrix_set.extras}]", "pytest", "hypothesis")
    stamp.write_text(wanted)


def test_set(matrix_set: MatrixSet) -> None:
    total = time.monotonic()
    with step("wheel"):
        wheel = build_wheel()
    ensure_venv(matrix_set, wheel)
    with step(f"{matrix_set.venv.name}: install this checkout's wheel"):
        run(matrix_set.bin / "python", *PIP, "install", "--quiet", "--no-deps",
            "--force-reinstall", wheel)
    with step(f"{matrix_set.venv.name}: provider, modules, DAG parsing, validate"):
        run(matrix_set.bin / "python", "scripts/check_install.py")
    env = {**os.environ, "AIRFLOW_GT_MATRIX": matrix_set.name}
    with step(f"{matrix_set.venv.name}: tests"):
        # The venv's own pytest (not `python -m`, which would put the checkout first on sys.path)
        # and --import-mode=append: airflow_gt is imported from the installed wheel.
        run(matrix_set.bin / "pytest", "--import-mode=append", "-p", "no:cacheprovider",
            "-q", *matrix_set.tests, env=env)
    print(f"matrix: {matrix_set.name} passed in {time.monotonic() - total:.0f} s", flush=True)


def regenerate_constraints() -> None:
    """Resolve the newest sets afresh and write their constraints files."""
    wheel = build_wheel()
    for version, target, requirements in (
        ("3.11", NEWEST_CONSTRAINTS, ("-e", f"{ROOT}[dev]")),
        ("3.13", PY313_CONSTRAINTS, (f"{wheel}[local,plots,openlineage]", "pytest")),
    ):
        venv = ROOT / "build" / f"constraints-{version}"
        shutil.rmtree(venv, ignore_errors=True)
        with step(f"resolving the newest set for Python {version}"):
            run(interpreter(version), "-m", "venv", venv)
            run(venv / "bin" / "python", *PIP, "install", "--quiet", *requirements)
            frozen = subprocess.run(
                [str(venv / "bin" / "python"), *PIP, "freeze", "--exclude-editable"],
                check=True, capture_output=True, text=True,
            ).stdout
        pins = [line for line in frozen.splitlines()
                if line and not line.startswith(("airflow-gt", "airflow_gt", "-e"))]
        header = (f"# The newest set airflow-gt is tested with on Python {version}, resolved by\n"
                  "# `make constraints` (scripts/matrix.py); installs under it never backtrack.\n")
        target.write_text(header + "\n".join(pins) + "\n")
        print(f"matrix: wrote {target.relative_to(ROOT)} ({len(pins)} pins)")


def main(argv: Sequence[str]) -> None:
    sets = matrix_sets()
    if argv == ["constraints"]:
        regenerate_constraints()
    elif len(argv) == 1 and argv[0] in sets:
        test_set(sets[argv[0]])
    else:
        sys.exit(f"usage: matrix.py {{{'|'.join(sets)}|constraints}}")


if __name__ == "__main__":
    main(sys.argv[1:])
