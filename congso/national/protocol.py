"""The wire contract with the National Public Service Portal (DVCQG), shared by the adapter and the simulator.

Field names follow domain ``procedures.md`` §6 (as existing provincial integrations use them; the official
specification is not public). What the domain text does not name is ours and is marked so:

* Envelope: every call is ``POST {base}/api`` with a JSON body ``{"service": <name>, "madonvi": <agency id>,
  ...}`` and ``Authorization: Bearer <token>``. The answer is JSON with ``error_code`` — ``"00"`` is success,
  anything else a refusal with ``message``.
* ``DongBoHoSoMC`` (dossier sync): ``isUpdating`` ``"false"`` for the first sync of a dossier, ``"true"`` after;
  ``data`` is a list with one dossier record (:data:`DOSSIER_FIELDS`).
* ``CapNhatTienDoHoSoMC`` (progress): ``data`` is a list of progress records (:data:`PROGRESS_FIELDS`).
* ``LayDanhSachTTHC`` (catalog list) and ``LayThuTuc`` (one procedure, by ``MaTTHC``): ``result``.
* ours: ``MaGoiTin`` (message id, for idempotency) and ``SoThuTu`` (per-dossier sequence, for order) in the
  envelope of the two sync services; ``LayDanhSachHoSoMoi`` (new online dossiers after a cursor ``TuSoThuTu``);
  ``TraCuuThanhToan`` (payment status of a dossier); the inbound webhook ``ThongBaoHoSoMoi``.
* Dates are ``yyyyMMddHHmmss`` in Vietnam time (UTC+7, no daylight saving).
* The webhook is signed: ``X-DVCQG-Timestamp`` (Unix seconds) and
  ``X-DVCQG-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>``; a timestamp further than
  :data:`WEBHOOK_TOLERANCE_SECONDS` from now is refused (replay).

This module is pure (no ORM): formats, signatures and record validation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import time

VN_TZ = dt.timezone(dt.timedelta(hours=7), "Asia/Ho_Chi_Minh")
DATE_FORMAT = "%Y%m%d%H%M%S"
SUCCESS = "00"

SYNC_DOSSIER = "DongBoHoSoMC"
SYNC_PROGRESS = "CapNhatTienDoHoSoMC"
LIST_PROCEDURES = "LayDanhSachTTHC"
GET_PROCEDURE = "LayThuTuc"
LIST_NEW_DOSSIERS = "LayDanhSachHoSoMoi"  # ours
PAYMENT_STATUS = "TraCuuThanhToan"  # ours
WEBHOOK_NEW_DOSSIER = "ThongBaoHoSoMoi"  # ours

SIGNATURE_HEADER = "X-DVCQG-Signature"
TIMESTAMP_HEADER = "X-DVCQG-Timestamp"
WEBHOOK_TOLERANCE_SECONDS = 300

# What a province sends for each dossier (domain §6).
DOSSIER_FIELDS = (
    "MaHoSo",
    "MaTTHC",
    "MaLinhVuc",
    "KenhThucHien",
    "ChuHoSo",
    "LoaiDoiTuong",
    "DinhDanhCHS",
    "NgayNopHoSo",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayKetThucXuLy",
    "NgayTra",
    "TrangThaiHoSo",
    "TaiLieuNop",
    "DanhSachLePhi",
    "DanhSachHoSoBoSung",
    "DanhSachGiayToKetQua",
    "TaiKhoanDuocXacThucVoiVNeID",
    "DuocThanhToanTrucTuyen",
)
DOSSIER_REQUIRED = ("MaHoSo", "MaTTHC", "KenhThucHien", "ChuHoSo", "LoaiDoiTuong", "NgayNopHoSo", "TrangThaiHoSo")
PROGRESS_FIELDS = ("MaHoSo", "NguoiXuLy", "ThoiDiemXuLy", "NoiDungXuLy", "TrangThai", "NgayKetThucTheoQuyDinh")
PROGRESS_REQUIRED = ("MaHoSo", "NguoiXuLy", "ThoiDiemXuLy", "NoiDungXuLy", "TrangThai")
DATE_FIELDS = ("NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra")

# An online dossier as DVCQG hands it to the province (inbound; the fields a citizen filled in).
INBOUND_REQUIRED = ("MaHoSo", "MaTTHC", "MaDonVi", "ChuHoSo", "DinhDanhCHS", "NgayNopHoSo")

_DATE_RE = re.compile(r"^\d{14}$")


def format_date(value: dt.datetime | None) -> str:
    """An aware datetime as ``yyyyMMddHHmmss`` in Vietnam time ("" for None)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(VN_TZ).strftime(DATE_FORMAT)


def parse_date(text: str) -> dt.datetime:
    """``yyyyMMddHHmmss`` (Vietnam time) as an aware UTC datetime; ValueError when malformed."""
    if not isinstance(text, str) or not _DATE_RE.match(text):
        raise ValueError(f"not yyyyMMddHHmmss: {text!r}")
    return dt.datetime.strptime(text, DATE_FORMAT).replace(tzinfo=VN_TZ).astimezone(dt.UTC)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def signature_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body)}


