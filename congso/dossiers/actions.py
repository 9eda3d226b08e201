"""Every state change of a dossier is a named action here (DESIGN §4.1).

Each action runs in one transaction, locks the dossier, saves with ``update_fields`` and appends one
event to the dossier's hash-chained history. Domain rules: ``shared/domain/procedures.md`` §2–§5
(Decree 118/2025/NĐ-CP and Circular 03/2025/TT-VPCP).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from congso.accounts.choices import READ_ONLY_ROLES, Role
from congso.catalog.choices import DurationUnit
from congso.catalog.models import Procedure, WorkflowDefinition
from congso.catalog.selectors import latest_workflows, procedure_duration_hours, workflow_for_procedure
from congso.catalog.workflows import (
    END,
    GUARDS,
    TRANSITION_ACTIONS,
    StepSpec,
    WorkflowError,
    WorkflowSpec,
    parse_workflow,
    resolve_branch_budgets,
    resolve_budgets,
)
from congso.core.text import nfc
from congso.dossiers import codes, files, history
from congso.dossiers import files as files_store
from congso.dossiers.access import DETAIL_RELATIONS, Who, attach_agencies, detail_queryset
from congso.dossiers.choices import (
    NATIONAL_STATUS,
    PAUSED_STATES,
    TERMINAL_STATES,
    Channel,
    FileKind,
    Outcome,
    PaymentStatus,
    Source,
    State,
)
from congso.dossiers.ledger import CALENDAR, WORKING, Ledger, outcome
from congso.dossiers.models import (
    Dossier,
    DossierEvent,
    DossierFile,
    PersonalDocument,
    StepRun,
    StoredFile,
)
from congso.dossiers.signals import dossier_changed
from congso.geo.models import Agency
from congso.geo.selectors import commune_pc_of_unit
from congso.workcalendar.clock import add_working_time, working_time_between
from congso.workcalendar.selectors import current_calendar


class ActionError(Exception):
    """An action cannot be performed; ``message`` is Vietnamese, ``fields`` names bad inputs."""

    def __init__(self, message: str, fields: dict[str, str] | None = None, status: int = 409):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.status = status


# ---- helpers -------------------------------------------------------------------------------------
def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _seconds(td: dt.timedelta) -> int:
    return int(round(td.total_seconds()))


def _hours_to_seconds(hours: Decimal) -> int:
    return int((Decimal(hours) * 3600).to_integral_value())


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


_spec_cache: dict[str, WorkflowSpec] = {}


def spec_of(workflow: WorkflowDefinition) -> WorkflowSpec:
    """The parsed spec of a published (immutable) version, cached by its content hash."""
    spec = _spec_cache.get(workflow.spec_sha256)
    if spec is None:
        spec = parse_workflow(workflow.spec, roles=set(Role.values))
        _spec_cache[workflow.spec_sha256] = spec
    return spec


def dossier_ledger(d: Dossier) -> Ledger:
    return Ledger(
        budget=dt.timedelta(seconds=d.budget_seconds),
        consumed=dt.timedelta(seconds=d.consumed_seconds),
        running_since=d.running_since,
        mode=d.clock_mode,
        calendar_days=int(d.procedure.duration_value or 0) if d.clock_mode == CALENDAR else 0,
    )


def step_ledger(run: StepRun) -> Ledger:
    return Ledger(
        budget=dt.timedelta(seconds=run.budget_seconds),
        consumed=dt.timedelta(seconds=run.consumed_seconds),
        running_since=run.running_since,
    )


def _set_ledger(d: Dossier, ledger: Ledger, cal) -> list[str]:
    d.budget_seconds = _seconds(ledger.budget)
    d.consumed_seconds = _seconds(ledger.consumed)
    d.running_since = ledger.running_since
    d.due_at = ledger.due(cal)
    return ["budget_seconds", "consumed_seconds", "running_since", "due_at"]


def _open_run(d: Dossier) -> StepRun | None:
    return d.step_runs.filter(left_at__isnull=True).order_by("-seq").first()


def _event(
    d: Dossier, action: str, who: Who | None, at: dt.datetime, from_state: str, data: dict | None = None
) -> DossierEvent:
    """Append one event to the dossier's chain; the caller saves ``history_head``/``event_count``."""
    data = data or {}
    seq = d.event_count + 1
    prev = d.history_head or history.GENESIS
    actor = getattr(who, "user", None) if who else None
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    payload = history.canonical(
        dossier_id=d.pk,
        seq=seq,
        action=action,
        actor_id=actor_id,
        at=at,
        from_state=from_state,
        to_state=d.state,
        step_key=d.current_step,
        data=data,
    )
    digest = history.chain_hash(prev, payload)
    event = DossierEvent.objects.create(
        dossier=d,
        seq=seq,
        action=action,
        actor_id=actor_id,
        actor_label=(getattr(actor, "full_name", "") or getattr(actor, "username", "")) if actor_id else "",
        at=at,
        from_state=from_state,
        to_state=d.state,
        step_key=d.current_step,
        data=data,
        prev_hash=prev,
        hash=digest,
    )
    d.history_head = digest
    d.event_count = seq
    d.__dict__.setdefault("_unsent_events", []).append(event)
    return event


def _save(d: Dossier, fields: list[str]) -> None:
    d.save(update_fields=sorted({*fields, "history_head", "event_count", "updated_at"}))
    events = d.__dict__.pop("_unsent_events", [])
    if events:
        dossier_changed.send(sender=Dossier, dossier=d, events=events)


def _set_state(d: Dossier, state: str) -> list[str]:
    d.state = state
    d.national_status = int(NATIONAL_STATUS[State(state)])
    return ["state", "national_status"]


def _lock(dossier_id: int, seen: Dossier | None = None) -> Dossier:
    """Re-read the dossier inside the transaction, locked (PostgreSQL: FOR UPDATE; SQLite: the writer lock).

    Only the dossier row is read under the lock; related rows already loaded by the caller (``seen``)
    are reused when the foreign key still points at them, and agencies come from the process cache,
    so the lock is held briefly.
    """
    blocks = transaction.get_connection().atomic_blocks
    if seen is not None and blocks and getattr(seen, "_locked_by", None) is blocks[0]:
        return seen  # read FOR UPDATE by access_dossier(lock=True) in this very transaction
    if seen is None:
        return attach_agencies(detail_queryset().select_for_update(of=("self",)).get(pk=dossier_id))
    d = Dossier.objects.select_for_update().get(pk=dossier_id)
    for relation in DETAIL_RELATIONS:
        field = Dossier._meta.get_field(relation)
        if field.is_cached(seen) and getattr(seen, field.attname) == getattr(d, field.attname):
            field.set_cached_value(d, field.get_cached_value(seen))
    return attach_agencies(d)


def _require(condition: bool, message: str, status: int = 409, fields: dict | None = None) -> None:
    if not condition:
        raise ActionError(message, fields=fields, status=status)


def _text_field(payload: dict, name: str, label: str, *, required: bool = True, max_length: int = 2000) -> str:
    value = payload.get(name)
    value = nfc(value).strip() if isinstance(value, str) else ""
    if required and not value:
        message = _("Vui lòng nhập %(label)s.") % {"label": label}
        raise ActionError(message, fields={name: message}, status=422)
    if len(value) > max_length:
        raise ActionError(
            _("%(label)s dài tối đa %(max_length)s ký tự.") % {"label": label.capitalize(), "max_length": max_length},
            fields={name: _("Quá dài.")},
            status=422,
        )
    return value


def _list_field(payload: dict, name: str, label: str) -> list[str]:
    raw = payload.get(name)
    if isinstance(raw, str):
        raw = [line for line in raw.splitlines()]
    items = [nfc(x).strip() for x in (raw or []) if isinstance(x, str) and x.strip()]
    if not items:
        message = _("Vui lòng liệt kê %(label)s.") % {"label": label}
        raise ActionError(message, fields={name: message}, status=422)
    return items


# ---- create and submit ---------------------------------------------------------------------------
@dataclass
class Applicant:
    name: str
    id_number: str
    kind: int = 1
    id_type: str = "cccd"
    address: str = ""
    phone: str = ""
    email: str = ""
    proxy: dict = field(default_factory=dict)
    date_of_birth: dt.date | None = None


@dataclass(frozen=True)
class Attachment:
    """A stored file that arrives with a new dossier (see ``create_dossier``)."""

    stored: StoredFile
    filename: str = ""
    name: str = ""
    digitised: bool = True


def _validate_applicant(a: Applicant) -> Applicant:
    errors = {}
    name = nfc(a.name or "").strip()
    id_number = (a.id_number or "").strip().upper()
    if not name:
        errors["applicant.name"] = _("Vui lòng nhập họ tên người nộp hồ sơ (hoặc tên tổ chức).")
    if not id_number or not id_number.replace("-", "").isalnum() or len(id_number) < 4 or len(id_number) > 30:
        errors["applicant.id_number"] = _(
            "Số định danh (CCCD, mã số doanh nghiệp…) phải gồm 4–30 chữ số hoặc chữ cái, không có khoảng trắng."
        )
    elif a.kind == 1 and (a.id_type or "cccd") == "cccd":
        # The 12-digit personal identification number: province of birth registration, century/sex, year.
        from congso.core.cccd import CccdError, check

        try:
            check(id_number, date_of_birth=a.date_of_birth, today=timezone.localdate())
        except CccdError as exc:
            errors["applicant.id_number"] = exc.message
    if a.kind not in (1, 2, 3, 4):
        errors["applicant.kind"] = _(
            "Loại đối tượng phải là 1 (công dân), 2 (doanh nghiệp), 3 (cơ quan nhà nước) hoặc 4 (khác)."
        )
    if a.phone and not (a.phone.isdigit() and 9 <= len(a.phone) <= 12):
        errors["applicant.phone"] = _("Số điện thoại chỉ gồm 9–12 chữ số.")
    if errors:
        raise ActionError(_("Thông tin người nộp hồ sơ chưa hợp lệ."), fields=errors, status=422)
    return Applicant(
        name=name,
        id_number=id_number,
        kind=a.kind,
        id_type=a.id_type or "cccd",
        address=nfc(a.address or "").strip(),
        phone=a.phone or "",
        email=(a.email or "").strip(),
        proxy={k: nfc(v) if isinstance(v, str) else v for k, v in (a.proxy or {}).items()},
        date_of_birth=a.date_of_birth,
    )


def competent_agency_for(procedure: Procedure, intake: Agency) -> Agency | None:
    """The agency that decides: the commune People's Committee of the intake commune, or the department."""
    if procedure.level == "commune":
        if intake.kind == "commune_pc":
            return intake
        pc = commune_pc_of_unit(intake.unit_id)
        if pc is not None:
            return pc
        return None
    return procedure.agencies.filter(valid_to__isnull=True).order_by("pk").first()


