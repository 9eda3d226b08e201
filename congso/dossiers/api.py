"""/api/v1/dossiers — the dossier engine's REST API; /api/v1/lookup — the public lookup."""

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from congso.api.v1.auth import API_AUTH, who
from congso.api.v1.errors import problem
from congso.api.v1.idempotency import Idempotency, json_response
from congso.catalog.models import Procedure
from congso.catalog.selectors import latest_workflows, workflow_for_procedure
from congso.core.pagination import BoundedLimitOffsetPagination
from congso.dossiers import actions as A
from congso.dossiers.access import access_dossier, visible_dossiers
from congso.dossiers.choices import DVCQG_STATUS, Channel, FileKind, NationalStatus, Source, State
from congso.dossiers.files import read_blob
from congso.dossiers.models import DossierFile, PersonalDocument
from congso.dossiers.selectors import clock_view, dossier_list, signature_rates, step_views, why_late
from congso.geo.models import Agency
from congso.geo.selectors import current_agency

router = Router(tags=["Hồ sơ (dossiers)"], auth=API_AUTH)
lookup_router = Router(tags=["Tra cứu công khai (public lookup)"])

MAX_ID = 2**62


# ---- schemas ---------------------------------------------------------------------------------------
class ApplicantIn(Schema):
    name: str = Field(..., min_length=1, max_length=300, description="Họ tên người nộp hoặc tên tổ chức")
    id_number: str = Field(..., min_length=1, max_length=30, description="Số CCCD / mã số doanh nghiệp")
    kind: int = Field(1, ge=1, le=4, description="LoaiDoiTuong: 1 công dân, 2 doanh nghiệp, 3 cơ quan nhà nước, 4 khác")
    id_type: str = Field("cccd", max_length=30)
    address: str = Field("", max_length=500)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    proxy: dict[str, str] = Field(
        default_factory=dict, description="Người được ủy quyền: name, id_number, authorisation"
    )


class DossierIn(Schema):
    procedure_id: int = Field(..., ge=1, le=MAX_ID)
    intake_agency_id: int = Field(..., ge=1, le=MAX_ID, description="Nơi tiếp nhận (Bộ phận Một cửa)")
    channel: int = Field(2, ge=1, le=3, description="KenhThucHien: 1 trực tiếp, 2 trực tuyến, 3 bưu chính")
    applicant: ApplicantIn
    request_text: str = Field("", max_length=2000)
    form_data: dict[str, Any] = Field(default_factory=dict)
    copies: int = Field(1, ge=1, le=20)
    return_method: str = Field("", max_length=200)
    submit: bool = Field(False, description="Trực tuyến: nộp ngay thay vì lưu bản nháp")


class ActionIn(Schema):
    note: str | None = Field(None, max_length=2000)
    reason: str | None = Field(None, max_length=2000)
    items: list[str] | None = Field(None, max_length=100, description="Mẫu 02: các giấy tờ cần bổ sung")
    reasons: list[str] | None = Field(None, max_length=100, description="Mẫu 03: lý do từ chối")
    assignee_id: int | None = Field(None, ge=1, le=MAX_ID)
    agency_id: int | None = Field(None, ge=1, le=MAX_ID)
    amount: int | None = Field(None, ge=1, le=10**13)
    receipt: str | None = Field(None, max_length=100)
    new_appointment_at: dt.datetime | None = None
    duration_hours: Decimal | None = Field(None, gt=0, le=2920, max_digits=8, decimal_places=2)
    result_copies: int | None = Field(None, ge=1, le=100, description="Tiếp nhận: số bản kết quả (phí tính theo bản)")
    fee_exemptions: dict[str, str] | None = Field(
        None, max_length=20, description="Tiếp nhận: {vị trí khoản thu: trường hợp miễn có trong danh mục}"
    )


class Ref(Schema):
    id: int
    name: str


class ProcedureRef(Schema):
    id: int
    code: str
    name: str


class ClockOut(Schema):
    budget_hours: float
    consumed_hours: float
    remaining_hours: float
    running: bool
    paused: bool
    text: str


class StepOut(Schema):
    seq: int
    step_key: str
    name: str
    agency: str
    assignee: str
    entered_at: dt.datetime
    left_at: dt.datetime | None
    budget_hours: float
    consumed_hours: float
    overrun_hours: float
    outcome: str


