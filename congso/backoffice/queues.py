"""The officers' queues: the receiving desk, my tasks, my agency's dossiers, near due and overdue.

Views only read here (DESIGN §3: backoffice is views and templates); access comes from
``dossiers.access`` and the clock from ``dossiers.selectors``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from congso.accounts.choices import Role
from congso.catalog.workflows import WorkflowError
from congso.dossiers.access import Who, officer_dossiers
from congso.dossiers.actions import may_act_on_step, spec_of
from congso.dossiers.choices import PAUSED_STATES, State
from congso.dossiers.models import Dossier
from congso.dossiers.selectors import clock_view

QUEUES = {
    "desk": _("Tiếp nhận"),
    "mine": _("Việc của tôi"),
    "agency": _("Hồ sơ của cơ quan"),
    "due": _("Sắp đến hạn, quá hạn"),
}
ACTIVE = (State.ACCEPTED, State.PROCESSING, *PAUSED_STATES)
SORTS = {
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
    "new": ("-created_at", "-id"),
    "old": ("created_at", "id"),
    "code": ("code", "id"),
}


def near() -> dt.timedelta:
    """Within this much working time of the due time a dossier is "near due" (the deadline check's warning)."""
    from django.conf import settings

    return dt.timedelta(hours=settings.CONGSO_DUE_WARNING_HOURS)


@dataclass
class Row:
    dossier: Dossier
    step: str
    clock: str
    tone: str  # "over", "near", "ok", "paused", "done"
    selectable: bool = False  # offered to the bulk action of the queue (accept at the desk, assign for leaders)


def receiving_agencies(who: Who) -> set[int]:
    return {a for a, roles in who.roles.items() if Role.RECEIVING_OFFICER in roles}


def queue(who: Who, name: str, *, now: dt.datetime | None = None):
    """The queryset behind a queue (``mine`` is refined per row by :func:`rows`)."""
    now = now or timezone.now()
    qs = officer_dossiers(who).filter(parent__isnull=True) if name != "mine" else officer_dossiers(who)
    if name == "desk":
        desks = receiving_agencies(who)
        return qs.filter(
            Q(state=State.SUBMITTED, intake_agency_id__in=desks)
            | Q(state=State.FINISHED, current_agency_id__in=desks)
            | Q(state=State.SUPPLEMENT_REQUESTED, intake_agency_id__in=desks)
        )
    if name == "mine":
        return qs.filter(state__in=(State.ACCEPTED, State.PROCESSING, State.FINISHED)).filter(
            Q(assignee_id=who.user.pk) | Q(assignee__isnull=True, current_agency_id__in=who.agency_ids)
        )
    if name == "due":
        # Candidates by calendar time (a week covers weekends and Tết); rows() keeps those within the warning
        # window in *working* time, like the deadline check.
        return qs.filter(state__in=(State.ACCEPTED, State.PROCESSING), due_at__lt=now + dt.timedelta(days=7))
    return qs


def search(qs, *, q: str = "", state: str = "", procedure_id: int | None = None):
    if q:
        q = q.strip()
        qs = qs.filter(Q(code__istartswith=q) | Q(applicant_name__icontains=q) | Q(applicant_id_number=q))
    if state:
        qs = qs.filter(state=state)
    if procedure_id:
        qs = qs.filter(procedure_id=procedure_id)
    return qs


def rows(dossiers, who: Who, name: str, *, now: dt.datetime | None = None) -> list[Row]:
    now = now or timezone.now()
    out = []
    for d in dossiers:
        step = ""
        assignable = False
        if d.current_step:
            try:
                spec_step = spec_of(d.workflow).step(d.current_step)
            except (KeyError, ValueError, WorkflowError):
                spec_step = None
            if spec_step is not None:
                step = spec_step.name
                if name == "mine" and not may_act_on_step(d, who, spec_step):
                    continue
                assignable = spec_step.action("assign") is not None
        elif name == "mine":
            continue
        cv = clock_view(d, now)
        if cv is None:
            tone, text = "waiting", str(State(d.state).label)
        elif d.state in PAUSED_STATES:
            tone, text = "paused", cv.text
        elif d.state not in (State.ACCEPTED, State.PROCESSING):
            tone, text = "done", cv.text
        elif cv.remaining < dt.timedelta(0):
            tone, text = "over", cv.text
        elif cv.remaining <= near():
            tone, text = "near", cv.text
        else:
            tone, text = "ok", cv.text
        if name == "due" and tone not in ("over", "near"):
            continue
        selectable = (name == "desk" and d.state == State.SUBMITTED) or (
            name == "mine" and bool(d.current_step) and step != "" and assignable
        )
        out.append(Row(d, step, text, tone, selectable))
    return out
