# The official Airflow image with airflow-gt installed; docker-compose.yml builds it once and runs
# every Airflow service and the local AWS stand-in from it.
ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11
FROM ${AIRFLOW_IMAGE}

# Only the package goes in; .dockerignore keeps the rest of the repository out of the context.
COPY --chown=airflow:0 pyproject.toml README.md /opt/airflow-gt/
COPY --chown=airflow:0 constraints/newest-python-3.11.txt /opt/airflow-gt/constraints.txt
COPY --chown=airflow:0 airflow_gt /opt/airflow-gt/airflow_gt

# As the image's airflow user (pip refuses root there). Naming the image's own Airflow with its
# exact version keeps pip from moving it; the constraints are the newest set airflow-gt is tested
# with, whose Airflow is this image's. The `local` extra: the stand-in runs from this image too.
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" "/opt/airflow-gt[local]" \
    --constraint /opt/airflow-gt/constraints.txt