def create_dossier(
    *,
    procedure: Procedure,
    intake_agency: Agency,
    applicant: Applicant,
    channel: int,
    source: str,
    who: Who | None,
    request_text: str = "",
    form_data: dict | None = None,
    copies: int = 1,
    return_method: str = "",
    competent_agency: Agency | None = None,
    workflow: WorkflowDefinition | None = None,
    submit: bool = False,
    attachments: list[Attachment] | None = None,
    now: dt.datetime | None = None,
) -> Dossier:
    """Create a dossier: a draft online (``submit=False``) or a dossier handed in at the desk.

    ``attachments``: files already stored (content-addressed) that arrive with the dossier, e.g. the
    components of an online dossier handed over by DVCQG; they are recorded in the creating event.

    In person (channel 1) and postal dossiers are *received* at once (state ``submitted``): the intake
    check (accept, supplement, refuse) follows.
    """
    now = _now(now)
    applicant = _validate_applicant(applicant)
    _require(procedure.valid_to is None, _("Thủ tục này đã hết hiệu lực; vui lòng chọn thủ tục đang áp dụng."), 422)
    _require(channel in Channel.values, _("Kênh thực hiện phải là 1, 2 hoặc 3."), 422, {"channel": _("Không hợp lệ.")})
    _require(1 <= copies <= 20, _("Số bộ hồ sơ phải từ 1 đến 20."), 422, {"copies": _("Không hợp lệ.")})
    workflow = workflow or workflow_for_procedure(procedure, latest_workflows())
    _require(workflow is not None, _("Thủ tục chưa có quy trình xử lý được ban hành; liên hệ quản trị hệ thống."))
    competent = competent_agency or competent_agency_for(procedure, intake_agency)
    _require(
        competent is not None,
        _(
            "Chưa xác định được cơ quan giải quyết thủ tục này; liên hệ quản trị hệ thống để khai báo cơ quan thực hiện."
        ),
    )
    # Decree 118/2025 Art. 17: the code starts with the receiving agency's identifier; for a commune
    # procedure that is the commune People's Committee, for a province procedure the department.
    receiving = competent
    with transaction.atomic():
        d = Dossier(
            procedure=procedure,
            workflow=workflow,
            channel=channel,
            source=source,
            applicant_user=(who.user if who and not who.is_staff_member and getattr(who.user, "pk", None) else None),
            applicant_kind=applicant.kind,
            applicant_name=applicant.name,
            applicant_id_type=applicant.id_type,
            applicant_id_number=applicant.id_number,
            applicant_address=applicant.address,
            applicant_phone=applicant.phone,
            applicant_email=applicant.email,
            proxy=applicant.proxy,
            request_text=nfc(request_text or "").strip() or procedure.name,
            form_data=form_data or {},
            copies=copies,
            return_method=nfc(return_method or "").strip(),
            intake_agency=intake_agency,
            receiving_agency=receiving,
            competent_agency=competent,
            created_by=getattr(who, "user", None) if who and getattr(who.user, "pk", None) else None,
        )
        if submit and source == Source.PORTAL:  # DVCQG's dossiers were checked against its own form
            d.form_data = check_form(
                procedure,
                form_data,
                {k: getattr(applicant, k) for k in ("name", "id_number", "phone", "email", "address")},
                now,
            )
        d.state = State.DRAFT
        d.national_status = int(NATIONAL_STATUS[State.DRAFT])
        if submit or channel != Channel.ONLINE:
            d.state = State.SUBMITTED
            d.national_status = int(NATIONAL_STATUS[State.SUBMITTED])
            d.submitted_at = now
        d.save()
        attached = [
            DossierFile.objects.create(
                dossier=d,
                kind=FileKind.COMPONENT,
                name=nfc(a.name or a.filename or "Tệp đính kèm").strip()[:1000],
                file=a.stored,
                filename=nfc(a.filename or "")[:255],
                digitised=a.digitised,
            )
            for a in attachments or []
        ]
        action = "receive" if channel != Channel.ONLINE else ("submit" if submit else "create_draft")
        _event(
            d,
            action,
            who,
            now,
            "",
            {
                "procedure": procedure.key,
                "procedure_version": procedure.version,
                "workflow": workflow.key,
                "workflow_version": workflow.version,
                "channel": channel,
                "source": source,
                **(
                    {"files": [{"file": f.pk, "name": f.name, "sha256": f.file.sha256} for f in attached]}
                    if attached
                    else {}
                ),
            },
        )
        _save(d, [])
    return d


def check_form(procedure: Procedure, form_data: dict | None, applicant: dict, now: dt.datetime) -> dict:
    """An online dossier is submitted only with its e-form filled as the procedure's schema requires
    (Decree 45/2020 Art. 9: the e-form stands for the paper declaration); each problem named by field.

    Fields the form takes from the applicant (``x-prefill``) are filled from the dossier's applicant when the
    caller left them out, as the portal's wizard does; the completed answers are returned."""
    from congso.catalog import eforms

    data = form_data if isinstance(form_data, dict) else {}
    if not procedure.form_schema:
        return data
    schema = eforms.with_default_prefill(procedure.form_schema)
    data = {**eforms.prefill(schema, {k: v for k, v in applicant.items() if v}), **data}
    errors = eforms.validate(schema, data, today=timezone.localdate(now))
    if errors:
        raise ActionError(
            _("Tờ khai còn %(n)s chỗ chưa đúng hoặc chưa điền; vui lòng sửa trước khi nộp.") % {"n": len(errors)},
            {f"form_data.{k}" if k else "form_data": v for k, v in errors.items()},
            status=422,
        )
    return data


def _applicant_of(d: Dossier) -> dict:
    return {
        "name": d.applicant_name,
        "id_number": d.applicant_id_number,
        "phone": d.applicant_phone,
        "email": d.applicant_email,
        "address": d.applicant_address,
    }


def submit_dossier(d: Dossier, who: Who, *, now: dt.datetime | None = None) -> Dossier:
    now = _now(now)
    with transaction.atomic():
        d = _lock(d.pk, d)
        _require(who.is_applicant_of(d), _("Chỉ người nộp hồ sơ mới được nộp bản nháp này."), 404)
        _require(d.state == State.DRAFT, _("Hồ sơ đã được nộp."))
        _require(
            d.files.filter(kind=FileKind.COMPONENT).exists()
            or not d.procedure.components.filter(mandatory=True).exists(),
            _("Hồ sơ chưa có thành phần nào; vui lòng tải lên các giấy tờ bắt buộc trước khi nộp."),
            422,
        )
        fields = []
        if d.source == Source.PORTAL:
            completed = check_form(d.procedure, d.form_data, _applicant_of(d), now)
            if completed != d.form_data:
                d.form_data = completed
                fields.append("form_data")
        before = d.state
        fields += _set_state(d, State.SUBMITTED)
        d.submitted_at = now
        _event(d, "submit", who, now, before)
        _save(d, [*fields, "submitted_at"])
    return d


# ---- the intake check ---------------------------------------------------------------------------
def _duration_for(d: Dossier, payload: dict, cal) -> tuple[Ledger, Decimal]:
    """The dossier ledger at acceptance and the step-budget total in working hours."""
    proc = d.procedure
    hours = procedure_duration_hours(proc, cal.office_hours.hours_per_day)
    override = payload.get("duration_hours")
    if hours is None:
        # The catalog gives no single duration (e.g. "Cổng DVCQG: không có thông tin"): the officer
        # states the statutory duration that applies to this case.
        try:
            hours = Decimal(str(override))
        except Exception:  # noqa: BLE001
            hours = None
        if hours is None or hours <= 0 or hours > 8 * 365:
            raise ActionError(
                _(
                    "Thủ tục chưa có thời hạn giải quyết trong danh mục; vui lòng nhập thời hạn áp dụng (số giờ làm việc)."
                ),
                fields={"duration_hours": _("Nhập số giờ làm việc, ví dụ 40 cho 05 ngày làm việc.")},
                status=422,
            )
    if proc.duration_unit == DurationUnit.CALENDAR_DAYS and proc.duration_value is not None:
        days = int(Decimal(proc.duration_value))
        return Ledger(budget=dt.timedelta(days=days), mode=CALENDAR, calendar_days=days), hours
    if proc.duration_unit == DurationUnit.IMMEDIATE:
        return Ledger(budget=dt.timedelta(0)), Decimal(0)
    return Ledger(budget=dt.timedelta(hours=float(hours))), hours


def _plan_acceptance(d: Dossier, payload: dict, cal) -> tuple:
    ledger, total_hours = _duration_for(d, payload, cal)
    spec = spec_of(d.workflow)
    try:
        budgets = resolve_budgets(spec, total_hours)
    except WorkflowError as exc:
        raise ActionError(str(exc)) from None
    return ledger, total_hours, spec, budgets, _fee_quote(d, payload)


def _fee_quote(d: Dossier, payload: dict):
    """The procedure's fees and charges for this dossier (domain §7), or None when it has no fee lines.

    ``result_copies`` multiplies per-copy lines; ``fee_exemptions`` maps a line's position to the exemption
    the applicant claims (one of the line's own reasons), checked by the receiving officer at acceptance.
    """
    from congso.payments.fees import FeeError, quote
    from congso.payments.selectors import fee_schedule

    schedule = fee_schedule(d.procedure_id)
    if not schedule:
        return None
    form = d.form_data if isinstance(d.form_data, dict) else {}
    copies = payload.get("result_copies", form.get("result_copies", 1))
    claimed = payload.get("fee_exemptions", form.get("fee_exemptions")) or {}
    try:
        if isinstance(copies, str) and copies.strip().isdigit():
            copies = int(copies)
        if not isinstance(claimed, dict):
            raise FeeError("fee_exemptions")
        exempt = {int(k): nfc(str(v)) for k, v in claimed.items() if str(v).strip()}
        return quote(schedule, copies=copies, exempt=exempt)
    except (FeeError, ValueError, TypeError):
        raise ActionError(
            _("Số bản kết quả hoặc trường hợp miễn phí, lệ phí không hợp lệ."),
            {
                "result_copies": _("Số bản là số nguyên từ 1 đến 100."),
                "fee_exemptions": _("Chỉ chọn trường hợp miễn có trong danh mục phí, lệ phí của thủ tục."),
            },
            status=422,
        ) from None


