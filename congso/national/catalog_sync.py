"""Catalog sync: pull the national catalog, show the differences, let an administrator decide.

Nothing national overwrites the local catalog by itself. :func:`pull` records each difference as a
``CatalogChange``; :func:`accept` gives the local procedure a new version carrying the national values
(through the catalog's own import, so versions, fees and components follow the usual rules);
:func:`reject` keeps the local procedure. Workflow definitions bind procedures by key and are never
touched: accepting a change cannot alter how a dossier is routed.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from congso.catalog import records as rec
from congso.catalog.actions import export_record, import_records
from congso.catalog.models import Procedure
from congso.national import protocol
from congso.national.models import CatalogChange, ChangeKind, ChangeStatus
from congso.national.transport import get_transport

# What is compared, with the label an administrator reads.
COMPARED = {
    "name": "Tên thủ tục",
    "field": "Lĩnh vực",
    "level": "Cấp thực hiện",
    "duration": "Thời hạn giải quyết",
    "fees": "Phí, lệ phí",
    "components": "Thành phần hồ sơ",
    "results": "Kết quả",
    "legal_basis": "Căn cứ pháp lý",
    "online_class": "Mức độ trực tuyến",
}


class CatalogSyncError(Exception):
    pass


def _normal(name: str, value):
    """Values as compared: durations by value and unit, decimals as text, "none" == no online class."""
    if name == "duration":
        raw = (value or {}).get("value")
        text = None if raw in (None, "") else str(raw)
        if text and "." in text:
            text = text.rstrip("0").rstrip(".")
        return {"value": text, "unit": (value or {}).get("unit") or ""}
    if name == "online_class":
        return value if value not in (None, "", "none") else None
    if name == "fees":
        return [{k: f.get(k) for k in ("kind", "name", "amount", "per_copy")} for f in value or []]
    if name == "components":
        return [{k: c.get(k) for k in ("name", "copies", "original", "mandatory")} for c in value or []]
    return value


def differences(local: dict, national: dict) -> dict:
    out = {}
    for name in COMPARED:
        a, b = _normal(name, local.get(name)), _normal(name, national.get(name))
        if a != b:
            out[name] = {"local": a, "national": b}
    return out


def _fingerprint(code: str, kind: str, diff: dict) -> str:
    raw = json.dumps([code, kind, diff], sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(raw).hexdigest()


def fetch_national(transport=None) -> dict[str, dict]:
    transport = transport or get_transport()
    listing = transport.call(protocol.LIST_PROCEDURES, {}).get("result") or []
    out: dict[str, dict] = {}
    for item in listing:
        code = str((item or {}).get("MaTTHC") or "").strip()
        if code:
            out[code] = transport.call(protocol.GET_PROCEDURE, {"MaTTHC": code}).get("result") or {}
    return out


@transaction.atomic
def record_differences(national: dict[str, dict], *, now=None) -> dict[str, int]:
    """Compare and store what differs; an unchanged pending difference is kept, a stale one superseded."""
    now = now or timezone.now()
    local_by_code: dict[str, list[Procedure]] = {}
    for p in (
        Procedure.objects.current()
        .select_related("field")
        .prefetch_related("fee_lines", "components", "results", "agencies")
    ):
        if p.national_code:
            local_by_code.setdefault(p.national_code, []).append(p)
    found: dict[str, tuple[str, str, str, dict, dict]] = {}  # national code -> (kind, key, name, diff, record)
    for code, record in national.items():
        mapped = protocol.local_fields_from_catalog(record)
        locals_ = local_by_code.get(code, [])
        if not locals_:
            found[code] = (ChangeKind.NEW, "", mapped["name"], {}, record)
            continue
        level_match = [p for p in locals_ if p.level == mapped["level"]] or locals_
        procedure = level_match[0]
        diff = differences(export_record(procedure), mapped)
        if diff:
            found[code] = (ChangeKind.CHANGED, procedure.key, procedure.name, diff, record)
    for code, procedures in local_by_code.items():
        if code not in national:
            found[code] = (ChangeKind.MISSING, procedures[0].key, procedures[0].name, {}, {})
    counts = {"new": 0, "changed": 0, "missing": 0, "kept": 0}
    pending = {c.national_code: c for c in CatalogChange.objects.filter(status=ChangeStatus.PENDING)}
    rejected = set(CatalogChange.objects.filter(status=ChangeStatus.REJECTED).values_list("fingerprint", flat=True))
    for code, (kind, key, name, diff, record) in found.items():
        fingerprint = _fingerprint(code, kind, diff)
        current = pending.pop(code, None)
        if current is not None and current.fingerprint == fingerprint:
            counts["kept"] += 1
            continue
        if current is not None:
            current.status = ChangeStatus.SUPERSEDED
            current.save(update_fields=["status"])
        if fingerprint in rejected:
            continue  # this very difference was already looked at and rejected
        CatalogChange.objects.create(
            national_code=code,
            procedure_key=key,
            kind=kind,
            name=name[:500],
            differences=diff,
            national=record,
            fingerprint=fingerprint,
            found_at=now,
        )
        counts[kind] += 1
    for stale in pending.values():  # no longer differs
        stale.status = ChangeStatus.SUPERSEDED
        stale.save(update_fields=["status"])
    return counts


def pull(transport=None) -> dict[str, int]:
    return record_differences(fetch_national(transport))


def _import(raw: dict) -> None:
    try:
        clean = rec.validate([(1, raw)], province_suffix=settings.CONGSO_PROVINCE_AGENCY_ID)
    except rec.CatalogFileError as exc:
        raise CatalogSyncError("; ".join(str(e) for e in exc.errors)) from None
    import_records(clean)


@transaction.atomic
def accept(change: CatalogChange, *, user, note: str = "") -> CatalogChange:
    change = CatalogChange.objects.select_for_update().get(pk=change.pk)
    if change.status != ChangeStatus.PENDING:
        raise CatalogSyncError(_("Khác biệt này đã được xử lý."))
    mapped = protocol.local_fields_from_catalog(change.national)
    if change.kind == ChangeKind.CHANGED:
        procedure = Procedure.objects.current().filter(key=change.procedure_key).first()
        if procedure is None:
            raise CatalogSyncError(_("Thủ tục địa phương không còn hiệu lực."))
        raw = export_record(procedure)
        for name in change.differences:
            raw[name] = mapped[name]
        _import(raw)
    elif change.kind == ChangeKind.NEW:
        raw = {
            **mapped,
            "agency_name": str(change.national.get("CoQuanThucHien") or ""),
            "channels": ["in_person", "online"] if mapped.get("online_class") else ["in_person"],
            "source": _("Cổng DVCQG, đồng bộ ngày %(d)s") % {"d": timezone.localdate().strftime("%d/%m/%Y")},
        }
        _import(raw)
    elif change.kind == ChangeKind.MISSING:
        # The procedure was abolished nationally: close the local one (its dossiers keep their version).
        Procedure.objects.current().filter(key=change.procedure_key).update(valid_to=timezone.localdate())
    change.status = ChangeStatus.ACCEPTED
    change.decided_at = timezone.now()
    change.decided_by = user
    change.note = note
    change.save(update_fields=["status", "decided_at", "decided_by", "note"])
    return change


def reject(change: CatalogChange, *, user, note: str = "") -> CatalogChange:
    updated = CatalogChange.objects.filter(pk=change.pk, status=ChangeStatus.PENDING).update(
        status=ChangeStatus.REJECTED, decided_at=timezone.now(), decided_by=user, note=note
    )
    if not updated:
        raise CatalogSyncError(_("Khác biệt này đã được xử lý."))
    change.refresh_from_db()
    return change
