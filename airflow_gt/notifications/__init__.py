"""Notifications: data-quality alerts sent through any Airflow notifier."""
