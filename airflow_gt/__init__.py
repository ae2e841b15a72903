"""airflow-gt: an Apache Airflow provider for Amazon SageMaker Ground Truth labeling pipelines."""

__version__ = "0.1.0"
