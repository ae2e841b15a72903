"""docker-compose.yml, checked with ``docker-compose config``: no Docker engine needed.

``config`` validates the file against the Compose schema of Debian's docker-compose (1.29), resolves
the YAML anchors and the ``${VAR:-default}`` settings, and prints the whole result; the tests read
that result. It runs with no environment and an empty env file, so the defaults are what they see.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from airflow_gt.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DAGS_FOLDER = "/opt/airflow/dags"
STAND_IN = "local-aws"
# Each Airflow service and the command it runs.
AIRFLOW_SERVICES = {
    "airflow-init": "version",
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}
LONG_RUNNING = [name for name in AIRFLOW_SERVICES if name != "airflow-init"]
# The services that call AWS, and so wait for the stand-in.
AWS_CALLERS = ("airflow-worker", "airflow-triggerer")
CONNECTION_FIELDS = {"conn_type", "description", "host", "login", "password", "schema", "port",
                     "extra"}
INSTALL = (
    "docker-compose is not installed, and tests/test_docker_compose.py needs it (only its "
    "`config` command: no Docker engine). `make test` installs it when missing; by hand, on "
    "Debian or Ubuntu: sudo apt-get install --no-install-recommends docker-compose"
)


@functools.cache
def _compose_config() -> dict[str, Any]:
    docker_compose = shutil.which("docker-compose")
    if docker_compose is None:
        pytest.fail(INSTALL, pytrace=False)
    with tempfile.TemporaryDirectory() as scratch:
        env_file = Path(scratch) / "empty.env"
        env_file.touch()
        result = subprocess.run(
            [docker_compose, "--file", str(COMPOSE_FILE), "--project-directory", str(ROOT),
             "--env-file", str(env_file), "config"],
            env={"PATH": os.environ.get("PATH", os.defpath)},
            capture_output=True, text=True, timeout=120, check=False,
        )
    assert result.returncode == 0, f"docker-compose config refuses {COMPOSE_FILE}:\n{result.stderr}"
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


def services() -> dict[str, dict[str, Any]]:
    """The services of ``docker-compose config``; fails the calling test without docker-compose."""
    found: dict[str, dict[str, Any]] = _compose_config()["services"]
    return found


def argv(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else [str(item) for item in value]


def mounts(service: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """Each volume's target mapped to its source and whether it is read-only."""
    found = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target, *mode = volume.split(":")
            found[target] = (source, "ro" in "".join(mode).split(","))
        else:
            found[volume["target"]] = (volume["source"], bool(volume.get("read_only")))
    return found


def dependencies(service: dict[str, Any]) -> dict[str, str]:
    """Each service this one waits for, mapped to the condition it waits on."""
    depends_on = service.get("depends_on", {})
    if isinstance(depends_on, list):
        return {name: "service_started" for name in depends_on}
    return {name: spec.get("condition", "service_started") for name, spec in depends_on.items()}


def published_ports(service: dict[str, Any]) -> dict[int, int]:
    """Each published container port mapped to its host port."""
    found = {}
    for port in service.get("ports", []):
        if isinstance(port, dict):
            found[int(port["target"])] = int(port["published"])
        else:
            host, _, container = str(port).rpartition(":")
            found[int(container)] = int(host.rpartition(":")[2])
    return found


def stand_in_arguments() -> argparse.Namespace:
    """The stand-in's command line, parsed by the airflow-gt command's own parser."""
    command = argv(services()[STAND_IN].get("entrypoint")) + argv(services()[STAND_IN]["command"])
    assert command[:2] == ["airflow-gt", "local"], command
    return build_parser().parse_args(command[1:])


def test_every_service_is_there() -> None:
    expected = {*AIRFLOW_SERVICES, "postgres", "redis", STAND_IN}
    assert expected <= set(services()), sorted(expected - set(services()))


def test_airflow_and_the_stand_in_share_one_image_built_here() -> None:
    users = [*AIRFLOW_SERVICES, STAND_IN]
    images = {services()[name].get("image") for name in users}
    builds = {json.dumps(services()[name].get("build"), sort_keys=True) for name in users}
    assert len(images) == 1, images
    assert None not in images
    assert len(builds) == 1, builds
    build = services()[STAND_IN]["build"]
    assert Path(build["context"]) == ROOT
    assert (ROOT / build.get("dockerfile", "Dockerfile")).is_file()