def accept_dossier(d: Dossier, who: Who, payload: dict | None = None, *, now: dt.datetime | None = None) -> Dossier:
    """Complete and valid → Form 01 (receipt and appointment) and the dossier code (domain §2.2)."""
    payload = payload or {}
    now = _now(now)
    cal = current_calendar()
    # The procedure and the workflow a dossier pinned never change: work out the budgets before taking
    # the lock (SQLite has one writer); a problem is reported after the state checks, as before.
    try:
        planned: tuple | ActionError = _plan_acceptance(d, payload, cal)
    except ActionError as exc:
        planned = exc
    with transaction.atomic():
        d = _lock(d.pk, d)
        _require(d.state == State.SUBMITTED, _("Chỉ hồ sơ đang chờ tiếp nhận mới được tiếp nhận."))
        _require(
            who.has(d.intake_agency_id, Role.RECEIVING_OFFICER),
            _("Chỉ cán bộ tiếp nhận tại nơi nộp hồ sơ được tiếp nhận."),
            403,
        )
        agency = d.receiving_agency
        _require(
            bool(agency.identifier),
            _(
                "Cơ quan tiếp nhận «%(agency)s» chưa có mã định danh điện tử nên chưa cấp được mã hồ sơ; "
                "quản trị hệ thống cần nhập mã định danh trước."
            )
            % {"agency": agency.name},
        )
        if isinstance(planned, ActionError):
            raise planned
        ledger, total_hours, spec, budgets, fee = planned
        local_day = timezone.localtime(now).date()
        number = codes.next_number(agency.pk, local_day)
        d.code = codes.format_code(agency.identifier, local_day, number)
        ledger = ledger.start(now)
        before = d.state
        fields = _set_state(d, State.ACCEPTED)
        d.clock_mode = ledger.mode
        fields += _set_ledger(d, ledger, cal)
        d.accepted_at = now
        d.appointment_at = d.due_at
        d.original_appointment_at = d.due_at
        fields += ["code", "clock_mode", "accepted_at", "appointment_at", "original_appointment_at"]
        d._last_seq = 0
        fee_data = None
        if fee is not None and fee.total > 0 and d.payment_status != PaymentStatus.UNPAID:
            # Fees and charges are collected with the dossier (domain §7); the result is not handed over
            # until they are paid (guard "paid"); the clock is not paused for them.
            d.payment_status = PaymentStatus.UNPAID
            d.amount_due = fee.total
            fields += ["payment_status", "amount_due"]
        if fee is not None:
            fee_data = {"total": fee.total, "undetermined": fee.undetermined, "lines": [x.as_dict() for x in fee.lines]}
        fields += _enter_step(d, spec, spec.first, budgets, who, now)
        d._files = list(d.files.select_related("file").order_by("id"))  # also what the caller shows
        components = [
            {"name": f.name, "digitised": f.digitised, "reused": f.reused}
            for f in d._files
            if f.kind == FileKind.COMPONENT
        ]
        _event(
            d,
            "accept",
            who,
            now,
            before,
            {
                "form": "01",
                "code": d.code,
                "appointment_at": _iso(d.appointment_at),
                "budget_hours": str(total_hours),
                "clock_mode": ledger.mode,
                "components": components,
                "note": _text_field(payload, "note", _("ghi chú"), required=False),
                **({"fee": fee_data} if fee_data else {}),
            },
        )
        _save(d, fields)
    return d


def request_supplement(d: Dossier, who: Who, payload: dict, *, now: dt.datetime | None = None) -> Dossier:
    """Form 02: list *all* missing items at once (domain §2.2, §2.4); pauses the clock during processing."""
    now = _now(now)
    cal = current_calendar()
    items = _list_field(payload, "items", _("các giấy tờ cần bổ sung"))
    reason = _text_field(payload, "reason", _("lý do"))
    with transaction.atomic():
        d = _lock(d.pk, d)
        before = d.state
        data = {"form": "02", "items": items, "reason": reason}
        fields: list[str] = []
        if d.state == State.SUBMITTED:
            _require(
                who.has(d.intake_agency_id, Role.RECEIVING_OFFICER),
                _("Chỉ cán bộ tiếp nhận được yêu cầu bổ sung."),
                403,
            )
            d.resume_state = State.SUBMITTED
        else:
            _require(
                d.state in (State.ACCEPTED, State.PROCESSING), _("Hồ sơ không ở trạng thái có thể yêu cầu bổ sung.")
            )
            _require(
                who.has(d.current_agency_id, Role.SPECIALIST, Role.LEADER, Role.RECEIVING_OFFICER),
                _("Chỉ cán bộ đang xử lý hồ sơ được yêu cầu bổ sung."),
                403,
            )
            limit = settings.CONGSO_MAX_SUPPLEMENTS
            _require(
                d.supplement_count < limit,
                _("Hồ sơ đã được yêu cầu bổ sung %(count)s lần; theo quy định chỉ được yêu cầu %(limit)s lần.")
                % {"count": d.supplement_count, "limit": limit},
            )
            d.supplement_count += 1
            d.resume_state = d.state
            fields += ["supplement_count"] + _pause(d, cal, now)
            data["policy"] = settings.CONGSO_SUPPLEMENT_POLICY
        fields += _set_state(d, State.SUPPLEMENT_REQUESTED) + ["resume_state"]
        _event(d, "request_supplement", who, now, before, data)
        _save(d, fields)
    return d


def submit_supplement(d: Dossier, who: Who, payload: dict | None = None, *, now: dt.datetime | None = None) -> Dossier:
    """The applicant supplies what Form 02 asked for; the clock resumes (``extend``) or restarts (``restart``)."""
    payload = payload or {}
    now = _now(now)
    cal = current_calendar()
    with transaction.atomic():
        d = _lock(d.pk, d)
        _require(d.state == State.SUPPLEMENT_REQUESTED, _("Hồ sơ không ở trạng thái chờ bổ sung."))
        _require(
            who.is_applicant_of(d) or who.has(d.intake_agency_id, Role.RECEIVING_OFFICER),
            _("Chỉ người nộp hồ sơ hoặc cán bộ tiếp nhận được nộp hồ sơ bổ sung."),
            403,
        )
        before = d.state
        target = d.resume_state or State.SUBMITTED
        fields = _set_state(d, target)
        data = {"note": _text_field(payload, "note", _("ghi chú"), required=False)}
        if target != State.SUBMITTED:
            policy = settings.CONGSO_SUPPLEMENT_POLICY
            fields += _resume(d, cal, now, restart=policy == "restart")
            data.update(policy=policy, due_at=_iso(d.due_at), appointment_at=_iso(d.appointment_at))
        d.resume_state = ""
        _event(d, "submit_supplement", who, now, before, data)
        _save(d, [*fields, "resume_state"])
    return d


def refuse_dossier(d: Dossier, who: Who, payload: dict, *, now: dt.datetime | None = None) -> Dossier:
    """Form 03: not eligible at intake, or refused on the merits within the deadline (domain §2.2, §2.4)."""
    now = _now(now)
    cal = current_calendar()
    reasons = _list_field(payload, "reasons", _("lý do từ chối"))
    with transaction.atomic():
        d = _lock(d.pk, d)
        before = d.state
        fields: list[str] = []
        if d.state in (State.SUBMITTED, State.SUPPLEMENT_REQUESTED) and not d.accepted_at:
            _require(
                who.has(d.intake_agency_id, Role.RECEIVING_OFFICER),
                _("Chỉ cán bộ tiếp nhận được từ chối tiếp nhận."),
                403,
            )
        else:
            _require(d.state in (State.ACCEPTED, State.PROCESSING), _("Hồ sơ không ở trạng thái có thể từ chối."))
            _require(
                who.has(d.competent_agency_id, Role.LEADER),
                _("Chỉ lãnh đạo cơ quan giải quyết được từ chối hồ sơ."),
                403,
            )
            fields += _finish_clock(d, cal, now)
        fields += _set_state(d, State.REFUSED)
        d.ended_at = now
        fields += ["ended_at"] + _close_run(d, who, now, "refuse", cal)
        _event(d, "refuse", who, now, before, {"form": "03", "reasons": reasons})
        _save(d, fields)
    return d


# ---- the clock ------------------------------------------------------------------------------------
def _pause(d: Dossier, cal, now: dt.datetime) -> list[str]:
    fields = []
    if d.running_since is not None:
        ledger = dossier_ledger(d).pause(cal, now)
        fields += _set_ledger(d, ledger, cal)
        d.due_at = None
    run = _open_run(d)
    if run is not None and run.running_since is not None:
        rl = step_ledger(run).pause(cal, now)
        run.consumed_seconds = _seconds(rl.consumed)
        run.running_since = None
        run.save(update_fields=["consumed_seconds", "running_since"])
    if d.appointment_at and not d.running_since:
        # Keep the working time left to the appointment, so the appointment moves by the paused time.
        left = working_time_between(cal, now, d.appointment_at)
        d.appointment_left_seconds = _seconds(left)
        fields.append("appointment_left_seconds")
    return fields


def _resume(d: Dossier, cal, now: dt.datetime, *, restart: bool = False) -> list[str]:
    ledger = dossier_ledger(d)
    ledger = ledger.restart(now) if restart else ledger.resume(now)
    fields = _set_ledger(d, ledger, cal)
    run = _open_run(d)
    if run is not None and run.running_since is None:
        rl = step_ledger(run)
        rl = rl.restart(now) if restart else rl.resume(now)
        run.consumed_seconds = _seconds(rl.consumed)
        run.running_since = rl.running_since
        run.save(update_fields=["consumed_seconds", "running_since"])
    left, d.appointment_left_seconds = d.appointment_left_seconds, None
    if restart:
        d.appointment_at = d.due_at
    elif left is not None and d.appointment_at:
        d.appointment_at = (
            add_working_time(cal, now, dt.timedelta(seconds=left)) if ledger.mode == WORKING else d.due_at
        )
    # Pauses may have moved the statutory due time: a new warning/overdue mark applies to it.
    d.warned_at = None
    d.overdue_at = None
    return [*fields, "appointment_at", "appointment_left_seconds", "warned_at", "overdue_at"]


def _finish_clock(d: Dossier, cal, now: dt.datetime) -> list[str]:
    """Stop the dossier ledger and decide early / on time / late against the statutory due time."""
    ledger = dossier_ledger(d)
    due = ledger.due(cal, resume_at=now)
    remaining = ledger.remaining_at(cal, now)
    if ledger.running_since is not None:
        ledger = ledger.pause(cal, now)
    fields = _set_ledger(d, ledger, cal)
    if ledger.mode == CALENDAR:
        late = due is not None and now > due
    else:
        late = remaining < dt.timedelta(0)
    if late:
        d.outcome = Outcome.LATE
    else:
        d.outcome = outcome(now, due or now, cal)
    d.due_at = due
    return [*fields, "outcome"]


