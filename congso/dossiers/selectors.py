"""Reads of dossiers: the clock as officers see it, why a dossier is late, lists and public lookup."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from congso.dossiers.choices import PAUSED_STATES, FileKind, State
from congso.dossiers.ledger import describe_remaining, describe_span
from congso.dossiers.models import Dossier, DossierFile
from congso.workcalendar.clock import working_time_between
from congso.workcalendar.selectors import current_calendar


@dataclass(frozen=True)
class ClockView:
    budget: dt.timedelta
    consumed: dt.timedelta
    remaining: dt.timedelta
    running: bool
    paused: bool
    due_at: dt.datetime | None
    text: str  # "còn 2 ngày 3 giờ" / "quá 1 ngày 2 giờ" / "tạm dừng"


def clock_view(d: Dossier, now: dt.datetime | None = None) -> ClockView | None:
    if not d.accepted_at:
        return None
    from congso.dossiers.actions import dossier_ledger

    now = now or timezone.now()
    cal = current_calendar()
    ledger = dossier_ledger(d)
    consumed = ledger.consumed_at(cal, now)
    if ledger.mode == "calendar":
        due = ledger.due(cal, resume_at=now)
        remaining = (
            working_time_between(cal, now, due) if due and due > now else -working_time_between(cal, due or now, now)
        )
    else:
        remaining = ledger.budget - consumed
    paused = d.state in PAUSED_STATES
    if paused:
        text = _("tạm dừng (%(remaining)s)") % {"remaining": describe_remaining(cal, remaining)}
    elif d.state in (State.ACCEPTED, State.PROCESSING):
        text = describe_remaining(cal, remaining)
    else:
        text = dict(State.choices)[d.state]
    return ClockView(
        budget=ledger.budget,
        consumed=consumed,
        remaining=remaining,
        running=ledger.running_since is not None,
        paused=paused,
        due_at=d.due_at,
        text=str(text),
    )


@dataclass(frozen=True)
class StepView:
    seq: int
    step_key: str
    name: str
    agency: str
    assignee: str
    entered_at: dt.datetime
    left_at: dt.datetime | None
    budget: dt.timedelta
    consumed: dt.timedelta
    outcome: str
    overrun: dt.timedelta


def step_views(d: Dossier, now: dt.datetime | None = None, runs=None) -> list[StepView]:
    from congso.dossiers.actions import step_ledger

    now = now or timezone.now()
    cal = current_calendar()
    out = []
    if runs is None:
        runs = d.step_runs.select_related("agency", "assignee").order_by("seq") if d.accepted_at else []
    for run in runs:
        consumed = step_ledger(run).consumed_at(cal, now)
        budget = dt.timedelta(seconds=run.budget_seconds)
        out.append(
            StepView(
                seq=run.seq,
                step_key=run.step_key,
                name=run.name,
                agency=run.agency.name,
                assignee=(run.assignee.full_name or run.assignee.username) if run.assignee else "",
                entered_at=run.entered_at,
                left_at=run.left_at,
                budget=budget,
                consumed=consumed,
                outcome=run.outcome,
                overrun=max(consumed - budget, dt.timedelta(0)),
            )
        )
    return out


def why_late(d: Dossier, now: dt.datetime | None = None, steps: list[StepView] | None = None) -> list[str]:
    """Each step that overran its budget, by how much (domain §3: 'explain lateness')."""
    cal = current_calendar()
    lines = []
    for s in step_views(d, now) if steps is None else steps:
        if s.overrun > dt.timedelta(0):
            lines.append(
                _("Bước «%(step)s» (%(agency)s) quá %(overrun)s: dùng %(consumed)s trên %(budget)s được giao.")
                % {
                    "step": s.name,
                    "agency": s.agency,
                    "overrun": describe_span(cal, s.overrun),
                    "consumed": describe_span(cal, s.consumed),
                    "budget": describe_span(cal, s.budget),
                }
            )
    return lines


def dossier_list(qs: QuerySet[Dossier], *, state=None, procedure_id=None, agency_id=None, code=None, q=None):
    qs = qs.select_related("procedure", "current_agency", "receiving_agency")
    if state:
        qs = qs.filter(state=state)
    if procedure_id:
        qs = qs.filter(procedure_id=procedure_id)
    if agency_id:
        qs = qs.filter(current_agency_id=agency_id)
    if code:
        qs = qs.filter(code__startswith=code.strip().upper())
    if q:
        qs = qs.filter(applicant_name__icontains=q.strip())
    return qs.order_by("-created_at", "-id")


def lookup_public(code: str, id_last4: str) -> Dossier | None:
    """A dossier by code, only when the last 4 characters of the applicant's ID match."""
    code = (code or "").strip().upper()
    tail = (id_last4 or "").strip().upper()
    if not code or len(tail) != 4:
        return None
    d = (
        Dossier.objects.select_related("procedure", "receiving_agency")
        .filter(code=code, parent__isnull=True)
        .only(
            "code",
            "state",
            "national_status",
            "applicant_id_number",
            "accepted_at",
            "appointment_at",
            "returned_at",
            "finished_at",
            "procedure__name",
            "receiving_agency__name",
        )
        .first()
    )
    if d is None or not d.applicant_id_number.upper().endswith(tail):
        return None
    return d


def signature_rates(qs: QuerySet[Dossier]):
    """Person- and agency-signature rates of issued results, per competent agency and month (exchange.md §2).

    Rate = results carrying a person (resp. agency) signature applied by congso ÷ results of the dossiers
    that finished processing, by the month processing finished. Rows: agency_id, month (first day),
    results, person_signed, agency_signed, person_rate, agency_rate (0–100, one decimal; None if no result).
    """
    rows = (
        DossierFile.objects.filter(kind=FileKind.RESULT, dossier__in=qs.filter(finished_at__isnull=False))
        .annotate(month=TruncMonth("dossier__finished_at"))
        .values("dossier__competent_agency_id", "month")
        .annotate(
            results=Count("id"),
            person_signed=Count("id", filter=Q(signed_at__isnull=False)),
            agency_signed=Count("id", filter=Q(agency_signed_at__isnull=False)),
        )
        .order_by("dossier__competent_agency_id", "month")
    )
    out = []
    for r in rows:
        n = r["results"]
        out.append(
            {
                "agency_id": r["dossier__competent_agency_id"],
                "month": r["month"].date() if hasattr(r["month"], "date") else r["month"],
                "results": n,
                "person_signed": r["person_signed"],
                "agency_signed": r["agency_signed"],
                "person_rate": round(100 * r["person_signed"] / n, 1) if n else None,
                "agency_rate": round(100 * r["agency_signed"] / n, 1) if n else None,
            }
        )
    return out
