"""The national procedure catalog as the simulator serves it (``LayDanhSachTTHC`` / ``LayThuTuc``).

It is built, once per process, from the local catalog file ``data/catalog/procedures.json`` with
:func:`congso.national.protocol.catalog_record_from_local`, then made to differ from it on purpose so that an
administrator pulling the catalog sees a real difference (the differences are deterministic, by file order):

1. the first procedure takes one unit longer (``ThoiHanGiaiQuyet.GiaTri`` + 1);
2. the second has been amended: " (sửa đổi, bổ sung)" is appended to ``TenTTHC`` and one more legal basis
   ("Quyết định số 9999/QĐ-BTP (giả lập) sửa đổi thủ tục") is listed in ``CanCuPhapLy``;
3. the third is absent from the national catalog (the province has a procedure DVCQG does not know);
4. one procedure exists only nationally: ``9.999999`` "Thủ tục mẫu chỉ có trên Cổng DVCQG (giả lập)"
   (Hộ tịch, Cấp Xã, 3 working days, no fees, one component).
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from congso.national import protocol

AMENDED_SUFFIX = " (sửa đổi, bổ sung)"
AMENDING_DECISION = "Quyết định số 9999/QĐ-BTP (giả lập) sửa đổi thủ tục"
NATIONAL_ONLY_CODE = "9.999999"

NATIONAL_ONLY = {
    "MaTTHC": NATIONAL_ONLY_CODE,
    "TenTTHC": "Thủ tục mẫu chỉ có trên Cổng DVCQG (giả lập)",
    "TenLinhVuc": "Hộ tịch",
    "MaLinhVuc": "",
    "CapThucHien": protocol.CATALOG_LEVELS["commune"],
    "CoQuanThucHien": "Ủy ban nhân dân cấp xã",
    "ThoiHanGiaiQuyet": {"GiaTri": "3", "DonVi": protocol.CATALOG_UNITS["working_days"], "MoTa": "03 ngày làm việc"},
    "PhiLePhi": [],
    "ThanhPhanHoSo": [
        {"TenGiayTo": "Tờ khai theo mẫu (giả lập)", "SoLuong": 1, "BanChinh": True, "BatBuoc": True, "MauDon": ""}
    ],
    "KetQua": ["Văn bản trả lời (giả lập)"],
    "CanCuPhapLy": ["Quyết định số 9999/QĐ-BTP (giả lập) công bố thủ tục"],
    "MucDo": protocol.CATALOG_ONLINE["full"],
    "CachThucThucHien": [protocol.CATALOG_CHANNELS["online"]],
}


def catalog_path() -> Path:
    return Path(settings.DATA_DIR) / "catalog" / "procedures.json"


def _longer(value) -> str:
    if value in (None, ""):
        return "1"
    try:
        return str(Decimal(str(value)) + 1)
    except InvalidOperation:
        return "1"


@lru_cache(maxsize=4)
def _build(path: str) -> tuple[dict, ...]:
    with open(path, encoding="utf-8") as fh:
        local = json.load(fh)["procedures"]
    records = [protocol.catalog_record_from_local(record) for record in local]
    if records:
        duration = records[0]["ThoiHanGiaiQuyet"]
        duration["GiaTri"] = _longer(duration.get("GiaTri"))
    if len(records) > 1:
        records[1]["TenTTHC"] += AMENDED_SUFFIX
        records[1]["CanCuPhapLy"].append(AMENDING_DECISION)
    if len(records) > 2:
        del records[2]
    records.append(copy.deepcopy(NATIONAL_ONLY))
    return tuple(records)


def procedures() -> list[dict]:
    """Every national procedure (full records; copies, safe to modify)."""
    return copy.deepcopy(list(_build(str(catalog_path()))))


def summaries() -> list[dict]:
    """``LayDanhSachTTHC``: the short form of every procedure."""
    return [
        {key: record[key] for key in ("MaTTHC", "TenTTHC", "TenLinhVuc", "CapThucHien")}
        for record in _build(str(catalog_path()))
    ]


def procedure(code: str) -> dict | None:
    """``LayThuTuc``: one procedure by ``MaTTHC`` (a copy), or None."""
    for record in _build(str(catalog_path())):
        if record["MaTTHC"] == code:
            return copy.deepcopy(record)
    return None


def fee_total(code: str) -> int:
    """The sum of the fixed fees of a procedure (what a citizen pays online, in đồng)."""
    record = procedure(code) or {}
    total = 0
    for fee in record.get("PhiLePhi", []):
        try:
            total += int(fee.get("MucPhi") or 0)
        except (TypeError, ValueError):
            continue
    return total


def forget() -> None:
    """Drop the per-process cache (tests that change the catalog file)."""
    _build.cache_clear()