def verify_signature(secret: str, timestamp: str, signature: str, body: bytes, now: float | None = None) -> str:
    """ "" when valid, otherwise the reason (Vietnamese) the signature is refused."""
    if not secret:
        return "Chưa cấu hình khóa bí mật của webhook."
    if not timestamp or not signature:
        return "Thiếu chữ ký hoặc thời điểm ký."
    try:
        ts = int(timestamp)
    except ValueError:
        return "Thời điểm ký không hợp lệ."
    current = now if now is not None else time.time()
    if abs(current - ts) > WEBHOOK_TOLERANCE_SECONDS:
        return "Thời điểm ký lệch quá 5 phút (có thể là gói tin phát lại)."
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        return "Chữ ký không khớp."
    return ""


def _missing(record: dict, required) -> list[str]:
    return [name for name in required if record.get(name) in (None, "", [])]


def dossier_record_errors(record) -> list[str]:
    """What is wrong with a ``DongBoHoSoMC`` record (empty when valid). Messages are Vietnamese."""
    if not isinstance(record, dict):
        return ["Bản ghi hồ sơ phải là một đối tượng JSON."]
    errors = [f"Thiếu trường {name}." for name in _missing(record, DOSSIER_REQUIRED)]
    for name in DATE_FIELDS:
        value = record.get(name)
        if value not in (None, ""):
            try:
                parse_date(value)
            except ValueError:
                errors.append(f"{name} phải có dạng yyyyMMddHHmmss.")
    status = record.get("TrangThaiHoSo")
    if status not in (None, "") and str(status) not in {str(i) for i in range(1, 11)}:
        errors.append("TrangThaiHoSo phải từ 1 đến 10.")
    if record.get("KenhThucHien") not in (None, "") and str(record.get("KenhThucHien")) not in {"1", "2", "3"}:
        errors.append("KenhThucHien phải là 1, 2 hoặc 3.")
    if str(record.get("LoaiDoiTuong", "1")) not in {"1", "2", "3", "4"}:
        errors.append("LoaiDoiTuong phải từ 1 đến 4.")
    if str(record.get("DuocThanhToanTrucTuyen", "0")) not in {"0", "1", "2"}:
        errors.append("DuocThanhToanTrucTuyen phải là 0, 1 hoặc 2.")
    return errors


def progress_record_errors(record) -> list[str]:
    """What is wrong with a ``CapNhatTienDoHoSoMC`` record (empty when valid)."""
    if not isinstance(record, dict):
        return ["Bản ghi tiến độ phải là một đối tượng JSON."]
    errors = [f"Thiếu trường {name}." for name in _missing(record, PROGRESS_REQUIRED)]
    for name in ("ThoiDiemXuLy", "NgayKetThucTheoQuyDinh"):
        value = record.get(name)
        if value not in (None, ""):
            try:
                parse_date(value)
            except ValueError:
                errors.append(f"{name} phải có dạng yyyyMMddHHmmss.")
    return errors


def inbound_record_errors(record) -> list[str]:
    """What is wrong with an online dossier handed over by DVCQG (empty when it can be mapped)."""
    if not isinstance(record, dict):
        return ["Hồ sơ nhận từ Cổng DVCQG không phải là một đối tượng JSON."]
    errors = [f"Thiếu trường {name}." for name in _missing(record, INBOUND_REQUIRED)]
    if record.get("NgayNopHoSo"):
        try:
            parse_date(record["NgayNopHoSo"])
        except ValueError:
            errors.append("NgayNopHoSo phải có dạng yyyyMMddHHmmss.")
    ids = record.get("DinhDanhCHS")
    if ids not in (None, "", []) and (
        not isinstance(ids, list) or not all(isinstance(i, dict) and i.get("SoDinhDanh") for i in ids)
    ):
        errors.append("DinhDanhCHS phải là danh sách {LoaiDinhDanh, SoDinhDanh}.")
    files = record.get("TaiLieuNop", [])
    if not isinstance(files, list) or not all(isinstance(f, dict) and f.get("DuongDanTaiTepTin") for f in files):
        errors.append("TaiLieuNop phải là danh sách tệp, mỗi tệp có DuongDanTaiTepTin.")
    if len(str(record.get("MaHoSo", ""))) > 60:
        errors.append("MaHoSo dài quá 60 ký tự.")
    return errors