class FileOut(Schema):
    id: int
    kind: str
    name: str
    filename: str
    sha256: str | None
    size: int | None
    content_type: str | None
    digitised: bool
    reused: bool
    signed_at: dt.datetime | None = Field(None, description="Người có thẩm quyền ký số (chữ ký cá nhân) lúc")
    agency_signed_at: dt.datetime | None = Field(None, description="Cơ quan ký số (đóng dấu) lúc")
    document_number: str = Field("", description="Số, ký hiệu của kết quả (Nghị định 30/2020)")
    verification_url: str | None = Field(None, description="Trang xác thực công khai (mã QR trên kết quả)")


class DossierOut(Schema):
    id: int
    code: str | None
    procedure: ProcedureRef
    workflow: str
    workflow_version: int
    state: str
    state_label: str
    national_status: int
    dvcqg_status: str
    channel: int
    source: str
    applicant_name: str
    applicant_kind: int
    form_data: dict[str, Any] = Field(default_factory=dict, description="Tờ khai điện tử (theo biểu mẫu của thủ tục)")
    return_method: str = ""
    intake_agency: Ref
    receiving_agency: Ref
    competent_agency: Ref
    current_step: str
    current_agency: Ref | None
    assignee: str
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    appointment_at: dt.datetime | None
    original_appointment_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    returned_at: dt.datetime | None
    outcome: str
    supplement_count: int
    extension_count: int
    payment_status: str
    amount_due: int
    parent_id: int | None
    children: list[int]
    clock: ClockOut | None
    why_late: list[str]
    steps: list[StepOut]
    files: list[FileOut]


class DossierSummary(Schema):
    id: int
    code: str | None
    procedure_name: str
    state: str
    national_status: int
    applicant_name: str
    current_agency: str
    accepted_at: dt.datetime | None
    appointment_at: dt.datetime | None
    due_at: dt.datetime | None


class OfferOut(Schema):
    action: str
    label: str
    label_en: str
    fields: list[str]
    blocked: str


class EventOut(Schema):
    seq: int
    action: str
    actor: str
    at: dt.datetime
    from_state: str
    to_state: str
    step_key: str
    data: dict
    hash: str


def event_out(e) -> dict:
    """One event of the hash chain as ``EventOut``."""
    return {
        "seq": e.seq,
        "action": e.action,
        "actor": e.actor_label,
        "at": e.at,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "step_key": e.step_key,
        "data": e.data,
        "hash": e.hash,
    }


class LookupOut(Schema):
    code: str
    procedure_name: str
    receiving_agency: str
    state_label: str
    national_status: int
    accepted_at: dt.datetime | None
    appointment_at: dt.datetime | None
    returned_at: dt.datetime | None


class PersonalDocumentOut(Schema):
    id: int
    name: str
    filename: str
    is_result: bool
    source_dossier_code: str | None
    created_at: dt.datetime


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[dict] | None = None


ERRORS = {400: ProblemOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}


# ---- helpers ---------------------------------------------------------------------------------------
def _hours(td: dt.timedelta) -> float:
    return round(td.total_seconds() / 3600, 4)


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """Times leave the API in Vietnam time (+07:00), whether read from the database or just computed."""
    return timezone.localtime(moment) if moment else None


def _ref(agency: Agency | None) -> dict | None:
    return {"id": agency.pk, "name": agency.name} if agency else None


