"""The console link of a labeling job, shown on the task in the Airflow UI."""

from __future__ import annotations

from airflow.providers.amazon.aws.links.base_aws import BASE_AWS_CONSOLE_LINK, BaseAwsLink


class GroundTruthLabelingJobLink(BaseAwsLink):
    """The labeling job's page in the SageMaker Ground Truth console."""

    name = "Labeling Job"
    key = "ground_truth_labeling_job"
    format_str = (
        BASE_AWS_CONSOLE_LINK
        + "/sagemaker/groundtruth?region={region_name}#/labeling-jobs/details/{job_name}"
    )
