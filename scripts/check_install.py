"""Check an installed airflow-gt as a deployment sees it (scripts/matrix.py runs it in each venv).

    python scripts/check_install.py         Airflow lists the provider; every operator, sensor,
                                            trigger, hook, link and notifier module imports; both
                                            example DAGs parse; `airflow-gt validate` passes the
                                            seed's object-detection sample
    python scripts/check_install.py --base  first: the base install (no extras) brings no local
                                            stand-in, and `airflow-gt local` and `--plot` say
                                            which extra to install

Run with the venv's python, from anywhere: it imports the installed package, never the checkout.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import os
import pkgutil
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
AIRFLOW_FACING = ("operators", "sensors", "triggers", "hooks", "links", "notifications", "assets")
EXAMPLE_DAGS = {"chained_labeling", "moderation_adapter"}
STAND_IN = ("moto", "flask", "werkzeug")
# Airflow 3.0's own core requires Flask (3.1 dropped it); what Airflow needs is not ours.
AIRFLOWS_OWN = {"apache-airflow-core", "flask"}


def fail(message: str) -> None:
    sys.exit(f"check_install: {message}")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirers(target: str) -> set[str]:
    """Installed distributions that require ``target`` outside of any extra."""
    found = set()
    for dist in importlib.metadata.distributions():
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            if canonical(requirement.name) == target:
                found.add(canonical(dist.metadata["Name"]))
    return found


def check_base_brings_no_stand_in() -> None:
    for name in STAND_IN:
        try:
            importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        needed_by = requirers(name)
        if name == "moto" or not needed_by <= AIRFLOWS_OWN:
            fail(f"the base install brings {name} (required by {sorted(needed_by)})")
        print(f"check_install: {name} is installed for {sorted(needed_by)}, not for airflow-gt")
    for command, extra in ((["local", "--port", "0"], "local"),
                           (["evaluate", str(ROOT / "tests/sample/evaluation-results.json"),
                             "--plot", os.devnull], "plots")):
        done = subprocess.run([str(BIN / "airflow-gt"), *command], capture_output=True,
                              text=True, timeout=120, check=False)
        wanted = f"pip install 'airflow-gt[{extra}]'"
        if done.returncode != 2 or wanted not in done.stderr or "Traceback" in done.stderr:
            fail(f"airflow-gt {command[0]} without the {extra} extra: exit {done.returncode}, "
                 f"{done.stderr.strip()!r}")
    print("check_install: the base install brings no stand-in; local and --plot name their extra")


def check_provider_listed(version: str) -> None:
    listed = subprocess.run([str(BIN / "airflow"), "providers", "list", "--output", "json"],
                            capture_output=True, text=True, timeout=300, check=True)
    providers = {p["package_name"]: p["version"] for p in json.loads(listed.stdout)}
    if providers.get("airflow-gt") != version:
        fail(f"`airflow providers list` shows airflow-gt as {providers.get('airflow-gt')}")


def check_modules_import() -> int:
    import airflow_gt

    if Path(airflow_gt.__file__).resolve().parent == ROOT / "airflow_gt":
        fail(f"airflow_gt was imported from the checkout ({airflow_gt.__file__})")
    count = 0
    for part in AIRFLOW_FACING:
        package = importlib.import_module(f"airflow_gt.{part}")
        for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
            count += 1
    return count


def check_dags_parse() -> None:
    from airflow_gt.compat import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))  # examples are off: AIRFLOW__CORE__LOAD_EXAMPLES
    if bag.import_errors:
        fail(f"the example DAGs do not parse: {bag.import_errors}")
    if set(bag.dag_ids) != EXAMPLE_DAGS:
        fail(f"the example DAGs parse to {sorted(bag.dag_ids)}")


def check_validate_sample() -> None:
    sample = ROOT / "tests" / "sample" / "object-detection.manifest"
    done = subprocess.run([str(BIN / "airflow-gt"), "validate", str(sample), "--format", "json"],
                          capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0 or not json.loads(done.stdout)["success"]:
        fail(f"airflow-gt validate {sample.name}: exit {done.returncode} {done.stderr.strip()}")


def main() -> None:
    base = sys.argv[1:] == ["--base"]
    if sys.argv[1:] not in ([], ["--base"]):
        sys.exit("usage: check_install.py [--base]")
    version = importlib.metadata.version("airflow-gt")
    with tempfile.TemporaryDirectory(prefix="airflow-home-") as home:
        os.environ["AIRFLOW_HOME"] = home
        os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
        # Airflow 3.0 logs INFO lines to stdout ahead of a command's JSON output.
        os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
        if base:
            check_base_brings_no_stand_in()
        check_provider_listed(version)
        modules = check_modules_import()
        check_dags_parse()
        check_validate_sample()
    print(f"check_install: airflow-gt {version} on Airflow "
          f"{importlib.metadata.version('apache-airflow')}, Python {sys.version.split()[0]}: "
          f"provider listed, {modules} Airflow-facing modules import, "
          f"{len(EXAMPLE_DAGS)} example DAGs parse, validate passes the seed sample")


if __name__ == "__main__":
    main()
