"""Refuse NUL characters in query strings and JSON bodies: no field may hold one (PostgreSQL cannot store them)."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MESSAGE = gettext_lazy("Dữ liệu gửi lên chứa ký tự NUL (\\u0000), không hợp lệ trong bất kỳ trường nào.")


def reject_nul_characters(get_response):
    def middleware(request):
        query = request.META.get("QUERY_STRING", "")
        body_is_json = request.content_type == "application/json"
        if (
            "%00" in query
            or "\x00" in query
            or (body_is_json and (b"\\u0000" in request.body or b"\x00" in request.body))
        ):
            body = {
                "type": "about:blank",
                "title": _("Dữ liệu không hợp lệ"),
                "status": 400,
                "detail": str(MESSAGE),
            }
            return HttpResponse(
                json.dumps(body, ensure_ascii=False), status=400, content_type="application/problem+json"
            )
        return get_response(request)

    return middleware


def vietnamese_first(get_response):
    """Pages open in Vietnamese whatever the browser asks; English only once chosen with the switch (cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many phones in Vietnam are set to
    English while the procedures, forms and decisions are Vietnamese. The API (``/api/``) keeps honouring
    Accept-Language: its callers are programs that ask for what they can read.
    """

    def middleware(request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return get_response(request)

    return middleware
