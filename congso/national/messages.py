"""What congso tells DVCQG about a dossier: the ``DongBoHoSoMC`` record and ``CapNhatTienDoHoSoMC`` lines.

Built from the dossier as it stands inside the transaction of the change (a snapshot), so each message
says what was true when it was written, whatever happens before it is delivered.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override

from congso.catalog.models import Field
from congso.dossiers.choices import FileKind
from congso.dossiers.models import Dossier, DossierEvent
from congso.national import protocol

ID_TYPES = {"cccd": "CCCD", "cmnd": "CMND", "passport": "HoChieu", "tax_code": "MaSoThue", "mst": "MaSoThue"}
FEE_KINDS = {"fee": 1, "charge": 2}

# Events that are bookkeeping, not processing: never reported as progress.
SILENT_EVENTS = frozenset({"create_draft", "due_soon", "overdue"})


_field_codes: dict[int, str] = {}


def field_code(field_id: int) -> str:
    """MaLinhVuc of a catalog field, from a per-process cache (fields are reference data)."""
    if field_id not in _field_codes:
        _field_codes.clear()
        _field_codes.update({pk: code or "" for pk, code in Field.objects.values_list("pk", "code")})
    return _field_codes.get(field_id, "")


def forget_field_codes() -> None:
    _field_codes.clear()
    _fee_lines.clear()


_fee_lines: dict[int, list[dict]] = {}


def fee_lines(procedure) -> list[dict]:
    """DanhSachLePhi of a procedure version, cached per process: a published version never changes."""
    lines = _fee_lines.get(procedure.pk)
    if lines is None:
        if len(_fee_lines) > 5000:
            _fee_lines.clear()
        lines = [
            {"MaPhiLePhi": str(fee.pk), "Gia": int(fee.amount or 0), "LoaiPhiLePhi": FEE_KINDS.get(fee.kind, 2)}
            for fee in procedure.fee_lines.all()
        ]
        _fee_lines[procedure.pk] = lines
    return [dict(line) for line in lines]


def _result_url(d: Dossier, f) -> str:
    """An issued (agency-signed) result is published at its verification address; a draft stays behind auth."""
    if getattr(f, "verification_token", ""):
        return f"{settings.CONGSO_PUBLIC_URL.rstrip('/')}/xac-thuc/{f.verification_token}/tai-ve/"
    return _file_url(d, f.pk)


def _file_url(d: Dossier, file_id: int) -> str:
    return f"{settings.CONGSO_PUBLIC_URL.rstrip('/')}/api/v1/dossiers/{d.pk}/files/{file_id}"


def _appointment_moves(moves: list[dict]) -> list[dict]:
    """DanhSachHoSoBoSung: every move of the appointment after acceptance (supplement answered, Form 04)."""
    return [
        {
            "NgayHenTraTruoc": protocol.format_date(dt.datetime.fromisoformat(m["before"])),
            "NgayHenTraMoi": protocol.format_date(dt.datetime.fromisoformat(m["after"])),
        }
        for m in moves
    ]


def dossier_record(d: Dossier, *, national_code: str, appointment_moves: list[dict], paid_online: int = 0) -> dict:
    """The ``DongBoHoSoMC`` record of a dossier (domain §6), plus ``MaHoSoQG`` for a DVCQG dossier."""
    files = d.__dict__.get("_files")  # read by the accept action a moment ago
    if files is None:
        files = list(d.files.all())
    procedure = d.procedure
    record = {
        "MaHoSo": d.code or national_code,
        "MaTTHC": procedure.national_code or procedure.code,
        "MaLinhVuc": field_code(procedure.field_id),
        "KenhThucHien": int(d.channel),
        "ChuHoSo": d.applicant_name,
        "LoaiDoiTuong": int(d.applicant_kind),
        "DinhDanhCHS": [
            {
                "LoaiDinhDanh": ID_TYPES.get(d.applicant_id_type, d.applicant_id_type.upper()),
                "SoDinhDanh": d.applicant_id_number,
            }
        ],
        "NgayNopHoSo": protocol.format_date(d.submitted_at or d.created_at),
        "NgayTiepNhan": protocol.format_date(d.accepted_at),
        "NgayHenTra": protocol.format_date(d.appointment_at),
        "NgayKetThucXuLy": protocol.format_date(d.finished_at or d.ended_at),
        "NgayTra": protocol.format_date(d.returned_at),
        "TrangThaiHoSo": int(d.national_status),
        "TaiLieuNop": [
            {
                "TepDinhKemId": f.pk,
                "TenTepDinhKem": f.filename or f.name,
                "MaThanhPhanHoSo": str(f.component_id or ""),
                "DuongDanTaiTepTin": _file_url(d, f.pk),
                "DuocSoHoa": 1 if f.digitised else 0,
                "DuocTaiSuDung": 1 if f.reused else 0,
                "DuocLayTuKhoDMQG": 0,
            }
            for f in files
            if f.kind in (FileKind.COMPONENT, FileKind.SUPPLEMENT) and f.file_id
        ],
        "DanhSachLePhi": fee_lines(procedure),
        "DanhSachHoSoBoSung": _appointment_moves(appointment_moves),
        "DanhSachGiayToKetQua": [
            {"MaGiayToKetQua": str(f.pk), "TenGiayToKetQua": f.name, "DuongDanTepTinKetQua": _result_url(d, f)}
            for f in files
            if f.kind == FileKind.RESULT and f.file_id
        ],
        "TaiKhoanDuocXacThucVoiVNeID": 0,
        "DuocThanhToanTrucTuyen": paid_online,
    }
    if national_code:
        record["MaHoSoQG"] = national_code
    return record


PROGRESS_TEXT = {
    "receive": "Tiếp nhận hồ sơ tại Bộ phận Một cửa",
    "submit": "Hồ sơ được nộp trực tuyến",
    "accept": "Tiếp nhận hồ sơ, hẹn trả kết quả (Mẫu 01)",
    "request_supplement": "Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)",
    "submit_supplement": "Công dân đã bổ sung hồ sơ",
    "refuse": "Từ chối giải quyết hồ sơ (Mẫu 03)",
    "transfer": "Chuyển hồ sơ",
    "assign": "Phân công xử lý",
    "reassign": "Phân công lại người xử lý",
    "appraise": "Thẩm định hồ sơ",
    "consult": "Lấy ý kiến cơ quan phối hợp",
    "answer_consultation": "Cơ quan phối hợp trả lời",
    "approve": "Lãnh đạo phê duyệt",
    "send_back": "Trả lại bước trước để xử lý lại",
    "sign": "Ký kết quả giải quyết",
    "issue": "Vào số, ký số của cơ quan (đóng dấu) kết quả",
    "external_signature": "Người có thẩm quyền ký số kết quả bằng thiết bị ký số",
    "attach_result": "Đính kèm kết quả giải quyết",
    "return_result": "Trả kết quả cho công dân",
    "complete": "Hoàn thành xử lý",
    "withdraw": "Công dân rút hồ sơ",
    "stop": "Dừng xử lý hồ sơ",
    "resume": "Tiếp tục xử lý hồ sơ",
    "require_payment": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "confirm_payment": "Đã thực hiện nghĩa vụ tài chính",
    "extend": "Xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)",
    "attach_file": "Bổ sung tệp vào hồ sơ",
    "liaison_spawn": "Chuyển hồ sơ liên thông",
    "liaison_done": "Nhận kết quả liên thông",
}


def progress_record(
    root: Dossier, event: DossierEvent, *, code: str, status: int, step_name: str = "", via: Dossier | None = None
) -> dict:
    """One ``CapNhatTienDoHoSoMC`` line for an event (of the dossier, or of a liên thông child ``via``)."""
    with override("vi"):
        text = PROGRESS_TEXT.get(event.action, event.action)
        if step_name:
            text = f"{text}: {step_name}"
        if via is not None:
            agency = via.competent_agency.name if via.competent_agency_id else ""
            text = _("[Liên thông — %(agency)s] %(text)s") % {"agency": agency, "text": text}
        note = (event.data or {}).get("note") or (event.data or {}).get("reason") or ""
        if note:
            text = f"{text} — {note}"[:2000]
    return {
        "MaHoSo": code,
        "NguoiXuLy": event.actor_label or "Hệ thống",
        "ThoiDiemXuLy": protocol.format_date(event.at),
        "NoiDungXuLy": text,
        "TrangThai": status,
        "NgayKetThucTheoQuyDinh": protocol.format_date(root.due_at or root.appointment_at),
        "ThuTuSuKien": event.seq,
    }