# ---- steps ----------------------------------------------------------------------------------------
def _agency_for_step(d: Dossier, selector, who_payload_agency: Agency | None = None) -> Agency:
    if selector == "intake":
        return d.intake_agency
    if selector == "receiving":
        return d.receiving_agency
    if selector == "competent":
        return d.competent_agency
    if selector == "coordinating":
        if who_payload_agency is not None:
            return who_payload_agency
        _require(
            d.coordinating_agency_id is not None, _("Chưa chọn cơ quan phối hợp."), 422, {"agency_id": _("Bắt buộc.")}
        )
        return d.coordinating_agency
    slug = selector["named"]
    agency = Agency.objects.current().filter(slug=slug).first()
    _require(
        agency is not None,
        _("Quy trình chỉ định cơ quan «%(slug)s» nhưng cơ quan này không còn hiệu lực.") % {"slug": slug},
    )
    return agency


def _step_budgets(d: Dossier, spec: WorkflowSpec) -> dict[str, Decimal]:
    total = Decimal(d.budget_seconds) / 3600
    if d.clock_mode == CALENDAR:
        total = procedure_duration_hours(d.procedure) or Decimal(0)
    return resolve_budgets(spec, total)


def _enter_step(
    d: Dossier,
    spec: WorkflowSpec,
    step: StepSpec,
    budgets: dict[str, Decimal],
    who: Who | None,
    now: dt.datetime,
    *,
    agency: Agency | None = None,
    assignee=None,
) -> list[str]:
    agency = agency or _agency_for_step(d, step.agency)
    last = getattr(d, "_last_seq", None)
    seq = (last if last is not None else d.step_runs.count()) + 1
    d._last_seq = seq
    paused = d.running_since is None
    run = StepRun.objects.create(
        dossier=d,
        seq=seq,
        step_key=step.key,
        name=step.name,
        role=step.role,
        agency=agency,
        assignee=assignee,
        budget_seconds=_hours_to_seconds(budgets.get(step.key, Decimal(0))),
        running_since=None if paused or step.kind == "release" else now,
        entered_at=now,
    )
    if seq == 1:
        run.agency, run.assignee = agency, assignee
        d._runs = [run]  # the dossier's only run: what the caller shows, without reading it back
    d.current_step = step.key
    d.current_agency = agency
    d.current_role = step.role
    d.assignee = assignee
    fields = ["current_step", "current_agency", "current_role", "assignee"]
    if step.kind == "release":
        fields += _finish_processing(d, now)
    elif step.kind == "liaison":
        fields += _open_liaison(d, spec, step, run, who, now)
    return fields


def _close_run(d: Dossier, who: Who | None, now: dt.datetime, action: str, cal, note: str = "") -> list[str]:
    run = _open_run(d)
    if run is None:
        return []
    d._last_seq = run.seq
    rl = step_ledger(run)
    if rl.running_since is not None:
        rl = rl.pause(cal, now)
    run.consumed_seconds = _seconds(rl.consumed)
    run.running_since = None
    run.left_at = now
    run.left_by = who.user if who and getattr(who.user, "pk", None) else None
    run.left_action = action
    run.note = note
    if run.budget_seconds or run.consumed_seconds:
        left = run.budget_seconds - run.consumed_seconds
        if left < 0:
            run.outcome = Outcome.LATE
        elif left >= cal.office_hours.hours_per_day * 3600:
            run.outcome = Outcome.EARLY  # a whole working day or more to spare
        else:
            run.outcome = Outcome.ON_TIME
    run.save(
        update_fields=["consumed_seconds", "running_since", "left_at", "left_by", "left_action", "note", "outcome"]
    )
    return []


def _finish_processing(d: Dossier, now: dt.datetime) -> list[str]:
    """Processing finished (national status 9): the ledger stops and the outcome is decided."""
    cal = current_calendar()
    fields = _finish_clock(d, cal, now)
    fields += _set_state(d, State.FINISHED)
    d.finished_at = now
    d.ended_at = now
    return [*fields, "finished_at", "ended_at"]


# ---- guards ---------------------------------------------------------------------------------------
def effective_guards(act) -> tuple[str, ...]:
    """An action's guards; handing the result over always needs the fees paid, whether or not the
    workflow names the guard (the fee is collected with the dossier and settled before the result)."""
    if act.action == "return_result" and "paid" not in act.guards:
        return (*act.guards, "paid")
    return tuple(act.guards)


def guard_failures(d: Dossier, guards: tuple[str, ...]) -> list[str]:
    out = []
    for g in guards:
        if g == "paid" and d.payment_status == PaymentStatus.UNPAID:
            out.append(str(GUARDS[g]))
        elif g == "result_attached" and not d.files.filter(kind=FileKind.RESULT).exists():
            out.append(str(GUARDS[g]))
        elif g == "signed" and (
            not d.files.filter(kind=FileKind.RESULT).exists()
            or d.files.filter(kind=FileKind.RESULT, signed_at__isnull=True).exists()
        ):
            out.append(str(GUARDS[g]))
        elif g == "issued" and (
            not d.files.filter(kind=FileKind.RESULT).exists()
            or d.files.filter(kind=FileKind.RESULT, agency_signed_at__isnull=True).exists()
        ):
            out.append(str(GUARDS[g]))
        elif g == "digitised" and d.files.filter(kind=FileKind.COMPONENT, digitised=False).exists():
            out.append(str(GUARDS[g]))
        elif g.startswith("channel:"):
            wanted = {"online": Channel.ONLINE, "in_person": Channel.IN_PERSON, "postal": Channel.POSTAL}[
                g.split(":")[1]
            ]
            if d.channel != wanted:
                out.append(str(GUARDS[g]))
    return out


def may_act_on_step(d: Dossier, who: Who, step: StepSpec) -> bool:
    if not who.has(d.current_agency_id, step.role):
        return False
    # An assigned specialist's work is theirs; the agency's leader may still act (and reassign).
    if step.role == Role.SPECIALIST and d.assignee_id and d.assignee_id != who.user.pk:
        return False
    return True


# ---- transitions along the workflow ---------------------------------------------------------------
def transition(
    d: Dossier, who: Who, action: str, payload: dict | None = None, *, now: dt.datetime | None = None
) -> Dossier:
    """Perform a workflow action at the dossier's current step (transfer, assign, appraise, … return_result)."""
    payload = payload or {}
    now = _now(now)
    cal = current_calendar()
    presigned = _presign(d, who, action) if action in ("sign", "issue") else []
    with transaction.atomic():
        d = _lock(d.pk, d)
        _require(
            d.state in (State.ACCEPTED, State.PROCESSING, State.FINISHED), _("Hồ sơ không ở trạng thái đang xử lý.")
        )
        spec = spec_of(d.workflow)
        step = spec.step(d.current_step)
        act = step.action(action)
        _require(
            act is not None,
            _("Bước «%(step)s» không có thao tác «%(action)s».")
            % {"step": step.name, "action": TRANSITION_ACTIONS.get(action, (action,))[0]},
        )
        _require(may_act_on_step(d, who, step), _("Bạn không có quyền thực hiện thao tác này ở bước hiện tại."), 403)
        failures = guard_failures(d, effective_guards(act))
        _require(not failures, " ".join(failures))
        note = _text_field(payload, "note", _("ý kiến xử lý"), required=False)
        before = d.state
        data: dict = {"action_label": TRANSITION_ACTIONS[action][0], "note": note, "from_step": step.key}
        assignee = None
        next_agency = None
        if action in ("assign",):
            assignee = _assignee(payload, d, spec.step(act.to), who)
            data["assignee"] = assignee.pk
            data["assignee_name"] = assignee.full_name or assignee.username
        if action == "consult":
            next_agency = _agency_payload(payload)
            d.coordinating_agency = next_agency
            data["agency"] = next_agency.slug
        if action in ("answer_consultation", "send_back") and act.to != END:
            # Back to the specialist who had the dossier.
            previous = d.step_runs.filter(step_key=act.to).order_by("-seq").first()
            assignee = previous.assignee if previous else None
        if action in ("sign", "issue"):
            data["signatures"] = _apply_signatures(d, who, action, presigned, now)
        fields = _close_run(d, who, now, action, cal, note)
        if d.state == State.ACCEPTED:
            fields += _set_state(d, State.PROCESSING)
        if act.to == END:
            if action == "return_result":
                fields += _return_result(d, now)
            elif action == "complete":
                fields += _complete_child(d, who, now, cal)
            d.current_step = ""
            d.current_agency = None
            d.current_role = ""
            d.assignee = None
            fields += ["current_step", "current_agency", "current_role", "assignee"]
        else:
            budgets = _step_budgets(d, spec)
            fields += _enter_step(d, spec, spec.step(act.to), budgets, who, now, agency=next_agency, assignee=assignee)
        data["to_step"] = d.current_step
        if action == "consult":
            fields.append("coordinating_agency")
        _event(d, action, who, now, before, data)
        _save(d, fields)
        if action == "complete":
            _advance_parent_after_child(d, who, now)
    return d


def _assignee(payload: dict, d: Dossier, next_step: StepSpec, who: Who):
    from congso.accounts.models import User

    raw = payload.get("assignee_id")
    try:
        user = User.objects.get(pk=int(raw))
    except (TypeError, ValueError, User.DoesNotExist):
        raise ActionError(
            _("Vui lòng chọn cán bộ được phân công."), fields={"assignee_id": _("Chọn một cán bộ.")}, status=422
        ) from None
    agency = _agency_for_step(d, next_step.agency)
    if not user.staff_assignments.filter(agency=agency, role=next_step.role, active=True).exists():
        raise ActionError(
            _("%(user)s không phải %(role)s của %(agency)s.")
            % {
                "user": user.full_name or user.username,
                "role": Role(next_step.role).label.lower(),
                "agency": agency.name,
            },
            fields={"assignee_id": _("Cán bộ không thuộc cơ quan xử lý.")},
            status=422,
        )
    return user


def _agency_payload(payload: dict) -> Agency:
    raw = payload.get("agency_id")
    try:
        return Agency.objects.current().get(pk=int(raw))
    except (TypeError, ValueError, Agency.DoesNotExist):
        raise ActionError(
            _("Vui lòng chọn cơ quan phối hợp."),
            fields={"agency_id": _("Chọn một cơ quan đang hoạt động.")},
            status=422,
        ) from None


@dataclass(frozen=True)
class _Presigned:
    file_id: int
    source_sha256: str
    stored: StoredFile
    signed: object  # documents.signing.results.Signed
    number: str = ""
    token: str = ""


def _title_at(who: Who, agency_id) -> str:
    """The signer's position at the agency (printed under the signature), e.g. "Phó Chủ tịch UBND"."""
    assignments = who.user.staff_assignments.filter(agency_id=agency_id, active=True)
    return assignments.values_list("title", flat=True).first() or ""


