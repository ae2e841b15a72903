"""The simulators of the built-in task types, one module per family of tasks.

:mod:`airflow_gt.local.tasks` is their interface: it picks the simulator of a task type.
:mod:`~airflow_gt.local.simulators.base` holds what they are given and what they return.
"""
