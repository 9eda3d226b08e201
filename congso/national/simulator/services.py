"""What the simulated DVCQG does: take citizens' online dossiers, notify and answer the province, record its syncs.

Used by the simulator's views, by its tests and by the province's tests (``submit_online_dossier``,
``send_webhook``, ``set_down``, ``set_refuse``, ``mark_paid``). Every answer of the API follows
:mod:`congso.national.protocol`.

Writes that must agree across gunicorn workers (allocating ``seq``/``code``, applying a sync message) run in a
transaction holding the lock on the :class:`SimControl` row, so they are serialized.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from congso.core.pdf import simple_pdf
from congso.national import protocol, transport
from congso.national.simulator import catalog
from congso.national.simulator.models import SimControl, SimDossier, SimFile, SimMessage

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/v1/national/webhook"
MAX_PAGE = 100
DEFAULT_PAGE = 50

# error_code values of the simulator (``"00"`` is success, protocol.SUCCESS).
INVALID = "01"  # the message or a record in it is invalid
NOT_FOUND = "02"  # unknown procedure / dossier
UNKNOWN_SERVICE = "03"
MALFORMED = "98"  # the body is not a JSON object


# ---- control -------------------------------------------------------------------------------------------


def _locked_control() -> SimControl:
    """The control row, locked until the end of the current transaction (the simulator's mutex)."""
    control, _created = SimControl.objects.select_for_update().get_or_create(pk=1)
    return control


def set_down(down: bool) -> SimControl:
    """Take the simulated DVCQG down (its API and files answer HTTP 503) or bring it back up."""
    with transaction.atomic():
        control = _locked_control()
        control.down = bool(down)
        control.save(update_fields=["down"])
    return control


def set_refuse(code: str) -> SimControl:
    """Refuse every sync (DongBoHoSoMC, CapNhatTienDoHoSoMC) with ``code``; "" accepts them again."""
    code = (code or "").strip()
    if code == protocol.SUCCESS:
        raise ValueError("refuse code must not be the success code 00")
    with transaction.atomic():
        control = _locked_control()
        control.refuse_code = code
        control.save(update_fields=["refuse_code"])
    return control


# ---- dossiers ------------------------------------------------------------------------------------------


def _allocate(now: dt.datetime) -> tuple[int, str]:
    """The next ``seq`` and its ``code``; call inside a transaction holding :func:`_locked_control`."""
    seq = (SimDossier.objects.aggregate(last=Max("seq"))["last"] or 0) + 1
    return seq, f"QG-{now.astimezone(protocol.VN_TZ):%y%m%d}-{seq:06d}"


def file_url(token: str) -> str:
    """The absolute address at which the province downloads a file (``DuongDanTaiTepTin``)."""
    return f"{settings.CONGSO_DVCQG_URL.rstrip('/')}/files/{token}"


def sample_pdf(lines: list[str]) -> bytes:
    """A small valid one-page PDF showing ``lines``."""
    return simple_pdf(lines)


def submit_online_dossier(
    *,
    procedure_code: str,
    agency_identifier: str,
    applicant_name: str,
    id_number: str,
    phone: str = "",
    email: str = "",
    address: str = "",
    request_text: str = "",
    files: list[tuple[str, bytes, str]] | None = None,
    paid: bool = False,
    amount: int = 0,
    now: dt.datetime | None = None,
) -> SimDossier:
    """A citizen submits a dossier online on DVCQG; the province is notified by webhook after commit.

    ``files`` are ``(name, bytes, content_type)``; with none, a small PDF is attached so the dossier has a
    component.
    """
    now = now or timezone.now()
    if not files:
        pdf = sample_pdf(
            [
                "Cong Dich vu cong quoc gia (gia lap) - to khai truc tuyen",
                f"Thu tuc: {procedure_code}",
                f"Chu ho so: {applicant_name}",
                f"So dinh danh: {id_number}",
            ]
        )
        files = [("to-khai.pdf", pdf, "application/pdf")]
    with transaction.atomic():
        _locked_control()
        seq, code = _allocate(now)
        dossier = SimDossier.objects.create(
            code=code,
            seq=seq,
            created_at=now,
            paid=bool(paid),
            amount=max(int(amount or 0), 0),
            paid_at=now if paid else None,
        )
        attached = [
            SimFile.objects.create(dossier=dossier, name=name, data=data, content_type=content_type or "")
            for name, data, content_type in files
        ]
        dossier.record = {
            "MaHoSo": code,
            "MaTTHC": procedure_code,
            "MaDonVi": agency_identifier,
            "KenhThucHien": 2,
            "ChuHoSo": applicant_name,
            "LoaiDoiTuong": 1,
            "DinhDanhCHS": [{"LoaiDinhDanh": "CCCD", "SoDinhDanh": id_number}],
            "DiaChi": address,
            "SoDienThoai": phone,
            "Email": email,
            "NoiDungYeuCau": request_text,
            "NgayNopHoSo": protocol.format_date(now),
            "TaiLieuNop": [
                {
                    "TenTepDinhKem": f.name,
                    "MaThanhPhanHoSo": "",
                    "DuongDanTaiTepTin": file_url(f.token),
                    "DuocSoHoa": 1,
                    "DuocTaiSuDung": 0,
                    "DuocLayTuKhoDMQG": 0,
                }
                for f in attached
            ],
            "DuocThanhToanTrucTuyen": 1 if paid else 0,
            "TaiKhoanDuocXacThucVoiVNeID": 1,
        }
        errors = protocol.inbound_record_errors(dossier.record)
        if errors:
            raise ValueError("; ".join(errors))
        dossier.save(update_fields=["record"])
        transaction.on_commit(lambda: enqueue_webhook(dossier.pk), robust=True)
    return dossier


def enqueue_webhook(sim_dossier_id: int, *, force: bool = False) -> None:
    """Queue the ThongBaoHoSoMoi webhook of a dossier (background worker)."""
    from congso.national.simulator.tasks import deliver_webhook_task

    deliver_webhook_task.enqueue(sim_dossier_id, force)


def webhook_body(sim_dossier: SimDossier) -> bytes:
    payload = {
        "service": protocol.WEBHOOK_NEW_DOSSIER,
        "data": [{"SoThuTu": sim_dossier.seq, "HoSo": sim_dossier.record}],
    }
    return json.dumps(payload, ensure_ascii=False).encode()


def send_webhook(sim_dossier: SimDossier) -> str:
    """POST the signed ThongBaoHoSoMoi webhook to the province now; "" on success, else the error (never raises)."""
    body = webhook_body(sim_dossier)
    headers = {
        "Content-Type": "application/json",
        **protocol.signature_headers(settings.CONGSO_DVCQG_WEBHOOK_SECRET, body),
    }
    error = ""
    try:
        with transport.http_client(settings.CONGSO_PUBLIC_URL, timeout=settings.CONGSO_DVCQG_TIMEOUT) as client:
            response = client.post(WEBHOOK_PATH, content=body, headers=headers)
        if not 200 <= response.status_code < 300:
            error = _("Hệ thống của tỉnh trả lỗi HTTP %(status)s: %(text)s") % {
                "status": response.status_code,
                "text": response.text[:300],
            }
    except httpx.HTTPError as exc:
        error = _("Không kết nối được hệ thống của tỉnh: %(error)s") % {"error": f"{exc.__class__.__name__}: {exc}"}
    updates = {"webhook_attempts": F("webhook_attempts") + 1, "webhook_last_error": error[:2000]}
    if not error:
        updates["webhook_delivered_at"] = timezone.now()
    SimDossier.objects.filter(pk=sim_dossier.pk).update(**updates)
    sim_dossier.refresh_from_db(fields=["webhook_attempts", "webhook_last_error", "webhook_delivered_at"])
    if error:
        log.warning("DVCQG simulator: webhook for %s failed: %s", sim_dossier.code, error)
    return error


def find_dossier(code: str) -> SimDossier | None:
    """A dossier by its DVCQG code or by the province's code."""
    code = str(code or "").strip()
    if not code:
        return None
    return SimDossier.objects.filter(code=code).first() or SimDossier.objects.filter(province_code=code).first()


def mark_paid(code: str, amount: int, now: dt.datetime | None = None) -> SimDossier:
    """The citizen paid ``amount`` đồng online for dossier ``code`` (DVCQG or province code)."""
    dossier = find_dossier(code)
    if dossier is None:
        raise SimDossier.DoesNotExist(code)
    dossier.paid = True
    dossier.amount = max(int(amount or 0), 0)
    dossier.paid_at = now or timezone.now()
    dossier.save(update_fields=["paid", "amount", "paid_at"])
    return dossier


def messages_for(dossier: SimDossier) -> QuerySet[SimMessage]:
    """The messages received about a dossier, in received order."""
    match = Q(national_code=dossier.code)
    if dossier.province_code:
        match |= Q(dossier_code=dossier.province_code)
    return SimMessage.objects.filter(match).order_by("received_at", "pk")


def message_counts(dossiers: list[SimDossier]) -> dict[int, int]:
    """How many messages each dossier received (one query for a page of dossiers)."""
    codes = {d.code for d in dossiers}
    province_codes = {d.province_code for d in dossiers if d.province_code}
    rows = SimMessage.objects.filter(Q(national_code__in=codes) | Q(dossier_code__in=province_codes)).values_list(
        "national_code", "dossier_code"
    )
    rows = list(rows)
    counts = {}
    for d in dossiers:
        counts[d.pk] = sum(
            1 for national, local in rows if national == d.code or (d.province_code and local == d.province_code)
        )
    return counts


# ---- the API -------------------------------------------------------------------------------------------


def _ok(**extra) -> tuple[int, dict]:
    return 200, {"error_code": protocol.SUCCESS, "message": _("Thành công"), **extra}


def _error(code: str, message: str, status: int = 200) -> tuple[int, dict]:
    return status, {"error_code": code, "message": message}


def _positive_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value) or None
    return None