def _presign(d: Dossier, who: Who, action: str) -> list[_Presigned]:
    """Sign the results *before* the action's transaction (CPU-heavy; the writer lock is not held).

    ``sign``: the leader's person signature on every result not yet signed. ``issue``: a number from the
    agency's register and the agency signature on every person-signed result (exchange.md §2). Only a
    caller the current step offers the action to gets this far; the transaction re-checks everything and
    refuses if a result changed meanwhile.
    """
    from congso.documents.models import new_token
    from congso.documents.signing import results as signing

    step = spec_of(d.workflow).step(d.current_step) if d.current_step else None
    act = step.action(action) if step else None
    if act is None or not may_act_on_step(d, who, step) or guard_failures(d, effective_guards(act)):
        return []  # the transaction gives the precise refusal
    files = list(d.files.filter(kind=FileKind.RESULT).select_related("file").order_by("id"))
    _require(files, str(GUARDS["result_attached"]))
    out = []
    try:
        if action == "sign":
            title = _title_at(who, d.current_agency_id)
            for f in files:
                if f.signed_at is None and f.file_id:
                    signed = signing.sign_as_person(files_store.read_blob(f.file.sha256), who.user, title=title)
                    out.append(_Presigned(f.pk, f.file.sha256, store_file(signed.data), signed))
        else:
            agency = d.current_agency
            year = timezone.localtime(timezone.now()).year
            for f in files:
                if f.signed_at is not None and f.agency_signed_at is None and f.file_id:
                    number = f"{signing.allocate_number(agency, year):02d}/{signing.notation(agency)}"
                    token = new_token()
                    url = f"{settings.CONGSO_PUBLIC_URL.rstrip('/')}/xac-thuc/{token}/"
                    signed = signing.sign_as_agency(
                        files_store.read_blob(f.file.sha256), agency, number=number, verify_url=url
                    )
                    out.append(_Presigned(f.pk, f.file.sha256, store_file(signed.data), signed, number, token))
    except signing.SigningFailed as exc:
        raise ActionError(exc.message, status=422) from None
    return out


def _apply_signatures(d: Dossier, who: Who, action: str, presigned: list[_Presigned], now) -> list[dict]:
    """Record what ``_presign`` signed, if every result is still what was signed; inside the transaction."""
    from congso.documents.models import SignatureKind, SignatureRecord, VerificationLink

    pending = d.files.filter(kind=FileKind.RESULT).select_related("file")
    pending = (
        pending.filter(signed_at__isnull=True) if action == "sign" else pending.filter(agency_signed_at__isnull=True)
    )
    by_id = {p.file_id: p for p in presigned}
    pending = list(pending)
    _require(
        {f.pk for f in pending} == set(by_id) and all(by_id[f.pk].source_sha256 == f.file.sha256 for f in pending),
        _("Kết quả đã thay đổi trong lúc ký; vui lòng thực hiện lại thao tác."),
    )
    out = []
    for f in pending:
        item = by_id[f.pk]
        f.unsigned_file_id = f.unsigned_file_id or f.file_id
        f.file = item.stored
        if action == "sign":
            f.signed_by, f.signed_at = who.user, now
            kind = SignatureKind.PERSON
            agency_id = d.current_agency_id
        else:
            f.agency_signed_by, f.agency_signed_at = who.user, now
            f.document_number, f.verification_token = item.number, item.token
            kind = SignatureKind.AGENCY
            agency_id = d.current_agency_id
            VerificationLink.objects.create(
                token=item.token,
                document_sha256=item.stored.sha256,
                label=f.name,
                number=item.number,
                issuer=d.current_agency.name,
            )
        f.save(
            update_fields=[
                "file",
                "unsigned_file",
                "signed_by",
                "signed_at",
                "agency_signed_by",
                "agency_signed_at",
                "document_number",
                "verification_token",
            ]
        )
        SignatureRecord.objects.create(
            kind=kind,
            agency_id=agency_id,
            signer_user=who.user,
            signer_name=item.signed.signer_name,
            certificate_serial=item.signed.certificate_serial,
            certificate_issuer=item.signed.certificate_issuer,
            source_sha256=item.source_sha256,
            document_sha256=item.stored.sha256,
            level=item.signed.level,
            provider=item.signed.provider,
            dossier_id=d.pk,
            signed_at=now,
        )
        out.append(
            {"file": f.pk, "kind": kind, "sha256": item.stored.sha256, "signer": item.signed.signer_name}
            | ({"number": item.number} if item.number else {})
        )
    return out


def _return_result(d: Dossier, now: dt.datetime) -> list[str]:
    fields = _set_state(d, State.RETURNED)
    d.returned_at = now
    if d.applicant_user_id:
        # Decree 45/2020 Art. 12 (amended): results are kept in the applicant's personal data store.
        for f in d.files.filter(kind=FileKind.RESULT, file__isnull=False):
            PersonalDocument.objects.get_or_create(
                owner_id=d.applicant_user_id,
                file_id=f.file_id,
                name=f.name,
                defaults={"filename": f.filename, "source_dossier": d, "is_result": True},
            )
    return [*fields, "returned_at"]


# ---- liên thông ------------------------------------------------------------------------------------
def _open_liaison(d: Dossier, spec: WorkflowSpec, step: StepSpec, run: StepRun, who: Who | None, now) -> list[str]:
    branches = step.branches if step.mode == "parallel" else step.branches[:1]
    for branch in branches:
        _spawn_child(d, step, branch, run, who, now)
    return []


def _spawn_child(parent: Dossier, step: StepSpec, branch, run: StepRun, who: Who | None, now) -> Dossier:
    workflows = latest_workflows()
    wf = workflows.get(branch.workflow)
    _require(
        wf is not None and wf.child,
        _("Quy trình liên thông «%(workflow)s» chưa được ban hành.") % {"workflow": branch.workflow},
    )
    hours = resolve_branch_budgets(step, Decimal(run.budget_seconds) / 3600)[branch.key]
    agency = _agency_for_step(parent, branch.agency)
    index = parent.children.count() + 1
    cal = current_calendar()
    child = Dossier(
        code=f"{parent.code}-LT{index:02d}",
        procedure=parent.procedure,
        workflow=wf,
        channel=parent.channel,
        source=Source.LIAISON,
        applicant_user=parent.applicant_user,
        applicant_kind=parent.applicant_kind,
        applicant_name=parent.applicant_name,
        applicant_id_type=parent.applicant_id_type,
        applicant_id_number=parent.applicant_id_number,
        applicant_address=parent.applicant_address,
        applicant_phone=parent.applicant_phone,
        applicant_email=parent.applicant_email,
        request_text=f"{branch.name}: {parent.request_text}",
        intake_agency=parent.intake_agency,
        receiving_agency=parent.receiving_agency,
        competent_agency=agency,
        parent=parent,
        liaison_step=step.key,
        liaison_branch=branch.key,
        submitted_at=now,
        accepted_at=now,
    )
    ledger = Ledger(budget=dt.timedelta(seconds=_hours_to_seconds(hours))).start(now)
    child.state = State.PROCESSING
    child.national_status = int(NATIONAL_STATUS[State.PROCESSING])
    child.budget_seconds = _seconds(ledger.budget)
    child.running_since = now
    child.due_at = ledger.due(cal)
    child.appointment_at = child.due_at
    child.original_appointment_at = child.due_at
    child.save()
    child_spec = spec_of(wf)
    budgets = resolve_budgets(child_spec, hours)
    child._last_seq = 0
    fields = _enter_step(child, child_spec, child_spec.first, budgets, who, now)
    _event(
        child,
        "open_liaison",
        who,
        now,
        "",
        {
            "parent": parent.code,
            "branch": branch.key,
            "agency": agency.slug,
            "lead": branch.lead,
            "due_at": _iso(child.due_at),
            "workflow": wf.key,
            "workflow_version": wf.version,
        },
    )
    _save(child, fields)
    return child


def _complete_child(child: Dossier, who: Who, now, cal) -> list[str]:
    fields = _finish_clock(child, cal, now)
    fields += _set_state(child, State.RETURNED)
    child.finished_at = now
    child.returned_at = now
    child.ended_at = now
    # The branch's results travel back to the originating dossier.
    for f in child.files.filter(kind=FileKind.RESULT):
        DossierFile.objects.create(
            dossier_id=child.parent_id,
            kind=FileKind.RESULT,
            name=f.name,
            file_id=f.file_id,
            filename=f.filename,
            digitised=True,
            signed_by=f.signed_by,
            signed_at=f.signed_at,
            unsigned_file_id=f.unsigned_file_id,
            agency_signed_by=f.agency_signed_by,
            agency_signed_at=f.agency_signed_at,
            document_number=f.document_number,
            verification_token=f.verification_token,
            uploaded_by=f.uploaded_by,
        )
    return [*fields, "finished_at", "returned_at", "ended_at"]


def _advance_parent_after_child(child: Dossier, who: Who, now) -> None:
    parent = _lock(child.parent_id)
    spec = spec_of(parent.workflow)
    step = spec.step(parent.current_step)
    if step.kind != "liaison" or step.key != child.liaison_step:
        return
    run = _open_run(parent)
    open_children = parent.children.filter(liaison_step=step.key, ended_at__isnull=True).exclude(pk=child.pk)
    if open_children.exists():
        return
    if step.mode == "sequence":
        done = set(parent.children.filter(liaison_step=step.key).values_list("liaison_branch", flat=True))
        pending = [b for b in step.branches if b.key not in done]
        if pending:
            _spawn_child(parent, step, pending[0], run, who, now)
            return
    cal = current_calendar()
    before = parent.state
    fields = _close_run(parent, who, now, "liaison_done", cal)
    budgets = _step_budgets(parent, spec)
    fields += _enter_step(parent, spec, spec.step(step.next), budgets, who, now)
    _event(parent, "liaison_done", who, now, before, {"step": step.key, "to_step": parent.current_step})
    _save(parent, fields)


# ---- actions at any time --------------------------------------------------------------------------
def reassign(d: Dossier, who: Who, payload: dict, *, now: dt.datetime | None = None) -> Dossier:
    now = _now(now)
    with transaction.atomic():
        d = _lock(d.pk, d)
        _require(d.state in (State.ACCEPTED, State.PROCESSING), _("Hồ sơ không ở trạng thái đang xử lý."))
        _require(
            who.has(d.current_agency_id, Role.LEADER), _("Chỉ lãnh đạo cơ quan đang xử lý được phân công lại."), 403
        )
        spec = spec_of(d.workflow)
        step = spec.step(d.current_step)
        user = _assignee(payload, d, step, who)
        before_assignee = d.assignee_id
        d.assignee = user
        run = _open_run(d)
        if run is not None:
            run.assignee = user
            run.save(update_fields=["assignee"])
        _event(
            d,
            "reassign",
            who,
            now,
            d.state,
            {"from": before_assignee, "to": user.pk, "note": _text_field(payload, "note", _("lý do"), required=False)},
        )
        _save(d, ["assignee"])
    return d


