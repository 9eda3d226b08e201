"""API authentication: the browser session (CSRF-checked) for the UI, bearer tokens for integrators.

A token acts as its user but only within its agency (``Who.scope_agency_id``).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from congso.accounts.models import ApiToken
from congso.dossiers.access import Who, who_for


class TokenAuth(HttpBearer):
    openapi_description = "Khóa API của cơ quan: `Authorization: Bearer cs_…` (tạo trong trang quản trị)."

    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        digest = hashlib.sha256(token.encode()).hexdigest()
        row = ApiToken.objects.select_related("user").filter(secret_sha256=digest, revoked_at__isnull=True).first()
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=5):
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.who = who_for(row.user, scope_agency_id=row.agency_id)
        request.idempotency_scope = f"token:{row.pk}"
        return row


class SessionUser(SessionAuth):
    openapi_description = "Phiên đăng nhập của trình duyệt (cookie sessionid, kèm X-CSRFToken khi ghi)."

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None:
            return None
        request.who = who_for(user)
        request.idempotency_scope = f"user:{user.pk}"
        return user


API_AUTH = [TokenAuth(), SessionUser()]


def who(request) -> Who:
    return request.who