def _envelope_errors(body: dict) -> list[str]:
    errors = []
    message_id = body.get("MaGoiTin")
    if not isinstance(message_id, str) or not message_id.strip() or len(message_id) > 100:
        errors.append(_("MaGoiTin (mã gói tin) bắt buộc, tối đa 100 ký tự."))
    if _positive_int(body.get("SoThuTu")) is None:
        errors.append(_("SoThuTu phải là số nguyên dương."))
    data = body.get("data")
    if not isinstance(data, list) or not data:
        errors.append(_("data phải là danh sách có ít nhất một bản ghi."))
    return errors


def _already_received(message_id: str) -> bool:
    return SimMessage.objects.filter(message_id=message_id).update(duplicates=F("duplicates") + 1) > 0


def _dossier_for(record: dict, now: dt.datetime) -> SimDossier:
    """The dossier a sync record is about; a desk dossier DVCQG has not seen yet is created."""
    dossier = None
    national = str(record.get("MaHoSoQG") or "")
    if national:
        dossier = SimDossier.objects.filter(code=national).first()
    if dossier is None:
        dossier = SimDossier.objects.filter(province_code=str(record["MaHoSo"])).first()
    if dossier is None:
        seq, code = _allocate(now)
        dossier = SimDossier.objects.create(
            code=code, seq=seq, record={}, province_code=str(record["MaHoSo"]), created_at=now
        )
    return dossier


