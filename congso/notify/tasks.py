"""Background delivery of notifications (django-tasks), queued by ``manage.py run_periodic``."""

from django_tasks import task

from congso.notify import actions


@task()
def deliver_notifications_task() -> dict:
    return actions.deliver_due()
