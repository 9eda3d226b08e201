"""State changes of the catalog: import (all or nothing, versioned) and export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from congso.catalog import records as rec
from congso.catalog.models import (
    Component,
    FeeLine,
    Field,
    Procedure,
    ResultDocument,
    WorkflowDefinition,
    WorkflowStatus,
)
from congso.catalog.workflows import WorkflowError, parse_workflow
from congso.geo.models import Agency


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} thủ tục mới, {len(self.new_versions)} thủ tục có phiên bản mới, "
            f"{len(self.unchanged)} thủ tục không đổi"
        )


def province_suffix() -> str:
    return settings.CONGSO_PROVINCE_AGENCY_ID


def parse_catalog_file(data: bytes, filename: str) -> tuple[list[dict], list[dict]]:
    """Validated records and field definitions of a file; raises records.CatalogFileError."""
    fmt = rec.detect_format(filename)
    numbered, fields = rec.read_records(data, fmt)
    return rec.validate(numbered, province_suffix=province_suffix()), fields


def import_catalog_file(data: bytes, filename: str, *, today: dt.date | None = None) -> ImportReport:
    records, fields = parse_catalog_file(data, filename)
    return import_records(records, fields, today=today)


@transaction.atomic
def import_records(
    records: list[dict], fields: list[dict] | None = None, *, today: dt.date | None = None
) -> ImportReport:
    """Upsert procedures by key. A changed procedure gets a new version; the old one is closed."""
    today = today or timezone.localdate()
    report = ImportReport()
    field_info = {f.get("name"): f for f in (fields or [])}
    field_cache: dict[str, Field] = {f.name: f for f in Field.objects.all()}
    departments = _departments_by_name()
    commune_pcs = list(Agency.objects.current().filter(kind="commune_pc"))
    current = {
        p.key: p
        for p in Procedure.objects.current()
        .select_related("field")
        .prefetch_related("fee_lines", "components", "results", "agencies")
    }
    for record in records:
        fld = _field_for(record, field_cache, field_info)
        existing = current.get(record["key"])
        if existing is not None:
            if export_record(existing) == _comparable(record, fld, departments):
                report.unchanged.append(record["key"])
                fresh = existing.build_search_text()
                if existing.search_text != fresh:  # the folding rules changed since the last import
                    existing.search_text = fresh
                    existing.save(update_fields=["search_text"])
                continue
            existing.valid_to = today
            existing.save(update_fields=["valid_to"])
            version = existing.version + 1
            report.new_versions.append(record["key"])
        else:
            version = 1
            report.created.append(record["key"])
        _create_version(record, fld, version, today, departments, commune_pcs)
    return report


def _field_for(record: dict, cache: dict[str, Field], info: dict[str, dict]) -> Field:
    name = record["field"]
    found = cache.get(name)
    if found is None:
        extra = info.get(name, {})
        code = record.get("field_code") or extra.get("code") or None
        if code and Field.objects.filter(code=code).exists():
            code = None
        found = Field.objects.create(
            name=name, code=code, name_en=extra.get("name_en") or "", ministry=extra.get("ministry") or ""
        )
        cache[name] = found
    return found


def _create_version(record, fld, version, today, departments, commune_pcs) -> Procedure:
    duration = record["duration"]
    procedure = Procedure(
        key=record["key"],
        version=version,
        code=record["code"],
        national_code=record["national_code"],
        name=record["name"],
        name_en=record["name_en"],
        field=fld,
        level=record["level"],
        agency_kind=record["agency_kind"],
        online_level=record["online_level"],
        online_class=record["online_class"],
        service_class_2026=record["service_class_2026"],
        channels=record["channels"],
        duration_value=duration["value"],
        duration_unit=duration["unit"],
        duration_text=duration["text"],
        legal_basis=record["legal_basis"],
        confirmed=record["confirmed"],
        unconfirmed=record["unconfirmed"],
        source=record["source"],
        valid_from=today,
        form_schema=default_form_schema(record),
    )
    procedure.search_text = procedure.build_search_text()
    procedure.save()
    FeeLine.objects.bulk_create(
        FeeLine(
            procedure=procedure,
            order=i,
            kind=f["kind"],
            name=f["name"],
            amount=f["amount"],
            per_copy=f["per_copy"],
            exemptions=f["exemptions"],
        )
        for i, f in enumerate(record["fees"])
    )
    Component.objects.bulk_create(
        Component(
            procedure=procedure,
            order=i,
            name=c["name"],
            copies=c["copies"],
            original=c["original"],
            mandatory=c["mandatory"],
            template_name=c["template"],
        )
        for i, c in enumerate(record["components"])
    )
    ResultDocument.objects.bulk_create(
        ResultDocument(procedure=procedure, order=i, name=name) for i, name in enumerate(record["results"])
    )
    if record["agency_kind"] == "commune_pc":
        procedure.agencies.set(commune_pcs)
    elif record["agency_name"] and record["agency_name"] in departments:
        procedure.agencies.set([departments[record["agency_name"]]])
    return procedure


def default_form_schema(record: dict) -> dict:
    """The applicant e-form (JSON Schema) a procedure starts with; refined per procedure later."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": record["name"],
        "type": "object",
        "required": ["applicant_name", "id_number", "phone"],
        "properties": {
            "applicant_name": {
                "type": "string",
                "title": "Họ và tên người nộp",
                "maxLength": 200,
                "x-prefill": "applicant.name",
            },
            "id_number": {
                "type": "string",
                "title": "Số định danh cá nhân",
                "pattern": "^[0-9]{12}$",
                "x-error": "Số định danh cá nhân gồm đúng 12 chữ số.",
                "x-prefill": "applicant.id_number",
            },
            "phone": {
                "type": "string",
                "title": "Số điện thoại",
                "pattern": "^0[0-9]{9}$",
                "x-error": "Số điện thoại gồm 10 chữ số, bắt đầu bằng 0.",
                "x-prefill": "applicant.phone",
            },
            "email": {"type": "string", "title": "Thư điện tử", "format": "email", "x-prefill": "applicant.email"},
            "address": {"type": "string", "title": "Địa chỉ", "maxLength": 500, "x-prefill": "applicant.address"},
            "request": {"type": "string", "title": "Nội dung yêu cầu", "maxLength": 2000, "x-widget": "textarea"},
        },
    }


