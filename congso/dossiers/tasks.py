"""Background work of the dossier engine (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from congso.dossiers.actions import check_deadlines


@task()
def check_deadlines_task() -> dict:
    """Warn before due and mark overdue, once each (domain §3)."""
    warned, overdue = check_deadlines()
    return {"warned": warned, "overdue": overdue}
