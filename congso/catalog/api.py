"""/api/v1/procedures — the procedure catalog."""

from decimal import Decimal

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from congso.catalog.actions import export_bytes
from congso.catalog.models import Procedure
from congso.catalog.selectors import procedure_detail, search_procedures
from congso.core.pagination import BoundedLimitOffsetPagination

router = Router(tags=["Thủ tục hành chính (procedures)"])


class FieldOut(Schema):
    id: int
    code: str | None
    name: str


class ProcedureSummary(Schema):
    id: int
    code: str
    national_code: str
    name: str
    level: str
    field: FieldOut
    duration_value: Decimal | None
    duration_unit: str
    online_class: str
    confirmed: bool


class FeeOut(Schema):
    kind: str
    name: str
    amount: int | None
    per_copy: bool
    exemptions: list[str]


class ComponentOut(Schema):
    name: str
    copies: int
    original: bool
    mandatory: bool
    template_name: str


class ResultOut(Schema):
    name: str


class AgencyRef(Schema):
    id: int
    name: str
    identifier: str | None


class ProcedureDetail(ProcedureSummary):
    name_en: str
    version: int
    online_level: int | None
    service_class_2026: str
    channels: list[str]
    duration_text: str
    legal_basis: list[str]
    form_schema: dict
    unconfirmed: list[str]
    source: str
    fee_lines: list[FeeOut]
    components: list[ComponentOut]
    results: list[ResultOut]


class SearchFilters(Schema):
    q: str = ""
    field: int | None = Field(None, ge=1, le=2**62)
    level: str | None = None
    agency: int | None = Field(None, ge=1, le=2**62)
    online: str | None = None


@router.get("/", response=list[ProcedureSummary], summary="Tìm thủ tục (Search procedures)")
@paginate(BoundedLimitOffsetPagination)
def list_procedures(request, filters: Query[SearchFilters]):
    """Current procedures, best match first. ``q`` ignores diacritics and case ("dang ky khai sinh")."""
    return search_procedures(
        filters.q, field_id=filters.field, level=filters.level, agency_id=filters.agency, online=filters.online
    )


@router.get("/export", summary="Xuất danh mục (Export the catalog)")
def export_catalog(request, format: str = "json"):
    """The whole current catalog as ``json``, ``csv`` or ``xlsx`` — the same formats import accepts."""
    types = {
        "json": "application/json",
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    if format not in types:
        from ninja.errors import HttpError

        raise HttpError(400, "Định dạng không được hỗ trợ: chọn json, csv hoặc xlsx.")
    response = HttpResponse(export_bytes(format), content_type=types[format])
    response["Content-Disposition"] = f'attachment; filename="danh-muc-tthc.{format}"'
    return response


@router.get("/{procedure_id}", response=ProcedureDetail, summary="Chi tiết thủ tục (Procedure detail)")
def get_procedure(request, procedure_id: int):
    if not 0 < procedure_id < 2**62:
        raise Http404
    get_object_or_404(Procedure, pk=procedure_id)
    return procedure_detail(procedure_id)
