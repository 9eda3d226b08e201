from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from congso.dossiers.signals import dossier_changed
from congso.feedback.signals import complaint_changed
from congso.notify import actions
from congso.notify.models import MessageTemplate


@receiver(dossier_changed, dispatch_uid="notify-applicant")
def notify_applicant(sender=None, dossier=None, events=(), **_kwargs) -> None:
    actions.queue_for(dossier, events)


@receiver(complaint_changed, dispatch_uid="notify-complainant")
def notify_complainant(sender=None, complaint=None, status="", **_kwargs) -> None:
    actions.queue_for_complaint(complaint, status)


post_save.connect(actions.forget_templates, sender=MessageTemplate, dispatch_uid="notify-templates-save")
post_delete.connect(actions.forget_templates, sender=MessageTemplate, dispatch_uid="notify-templates-delete")