def test_the_image_is_the_official_airflow_image_of_the_newest_tested_release() -> None:
    build = services()[STAND_IN]["build"]
    dockerfile = (ROOT / build.get("dockerfile", "Dockerfile")).read_text()
    default = re.search(r"^ARG AIRFLOW_IMAGE=(\S+)$", dockerfile, re.MULTILINE)
    assert default is not None, "the Dockerfile names its base image in ARG AIRFLOW_IMAGE"
    assert re.search(r"^FROM \$\{AIRFLOW_IMAGE\}$", dockerfile, re.MULTILINE)
    constraints = (ROOT / "constraints" / "newest-python-3.11.txt").read_text()
    pins = re.findall(r"^apache-airflow==(\S+)$", constraints, re.MULTILINE)
    assert len(pins) == 1, pins
    version = pins[0]
    assert default.group(1) == f"apache/airflow:{version}-python3.11"
    assert "AIRFLOW_IMAGE" not in build.get("args", {}), "the compose file keeps the Dockerfile's"


def test_every_airflow_service_has_the_same_airflow_settings_on_celery() -> None:
    def settings(name: str) -> dict[str, str]:
        environment = services()[name]["environment"]
        return {key: value for key, value in environment.items() if key.startswith("AIRFLOW")}

    reference = settings("airflow-scheduler")
    for name in AIRFLOW_SERVICES:
        assert settings(name) == reference, name
    assert reference["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert urlsplit(reference["AIRFLOW__CELERY__BROKER_URL"]).hostname == "redis"
    assert urlsplit(reference["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]).hostname == "postgres"
    execution_api = urlsplit(reference["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert (execution_api.hostname, execution_api.port) == ("airflow-apiserver", 8080)
    assert reference["AIRFLOW__API_AUTH__JWT_SECRET"]


def test_each_airflow_service_runs_its_component() -> None:
    for name, command in AIRFLOW_SERVICES.items():
        assert argv(services()[name]["command"]) == command.split(), name


def test_the_dags_folder_is_mounted_read_only_everywhere() -> None:
    for name in AIRFLOW_SERVICES:
        source, read_only = mounts(services()[name])[DAGS_FOLDER]
        assert Path(source) == ROOT / "dags", name
        assert read_only, name


def test_the_ui_is_published_on_8080() -> None:
    assert published_ports(services()["airflow-apiserver"]) == {8080: 8080}


def test_the_stand_in_runs_airflow_gt_local_on_every_interface() -> None:
    arguments = stand_in_arguments()
    assert arguments.host == "0.0.0.0"
    assert arguments.bucket
    assert published_ports(services()[STAND_IN]) == {arguments.port: arguments.port}


def test_aws_default_points_at_the_stand_in() -> None:
    port = stand_in_arguments().port
    for name in AIRFLOW_SERVICES:
        connection = json.loads(services()[name]["environment"]["AIRFLOW_CONN_AWS_DEFAULT"])
        assert set(connection) <= CONNECTION_FIELDS, name
        assert connection["conn_type"] == "aws"
        assert connection["login"]
        assert connection["password"]
        endpoint = urlsplit(connection["extra"]["endpoint_url"])
        assert (endpoint.scheme, endpoint.hostname, endpoint.port) == ("http", STAND_IN, port)
        assert connection["extra"]["region_name"]


def test_services_start_in_order() -> None:
    for name in AIRFLOW_SERVICES:
        waits = dependencies(services()[name])
        assert waits["postgres"] == waits["redis"] == "service_healthy", name
    for name in LONG_RUNNING:
        assert dependencies(services()[name])["airflow-init"] == "service_completed_successfully"
    for name in AWS_CALLERS:
        waits = dependencies(services()[name])
        assert waits[STAND_IN] == waits["airflow-apiserver"] == "service_healthy", name


def test_whatever_is_waited_on_can_report_its_health() -> None:
    for name in [*LONG_RUNNING, "postgres", "redis", STAND_IN]:
        assert services()[name].get("healthcheck", {}).get("test"), name
    for name, service in services().items():
        for target, condition in dependencies(service).items():
            assert target in services(), (name, target)
            if condition == "service_healthy":
                assert services()[target].get("healthcheck"), (name, target)
