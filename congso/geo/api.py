"""/api/v1/geo — administrative units and agencies."""

import datetime as dt

from ninja import Query, Router, Schema
from ninja.pagination import paginate

from congso.core.pagination import BoundedLimitOffsetPagination
from congso.geo.models import AdministrativeUnit, Agency

router = Router(tags=["Đơn vị hành chính, cơ quan (geo)"])


class UnitOut(Schema):
    id: int
    key: str
    code: str
    name: str
    level: str
    kind: str
    parent_id: int | None
    valid_from: dt.date | None
    valid_to: dt.date | None


class AgencyOut(Schema):
    id: int
    slug: str
    identifier: str | None
    identifier_confirmed: bool
    name: str
    kind: str
    parent_id: int | None
    unit_id: int
    valid_from: dt.date | None
    valid_to: dt.date | None


@router.get("/units", response=list[UnitOut], summary="Đơn vị hành chính (Administrative units)")
@paginate(BoundedLimitOffsetPagination)
def list_units(
    request, level: str | None = None, parent: int | None = Query(None, ge=1, le=2**62), on: dt.date | None = None
):
    """Units valid on ``on`` (default: today's units, after the 1 Jul 2025 reform)."""
    qs = AdministrativeUnit.objects.valid_on(on) if on else AdministrativeUnit.objects.current()
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent_id=parent)
    return qs.order_by("level", "code")


@router.get("/agencies", response=list[AgencyOut], summary="Cơ quan (Agencies)")
@paginate(BoundedLimitOffsetPagination)
def list_agencies(request, kind: str | None = None, on: dt.date | None = None):
    qs = Agency.objects.valid_on(on) if on else Agency.objects.current()
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "name")