def _sync_dossier(body: dict) -> tuple[int, dict]:
    errors = _envelope_errors(body)
    if body.get("isUpdating") not in ("true", "false"):
        errors.append(_('isUpdating phải là "true" hoặc "false".'))
    for record in body.get("data") if isinstance(body.get("data"), list) else []:
        errors.extend(protocol.dossier_record_errors(record))
    if errors:
        return _error(INVALID, "; ".join(errors))
    message_id, seq, records = body["MaGoiTin"], _positive_int(body["SoThuTu"]), body["data"]
    now = timezone.now()
    with transaction.atomic():
        _locked_control()
        if _already_received(message_id):
            return _ok(duplicate=True)
        applied = False
        dossiers = []
        for record in records:
            dossier = _dossier_for(record, now)
            dossiers.append(dossier)
            if seq > dossier.last_applied_seq:
                dossier.province_code = str(record["MaHoSo"])
                dossier.status = int(record["TrangThaiHoSo"])
                dossier.synced_record = record
                dossier.last_applied_seq = seq
                dossier.save(update_fields=["province_code", "status", "synced_record", "last_applied_seq"])
                applied = True
        SimMessage.objects.create(
            message_id=message_id,
            service=protocol.SYNC_DOSSIER,
            dossier_code=str(records[0]["MaHoSo"])[:60],
            national_code=str(records[0].get("MaHoSoQG") or dossiers[0].code)[:30],
            seq=seq,
            body=body,
            received_at=now,
            applied=applied,
        )
    return _ok()


