"""What keeps the summaries current, each inside the transaction of the change it follows.

- ``dossiers.signals.dossier_changed``: every dossier action (state, clock, files, signatures — signing is an
  action with its event) is sent inside the action's transaction, after the row is saved.
- ``payments.Obligation`` saved as paid (``payments.actions._mark_paid``, inside the paying transaction): paid
  online may have changed even when the dossier no longer waits for the money.
- ``feedback.Rating`` and ``feedback.Complaint`` (only those tied to a dossier) created or deleted, inside
  ``feedback.actions``' transactions.
- DVCQG's acknowledgement: ``national.signals.sync_acknowledged``, sent by ``national.outbox.record_success``
  inside its transaction when a dossier is acknowledged for the first time.

The sources that are not dossier actions do not hold the dossier's lock; on PostgreSQL they also check
again after their commit (:func:`refresh_from_outside`).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

from congso.dossiers.signals import dossier_changed
from congso.kpi import facts
from congso.kpi.actions import recheck_dossier, refresh_dossier


def refresh_from_outside(dossier_id: int | None) -> None:
    """A change that is not a dossier action: refresh in its transaction, and on PostgreSQL check again after
    the commit behind the dossier lock (an action on the same dossier may have run alongside; SQLite runs
    one write transaction at a time, so there is nothing to catch up with)."""
    if dossier_id is None:
        return
    refresh_dossier(dossier_id)
    if connection.features.has_select_for_update:
        transaction.on_commit(lambda: recheck_dossier(dossier_id), robust=True)


def on_dossier_changed(sender=None, dossier=None, events=(), **_kwargs) -> None:
    if dossier is None or dossier.parent_id is not None:
        return  # liên thông children are counted once, on their origin; nothing of theirs changes it
    if (dossier.submitted_at if dossier.channel == facts.ONLINE else dossier.accepted_at) is None:
        return  # not received yet (a draft, a walk-in before Form 01): it adds nothing and never added anything
    refresh_dossier(dossier.pk)


def on_obligation_saved(sender=None, instance=None, update_fields=None, **_kwargs) -> None:
    from congso.payments.choices import ObligationStatus

    if instance.status == ObligationStatus.PAID and (update_fields is None or "status" in update_fields):
        refresh_from_outside(instance.dossier_id)


def _dossier_root(dossier_id: int | None) -> int | None:
    if dossier_id is None:
        return None
    from congso.dossiers.models import Dossier

    parent = Dossier.objects.filter(pk=dossier_id).values_list("parent_id", flat=True).first()
    return parent or dossier_id


def on_rating_changed(sender=None, instance=None, **_kwargs) -> None:
    refresh_from_outside(_dossier_root(instance.dossier_id))


def on_complaint_saved(sender=None, instance=None, created=False, update_fields=None, **_kwargs) -> None:
    if instance.dossier_id is None:
        return
    if created or update_fields is None or "dossier" in update_fields:
        refresh_from_outside(_dossier_root(instance.dossier_id))


def on_complaint_deleted(sender=None, instance=None, **_kwargs) -> None:
    if instance.dossier_id is not None:
        refresh_from_outside(_dossier_root(instance.dossier_id))


def on_sync_acknowledged(sender=None, dossier_id=None, **_kwargs) -> None:
    """DVCQG acknowledged the dossier for the first time: it now counts as synced."""
    refresh_from_outside(_dossier_root(dossier_id))


def connect() -> None:
    from congso.catalog.models import Field, Procedure
    from congso.feedback.models import Complaint, Rating
    from congso.geo.models import AdministrativeUnit, Agency
    from congso.kpi.models import ScoreGroup
    from congso.kpi.selectors import forget_labels, forget_score_rules
    from congso.national.signals import sync_acknowledged
    from congso.payments.models import Obligation

    dossier_changed.connect(on_dossier_changed, dispatch_uid="kpi-dossier-changed")
    post_save.connect(on_obligation_saved, sender=Obligation, dispatch_uid="kpi-obligation-saved")
    post_save.connect(on_rating_changed, sender=Rating, dispatch_uid="kpi-rating-saved")
    post_delete.connect(on_rating_changed, sender=Rating, dispatch_uid="kpi-rating-deleted")
    post_save.connect(on_complaint_saved, sender=Complaint, dispatch_uid="kpi-complaint-saved")
    post_delete.connect(on_complaint_deleted, sender=Complaint, dispatch_uid="kpi-complaint-deleted")
    sync_acknowledged.connect(on_sync_acknowledged, dispatch_uid="kpi-dvcqg-acknowledged")
    # The selectors' per-process caches of names and score rules: a change saved here clears them at once.
    for model in (Agency, AdministrativeUnit, Field, Procedure):
        for signal in (post_save, post_delete):
            signal.connect(
                forget_labels, sender=model, dispatch_uid=f"kpi-forget-labels-{signal is post_save}-{model.__name__}"
            )
    for signal in (post_save, post_delete):
        signal.connect(
            forget_score_rules, sender=ScoreGroup, dispatch_uid=f"kpi-forget-score-rules-{signal is post_save}"
        )
