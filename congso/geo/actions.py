"""State changes of geo: loading the versioned data files (idempotent: a second load changes nothing)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.db import transaction

from congso.core.text import nfc
from congso.geo.choices import AgencyKind
from congso.geo.identifiers import agency_identifier_errors
from congso.geo.models import AdministrativeUnit, Agency


class GeoDataError(ValueError):
    pass


def _date(raw: str | None) -> dt.date | None:
    return dt.date.fromisoformat(raw) if raw else None


def _sync_m2m(manager, wanted: set[int]) -> bool:
    have = set(manager.values_list("pk", flat=True))
    if have == wanted:
        return False
    manager.set(wanted)
    return True


@transaction.atomic
def load_units(path: Path) -> dict[str, int]:
    """Upsert administrative units by ``key`` from ``data/geo/units.json``; returns counts."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    rows = doc["units"]
    keys = {row["key"] for row in rows}
    for row in rows:
        for ref in [row["parent"], *row["successors"]]:
            if ref is not None and ref not in keys:
                raise GeoDataError(f"Đơn vị {row['key']} tham chiếu khóa không tồn tại: {ref}")
    existing = {u.key: u for u in AdministrativeUnit.objects.all()}
    created = updated = 0
    # Parents come before children in the file (provinces, districts, communes).
    for row in rows:
        values = {
            "code": row["code"],
            "name": nfc(row["name"]),
            "short_name": nfc(row["short_name"]),
            "level": row["level"],
            "kind": nfc(row["kind"]),
            "parent_id": existing[row["parent"]].pk if row["parent"] else None,
            "valid_from": _date(row["valid_from"]),
            "valid_to": _date(row["valid_to"]),
        }
        unit = existing.get(row["key"])
        if unit is None:
            existing[row["key"]] = AdministrativeUnit.objects.create(key=row["key"], **values)
            created += 1
        elif any(getattr(unit, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(unit, k, v)
            unit.save(update_fields=list(values))
            updated += 1
    links = 0
    for row in rows:
        if _sync_m2m(existing[row["key"]].successors, {existing[k].pk for k in row["successors"]}):
            links += 1
    return {"created": created, "updated": updated, "successor_sets_changed": links}


@transaction.atomic
def load_agencies(path: Path) -> dict[str, int]:
    """Upsert the provincial agencies from ``data/geo/agencies.json`` and generate commune agencies."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    units = {u.key: u for u in AdministrativeUnit.objects.all()}
    existing = {a.slug: a for a in Agency.objects.all()}
    counts = {"created": 0, "updated": 0}

    def upsert(slug: str, values: dict) -> Agency:
        identifier = values.get("identifier")
        if identifier and agency_identifier_errors(identifier):
            raise GeoDataError(f"{slug}: " + " ".join(agency_identifier_errors(identifier)))
        agency = existing.get(slug)
        if agency is None:
            agency = Agency.objects.create(slug=slug, **values)
            existing[slug] = agency
            counts["created"] += 1
        elif any(getattr(agency, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(agency, k, v)
            agency.save(update_fields=list(values))
            counts["updated"] += 1
        return agency

    rows = doc["agencies"]
    pending = list(rows)
    # Parents before children, whatever order the file uses.
    while pending:
        progressed = False
        for row in list(pending):
            if row["parent"] and row["parent"] not in existing:
                continue
            if row["unit"] not in units:
                raise GeoDataError(f"Cơ quan {row['slug']}: không có đơn vị hành chính {row['unit']}")
            values = {
                "identifier": row["identifier"] or None,
                "identifier_confirmed": bool(row["identifier"]) and bool(row.get("confirmed")),
            }
            if not row["identifier"]:
                # The file does not know the identifier: keep whatever an administrator entered.
                values = {}
            upsert(
                row["slug"],
                {
                    **values,
                    "name": nfc(row["name"]),
                    "name_en": nfc(row.get("name_en") or ""),
                    "short_name": nfc(row.get("short_name") or ""),
                    "kind": row["kind"],
                    "parent_id": existing[row["parent"]].pk if row["parent"] else None,
                    "unit_id": units[row["unit"]].pk,
                    "valid_from": _date(row["valid_from"]),
                    "valid_to": _date(row["valid_to"]),
                    "source": nfc(row.get("source") or "")[:500],
                },
            )
            pending.remove(row)
            progressed = True
        if not progressed:
            raise GeoDataError("Cơ quan cấp trên không tồn tại: " + ", ".join(r["slug"] for r in pending))
    for row in rows:
        _sync_m2m(existing[row["slug"]].successors, {existing[s].pk for s in row["successors"]})

    # Commune and legacy district People's Committees, generated from the administrative units.
    # Their electronic identifiers are not published in any source we could read (data/geo/AGENCIES.md):
    # they stay empty until the province's list is entered.
    province_pc = existing["ubnd-tinh"]
    for unit in AdministrativeUnit.objects.filter(parent__key="38", level="commune", valid_to__isnull=True):
        kind_name = unit.kind
        pc = upsert(
            f"ubnd-xa-{unit.code}",
            {
                "name": f"Ủy ban nhân dân {kind_name} {unit.short_name}",
                "name_en": f"People's Committee of {unit.short_name} {'ward' if kind_name == 'phường' else 'commune'}",
                "short_name": f"UBND {kind_name} {unit.short_name}",
                "kind": AgencyKind.COMMUNE_PC,
                "parent_id": province_pc.pk,
                "unit_id": unit.pk,
                "valid_from": unit.valid_from,
                "valid_to": None,
            },
        )
        upsert(
            f"ttpvhcc-xa-{unit.code}",
            {
                "name": f"Trung tâm Phục vụ hành chính công {kind_name} {unit.short_name}",
                "name_en": f"Public Administration Service Centre of {unit.short_name}",
                "short_name": f"TTPVHCC {kind_name} {unit.short_name}",
                "kind": AgencyKind.COMMUNE_ONE_STOP,
                "parent_id": pc.pk,
                "unit_id": unit.pk,
                "valid_from": unit.valid_from,
                "valid_to": None,
            },
        )
    for unit in AdministrativeUnit.objects.filter(parent__key="38", level="district"):
        upsert(
            f"ubnd-huyen-{unit.code}-{unit.valid_to or 'x'}",
            {
                "name": f"Ủy ban nhân dân {unit.name[0].lower()}{unit.name[1:]}",
                "name_en": f"People's Committee of {unit.short_name} (district level, before 1 Jul 2025)",
                "short_name": f"UBND {unit.kind} {unit.short_name}",
                "kind": AgencyKind.DISTRICT_PC,
                "parent_id": province_pc.pk,
                "unit_id": unit.pk,
                "valid_from": unit.valid_from,
                "valid_to": unit.valid_to,
            },
        )
    return counts
