"""Airflow sensors, one module per service (``ground_truth.py``); each can poke, reschedule or
defer."""