def _sync_progress(body: dict) -> tuple[int, dict]:
    errors = _envelope_errors(body)
    for record in body.get("data") if isinstance(body.get("data"), list) else []:
        errors.extend(protocol.progress_record_errors(record))
    if errors:
        return _error(INVALID, "; ".join(errors))
    message_id, seq, records = body["MaGoiTin"], _positive_int(body["SoThuTu"]), body["data"]
    with transaction.atomic():
        _locked_control()
        if _already_received(message_id):
            return _ok(duplicate=True)
        dossier_code = str(records[0]["MaHoSo"])
        national = str(records[0].get("MaHoSoQG") or "")
        if not national:
            known = SimDossier.objects.filter(province_code=dossier_code).only("code").first()
            national = known.code if known else ""
        SimMessage.objects.create(
            message_id=message_id,
            service=protocol.SYNC_PROGRESS,
            dossier_code=dossier_code[:60],
            national_code=national[:30],
            seq=seq,
            body=body,
            received_at=timezone.now(),
            applied=True,
        )
    return _ok()


def _list_procedures(body: dict) -> tuple[int, dict]:
    return 200, {"error_code": protocol.SUCCESS, "result": catalog.summaries()}


def _get_procedure(body: dict) -> tuple[int, dict]:
    record = catalog.procedure(str(body.get("MaTTHC") or ""))
    if record is None:
        return _error(NOT_FOUND, _("Không tìm thấy thủ tục hành chính có mã %(code)s.") % {"code": body.get("MaTTHC")})
    return 200, {"error_code": protocol.SUCCESS, "result": record}


def _int_or_none(value, default: int) -> int | None:
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _list_new_dossiers(body: dict) -> tuple[int, dict]:
    after = _int_or_none(body.get("TuSoThuTu"), 0)
    size = _int_or_none(body.get("SoLuong"), DEFAULT_PAGE)
    if after is None or after < 0:
        return _error(INVALID, _("TuSoThuTu phải là số nguyên không âm."))
    if size is None or not 1 <= size <= MAX_PAGE:
        return _error(INVALID, _("SoLuong phải từ 1 đến %(max)s.") % {"max": MAX_PAGE})
    dossiers = SimDossier.objects.filter(seq__gt=after).exclude(record={}).order_by("seq")[:size]
    return 200, {"error_code": protocol.SUCCESS, "result": [{"SoThuTu": d.seq, "HoSo": d.record} for d in dossiers]}


def _payment_status(body: dict) -> tuple[int, dict]:
    code = str(body.get("MaHoSo") or "")
    dossier = find_dossier(code)
    if dossier is None:
        return _error(NOT_FOUND, _("Không tìm thấy hồ sơ có mã %(code)s.") % {"code": code})
    result = {
        "MaHoSo": code,
        "TrangThaiThanhToan": 1 if dossier.paid else 0,
        "SoTien": dossier.amount,
        "ThoiGianThanhToan": protocol.format_date(dossier.paid_at) if dossier.paid else "",
    }
    return 200, {"error_code": protocol.SUCCESS, "result": result}


HANDLERS = {
    protocol.SYNC_DOSSIER: _sync_dossier,
    protocol.SYNC_PROGRESS: _sync_progress,
    protocol.LIST_PROCEDURES: _list_procedures,
    protocol.GET_PROCEDURE: _get_procedure,
    protocol.LIST_NEW_DOSSIERS: _list_new_dossiers,
    protocol.PAYMENT_STATUS: _payment_status,
}
SYNC_SERVICES = (protocol.SYNC_DOSSIER, protocol.SYNC_PROGRESS)


def handle_api(body: dict, control: SimControl | None = None) -> tuple[int, dict]:
    """Answer one API call (already authenticated, DVCQG up): (HTTP status, JSON answer)."""
    if not isinstance(body, dict):
        return _error(MALFORMED, _("Nội dung yêu cầu phải là một đối tượng JSON."), status=400)
    service = body.get("service")
    handler = HANDLERS.get(service) if isinstance(service, str) else None
    if handler is None:
        return _error(UNKNOWN_SERVICE, _("Dịch vụ không được hỗ trợ: %(service)s.") % {"service": service})
    control = control or SimControl.get()
    if service in SYNC_SERVICES and control.refuse_code:
        return _error(
            control.refuse_code,
            _("Cổng DVCQG (giả lập) từ chối gói tin theo cấu hình (mã lỗi %(code)s).") % {"code": control.refuse_code},
        )
    return handler(body)
