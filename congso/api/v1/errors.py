"""RFC 9457 problem+json errors, with Vietnamese messages and field errors."""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from congso.dossiers.actions import ActionError

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str = "", errors: list[dict] | None = None) -> HttpResponse:
    body: dict = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM)


def _field_errors(exc: ValidationError) -> list[dict]:
    out = []
    for item in exc.errors:
        loc = [str(p) for p in item.get("loc", []) if p not in ("body", "query", "path", "payload")]
        out.append({"field": ".".join(loc), "message": _vi_message(item)})
    return out


def _vi_message(item: dict) -> str:
    kind = item.get("type", "")
    if kind == "missing":
        return "Trường này là bắt buộc."
    if kind.startswith("int") or kind.startswith("decimal") or kind.startswith("float"):
        return "Giá trị phải là một số."
    if kind.startswith("date"):
        return "Ngày giờ không hợp lệ; dùng định dạng ISO 8601, ví dụ 2026-02-13T16:30."
    if kind.startswith("string_too_long"):
        return "Giá trị quá dài."
    if kind.startswith("greater_than") or kind.startswith("less_than"):
        return "Giá trị nằm ngoài khoảng cho phép."
    if kind == "value_error":
        return str(item.get("ctx", {}).get("error", "Giá trị không hợp lệ."))
    return "Giá trị không hợp lệ."


def install_error_handlers(api) -> None:
    @api.exception_handler(ValidationError)
    def on_validation(request, exc):
        return problem(422, "Dữ liệu không hợp lệ", "Vui lòng kiểm tra các trường được nêu.", _field_errors(exc))

    @api.exception_handler(Http404)
    def on_404(request, exc):
        return problem(404, "Không tìm thấy", "Không tìm thấy đối tượng được yêu cầu.")

    @api.exception_handler(AuthenticationError)
    def on_auth(request, exc):
        return problem(401, "Chưa đăng nhập", "Vui lòng đăng nhập để tiếp tục.")

    @api.exception_handler(ActionError)
    def on_action(request, exc):
        errors = [{"field": k, "message": v} for k, v in exc.fields.items()]
        return problem(exc.status, "Không thực hiện được", exc.message, errors or None)

    @api.exception_handler(HttpError)
    def on_http(request, exc):
        return problem(exc.status_code, str(exc) or "Lỗi", str(exc))