def dossier_out(d, *, new: bool = False) -> dict:
    """The dossier as the API shows it, from a dossier read by access_dossier() or an action (two queries at most).

    ``new``: created in this request, so it has no steps, files nor children yet (no query at all).
    """
    cv = clock_view(d)
    steps = step_views(d, runs=getattr(d, "_runs", None)) if not new else []
    if new or A.spec_of(d.workflow).has_liaison is False:
        children = []
    else:
        children = list(d.children.values_list("pk", flat=True))
    loaded = getattr(d, "_files", None)
    if loaded is None:
        loaded = [] if new else d.files.select_related("file").order_by("id")
    files = [file_out(f) for f in loaded]
    return {
        "id": d.pk,
        "code": d.code,
        "procedure": {"id": d.procedure.pk, "code": d.procedure.code or d.procedure.key, "name": d.procedure.name},
        "workflow": d.workflow.key,
        "workflow_version": d.workflow.version,
        "state": d.state,
        "state_label": str(State(d.state).label),
        "national_status": d.national_status,
        "dvcqg_status": DVCQG_STATUS[NationalStatus(d.national_status)],
        "channel": d.channel,
        "source": d.source,
        "applicant_name": d.applicant_name,
        "applicant_kind": d.applicant_kind,
        "form_data": d.form_data or {},
        "return_method": d.return_method,
        "intake_agency": _ref(d.intake_agency),
        "receiving_agency": _ref(d.receiving_agency),
        "competent_agency": _ref(d.competent_agency),
        "current_step": d.current_step,
        "current_agency": _ref(d.current_agency),
        "assignee": (d.assignee.full_name or d.assignee.username) if d.assignee else "",
        "submitted_at": _local(d.submitted_at),
        "accepted_at": _local(d.accepted_at),
        "appointment_at": _local(d.appointment_at),
        "original_appointment_at": _local(d.original_appointment_at),
        "due_at": _local(d.due_at),
        "finished_at": _local(d.finished_at),
        "returned_at": _local(d.returned_at),
        "outcome": d.outcome,
        "supplement_count": d.supplement_count,
        "extension_count": d.extension_count,
        "payment_status": d.payment_status,
        "amount_due": d.amount_due,
        "parent_id": d.parent_id,
        "children": children,
        "clock": None
        if cv is None
        else {
            "budget_hours": _hours(cv.budget),
            "consumed_hours": _hours(cv.consumed),
            "remaining_hours": _hours(cv.remaining),
            "running": cv.running,
            "paused": cv.paused,
            "text": cv.text,
        },
        "why_late": why_late(d, steps=steps),
        "steps": [
            {
                "seq": s.seq,
                "step_key": s.step_key,
                "name": s.name,
                "agency": s.agency,
                "assignee": s.assignee,
                "entered_at": _local(s.entered_at),
                "left_at": _local(s.left_at),
                "budget_hours": _hours(s.budget),
                "consumed_hours": _hours(s.consumed),
                "overrun_hours": _hours(s.overrun),
                "outcome": s.outcome,
            }
            for s in steps
        ],
        "files": files,
    }


def file_out(f: DossierFile) -> dict:
    return {
        "id": f.pk,
        "kind": f.kind,
        "name": f.name,
        "filename": f.filename,
        "sha256": f.file.sha256 if f.file else None,
        "size": f.file.size if f.file else None,
        "content_type": f.file.content_type if f.file else None,
        "digitised": f.digitised,
        "reused": f.reused,
        "signed_at": _local(f.signed_at),
        "agency_signed_at": _local(f.agency_signed_at),
        "document_number": f.document_number,
        "verification_url": (
            f"{settings.CONGSO_PUBLIC_URL.rstrip('/')}/xac-thuc/{f.verification_token}/"
            if f.verification_token
            else None
        ),
    }


def _action_error(exc: A.ActionError) -> HttpResponse:
    titles = {
        403: _("Không có quyền"),
        404: _("Không tìm thấy"),
        409: _("Không thực hiện được"),
        410: _("Đã hết hạn"),
        422: _("Dữ liệu không hợp lệ"),
    }
    errors = [{"field": k, "message": v} for k, v in exc.fields.items()]
    return problem(exc.status, titles.get(exc.status, _("Lỗi")), exc.message, errors or None)


# ---- dossiers --------------------------------------------------------------------------------------
@router.get("/", response=list[DossierSummary], summary="Danh sách hồ sơ (lọc theo trạng thái, thủ tục, cơ quan, mã)")
@paginate(BoundedLimitOffsetPagination)
def list_dossiers(
    request,
    state: State | None = None,
    procedure_id: int | None = Query(None, ge=1, le=MAX_ID),
    agency_id: int | None = Query(None, ge=1, le=MAX_ID),
    code: str | None = Query(None, max_length=60),
    q: str | None = Query(None, max_length=200),
):
    qs = dossier_list(
        visible_dossiers(who(request)), state=state, procedure_id=procedure_id, agency_id=agency_id, code=code, q=q
    )
    return [
        {
            "id": d.pk,
            "code": d.code,
            "procedure_name": d.procedure.name,
            "state": d.state,
            "national_status": d.national_status,
            "applicant_name": d.applicant_name,
            "current_agency": d.current_agency.name if d.current_agency else "",
            "accepted_at": _local(d.accepted_at),
            "appointment_at": _local(d.appointment_at),
            "due_at": _local(d.due_at),
        }
        for d in qs
    ]