def withdraw_dossier(d: Dossier, who: Who, payload: dict | None = None, *, now: dt.datetime | None = None) -> Dossier:
    """The applicant withdraws (national status 7); at the desk an officer records a written request."""
    payload = payload or {}
    now = _now(now)
    cal = current_calendar()
    with transaction.atomic():
        d = _lock(d.pk, d)
        _require(d.parent_id is None, _("Hồ sơ liên thông không rút riêng; hãy rút hồ sơ gốc."))
        _require(
            d.state not in TERMINAL_STATES and d.state != State.FINISHED,
            _("Hồ sơ đã kết thúc hoặc đã có kết quả nên không thể rút."),
        )
        _require(
            who.is_applicant_of(d) or who.has(d.intake_agency_id, Role.RECEIVING_OFFICER),
            _("Chỉ người nộp hồ sơ (hoặc cán bộ tiếp nhận theo đề nghị bằng văn bản) được rút hồ sơ."),
            403,
        )
        reason = _text_field(payload, "reason", _("lý do rút hồ sơ"), required=False)
        before = d.state
        fields: list[str] = []
        if d.accepted_at:
            fields += _finish_clock(d, cal, now)
        fields += _close_run(d, who, now, "withdraw", cal)
        fields += _set_state(d, State.WITHDRAWN)
        d.ended_at = now
        _event(d, "withdraw", who, now, before, {"reason": reason})
        _save(d, [*fields, "ended_at"])
        for child in d.children.filter(ended_at__isnull=True):
            _end_child(child, who, now, State.WITHDRAWN, "withdraw", cal)
    return d


def _end_child(child: Dossier, who, now, state, action, cal) -> None:
    child = _lock(child.pk)
    before = child.state
    fields = _finish_clock(child, cal, now) + _close_run(child, who, now, action, cal) + _set_state(child, state)
    child.ended_at = now
    _event(child, action, who, now, before, {"reason": "Hồ sơ gốc kết thúc"})
    _save(child, [*fields, "ended_at"])


def stop_processing(d: Dossier, who: Who, payload: dict, *, now: dt.datetime | None = None) -> Dossier:
    now = _now(now)
    cal = current_calendar()
    reason = _text_field(payload, "reason", _("lý do dừng xử lý"))
    with transaction.atomic():
        d = _lock(d.pk, d)
        _require(d.state in (State.ACCEPTED, State.PROCESSING), _("Chỉ dừng được hồ sơ đang xử lý."))
        _require(
            who.has(d.competent_agency_id, Role.LEADER), _("Chỉ lãnh đạo cơ quan giải quyết được dừng xử lý."), 403
        )
        before = d.state
        d.resume_state = d.state
        fields = _pause(d, cal, now) + _set_state(d, State.STOPPED) + ["resume_state"]
        _event(d, "stop", who, now, before, {"reason": reason})
        _save(d, fields)
    return d


def resume_processing(d: Dossier, who: Who, payload: dict | None = None, *, now: dt.datetime | None = None) -> Dossier:
    payload = payload or {}
    now = _now(now)
    cal = current_calendar()
    with transaction.atomic():
        d = _lock(d.pk, d)
        _require(d.state == State.STOPPED, _("Hồ sơ không ở trạng thái dừng xử lý."))
        _require(
            who.has(d.competent_agency_id, Role.LEADER), _("Chỉ lãnh đạo cơ quan giải quyết được cho xử lý tiếp."), 403
        )
        before = d.state
        fields = _set_state(d, d.resume_state or State.PROCESSING) + _resume(d, cal, now)
        d.resume_state = ""
        _event(
            d,
            "resume",
            who,
            now,
            before,
            {"note": _text_field(payload, "note", _("ghi chú"), required=False), "due_at": _iso(d.due_at)},
        )
        _save(d, [*fields, "resume_state"])
    return d


def require_payment(d: Dossier, who: Who, payload: dict, *, now: dt.datetime | None = None) -> Dossier:
    """Financial obligation (national status 6): the clock pauses until the amount is paid."""
    now = _now(now)
    cal = current_calendar()
    try:
        amount = int(payload.get("amount"))
    except (TypeError, ValueError):
        amount = 0
    if amount <= 0:
        raise ActionError(
            _("Số tiền phải là số nguyên dương (đồng)."), fields={"amount": _("Nhập số tiền, ví dụ 50000.")}, status=422
        )
    reason = _text_field(payload, "reason", _("khoản phải nộp"))
    with transaction.atomic():
        d = _lock(d.pk, d)
        _require(d.state in (State.ACCEPTED, State.PROCESSING), _("Hồ sơ không ở trạng thái đang xử lý."))
        _require(
            who.has(d.current_agency_id, Role.SPECIALIST, Role.LEADER),
            _("Chỉ cán bộ đang xử lý hồ sơ được thông báo nghĩa vụ tài chính."),
            403,
        )
        before = d.state
        d.resume_state = d.state
        d.payment_status = PaymentStatus.UNPAID
        d.amount_due = amount
        fields = _pause(d, cal, now) + _set_state(d, State.FINANCIAL_OBLIGATION)
        fields += ["resume_state", "payment_status", "amount_due"]
        _event(d, "require_payment", who, now, before, {"amount": amount, "reason": reason})
        _save(d, fields)
    return d


def confirm_payment(
    d: Dossier,
    who: Who | None,
    payload: dict | None = None,
    *,
    now: dt.datetime | None = None,
    by_payment: bool = False,
) -> Dossier:
    """The amount due is paid: a financial obligation ends and the clock resumes.

    ``by_payment`` is set only by :mod:`congso.payments` once a payment it recorded (an online provider's
    confirmation, or cash taken at the desk) settled the obligation; the payment carries who and how.
    """
    payload = payload or {}
    now = _now(now)
    cal = current_calendar()
    with transaction.atomic():
        d = _lock(d.pk, d)
        _require(d.payment_status == PaymentStatus.UNPAID, _("Hồ sơ không có khoản nào đang chờ nộp."))
        _require(d.state not in TERMINAL_STATES, _("Hồ sơ đã kết thúc; không ghi nhận nộp tiền cho hồ sơ này."))
        _require(
            by_payment
            or who.has(d.intake_agency_id, Role.RECEIVING_OFFICER)
            or who.has(d.competent_agency_id, Role.LEADER, Role.SPECIALIST),
            _("Chỉ cán bộ tiếp nhận hoặc cán bộ xử lý được xác nhận đã nộp."),
            403,
        )
        before = d.state
        d.payment_status = PaymentStatus.PAID
        fields = ["payment_status"]
        if d.state == State.FINANCIAL_OBLIGATION:
            fields += _set_state(d, d.resume_state or State.PROCESSING) + _resume(d, cal, now)
            d.resume_state = ""
            fields.append("resume_state")
        _event(
            d,
            "confirm_payment",
            who,
            now,
            before,
            {
                "amount": d.amount_due,
                "receipt": _text_field(payload, "receipt", _("số biên lai"), required=False),
                **(
                    {"payment": str(payload.get("payment", "")), "method": str(payload.get("method", ""))}
                    if by_payment
                    else {}
                ),
            },
        )
        _save(d, fields)
    return d


def extend_dossier(d: Dossier, who: Who, payload: dict, *, now: dt.datetime | None = None) -> Dossier:
    """Form 04: apology and a new appointment, at most once (domain §2.6).

    The statutory ledger is not extended: the dossier still counts as late against its legal due
    time (Decision 766); the applicant gets the new appointment.
    """
    now = _now(now)
    cal = current_calendar()
    reason = _text_field(payload, "reason", _("lý do chậm trả kết quả"))
    raw = payload.get("new_appointment_at")
    try:
        new_at = dt.datetime.fromisoformat(str(raw)) if raw else None
    except ValueError:
        new_at = None
    if new_at is None:
        raise ActionError(
            _("Vui lòng nhập ngày hẹn trả mới."),
            fields={"new_appointment_at": _("Ngày giờ dạng 2026-12-01T16:00.")},
            status=422,
        )
    if new_at.tzinfo is None:
        new_at = timezone.make_aware(new_at)
    with transaction.atomic():
        d = _lock(d.pk, d)
        _require(
            d.state in (State.ACCEPTED, State.PROCESSING, *PAUSED_STATES), _("Hồ sơ không ở trạng thái đang xử lý.")
        )
        _require(
            who.has(d.competent_agency_id, Role.LEADER) or who.has(d.current_agency_id, Role.LEADER),
            _("Chỉ lãnh đạo cơ quan giải quyết được ký phiếu xin lỗi và hẹn lại."),
            403,
        )
        limit = settings.CONGSO_MAX_EXTENSIONS
        _require(
            d.extension_count < limit,
            _("Hồ sơ đã được hẹn lại %(count)s lần; chỉ được hẹn lại %(limit)s lần.")
            % {"count": d.extension_count, "limit": limit},
        )
        _require(
            d.appointment_at is not None and new_at > d.appointment_at,
            _("Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại."),
            422,
            {"new_appointment_at": _("Phải sau ngày hẹn hiện tại.")},
        )
        # Domain §2.6: at least 1 working day before the due time; a late slip is still issued, and flagged.
        notice = working_time_between(cal, now, d.appointment_at)
        timely = notice >= dt.timedelta(hours=cal.office_hours.hours_per_day)
        previous = d.appointment_at
        d.appointment_at = new_at
        d.extension_count += 1
        _event(
            d,
            "extend",
            who,
            now,
            d.state,
            {
                "form": "04",
                "reason": reason,
                "previous_appointment_at": _iso(previous),
                "new_appointment_at": _iso(new_at),
                "timely": timely,
            },
        )
        _save(d, ["appointment_at", "extension_count"])
    return d


# ---- files -----------------------------------------------------------------------------------------
def store_file(data: bytes) -> StoredFile:
    sniffed = files.sniff(data)
    digest = files.write_blob(data)
    stored, _created = StoredFile.objects.get_or_create(
        sha256=digest,
        defaults={"size": len(data), "content_type": sniffed.content_type, "extension": sniffed.extension},
    )
    return stored


