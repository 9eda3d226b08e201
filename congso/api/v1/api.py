"""The public REST API, ``/api/v1/`` (OpenAPI 3.1; JSON with ensure_ascii=False; problem+json errors)."""

from __future__ import annotations

from ninja import NinjaAPI

from congso.api.v1.errors import install_error_handlers
from congso.api.v1.renderers import UnicodeJSONRenderer

api = NinjaAPI(
    title="congso API",
    version="1",
    description="API công khai của congso: danh mục thủ tục hành chính, đơn vị hành chính, cơ quan, lịch làm việc, hồ sơ thủ tục hành chính và tra cứu hồ sơ.",
    renderer=UnicodeJSONRenderer(),
    urls_namespace="api-v1",
)
install_error_handlers(api)

api.add_router("/procedures", "congso.catalog.api.router")
api.add_router("/geo", "congso.geo.api.router")
api.add_router("/calendar", "congso.workcalendar.api.router")
api.add_router("/dossiers", "congso.dossiers.api.router")
api.add_router("/lookup", "congso.dossiers.api.lookup_router")
api.add_router("/national", "congso.national.api.router")
api.add_router("/signatures", "congso.documents.api.router")
api.add_router("/payments", "congso.payments.api.router")
api.add_router("/kpi/dx", "congso.kpi.dx_api.router")
api.add_router("/kpi", "congso.kpi.api.router")