@router.post(
    "/",
    response={201: DossierOut, **ERRORS},
    summary="Tạo hồ sơ (trực tuyến: bản nháp hoặc nộp ngay; tại Bộ phận Một cửa: tiếp nhận)",
    description=(
        "Gửi kèm header `Idempotency-Key` để an toàn khi gửi lại: lần gửi lại với cùng nội dung nhận đúng câu trả lời "
        "đầu tiên; cùng khóa mà khác nội dung trả về 409."
    ),
)
def create_dossier(request, payload: DossierIn):
    caller = who(request)
    idem = Idempotency.of(request)
    if idem.invalid:
        return idem.invalid
    try:
        arguments = _prepare(caller, payload)  # reads, outside the write transaction
        with transaction.atomic():
            status, body = _create(arguments)
            idem.record(status, body)
    except A.ActionError as exc:
        return _action_error(exc)
    except IntegrityError:
        return idem.replay()
    return json_response(status, body)


def _prepare(caller, payload: DossierIn) -> dict:
    procedure = (
        Procedure.objects.current()
        .filter(pk=payload.procedure_id)
        .defer("form_schema", "legal_basis", "unconfirmed", "search_text", "source")
        .order_by()
        .first()
    )
    if procedure is None:
        raise A.ActionError(
            _("Không tìm thấy thủ tục đang áp dụng."), {"procedure_id": _("Thủ tục không tồn tại.")}, status=422
        )
    intake = current_agency(payload.intake_agency_id)
    if intake is None or intake.kind not in ("service_centre", "commune_one_stop", "commune_pc"):
        raise A.ActionError(
            _("Nơi tiếp nhận phải là Trung tâm Phục vụ hành chính công hoặc Bộ phận Một cửa đang hoạt động."),
            {"intake_agency_id": _("Không phải nơi tiếp nhận hồ sơ.")},
            status=422,
        )
    if caller.is_staff_member:
        if not caller.has(intake.pk, "receiving_officer"):
            raise A.ActionError(_("Chỉ cán bộ tiếp nhận của nơi tiếp nhận này được tạo hồ sơ."), status=403)
        if payload.channel == Channel.ONLINE:
            raise A.ActionError(
                _("Hồ sơ trực tuyến do người dân, doanh nghiệp tự nộp; tại Bộ phận Một cửa chọn kênh 1 hoặc 3."),
                {"channel": _("Chọn 1 (trực tiếp) hoặc 3 (bưu chính).")},
                status=422,
            )
        source = Source.POSTAL if payload.channel == Channel.POSTAL else Source.DESK
    else:
        if payload.channel != Channel.ONLINE:
            raise A.ActionError(
                _("Người dân, doanh nghiệp nộp hồ sơ trực tuyến (kênh 2)."), {"channel": _("Chọn 2.")}, status=422
            )
        if not procedure.offered_online:
            raise A.ActionError(
                _("Thủ tục này chưa cung cấp dịch vụ công trực tuyến; vui lòng nộp tại Bộ phận Một cửa."), status=422
            )
        source = Source.PORTAL
    return {
        "procedure": procedure,
        "intake_agency": intake,
        "applicant": A.Applicant(**payload.applicant.dict()),
        "channel": payload.channel,
        "source": source,
        "who": caller,
        "request_text": payload.request_text,
        "form_data": payload.form_data,
        "copies": payload.copies,
        "return_method": payload.return_method,
        "submit": payload.submit,
        "workflow": workflow_for_procedure(procedure, latest_workflows()),
        "competent_agency": A.competent_agency_for(procedure, intake),
    }


def _create(arguments: dict) -> tuple[int, dict]:
    d = A.create_dossier(**arguments)
    return 201, json.loads(json.dumps(dossier_out(d, new=True), default=_json_default, ensure_ascii=False))