def attach_file(
    d: Dossier,
    who: Who,
    *,
    data: bytes | None = None,
    filename: str = "",
    name: str = "",
    kind: str = FileKind.COMPONENT,
    component_id: int | None = None,
    personal_document_id: int | None = None,
    digitised: bool | None = None,
    now: dt.datetime | None = None,
) -> DossierFile:
    """Attach an uploaded file, or reuse one from the applicant's personal data store."""
    now = _now(now)
    _require(
        kind in FileKind.values, _("Loại tệp không hợp lệ."), 422, {"kind": _("component, supplement hoặc result.")}
    )
    reused_from = None
    if personal_document_id is not None:
        reused_from = (
            PersonalDocument.objects.filter(pk=personal_document_id, owner=who.user).first()
            if getattr(who.user, "pk", None)
            else None
        )
        _require(reused_from is not None, _("Không tìm thấy giấy tờ trong kho dữ liệu của bạn."), 404)
        stored = reused_from.file
        filename = filename or reused_from.filename
        name = name or reused_from.name
    else:
        try:
            stored = store_file(data or b"")
        except files.FileRejected as exc:
            raise ActionError(str(exc), fields={"file": str(exc)}, status=422) from None
    with transaction.atomic():
        d = _lock(d.pk, d)
        if kind == FileKind.RESULT:
            _require(d.state in (State.ACCEPTED, State.PROCESSING), _("Chỉ đính kèm kết quả khi hồ sơ đang xử lý."))
            _require(
                who.has(d.current_agency_id, Role.SPECIALIST, Role.LEADER),
                _("Chỉ cán bộ đang xử lý hồ sơ được đính kèm kết quả."),
                403,
            )
        elif who.is_applicant_of(d):
            _require(
                d.state in (State.DRAFT, State.SUPPLEMENT_REQUESTED),
                _("Chỉ bổ sung giấy tờ khi hồ sơ là bản nháp hoặc đang được yêu cầu bổ sung."),
            )
        else:
            _require(
                who.has(d.intake_agency_id, Role.RECEIVING_OFFICER)
                or who.has(d.current_agency_id, Role.SPECIALIST, Role.LEADER, Role.RECEIVING_OFFICER),
                _("Bạn không có quyền đính kèm giấy tờ cho hồ sơ này."),
                403,
            )
            _require(d.state not in TERMINAL_STATES, _("Hồ sơ đã kết thúc."))
        component = None
        if component_id is not None:
            component = d.procedure.components.filter(pk=component_id).first()
            _require(
                component is not None,
                _("Thành phần hồ sơ không thuộc thủ tục này."),
                422,
                {"component_id": _("Không hợp lệ.")},
            )
        label = nfc(name or (component.name if component else "") or filename or "Tệp đính kèm").strip()[:1000]
        item = DossierFile.objects.create(
            dossier=d,
            kind=kind,
            component=component,
            name=label,
            file=stored,
            filename=nfc(filename or "")[:255],
            digitised=True if digitised is None else bool(digitised),
            reused=reused_from is not None,
            reused_from=reused_from,
            uploaded_by=who.user if getattr(who.user, "pk", None) else None,
        )
        _event(
            d,
            "attach_result" if kind == FileKind.RESULT else "attach_file",
            who,
            now,
            d.state,
            {"file": item.pk, "kind": kind, "name": label, "sha256": stored.sha256, "reused": item.reused},
        )
        _save(d, [])
    return item


# ---- the applicant's draft and messages ----------------------------------------------------------------
def update_draft(
    d: Dossier,
    who: Who,
    *,
    applicant: Applicant | None = None,
    intake_agency: Agency | None = None,
    form_data: dict | None = None,
    return_method: str | None = None,
    now: dt.datetime | None = None,
) -> Dossier:
    """The applicant edits an online draft (the portal's wizard saves after every step).

    Only what changed is written, with one ``update_draft`` event naming the changed parts; an unchanged
    step writes nothing.
    """
    now = _now(now)
    if applicant is not None:
        applicant = _validate_applicant(applicant)
    with transaction.atomic():
        d = _lock(d.pk, d)
        _require(who.is_applicant_of(d), _("Không tìm thấy hồ sơ."), 404)
        _require(d.state == State.DRAFT, _("Hồ sơ đã được nộp nên không sửa bản nháp được nữa."))
        fields: list[str] = []
        changed: list[str] = []
        if applicant is not None:
            values = {
                "applicant_kind": applicant.kind,
                "applicant_name": applicant.name,
                "applicant_id_type": applicant.id_type,
                "applicant_id_number": applicant.id_number,
                "applicant_address": applicant.address,
                "applicant_phone": applicant.phone,
                "applicant_email": applicant.email,
            }
            diff = [name for name, value in values.items() if getattr(d, name) != value]
            for name in diff:
                setattr(d, name, values[name])
            fields += diff
            changed += ["applicant"] if diff else []
        if intake_agency is not None and intake_agency.pk != d.intake_agency_id:
            competent = competent_agency_for(d.procedure, intake_agency)
            _require(
                competent is not None,
                _("Nơi nộp hồ sơ đã chọn không giải quyết thủ tục này; vui lòng chọn nơi khác."),
                422,
                {"intake_agency": _("Không hợp lệ.")},
            )
            d.intake_agency, d.receiving_agency, d.competent_agency = intake_agency, competent, competent
            fields += ["intake_agency", "receiving_agency", "competent_agency"]
            changed.append("intake_agency")
        if form_data is not None and form_data != d.form_data:
            d.form_data = form_data
            fields.append("form_data")
            changed.append("form_data")
        if return_method is not None:
            method = nfc(return_method).strip()[:200]
            if method != d.return_method:
                d.return_method = method
                fields.append("return_method")
                changed.append("return_method")
        if not changed:
            return d
        _event(d, "update_draft", who, now, d.state, {"changed": changed})
        _save(d, fields)
    return d


def remove_file(d: Dossier, who: Who, file_id: int, *, now: dt.datetime | None = None) -> None:
    """The applicant takes back a file: from a draft, or a supplement file while the supplement is not sent.

    The stored content stays (content-addressed, possibly shared); the event keeps its hash.
    """
    now = _now(now)
    with transaction.atomic():
        d = _lock(d.pk, d)
        _require(who.is_applicant_of(d), _("Không tìm thấy hồ sơ."), 404)
        item = d.files.select_related("file").filter(pk=file_id).first()
        _require(item is not None, _("Không tìm thấy tệp."), 404)
        removable = d.state == State.DRAFT or (
            d.state == State.SUPPLEMENT_REQUESTED
            and item.kind == FileKind.SUPPLEMENT
            and item.uploaded_at
            >= (
                d.events.filter(action="request_supplement").order_by("-seq").values_list("at", flat=True).first()
                or now
            )
        )
        _require(removable, _("Tệp này đã được nộp cùng hồ sơ nên không gỡ được."))
        data = {"file": item.pk, "name": item.name, "sha256": item.file.sha256 if item.file_id else ""}
        item.delete()
        _event(d, "remove_file", who, now, d.state, data)
        _save(d, [])


MAX_MESSAGE = 2000


def message_applicant(d: Dossier, who: Who, text: str, *, now: dt.datetime | None = None) -> DossierEvent:
    """An officer writes to the applicant: shown on the applicant's dossier page and sent as a notification."""

    now = _now(now)
    text = _text_field({"text": text}, "text", _("nội dung tin nhắn"), max_length=MAX_MESSAGE)
    _require(
        any(roles - READ_ONLY_ROLES for roles in who.roles.values()),
        _("Bạn chỉ có quyền xem hồ sơ, không gửi tin nhắn được."),
        403,
    )
    with transaction.atomic():
        d = _lock(d.pk, d)
        _require(d.parent_id is None, _("Hồ sơ liên thông: hãy nhắn trên hồ sơ gốc."))
        _require(d.state != State.DRAFT, _("Hồ sơ chưa được nộp."))
        _require(d.state not in TERMINAL_STATES, _("Hồ sơ đã kết thúc."))
        event = _event(d, "message", who, now, d.state, {"text": text})
        _save(d, [])
    return event