def set_form_schema(procedure: Procedure, schema: dict) -> bool:
    """Replace a procedure's e-form after checking it can be rendered and validated; True when it changed."""
    from congso.catalog.eforms import check_schema

    check_schema(schema)
    if procedure.form_schema == schema:
        return False
    procedure.form_schema = schema
    procedure.save(update_fields=["form_schema"])
    return True


def load_eforms(directory) -> int:
    """Apply ``<procedure key>.json`` e-forms from a directory to the current versions; the count changed."""
    import json
    from pathlib import Path

    changed = 0
    for path in sorted(Path(directory).glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        for procedure in Procedure.objects.current().filter(key=path.stem):
            changed += set_form_schema(procedure, schema)
    return changed


# ---- export ------------------------------------------------------------------------------------
def export_record(procedure: Procedure) -> dict:
    """The interchange record of a procedure (the same shape ``records.validate`` produces)."""
    agencies = [a for a in procedure.agencies.all() if a.kind != "commune_pc"]
    return {
        "key": procedure.key,
        "code": procedure.code,
        "national_code": procedure.national_code,
        "name": procedure.name,
        "name_en": procedure.name_en,
        "field": procedure.field.name,
        "field_code": procedure.field.code or "",
        "level": procedure.level,
        "agency_kind": procedure.agency_kind,
        "agency_name": agencies[0].name if agencies else "",
        "online_level": procedure.online_level,
        "online_class": procedure.online_class,
        "service_class_2026": procedure.service_class_2026,
        "duration": {
            "value": None if procedure.duration_value is None else _decimal_text(procedure.duration_value),
            "unit": procedure.duration_unit,
            "text": procedure.duration_text,
        },
        "channels": list(procedure.channels),
        "fees": [
            {
                "kind": f.kind,
                "name": f.name,
                "amount": f.amount,
                "per_copy": f.per_copy,
                "exemptions": list(f.exemptions),
            }
            for f in sorted(procedure.fee_lines.all(), key=lambda x: x.order)
        ],
        "components": [
            {
                "name": c.name,
                "copies": c.copies,
                "original": c.original,
                "mandatory": c.mandatory,
                "template": c.template_name,
            }
            for c in sorted(procedure.components.all(), key=lambda x: x.order)
        ],
        "results": [r.name for r in sorted(procedure.results.all(), key=lambda x: x.order)],
        "legal_basis": list(procedure.legal_basis),
        "confirmed": procedure.confirmed,
        "unconfirmed": list(procedure.unconfirmed),
        "source": procedure.source,
    }


def _decimal_text(value) -> str:
    return str(int(value)) if value == value.to_integral_value() else str(value.normalize())


def _departments_by_name() -> dict[str, Agency]:
    """Province agencies by full name, short name, and name without the province ("Sở Tư pháp")."""
    out: dict[str, Agency] = {}
    for a in Agency.objects.current().exclude(kind__in=["commune_pc", "commune_one_stop"]):
        for name in (a.short_name, a.name.removesuffix(" tỉnh Thanh Hóa"), a.name):
            if name:
                out[name] = a
    return out


def _comparable(record: dict, fld: Field, departments: dict[str, Agency]) -> dict:
    """``record`` as export_record() would give it back once imported (resolved field and agency)."""
    out = dict(record)
    if out["agency_kind"] == "commune_pc" or out.get("agency_name") not in departments:
        out["agency_name"] = ""
    else:
        out["agency_name"] = departments[out["agency_name"]].name
    out["field_code"] = fld.code or ""
    return out


def export_all() -> tuple[list[dict], list[dict]]:
    procedures = (
        Procedure.objects.current()
        .select_related("field")
        .prefetch_related("fee_lines", "components", "results", "agencies")
        .order_by("level", "name")
    )
    records = [export_record(p) for p in procedures]
    fields = [
        {"code": f.code, "name": f.name, "name_en": f.name_en, "ministry": f.ministry}
        for f in Field.objects.order_by("name")
    ]
    return records, fields


def export_bytes(fmt: str) -> bytes:
    records, fields = export_all()
    if fmt == "json":
        return rec.to_json(records, fields)
    if fmt == "csv":
        return rec.to_csv(records)
    if fmt == "xlsx":
        return rec.to_xlsx(records)
    raise ValueError(fmt)


# ---- workflows ---------------------------------------------------------------------------------
def _role_values() -> set[str]:
    from congso.accounts.choices import Role

    return set(Role.values)


def publish_workflow(raw: dict) -> tuple[WorkflowDefinition, bool]:
    """Validate and publish ``raw`` as a new version of its key, unless the latest published is identical.

    Returns (the current published version, whether a new one was created). Running dossiers keep the
    version they pinned.
    """
    spec = parse_workflow(raw, roles=_role_values())
    digest = spec.sha256()
    with transaction.atomic():
        latest = WorkflowDefinition.objects.filter(key=spec.key).order_by("-version").first()
        if latest is not None and latest.spec_sha256 == digest and latest.status == WorkflowStatus.PUBLISHED:
            return latest, False
        definition = WorkflowDefinition.objects.create(
            key=spec.key,
            version=(latest.version + 1) if latest else 1,
            name=spec.name,
            name_en=spec.name_en,
            spec=raw,
            spec_sha256=digest,
            status=WorkflowStatus.PUBLISHED,
            default_for_level=spec.default_for_level,
            procedure_keys=list(spec.procedures),
            child=spec.child,
            published_at=timezone.now(),
        )
    return definition, True


def load_workflows(directory) -> tuple[int, int]:
    """Publish every ``*.json`` workflow in ``directory``; return (files, new versions)."""
    import json
    from pathlib import Path

    files = sorted(Path(directory).glob("*.json"))
    created = 0
    for path in files:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise WorkflowError(path.stem, [f"{path.name}: JSON lỗi ở dòng {exc.lineno}: {exc.msg}"]) from None
        _definition, new = publish_workflow(raw)
        created += new
    return len(files), created
