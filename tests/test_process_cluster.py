"""docker-compose.yml and the process cluster of ``make cluster-test`` describe one cluster.

The process cluster (scripts/process_cluster.py) is derived from the compose file; these tests pin
what the derivation may change, so that a service, a command or a setting added to one cannot be
missing from the other: the same services, the same commands, the same Airflow settings except
the host names, ports and credentials of the URLs between services, and the settings a container
gets from its image.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scripts.process_cluster import (
    ADDED,
    CONTAINER_ONLY,
    INIT_SERVICE,
    MACHINE_SERVICES,
    REWRITTEN,
    STAND_IN_SERVICE,
    Ports,
    ProcessCluster,
    command_of,
    describe,
    interpolate,
    read_compose,
)

PORTS = Ports(api=18080, scheduler_health=18974, worker_logs=18793, trigger_logs=18794,
              stand_in=14566)
COMPOSE_HOSTS = {"postgres", "redis", "airflow-apiserver", "local-aws"}


def cluster(compose: dict[str, Any] | None = None) -> ProcessCluster:
    return describe(Path("/tmp/home"), PORTS, "cluster_role", 15, compose)


def compose_environment(compose: dict[str, Any]) -> dict[str, str]:
    return {key: interpolate(str(value))
            for key, value in compose["x-airflow-common"]["environment"].items()}


def hosts_in(value: str) -> set[str]:
    """The host names a setting's value points at: a URL's, or the endpoint of a connection."""
    if value.startswith("{"):
        endpoint = json.loads(value).get("extra", {}).get("endpoint_url")
        return hosts_in(endpoint) if endpoint else set()
    host = urlsplit(value).hostname if "://" in value else None
    return {host} if host else set()


def test_every_compose_service_is_a_process_or_a_service_of_the_machine() -> None:
    compose = read_compose()
    processes = cluster(compose).services
    assert set(processes) | set(MACHINE_SERVICES) | {INIT_SERVICE} == set(compose["services"])
    assert not set(processes) & (set(MACHINE_SERVICES) | {INIT_SERVICE})


def test_each_airflow_service_runs_its_compose_command() -> None:
    compose = read_compose()
    processes = cluster(compose).services
    for name, argv in processes.items():
        if name == STAND_IN_SERVICE:
            continue
        assert Path(argv[0]).name == "airflow"
        assert list(argv[1:]) == command_of(compose["services"][name]), name
    assert {argv[1] for name, argv in processes.items() if name != STAND_IN_SERVICE} == {
        "api-server", "scheduler", "dag-processor", "triggerer", "celery"}


def test_the_stand_in_runs_its_compose_command_on_a_local_address() -> None:
    compose = read_compose()
    argv = cluster(compose).services[STAND_IN_SERVICE]
    expected = command_of(compose["services"][STAND_IN_SERVICE])
    assert Path(argv[0]).name == compose["services"][STAND_IN_SERVICE]["entrypoint"][0]
    changed = {i: (expected[i], argv[1 + i]) for i in range(len(expected))
               if expected[i] != argv[1 + i]}
    assert len(argv) == len(expected) + 1
    assert sorted(changed.values()) == [("0.0.0.0", "127.0.0.1"), ("4566", "14566")]


def test_the_init_service_becomes_migrate_and_the_administrator() -> None:
    compose = read_compose()
    init = compose["services"][INIT_SERVICE]
    settings = {key: interpolate(str(value)) for key, value in init["environment"].items()}
    commands = [argv[1:] for argv in cluster(compose).init_commands]
    assert commands[0] == ("db", "migrate")
    user = commands[1]
    assert user[:2] == ("users", "create")
    assert user[user.index("--username") + 1] == settings["_AIRFLOW_WWW_USER_USERNAME"]
    assert user[user.index("--password") + 1] == settings["_AIRFLOW_WWW_USER_PASSWORD"]
    assert user[user.index("--role") + 1] == "Admin"
    assert commands[2] == tuple(command_of(init))


def test_every_airflow_setting_is_the_compose_files_but_the_addresses() -> None:
    compose = read_compose()
    environment = cluster(compose).environment
    common = compose_environment(compose)
    assert set(environment) == set(common) | set(ADDED)
    for key, value in common.items():
        if key not in REWRITTEN:
            assert environment[key] == value, key
    for key in REWRITTEN:
        assert hosts_in(common[key]) & COMPOSE_HOSTS, key  # it did point at a service
        assert hosts_in(environment[key]) == {"127.0.0.1"}, key
        if "://" in common[key]:
            assert urlsplit(environment[key]).scheme == urlsplit(common[key]).scheme, key
    assert "@127.0.0.1:5432/test" in environment["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert environment["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6379/15"
    assert environment["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == (
        "http://127.0.0.1:18080/execution/")


def test_no_setting_points_at_a_compose_host_name() -> None:
    environment = cluster().environment
    leftovers = {key: value for key, value in environment.items()
                 if hosts_in(value) & COMPOSE_HOSTS}
    assert leftovers == {}


def test_settings_of_single_services_are_for_the_container_or_the_init_commands() -> None:
    compose = read_compose()
    common = set(compose["x-airflow-common"]["environment"])
    for name, service in compose["services"].items():
        if name in MACHINE_SERVICES or "environment" not in service:
            continue
        own = set(service["environment"]) - common
        if name == INIT_SERVICE:
            assert all(key.startswith("_AIRFLOW_") for key in own), own
        else:
            assert own <= CONTAINER_ONLY, (name, own)


@pytest.mark.parametrize("drift", ["service", "setting"])
def test_drift_in_the_compose_file_reaches_the_process_cluster(drift: str) -> None:
    """A service added to the compose file runs as a process; a setting naming a compose host
    that the derivation does not rewrite is caught."""
    compose = copy.deepcopy(read_compose())
    if drift == "service":
        compose["services"]["airflow-flower"] = {"command": "celery flower"}
        assert cluster(compose).services["airflow-flower"][1:] == ("celery", "flower")
    else:
        compose["x-airflow-common"]["environment"]["AIRFLOW__METRICS__STATSD_HOST_URL"] = (
            "http://redis:9125")
        environment = cluster(compose).environment
        assert {key for key, value in environment.items()
                if hosts_in(value) & COMPOSE_HOSTS} == {"AIRFLOW__METRICS__STATSD_HOST_URL"}
