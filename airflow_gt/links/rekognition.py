"""The console link of a Custom Moderation adapter's project, shown on the task in the UI."""

from __future__ import annotations

from airflow.providers.amazon.aws.links.base_aws import BASE_AWS_CONSOLE_LINK, BaseAwsLink


class RekognitionAdapterLink(BaseAwsLink):
    """The adapter's project in the Rekognition console's Custom Moderation pages."""

    name = "Moderation Adapter"
    key = "rekognition_moderation_adapter"
    format_str = (
        BASE_AWS_CONSOLE_LINK
        + "/rekognition/home?region={region_name}#/custom-moderation/projects/{project_name}"
    )
