"""Forms 01–05 of a dossier and the logbook (Form 06), built from the dossier and its history.

Each form prints what the event that issued it recorded (Form 02 the items asked for, Form 04 the
new appointment, …), so a reprint months later shows the same content.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from congso.documents.forms_pdf import render_form
from congso.dossiers.choices import FileKind
from congso.dossiers.models import Dossier, DossierEvent


class FormNotAvailable(Exception):
    pass


FORM_EVENT = {"01": "accept", "02": "request_supplement", "03": "refuse", "04": "extend"}
NOT_ISSUED = {
    "01": gettext_lazy("Hồ sơ chưa được tiếp nhận nên chưa có Giấy tiếp nhận (Mẫu 01)."),
    "02": gettext_lazy("Hồ sơ chưa có yêu cầu bổ sung (Mẫu 02)."),
    "03": gettext_lazy("Hồ sơ không bị từ chối (Mẫu 03)."),
    "04": gettext_lazy("Hồ sơ chưa có phiếu xin lỗi và hẹn lại (Mẫu 04)."),
}


def lookup_url(d: Dossier) -> str:
    query = urlencode({"code": d.code or ""})
    return f"{settings.CONGSO_PUBLIC_URL.rstrip('/')}/tra-cuu/?{query}"


def _parse(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _officer(event: DossierEvent | None) -> str:
    if event is None or event.actor is None:
        return ""
    return event.actor.full_name or event.actor.username


def _common(d: Dossier, event: DossierEvent | None) -> dict:
    agency = d.receiving_agency
    parent_name = agency.parent.name if agency.parent_id else "UBND tỉnh Thanh Hóa"
    return {
        "dossier_code": d.code or "",
        "lookup_url": lookup_url(d),
        "parent_agency_name": parent_name.upper(),
        "agency_name": agency.name.upper(),
        "office_name": d.intake_agency.name,
        "place": "Thanh Hóa",
        "issued_at": event.at if event else timezone.now(),
        "applicant": {
            "name": d.applicant_name,
            "id_number": d.applicant_id_number,
            "address": d.applicant_address,
            "phone": d.applicant_phone,
            "email": d.applicant_email,
        },
        "proxy": d.proxy or None,
        "procedure_name": d.procedure.name,
        "request": d.request_text,
        "officer_name": _officer(event),
    }


def render_dossier_form(d: Dossier, number: str) -> bytes:
    d = Dossier.objects.select_related(
        "procedure", "intake_agency", "receiving_agency__parent", "competent_agency"
    ).get(pk=d.pk)
    if number == "05":
        return render_form("05", control_sheet_context(d))
    if number not in FORM_EVENT:
        raise FormNotAvailable(_("Chỉ in được Mẫu 01, 02, 03, 04, 05 cho một hồ sơ; Sổ theo dõi (Mẫu 06) in theo kỳ."))
    event = d.events.select_related("actor").filter(action=FORM_EVENT[number]).order_by("-seq").first()
    if event is None:
        raise FormNotAvailable(str(NOT_ISSUED[number]))
    ctx = _common(d, event)
    data = event.data
    if number == "01":
        components = [
            {"name": f.name, "copies": 1, "original": False, "digitised": f.digitised}
            for f in d.files.filter(kind=FileKind.COMPONENT).order_by("id")
        ] or [
            {"name": c.name, "copies": c.copies, "original": c.original, "digitised": False}
            for c in d.procedure.components.all()
        ]
        ctx.update(
            components=components,
            sets=d.copies,
            duration_text=d.procedure.duration_text or "",
            received_at=d.accepted_at,
            appointment_at=_parse(data.get("appointment_at")),
            return_place=d.return_method or d.intake_agency.name,
            logbook_entry=f"Sổ theo dõi hồ sơ năm {timezone.localtime(d.accepted_at).year}, mã {d.code}",
        )
    elif number == "02":
        ctx.update(
            missing_items=data.get("items", []),
            reason=data.get("reason", ""),
            contact_officer={"name": _officer(event), "phone": ""},
        )
    elif number == "03":
        ctx.update(reasons=data.get("reasons", []))
    elif number == "04":
        head = d.competent_agency
        ctx.update(
            received_at=d.accepted_at,
            original_appointment_at=_parse(data.get("previous_appointment_at")),
            reason=data.get("reason", ""),
            new_appointment_at=_parse(data.get("new_appointment_at")),
            head_of_agency={"name": _officer(event), "title": f"Thủ trưởng {head.name}"},
        )
    return render_form(number, ctx)


def control_sheet_context(d: Dossier) -> dict:
    """Form 05: a row at every hand-over (domain §4)."""
    if not d.accepted_at:
        raise FormNotAvailable(str(NOT_ISSUED["01"]))
    accept = d.events.select_related("actor").filter(action="accept").first()
    ctx = _common(d, accept)
    rows = []
    for run in d.step_runs.select_related("agency", "assignee", "left_by").order_by("seq"):
        if run.left_at is None:
            continue
        nxt = d.step_runs.select_related("assignee", "agency").filter(seq=run.seq + 1).first()
        rows.append(
            {
                "unit": run.agency.name,
                "at": run.left_at,
                "from_name": (run.left_by.full_name or run.left_by.username) if run.left_by else "",
                "to_name": ((nxt.assignee.full_name if nxt.assignee else nxt.agency.name) if nxt else d.applicant_name),
                "outcome": run.outcome or None,
                "note": f"{run.name}. {run.note}".strip(),
            }
        )
    coordinating = sorted({c.competent_agency.name for c in d.children.select_related("competent_agency")})
    if d.coordinating_agency_id:
        coordinating.append(d.coordinating_agency.name)
    ctx.update(
        lead_agency=d.competent_agency.name,
        coordinating_agencies=coordinating,
        received_at=d.accepted_at,
        appointment_at=d.appointment_at,
        handovers=rows,
    )
    return ctx


def logbook_context(agency, dossiers, period: str) -> dict:
    """Form 06: the logbook of an office for a period."""
    rows = []
    for i, d in enumerate(dossiers, start=1):
        rows.append(
            {
                "no": i,
                "dossier_code": d.code,
                "procedure_name": d.procedure.name,
                "applicant_name": d.applicant_name,
                "address_phone": ", ".join(x for x in (d.applicant_address, d.applicant_phone) if x),
                "lead_agency": d.competent_agency.name,
                "received_at": d.accepted_at,
                "appointment_at": d.appointment_at,
                "returned_at": d.returned_at,
                "delivery": d.return_method or "Trực tiếp tại Bộ phận Một cửa",
            }
        )
    return {
        "rows": rows,
        "period": period,
        "agency_name": agency.name.upper(),
        "parent_agency_name": (agency.parent.name if agency.parent_id else "UBND tỉnh Thanh Hóa").upper(),
        "office_name": agency.name,
        "lookup_url": f"{settings.CONGSO_PUBLIC_URL.rstrip('/')}/tra-cuu/",
        "issued_at": timezone.now(),
        "place": "Thanh Hóa",
    }