# ---- the national catalog (LayDanhSachTTHC / LayThuTuc) ------------------------------------------------
# A procedure as DVCQG serves it:
#   {"MaTTHC", "TenTTHC", "TenLinhVuc", "MaLinhVuc", "CapThucHien", "CoQuanThucHien",
#    "ThoiHanGiaiQuyet": {"GiaTri", "DonVi", "MoTa"},
#    "PhiLePhi": [{"LoaiPhi", "TenPhi", "MucPhi", "TheoBan", "MienGiam": [..]}],
#    "ThanhPhanHoSo": [{"TenGiayTo", "SoLuong", "BanChinh", "BatBuoc", "MauDon"}],
#    "KetQua": [..], "CanCuPhapLy": [..], "MucDo": "Toàn trình" | "Một phần" | "", "CachThucThucHien": [..]}
# ``LayDanhSachTTHC`` answers ``result`` = a list of {"MaTTHC", "TenTTHC", "TenLinhVuc", "CapThucHien"}.
CATALOG_LEVELS = {"commune": "Cấp Xã", "province": "Cấp Tỉnh"}
CATALOG_UNITS = {
    "working_days": "Ngày làm việc",
    "working_hours": "Giờ làm việc",
    "calendar_days": "Ngày",
    "immediate": "Trả ngay",
}
CATALOG_FEE_KINDS = {"fee": "Phí", "charge": "Lệ phí"}
CATALOG_ONLINE = {"full": "Toàn trình", "partial": "Một phần", "none": "", None: ""}
CATALOG_CHANNELS = {"in_person": "Trực tiếp", "online": "Trực tuyến", "postal": "Bưu chính công ích"}


def _reverse(mapping: dict) -> dict:
    return {v: k for k, v in mapping.items() if k is not None}


def catalog_record_from_local(record: dict) -> dict:
    """A congso interchange record (``catalog.actions.export_record``) as DVCQG would serve it."""
    duration = record.get("duration") or {}
    return {
        "MaTTHC": record["national_code"],
        "TenTTHC": record["name"],
        "TenLinhVuc": record["field"],
        "MaLinhVuc": record.get("field_code") or "",
        "CapThucHien": CATALOG_LEVELS.get(record["level"], record["level"]),
        "CoQuanThucHien": record.get("agency_name") or "",
        "ThoiHanGiaiQuyet": {
            "GiaTri": None if duration.get("value") is None else str(duration["value"]),
            "DonVi": CATALOG_UNITS.get(duration.get("unit"), duration.get("unit") or ""),
            "MoTa": duration.get("text") or "",
        },
        "PhiLePhi": [
            {
                "LoaiPhi": CATALOG_FEE_KINDS.get(f["kind"], f["kind"]),
                "TenPhi": f["name"],
                "MucPhi": f["amount"],
                "TheoBan": bool(f["per_copy"]),
                "MienGiam": list(f["exemptions"]),
            }
            for f in record.get("fees", [])
        ],
        "ThanhPhanHoSo": [
            {
                "TenGiayTo": c["name"],
                "SoLuong": c["copies"],
                "BanChinh": bool(c["original"]),
                "BatBuoc": bool(c["mandatory"]),
                "MauDon": c.get("template") or "",
            }
            for c in record.get("components", [])
        ],
        "KetQua": list(record.get("results", [])),
        "CanCuPhapLy": list(record.get("legal_basis", [])),
        "MucDo": CATALOG_ONLINE.get(record.get("online_class"), ""),
        "CachThucThucHien": [CATALOG_CHANNELS.get(c, c) for c in record.get("channels", [])],
    }


def local_fields_from_catalog(national: dict) -> dict:
    """The parts of a DVCQG procedure that map onto congso's interchange record (never the workflow)."""
    duration = national.get("ThoiHanGiaiQuyet") or {}
    units = _reverse(CATALOG_UNITS)
    value = duration.get("GiaTri")
    return {
        "national_code": str(national.get("MaTTHC") or ""),
        "name": str(national.get("TenTTHC") or ""),
        "field": str(national.get("TenLinhVuc") or ""),
        "level": _reverse(CATALOG_LEVELS).get(national.get("CapThucHien"), ""),
        "duration": {
            "value": None if value in (None, "") else str(value),
            "unit": units.get(duration.get("DonVi"), ""),
            "text": str(duration.get("MoTa") or ""),
        },
        "fees": [
            {
                "kind": _reverse(CATALOG_FEE_KINDS).get(f.get("LoaiPhi"), "charge"),
                "name": str(f.get("TenPhi") or ""),
                "amount": f.get("MucPhi"),
                "per_copy": bool(f.get("TheoBan")),
                "exemptions": list(f.get("MienGiam") or []),
            }
            for f in national.get("PhiLePhi") or []
        ],
        "components": [
            {
                "name": str(c.get("TenGiayTo") or ""),
                "copies": int(c.get("SoLuong") or 1),
                "original": bool(c.get("BanChinh")),
                "mandatory": bool(c.get("BatBuoc")),
                "template": c.get("MauDon") or None,
            }
            for c in national.get("ThanhPhanHoSo") or []
        ],
        "results": [str(r) for r in national.get("KetQua") or []],
        "legal_basis": [str(r) for r in national.get("CanCuPhapLy") or []],
        "online_class": _reverse(CATALOG_ONLINE).get(national.get("MucDo") or "", None),
    }
