"""What the example-DAG tests share: an Airflow whose DAGs are ``dags/``, on a stand-in.

``airflow dags test`` runs in a subprocess with a throw-away AIRFLOW_HOME (its database migrated
once per module), the repository's ``dags/`` as the DAGs folder and ``aws_default`` pointing at
the stand-in; deferred tasks run in-process, so no triggerer is needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.airflow_support import connection_json

DAGS = Path(__file__).parent.parent.parent / "dags"
AIRFLOW = str(Path(sys.executable).parent / "airflow")


def migrated_airflow(
    home: Path, endpoint_url: str, dags_folder: Path = DAGS, **extra: str
) -> dict[str, str]:
    """The environment of a migrated Airflow at ``home``, its DAGs serialized, reaching the
    stand-in at ``endpoint_url``, with ``dags_folder`` (the repository's ``dags/`` unless
    given); ``extra`` adds variables (a DAG's poll interval)."""
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_CONN_AWS_DEFAULT": connection_json(endpoint_url),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        **extra,
    }
    # Airflow 3.0's `dags test` runs only DAGs already serialized in the database.
    for command in (["db", "migrate"], ["dags", "reserialize"]):
        subprocess.run([AIRFLOW, *command], env=env, capture_output=True, text=True,
                       check=True, timeout=300)
    return env


def dags_test(dag_id: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``airflow dags test DAG_ID``, from the DAGs folder (Airflow 3.0 has no --dagfile-path)."""
    return subprocess.run(
        [AIRFLOW, "dags", "test", dag_id],
        env=env, capture_output=True, text=True, timeout=600,
    )
