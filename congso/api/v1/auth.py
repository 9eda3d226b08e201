"""API authentication: the browser session (CSRF-checked) for the UI, bearer tokens for integrators.

A token acts as its user but only within its agency (``Who.scope_agency_id``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

from django.db.models.signals import post_save
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from congso.accounts.models import ApiToken, StaffAssignment, User
from congso.dossiers.access import Who, who_for

# Resolved tokens per worker process: (monotonic expiry, token id, Who). A revocation or a role change
# made in this process applies at once (signals below); one made in another process within this TTL.
TOKEN_CACHE_SECONDS = 10.0
_tokens: dict[str, tuple[float, int, Who]] = {}


def forget_tokens(**_kwargs) -> None:
    _tokens.clear()


post_save.connect(forget_tokens, sender=ApiToken, dispatch_uid="api-forget-tokens-token")
post_save.connect(forget_tokens, sender=StaffAssignment, dispatch_uid="api-forget-tokens-assignment")
post_save.connect(forget_tokens, sender=User, dispatch_uid="api-forget-tokens-user")


class TokenAuth(HttpBearer):
    openapi_description = "Khóa API của cơ quan: `Authorization: Bearer cs_…` (tạo trong trang quản trị)."

    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        digest = hashlib.sha256(token.encode()).hexdigest()
        cached = _tokens.get(digest)
        if cached is not None and cached[0] > time.monotonic():
            _expires, token_id, who_ = cached
        else:
            row = ApiToken.objects.select_related("user").filter(secret_sha256=digest, revoked_at__isnull=True).first()
            if row is None or not row.user.is_active:
                _tokens.pop(digest, None)
                return None
            now = timezone.now()
            if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=5):
                ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
            token_id, who_ = row.pk, who_for(row.user, scope_agency_id=row.agency_id)
            _tokens[digest] = (time.monotonic() + TOKEN_CACHE_SECONDS, token_id, who_)
        request.who = who_
        request.idempotency_scope = f"token:{token_id}"
        return token_id


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
