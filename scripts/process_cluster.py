"""The cluster of docker-compose.yml, run as processes on this machine.

``docker-compose.yml`` is the one description of the cluster: which Airflow services run, with
which commands and which Airflow settings. This module reads it and derives the same cluster as
processes, so the two cannot drift (``tests/test_process_cluster.py`` checks what the derivation
may change):

- PostgreSQL and Redis are the machine's own (127.0.0.1:5432 and 127.0.0.1:6379), not started
  here. The metadata database is a fresh schema in database ``test``, owned by a role of the same
  name, so PostgreSQL's default search path ("$user", public) puts every Airflow table in it.
- Every Airflow service runs ``airflow`` with the service's command, as the image's entrypoint
  does; ``airflow-init``'s entrypoint settings become ``airflow db migrate`` and
  ``airflow users create``.
- The stand-in runs ``airflow-gt`` with its service's command, on 127.0.0.1 and a free port.
- Every Airflow setting is the compose file's, except host names, ports and credentials in its
  URLs (REWRITTEN), plus the settings a container gets from its image or its own network
  namespace (ADDED: AIRFLOW_HOME, the DAGs folder, the ports each server listens on).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
BIN = Path(sys.executable).parent

# Services of the compose file this machine already runs, and where.
MACHINE_SERVICES = {"postgres": "127.0.0.1:5432", "redis": "127.0.0.1:6379"}
# The compose service that prepares the database and exits; its entrypoint settings are commands.
INIT_SERVICE = "airflow-init"
STAND_IN_SERVICE = "local-aws"
# Settings that exist for the container only: dumb-init (the image's PID 1) reads it.
CONTAINER_ONLY = {"DUMB_INIT_SETSID"}
# Settings whose URL points at another service: host, port, credentials and database change.
REWRITTEN = (
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW__CELERY__BROKER_URL",
    "AIRFLOW__CELERY__RESULT_BACKEND",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "AIRFLOW_CONN_AWS_DEFAULT",
)
# Settings a container gets from its image or its own network namespace, set for processes.
ADDED = {
    "AIRFLOW_HOME": "the image's /opt/airflow",
    "AIRFLOW__CORE__DAGS_FOLDER": "./dags, mounted at the image's /opt/airflow/dags",
    "AIRFLOW__API__PORT": "8080 inside the api-server's container",
    "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": "8974 inside the scheduler's",
    "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": "8793 inside the worker's",
    "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": "8794 inside the triggerer's",
}
_VARIABLE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?::-(?P<default>[^}]*))?\}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def interpolate(value: str) -> str:
    """A compose value with every ``${NAME:-default}`` at its default (``$$`` is ``$``): the
    process cluster runs what the compose file runs when nothing is overridden."""
    return _VARIABLE.sub(lambda match: match.group("default") or "", value).replace("$$", "$")


def read_compose(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    with path.open() as file:
        compose: dict[str, Any] = yaml.safe_load(file)
    return compose


def command_of(service: Mapping[str, Any]) -> list[str]:
    command = service["command"]
    words = command.split() if isinstance(command, str) else list(command)
    return [interpolate(str(word)) for word in words]


def _with_netloc(url: str, netloc: str, path: str | None = None) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=netloc, path=parts.path if path is None else path))


@dataclass(frozen=True)
class Ports:
    """Where each server of the process cluster listens on 127.0.0.1."""

    api: int
    scheduler_health: int
    worker_logs: int
    trigger_logs: int
    stand_in: int

    @classmethod
    def free(cls) -> Ports:
        return cls(free_port(), free_port(), free_port(), free_port(), free_port())


@dataclass(frozen=True)
class ProcessCluster:
    """The compose file's cluster as processes: what to run once, what to keep running, and
    the environment they share."""

    init_commands: tuple[tuple[str, ...], ...]
    services: dict[str, tuple[str, ...]]  # compose service name -> argv
    environment: dict[str, str]
    ports: Ports
    database_role: str
    redis_database: int

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.api}"

    @property
    def stand_in_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.stand_in}"


def describe(
    home: Path, ports: Ports, database_role: str, redis_database: int,
    compose: Mapping[str, Any] | None = None,
) -> ProcessCluster:
    """The process cluster of ``compose`` (docker-compose.yml unless given)."""
    compose = read_compose() if compose is None else compose
    services: Mapping[str, Any] = compose["services"]
    common = {key: interpolate(str(value))
              for key, value in compose["x-airflow-common"]["environment"].items()}
    database = f"{database_role}@{MACHINE_SERVICES['postgres']}"
    urls = {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": (database, "/test"),
        "AIRFLOW__CELERY__RESULT_BACKEND": (database, "/test"),
        "AIRFLOW__CELERY__BROKER_URL": (MACHINE_SERVICES["redis"], f"/{redis_database}"),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": (f"127.0.0.1:{ports.api}", None),
    }
    environment = dict(common)
    for key, (netloc, path) in urls.items():
        environment[key] = _with_netloc(common[key], netloc, path)
    stand_in_host = f"http://{STAND_IN_SERVICE}:"
    environment["AIRFLOW_CONN_AWS_DEFAULT"] = re.sub(
        re.escape(stand_in_host) + r"\d+", f"http://127.0.0.1:{ports.stand_in}",
        common["AIRFLOW_CONN_AWS_DEFAULT"],
    )
    environment.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__API__PORT": str(ports.api),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(ports.scheduler_health),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(ports.worker_logs),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(ports.trigger_logs),
    })

    airflow = str(BIN / "airflow")
    argvs: dict[str, tuple[str, ...]] = {}
    init_commands: list[tuple[str, ...]] = []
    for name, service in services.items():
        if name in MACHINE_SERVICES:
            continue
        if name == INIT_SERVICE:
            init_commands = init_commands_of(service, airflow)
        elif name == STAND_IN_SERVICE:
            argvs[name] = stand_in_argv(service, ports.stand_in)
        else:
            argvs[name] = (airflow, *command_of(service))
    return ProcessCluster(tuple(init_commands), argvs, environment, ports, database_role,
                          redis_database)


def init_commands_of(service: Mapping[str, Any], airflow: str) -> list[tuple[str, ...]]:
    """What the image's entrypoint does for ``airflow-init``'s settings, as commands."""
    settings = {key: interpolate(str(value)) for key, value in service["environment"].items()}
    commands: list[tuple[str, ...]] = []
    if settings.get("_AIRFLOW_DB_MIGRATE") == "true":
        commands.append((airflow, "db", "migrate"))
    if settings.get("_AIRFLOW_WWW_USER_CREATE") == "true":
        commands.append((
            airflow, "users", "create", "--role", "Admin",
            "--username", settings["_AIRFLOW_WWW_USER_USERNAME"],
            "--password", settings["_AIRFLOW_WWW_USER_PASSWORD"],
            # The image entrypoint's defaults for what the compose file leaves unset.
            "--firstname", settings.get("_AIRFLOW_WWW_USER_FIRSTNAME", "Airflow"),
            "--lastname", settings.get("_AIRFLOW_WWW_USER_LASTNAME", "Admin"),
            "--email", settings.get("_AIRFLOW_WWW_USER_EMAIL", "airflowadmin@example.com"),
        ))
    commands.append((airflow, *command_of(service)))
    return commands


def stand_in_argv(service: Mapping[str, Any], port: int) -> tuple[str, ...]:
    """The stand-in's command, listening on 127.0.0.1:``port`` instead of the container's
    0.0.0.0:4566."""
    (entrypoint,) = service["entrypoint"]
    words = command_of(service)
    for option, value in (("--host", "127.0.0.1"), ("--port", str(port))):
        words[words.index(option) + 1] = value
    return (str(BIN / entrypoint), *words)


class Process:
    """One service as a process in a session of its own, so that a kill or a stop reaches the
    children it starts (task supervisors, the trigger runner). Output goes to ``log``."""

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str], log: Path):
        self.name, self.argv, self.env, self.log = name, tuple(argv), dict(env), log
        self.popen: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self._output: TextIO | None = None

    @property
    def pid(self) -> int | None:
        return None if self.popen is None else self.popen.pid

    def start(self) -> None:
        self._output = self.log.open("a")
        self._output.write(f"--- start {self.starts + 1}: {' '.join(self.argv)}\n")
        self._output.flush()
        self.popen = subprocess.Popen(self.argv, env=self.env, stdout=self._output,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal_group(self, signum: int) -> None:
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signum)

    def kill(self) -> None:
        """SIGKILL to the whole process group, as when the machine under it dies."""
        self.signal_group(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(timeout=30)

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM to the group, SIGKILL whatever is left after ``grace`` seconds."""
        if self.popen is None:
            return
        self.signal_group(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=grace)
        self.signal_group(signal.SIGKILL)  # children that outlived their parent, too
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=30)
        if self._output is not None:
            self._output.close()

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return 200 <= int(response.status) < 300
    except OSError:
        return False


def wait_until(
    what: str, ready: Callable[[], bool], timeout: float, interval: float = 0.5
) -> float:
    """Call ``ready()`` until it is true; the seconds it took. Raises TimeoutError naming
    ``what`` after ``timeout`` seconds."""
    start = time.monotonic()
    while not ready():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{what}: not after {timeout:.0f} s")
        time.sleep(interval)
    return time.monotonic() - start