# ---- deadlines --------------------------------------------------------------------------------------
def check_deadlines(now: dt.datetime | None = None) -> tuple[int, int]:
    """Warn before due (once) and mark overdue (once); returns (warned, marked overdue)."""
    now = _now(now)
    cal = current_calendar()
    horizon = add_working_time(cal, now, dt.timedelta(hours=settings.CONGSO_DUE_WARNING_HOURS))
    running = Dossier.objects.filter(state__in=[State.ACCEPTED, State.PROCESSING], due_at__isnull=False)
    warned = overdue = 0
    for pk in running.filter(warned_at__isnull=True, due_at__lte=horizon, due_at__gt=now).values_list("pk", flat=True):
        with transaction.atomic():
            d = _lock(pk)
            if d.warned_at is not None or d.due_at is None or d.state not in (State.ACCEPTED, State.PROCESSING):
                continue
            d.warned_at = now
            _event(d, "due_soon", None, now, d.state, {"due_at": _iso(d.due_at)})
            _save(d, ["warned_at"])
            warned += 1
    for pk in running.filter(overdue_at__isnull=True, due_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            d = _lock(pk)
            if d.overdue_at is not None or d.due_at is None or d.state not in (State.ACCEPTED, State.PROCESSING):
                continue
            d.overdue_at = now
            _event(d, "overdue", None, now, d.state, {"due_at": _iso(d.due_at), "step": d.current_step})
            _save(d, ["overdue_at"])
            overdue += 1
    return warned, overdue


# ---- what a caller may do now ---------------------------------------------------------------------
@dataclass(frozen=True)
class Offer:
    action: str
    label: str
    label_en: str
    fields: tuple[str, ...] = ()
    blocked: str = ""  # why the action is not possible yet (guards); empty when it is


LIFECYCLE = {
    "submit": (gettext_lazy("Nộp hồ sơ"), "Submit", ()),
    "accept": (
        gettext_lazy("Tiếp nhận hồ sơ (Mẫu 01)"),
        "Accept (Form 01)",
        ("note", "duration_hours", "result_copies", "fee_exemptions"),
    ),
    "request_supplement": (
        gettext_lazy("Yêu cầu bổ sung (Mẫu 02)"),
        "Request a supplement (Form 02)",
        ("items", "reason"),
    ),
    "submit_supplement": (gettext_lazy("Nộp hồ sơ bổ sung"), "Submit the supplement", ("note",)),
    "refuse": (gettext_lazy("Từ chối (Mẫu 03)"), "Refuse (Form 03)", ("reasons",)),
    "withdraw": (gettext_lazy("Rút hồ sơ"), "Withdraw", ("reason",)),
    "stop": (pgettext_lazy("dossier action", "Dừng xử lý"), "Stop processing", ("reason",)),
    "resume": (gettext_lazy("Tiếp tục xử lý"), "Resume processing", ("note",)),
    "require_payment": (gettext_lazy("Thông báo nghĩa vụ tài chính"), "Require payment", ("amount", "reason")),
    "confirm_payment": (gettext_lazy("Xác nhận đã nộp"), "Confirm payment", ("receipt",)),
    "extend": (
        gettext_lazy("Xin lỗi và hẹn lại (Mẫu 04)"),
        "Apologise and set a new date (Form 04)",
        ("reason", "new_appointment_at"),
    ),
    "reassign": (gettext_lazy("Phân công lại"), "Reassign", ("assignee_id", "note")),
}
TRANSITION_FIELDS = {"assign": ("assignee_id", "note"), "consult": ("agency_id", "note")}


def available_actions(d: Dossier, who: Who) -> list[Offer]:
    """The actions ``who`` may perform on ``d`` now (role-filtered); guarded ones carry ``blocked``."""
    names: list[str] = []
    state = d.state
    applicant = who.is_applicant_of(d)
    intake_officer = who.has(d.intake_agency_id, Role.RECEIVING_OFFICER)
    leader_competent = who.has(d.competent_agency_id, Role.LEADER)
    at_current = who.has(d.current_agency_id, Role.SPECIALIST, Role.LEADER)
    processing = state in (State.ACCEPTED, State.PROCESSING)
    if state == State.DRAFT and applicant:
        names.append("submit")
    if state == State.SUBMITTED and intake_officer:
        names += ["accept", "request_supplement", "refuse"]
    if state == State.SUPPLEMENT_REQUESTED and (applicant or intake_officer):
        names.append("submit_supplement")
    if processing and (at_current or who.has(d.current_agency_id, Role.RECEIVING_OFFICER)):
        if d.supplement_count < settings.CONGSO_MAX_SUPPLEMENTS and d.parent_id is None:
            names.append("request_supplement")
    if processing and leader_competent and d.parent_id is None:
        names.append("refuse")
    if (
        d.parent_id is None
        and state not in TERMINAL_STATES
        and state not in (State.FINISHED, State.DRAFT)
        and (applicant or intake_officer)
    ):
        names.append("withdraw")
    if processing and leader_competent:
        names.append("stop")
    if state == State.STOPPED and leader_competent:
        names.append("resume")
    if processing and at_current:
        names.append("require_payment")
    if (
        d.payment_status == PaymentStatus.UNPAID
        and state not in TERMINAL_STATES
        and (intake_officer or who.has(d.competent_agency_id, Role.LEADER, Role.SPECIALIST))
    ):
        names.append("confirm_payment")
    if (
        (state in (State.ACCEPTED, State.PROCESSING) or state in PAUSED_STATES)
        and d.accepted_at
        and d.extension_count < settings.CONGSO_MAX_EXTENSIONS
        and (leader_competent or who.has(d.current_agency_id, Role.LEADER))
    ):
        names.append("extend")
    offers = [Offer(n, str(LIFECYCLE[n][0]), LIFECYCLE[n][1], LIFECYCLE[n][2]) for n in dict.fromkeys(names)]
    if state in (State.ACCEPTED, State.PROCESSING, State.FINISHED) and d.current_step:
        step = spec_of(d.workflow).step(d.current_step)
        if step.role == Role.SPECIALIST and who.has(d.current_agency_id, Role.LEADER) and processing:
            label, label_en, offer_fields = LIFECYCLE["reassign"]
            offers.append(Offer("reassign", str(label), label_en, offer_fields))
        if may_act_on_step(d, who, step):
            for act in step.actions:
                label, label_en = TRANSITION_ACTIONS[act.action]
                failures = guard_failures(d, effective_guards(act))
                offers.append(
                    Offer(act.action, label, label_en, TRANSITION_FIELDS.get(act.action, ("note",)), " ".join(failures))
                )
    return offers


def perform(
    d: Dossier, who: Who, action: str, payload: dict | None = None, *, now: dt.datetime | None = None
) -> Dossier:
    """Dispatch a named action (API and UI entry point); the action itself re-checks everything."""
    payload = payload or {}
    offered = {o.action: o for o in available_actions(d, who)}
    if action not in offered:
        known = action in LIFECYCLE or action in TRANSITION_ACTIONS
        if not known:
            raise ActionError(_("Thao tác «%(action)s» không tồn tại.") % {"action": action}, status=404)
        if who.is_staff_member and all(roles <= READ_ONLY_ROLES for roles in who.roles.values()):
            raise ActionError(_("Bạn chỉ có quyền xem hồ sơ, không thực hiện được thao tác."), status=403)
        raise ActionError(_("Bạn không thể thực hiện thao tác này với hồ sơ ở trạng thái hiện tại."), status=409)
    if offered[action].blocked:
        raise ActionError(offered[action].blocked, status=409)
    handlers = {
        "submit": lambda: submit_dossier(d, who, now=now),
        "accept": lambda: accept_dossier(d, who, payload, now=now),
        "request_supplement": lambda: request_supplement(d, who, payload, now=now),
        "submit_supplement": lambda: submit_supplement(d, who, payload, now=now),
        "refuse": lambda: refuse_dossier(d, who, payload, now=now),
        "withdraw": lambda: withdraw_dossier(d, who, payload, now=now),
        "stop": lambda: stop_processing(d, who, payload, now=now),
        "resume": lambda: resume_processing(d, who, payload, now=now),
        "require_payment": lambda: require_payment(d, who, payload, now=now),
        "confirm_payment": lambda: confirm_payment(d, who, payload, now=now),
        "extend": lambda: extend_dossier(d, who, payload, now=now),
        "reassign": lambda: reassign(d, who, payload, now=now),
    }
    if action in handlers:
        return handlers[action]()
    return transition(d, who, action, payload, now=now)


# ---- external signatures (USB token, remote signing) -----------------------------------------------
EXTERNAL_SIGNING_MINUTES = 15


def _result_to_sign(d: Dossier, who: Who, file_id) -> DossierFile:
    offer = next((o for o in available_actions(d, who) if o.action == "sign"), None)
    _require(offer is not None, _("Bạn không thể ký kết quả của hồ sơ này ở bước hiện tại."), 403)
    _require(not offer.blocked, offer.blocked or "")
    f = d.files.filter(pk=file_id, kind=FileKind.RESULT).select_related("file").first()
    _require(f is not None and f.file_id, _("Không tìm thấy kết quả cần ký trong hồ sơ này."), 404)
    _require(f.signed_at is None, _("Kết quả này đã được ký."))
    return f


def start_external_signature(d: Dossier, who: Who, file_id: int, chain: list[bytes], *, now=None):
    """Prepare a result for the leader's external signature; returns the session and what the device signs."""
    from congso.documents.signing import core, external, images, service
    from congso.dossiers.models import ExternalSigningSession

    now = _now(now)
    f = _result_to_sign(d, who, file_id)
    data = files_store.read_blob(f.file.sha256)
    _require(
        data[:1024].lstrip().startswith(b"%PDF-"),
        _("Kết quả không phải tệp PDF nên không ký số được; hãy tải lên bản PDF."),
        422,
    )
    title = _title_at(who, d.current_agency_id)
    name = getattr(who.user, "full_name", "") or who.user.get_username()
    try:
        session = external.start(
            data,
            chain,
            field_name="ChuKyNguoiCoThamQuyen",
            appearance=core.person_appearance(name, title.upper(), images.signature_png(name)),
            validation_context=service.validation_context(),
        )
    except (ValueError, TypeError) as exc:
        raise ActionError(
            _("Chứng thư số gửi lên không đọc được (%(e)s).") % {"e": exc.__class__.__name__}, status=422
        ) from None
    except Exception as exc:  # pyHanko SigningError: revoked, expired, untrusted
        if exc.__class__.__name__ != "SigningError":
            raise
        raise ActionError(
            _("Chứng thư số của người ký bị thu hồi, hết hạn hoặc không được tin cậy; không thể ký."), status=422
        ) from None
    row = ExternalSigningSession.objects.create(
        dossier_file=f,
        user=who.user,
        source_sha256=f.file.sha256,
        state=session.to_dict(),
        created_at=now,
        expires_at=now + dt.timedelta(minutes=EXTERNAL_SIGNING_MINUTES),
    )
    return row, session


def finish_external_signature(d: Dossier, who: Who, session_id, signature_value: bytes, *, now=None) -> DossierFile:
    """Embed the signature value from the signer's device; the result is then signed by this person."""
    from congso.documents.models import SignatureKind, SignatureRecord
    from congso.documents.signing import external, service
    from congso.dossiers.models import ExternalSigningSession

    now = _now(now)
    row = ExternalSigningSession.objects.filter(pk=session_id, dossier_file__dossier=d, user=who.user).first()
    _require(row is not None, _("Không tìm thấy phiên ký số."), 404)
    _require(row.finished_at is None, _("Phiên ký số này đã hoàn tất."))
    _require(row.expires_at > now, _("Phiên ký số đã hết hạn; vui lòng bắt đầu lại."), 410)
    try:
        signed = external.finish(
            row.state,
            signature_value,
            timestamper=service.timestamper(),
            validation_context=service.validation_context(),
        )
    except external.ExternalSignatureInvalid as exc:
        raise ActionError(exc.message, status=422) from None
    except external.ExternalSessionInvalid:
        raise ActionError(_("Phiên ký số không còn hợp lệ; vui lòng bắt đầu lại."), status=409) from None
    stored = store_file(signed)
    cert = external.ExternalSession.from_dict(row.state).signing_cert
    with transaction.atomic():
        d = _lock(d.pk, d)
        f = _result_to_sign(d, who, row.dossier_file_id)
        _require(f.file.sha256 == row.source_sha256, _("Kết quả đã thay đổi sau khi bắt đầu ký; vui lòng ký lại."))
        f.unsigned_file_id = f.unsigned_file_id or f.file_id
        f.file = stored
        f.signed_by, f.signed_at = who.user, now
        f.save(update_fields=["file", "unsigned_file", "signed_by", "signed_at"])
        ExternalSigningSession.objects.filter(pk=row.pk).update(finished_at=now)
        signer_name = cert.subject.native.get("common_name", "")
        SignatureRecord.objects.create(
            kind=SignatureKind.PERSON,
            agency_id=d.current_agency_id,
            signer_user=who.user,
            signer_name=signer_name,
            certificate_serial=format(cert.serial_number, "x"),
            certificate_issuer=cert.issuer.native.get("common_name", ""),
            source_sha256=row.source_sha256,
            document_sha256=stored.sha256,
            level="B-LT",
            provider="external",
            dossier_id=d.pk,
            signed_at=now,
        )
        _event(
            d, "external_signature", who, now, d.state, {"file": f.pk, "sha256": stored.sha256, "signer": signer_name}
        )
        _save(d, [])
    return f