def _json_default(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


@router.get("/{int:dossier_id}", response={200: DossierOut, **ERRORS}, summary="Chi tiết hồ sơ")
def get_dossier(request, dossier_id: int):
    return dossier_out(access_dossier(who(request), dossier_id))


@router.get(
    "/{int:dossier_id}/actions", response={200: list[OfferOut], **ERRORS}, summary="Các thao tác người gọi được làm"
)
def next_actions(request, dossier_id: int):
    d = access_dossier(who(request), dossier_id)
    return [o.__dict__ for o in A.available_actions(d, who(request))]


@router.post(
    "/{int:dossier_id}/actions/{action}",
    response={200: DossierOut, **ERRORS},
    summary="Thực hiện một thao tác (tiếp nhận, yêu cầu bổ sung, chuyển, phân công, ký, trả kết quả…)",
)
def perform_action(request, dossier_id: int, action: str, payload: ActionIn):
    caller = who(request)
    data = {k: v for k, v in payload.dict().items() if v is not None}
    if "new_appointment_at" in data:
        data["new_appointment_at"] = data["new_appointment_at"].isoformat()
    try:
        d = _perform(caller, dossier_id, action[:60], data)
    except A.ActionError as exc:
        return _action_error(exc)
    return dossier_out(d)


def _perform(caller, dossier_id: int, action: str, data: dict):
    if connection.vendor == "sqlite":
        # One writer at a time: read outside the write lock; the action re-reads only the row, locked.
        return A.perform(access_dossier(caller, dossier_id), caller, action, data)
    with transaction.atomic():
        # One locked read serves the access check, the offered actions and the action itself.
        return A.perform(access_dossier(caller, dossier_id, lock=True), caller, action, data)


class ExternalStartIn(Schema):
    certificate_chain: list[str] = Field(
        ..., min_length=1, max_length=5, description="Chứng thư số của người ký (PEM), rồi các CA trung gian"
    )


class ExternalStartOut(Schema):
    session_id: str
    data_to_sign: str = Field(..., description="Base64: dữ liệu thiết bị ký (DER của các thuộc tính được ký)")
    digest_to_sign: str = Field(..., description="Base64: SHA-256 của data_to_sign, cho thiết bị nhận bản băm")
    digest_algorithm: str
    signature_mechanism: str
    expires_at: dt.datetime


class ExternalFinishIn(Schema):
    signature: str = Field(..., max_length=20000, description="Base64: giá trị chữ ký do thiết bị trả về")


@router.post(
    "/{int:dossier_id}/files/{int:file_id}/external-signing",
    response={201: ExternalStartOut, **ERRORS},
    summary="Bắt đầu ký số kết quả bằng thiết bị của người ký (USB token, ký số từ xa)",
)
def external_signing_start(request, dossier_id: int, file_id: int, body: ExternalStartIn):
    """The PDF is prepared here; the device signs ``data_to_sign`` (or ``digest_to_sign``) within 15 minutes."""
    caller = who(request)
    d = access_dossier(caller, dossier_id)
    try:
        row, session = A.start_external_signature(d, caller, file_id, [c.encode() for c in body.certificate_chain])
    except A.ActionError as exc:
        return _action_error(exc)
    return Status(
        201,
        {
            "session_id": str(row.pk),
            "data_to_sign": base64.b64encode(session.data_to_sign).decode(),
            "digest_to_sign": base64.b64encode(session.digest_to_sign).decode(),
            "digest_algorithm": "sha256",
            "signature_mechanism": session.signature_mechanism or "",
            "expires_at": _local(row.expires_at),
        },
    )


@router.post(
    "/{int:dossier_id}/external-signing/{uuid:session_id}",
    response={200: DossierOut, **ERRORS, 410: ProblemOut},
    summary="Hoàn tất ký số bằng thiết bị: gửi giá trị chữ ký",
)
def external_signing_finish(request, dossier_id: int, session_id: str, body: ExternalFinishIn):
    caller = who(request)
    d = access_dossier(caller, dossier_id)
    try:
        value = base64.b64decode(body.signature, validate=True)
    except ValueError:
        return problem(422, _("Dữ liệu không hợp lệ"), _("Giá trị chữ ký phải được mã hóa Base64."))
    try:
        A.finish_external_signature(d, caller, session_id, value)
    except A.ActionError as exc:
        return _action_error(exc)
    return dossier_out(access_dossier(caller, dossier_id))


class SignatureRateOut(Schema):
    agency_id: int
    agency: str
    month: dt.date
    results: int
    person_signed: int
    agency_signed: int
    person_rate: float | None = Field(None, description="% kết quả có chữ ký số cá nhân")
    agency_rate: float | None = Field(None, description="% kết quả có chữ ký số của cơ quan")


@router.get(
    "/signature-rates",
    response={200: list[SignatureRateOut], **ERRORS},
    summary="Tỷ lệ kết quả được ký số (cá nhân, cơ quan) theo cơ quan và tháng",
)
def signature_rate_list(request, since: dt.date | None = None, until: dt.date | None = None):
    """Over the dossiers the caller may see (its agencies; province-wide for the province's administrators).

    ``since`` / ``until``: the dates processing finished, ``until`` excluded.
    """
    qs = visible_dossiers(who(request))
    if since:
        qs = qs.filter(finished_at__date__gte=since)
    if until:
        qs = qs.filter(finished_at__date__lt=until)
    rows = signature_rates(qs)
    names = dict(Agency.objects.filter(pk__in={r["agency_id"] for r in rows}).values_list("pk", "name"))
    return [{**r, "agency": names.get(r["agency_id"], "")} for r in rows]


class BatchIn(Schema):
    action: str = Field(..., max_length=60, description="Thao tác, ví dụ sign (ký hàng loạt) hoặc issue")
    dossier_ids: list[int] = Field(..., min_length=1, max_length=100)
    payload: ActionIn | None = None


class BatchItemOut(Schema):
    id: int
    ok: bool
    state: str | None = None
    code: str | None = None
    error: str | None = None


class BatchOut(Schema):
    done: int
    failed: int
    results: list[BatchItemOut]


@router.post(
    "/batch-actions",
    response={200: BatchOut, **ERRORS},
    summary="Thực hiện một thao tác trên nhiều hồ sơ (ký số hàng loạt, vào số hàng loạt…)",
)
def batch_action(request, body: BatchIn):
    """Each dossier is handled on its own: one failure (e.g. a result that is not a PDF) does not stop the others.

    A dossier the caller may not see is reported as not found, like everywhere else.
    """
    caller = who(request)
    data = {k: v for k, v in (body.payload.dict() if body.payload else {}).items() if v is not None}
    if "new_appointment_at" in data:
        data["new_appointment_at"] = data["new_appointment_at"].isoformat()
    results = []
    for dossier_id in dict.fromkeys(body.dossier_ids):
        try:
            d = _perform(caller, dossier_id, body.action, data)
            results.append({"id": dossier_id, "ok": True, "state": d.state, "code": d.code})
        except Http404:
            results.append({"id": dossier_id, "ok": False, "error": _("Không tìm thấy hồ sơ.")})
        except A.ActionError as exc:
            results.append({"id": dossier_id, "ok": False, "error": exc.message})
    done = sum(1 for r in results if r["ok"])
    return {"done": done, "failed": len(results) - done, "results": results}


@router.get("/{int:dossier_id}/events", response={200: list[EventOut], **ERRORS}, summary="Lịch sử xử lý (chuỗi băm)")
def events(request, dossier_id: int):
    d = access_dossier(who(request), dossier_id)
    return [event_out(e) for e in d.events.order_by("seq")]


@router.post(
    "/{int:dossier_id}/files",
    response={201: FileOut, **ERRORS},
    summary="Tải lên thành phần hồ sơ, hồ sơ bổ sung hoặc kết quả; hoặc dùng lại giấy tờ trong kho dữ liệu cá nhân",
)
def upload_file(
    request,
    dossier_id: int,
    file: File[UploadedFile] = None,
    kind: Form[FileKind] = FileKind.COMPONENT,
    name: Form[str] = "",
    component_id: Form[int | None] = None,
    personal_document_id: Form[int | None] = None,
    digitised: Form[bool] = True,
):
    caller = who(request)
    d = access_dossier(caller, dossier_id)
    if len(name) > 1000:
        return problem(422, _("Dữ liệu không hợp lệ"), _("Tên giấy tờ dài tối đa 1000 ký tự."))
    if file is None and personal_document_id is None:
        return problem(
            422,
            _("Dữ liệu không hợp lệ"),
            _("Vui lòng chọn tệp để tải lên hoặc một giấy tờ trong kho dữ liệu cá nhân."),
            [{"field": "file", "message": _("Chưa chọn tệp.")}],
        )
    if file is not None and file.size > settings.CONGSO_MAX_UPLOAD_BYTES:
        limit = settings.CONGSO_MAX_UPLOAD_BYTES / 1048576
        return problem(
            422,
            _("Dữ liệu không hợp lệ"),
            _("Tệp quá lớn; dung lượng tối đa là %(limit)s MB.") % {"limit": f"{limit:.0f}"},
            [{"field": "file", "message": _("Tệp quá lớn.")}],
        )
    try:
        item = A.attach_file(
            d,
            caller,
            data=file.read() if file is not None else None,
            filename=(file.name or "")[:255] if file is not None else "",
            name=name,
            kind=kind,
            component_id=component_id if component_id and 0 < component_id < MAX_ID else None,
            personal_document_id=personal_document_id
            if personal_document_id and 0 < personal_document_id < MAX_ID
            else None,
            digitised=digitised,
        )
    except A.ActionError as exc:
        return _action_error(exc)
    return Status(201, file_out(DossierFile.objects.select_related("file").get(pk=item.pk)))


class DraftIn(Schema):
    applicant: ApplicantIn | None = None
    intake_agency_id: int | None = Field(None, ge=1, le=MAX_ID, description="Nơi tiếp nhận (Bộ phận Một cửa)")
    form_data: dict[str, Any] | None = Field(
        None,
        description="Tờ khai: kiểm tra theo biểu mẫu điện tử (JSON Schema) của thủ tục; sai trả về 422 theo từng trường",
    )
    return_method: str | None = Field(None, max_length=200)


class MessageIn(Schema):
    text: str = Field(
        ..., max_length=2000, description="Nội dung; người nộp đọc trên Cổng và nhận qua thư điện tử, SMS"
    )


@router.patch(
    "/{int:dossier_id}/draft",
    response={200: DossierOut, **ERRORS},
    summary="Người nộp sửa bản nháp hồ sơ trực tuyến (người nộp, nơi nộp, tờ khai, cách nhận kết quả)",
)
def update_draft(request, dossier_id: int, body: DraftIn):
    from congso.catalog import eforms

    caller = who(request)
    d = access_dossier(caller, dossier_id)
    if body.form_data is not None:
        schema = eforms.with_default_prefill(d.procedure.form_schema or {"type": "object", "properties": {}})
        errors = eforms.validate(schema, body.form_data, today=timezone.localdate())
        if errors:
            return problem(
                422,
                _("Dữ liệu không hợp lệ"),
                _("Tờ khai còn %(n)s chỗ chưa đúng hoặc chưa điền.") % {"n": len(errors)},
                [{"field": f"form_data.{k}" if k else "form_data", "message": v} for k, v in errors.items()],
            )
    intake = None
    if body.intake_agency_id is not None:
        intake = Agency.objects.current().filter(pk=body.intake_agency_id).first()
        if intake is None:
            return problem(422, _("Dữ liệu không hợp lệ"), _("Không tìm thấy nơi tiếp nhận."))
    applicant = A.Applicant(**body.applicant.dict()) if body.applicant is not None else None
    try:
        d = A.update_draft(
            d,
            caller,
            applicant=applicant,
            intake_agency=intake,
            form_data=body.form_data,
            return_method=body.return_method,
        )
    except A.ActionError as exc:
        return _action_error(exc)
    return dossier_out(d)


@router.delete(
    "/{int:dossier_id}/files/{int:file_id}",
    response={204: None, **ERRORS},
    summary="Người nộp gỡ tệp khỏi bản nháp, hoặc tệp bổ sung chưa gửi",
)
def remove_file(request, dossier_id: int, file_id: int):
    caller = who(request)
    d = access_dossier(caller, dossier_id)
    try:
        A.remove_file(d, caller, file_id)
    except A.ActionError as exc:
        return _action_error(exc)
    return Status(204, None)


@router.post(
    "/{int:dossier_id}/messages",
    response={201: EventOut, **ERRORS},
    summary="Cán bộ nhắn người nộp hồ sơ (hiện trên Cổng, gửi thư điện tử/SMS)",
)
def message_applicant(request, dossier_id: int, body: MessageIn):
    caller = who(request)
    d = access_dossier(caller, dossier_id)
    if not caller.is_staff_member:
        return problem(403, _("Không có quyền"), _("Chỉ cán bộ giải quyết hồ sơ được nhắn người nộp."))
    try:
        e = A.message_applicant(d, caller, body.text)
    except A.ActionError as exc:
        return _action_error(exc)
    return Status(201, event_out(e))


@router.get("/{int:dossier_id}/files/{int:file_id}", summary="Tải xuống tệp của hồ sơ", response={200: None, **ERRORS})
def download_file(request, dossier_id: int, file_id: int):
    d = access_dossier(who(request), dossier_id)
    item = d.files.select_related("file").filter(pk=file_id, file__isnull=False).first()
    if item is None:
        raise Http404
    response = HttpResponse(read_blob(item.file.sha256), content_type=item.file.content_type)
    filename = item.filename or f"{item.file.sha256[:16]}.{item.file.extension}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    response["ETag"] = f'"{item.file.sha256}"'
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@router.get(
    "/{int:dossier_id}/forms/{number}.pdf",
    summary="In phiếu: 01 tiếp nhận, 02 yêu cầu bổ sung, 03 từ chối, 04 xin lỗi hẹn lại, 05 kiểm soát",
    response={200: None, **ERRORS},
)
def form_pdf(request, dossier_id: int, number: str):
    from congso.dossiers.printing import FormNotAvailable, render_dossier_form

    d = access_dossier(who(request), dossier_id)
    try:
        pdf = render_dossier_form(d, number[:4])
    except FormNotAvailable as exc:
        return problem(404, _("Không có phiếu"), str(exc))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{d.code or d.pk}-mau-{number[:4]}.pdf"'
    return response


@router.get(
    "/logbook.pdf",
    summary="Sổ theo dõi hồ sơ (Mẫu 06) của một nơi tiếp nhận theo tháng",
    response={200: None, **ERRORS},
)
def logbook_pdf(
    request,
    agency_id: int = Query(..., ge=1, le=MAX_ID),
    month: str = Query(..., pattern=r"^\d{4}-\d{2}$", description="Tháng, dạng 2026-11"),
    field_id: int | None = Query(None, ge=1, le=MAX_ID, description="Chỉ một lĩnh vực"),
):
    from congso.catalog.models import Field as CatalogField
    from congso.documents.forms_pdf import render_form
    from congso.dossiers.printing import logbook_context

    caller = who(request)
    agency = Agency.objects.filter(pk=agency_id).select_related("parent").first()
    if agency is None or not (caller.province_wide or agency.pk in caller.agency_ids):
        raise Http404
    try:
        year, mon = (int(x) for x in month.split("-"))
        if not 2000 <= year <= 2100:
            raise ValueError(month)
        start = timezone.make_aware(dt.datetime(year, mon, 1))
    except ValueError:
        return problem(422, _("Dữ liệu không hợp lệ"), _("Tháng không hợp lệ; dùng dạng 2026-11."))
    end = timezone.make_aware(dt.datetime(year + (mon == 12), mon % 12 + 1, 1))
    qs = (
        A.Dossier.objects.filter(intake_agency=agency, parent__isnull=True, accepted_at__gte=start, accepted_at__lt=end)
        .select_related("procedure", "competent_agency")
        .order_by("accepted_at", "id")
    )
    period = f"Tháng {mon:02d}/{year}"
    if field_id:
        field = CatalogField.objects.filter(pk=field_id).first()
        if field is None:
            raise Http404
        qs = qs.filter(procedure__field_id=field_id)
        period += f" — {_('Lĩnh vực')} {field.name}"
    pdf = render_form("06", logbook_context(agency, qs, period))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="so-theo-doi-{month}.pdf"'
    return response


@router.get("/me/documents", response=list[PersonalDocumentOut], summary="Kho dữ liệu điện tử cá nhân của tôi")
def my_documents(request):
    caller = who(request)
    return [
        {
            "id": p.pk,
            "name": p.name,
            "filename": p.filename,
            "is_result": p.is_result,
            "source_dossier_code": p.source_dossier.code if p.source_dossier else None,
            "created_at": p.created_at,
        }
        for p in PersonalDocument.objects.filter(owner_id=caller.user.pk).select_related("source_dossier")
    ]


# ---- public lookup ---------------------------------------------------------------------------------
def _client(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


@lookup_router.get(
    "/",
    response={200: LookupOut, 404: ProblemOut, 422: ProblemOut, 429: ProblemOut},
    summary="Tra cứu tình trạng hồ sơ bằng mã hồ sơ và 4 số cuối giấy tờ định danh",
    auth=None,
)
def lookup(
    request,
    code: str = Query(..., min_length=1, max_length=60, description="Mã hồ sơ, ví dụ 000.00.00.H56-261125-0007"),
    id_last4: str = Query(..., min_length=4, max_length=4, description="4 ký tự cuối của số CCCD / mã số doanh nghiệp"),
):
    from congso.dossiers.lookup import lookup as find

    result = find(_client(request), code, id_last4)
    if result.blocked:
        response = problem(
            429, _("Quá nhiều lần tra cứu"), _("Bạn đã tra cứu sai quá nhiều lần; vui lòng thử lại sau 1 phút.")
        )
        response["Retry-After"] = str(result.retry_after)
        return response
    d = result.dossier
    if d is None:
        return problem(
            404,
            _("Không tìm thấy hồ sơ"),
            _("Không tìm thấy hồ sơ với mã và 4 số cuối giấy tờ định danh đã nhập; vui lòng kiểm tra lại."),
        )
    return {
        "code": d.code,
        "procedure_name": d.procedure.name,
        "receiving_agency": d.receiving_agency.name,
        "state_label": str(State(d.state).label),
        "national_status": d.national_status,
        "accepted_at": _local(d.accepted_at),
        "appointment_at": _local(d.appointment_at),
        "returned_at": _local(d.returned_at),
    }
