"""``Idempotency-Key`` for the API's creating operations: a retry with the same body gets the first answer
(``Idempotent-Replayed: true``), the same key with another body gets 409.

The record is inserted in the creating transaction, with no lookup first: its unique (scope, key) makes a
concurrent or later retry fail there and roll back, and the caller then answers with :meth:`replay`::

    idem = Idempotency.of(request)
    if idem.invalid:
        return idem.invalid
    try:
        with transaction.atomic():
            status, body = ...
            idem.record(status, body)
    except IntegrityError:
        return idem.replay()  # re-raises when the key was not the cause
    return json_response(status, body)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError
from django.http import HttpResponse
from django.utils.translation import gettext as _

from congso.api.v1.errors import problem
from congso.dossiers.models import IdempotencyRecord

MAX_KEY = 200


def json_response(status: int, body: dict) -> HttpResponse:
    """A JSON answer already made JSON-ready (what is stored for a replay)."""
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str), status=status, content_type="application/json"
    )


@dataclass
class Idempotency:
    scope: str
    key: str
    digest: str
    invalid: HttpResponse | None = None

    @classmethod
    def of(cls, request) -> Idempotency:
        key = request.headers.get("Idempotency-Key", "").strip()
        digest = hashlib.sha256(request.method.encode() + request.path.encode() + request.body).hexdigest()
        invalid = None
        if len(key) > MAX_KEY:
            invalid = problem(
                422, _("Dữ liệu không hợp lệ"), _("Idempotency-Key dài tối đa %(n)s ký tự.") % {"n": MAX_KEY}
            )
        return cls(scope=request.idempotency_scope, key=key, digest=digest, invalid=invalid)

    def record(self, status: int, body: dict) -> None:
        """Store the answer in the current transaction (nothing without a key)."""
        if self.key:
            IdempotencyRecord.objects.create(
                scope=self.scope, key=self.key, request_sha256=self.digest, status_code=status, response=body
            )

    def replay(self) -> HttpResponse:
        """After an IntegrityError: the first answer to this key, or 409 for another body; re-raises otherwise."""
        previous = IdempotencyRecord.objects.filter(scope=self.scope, key=self.key).first() if self.key else None
        if previous is None:
            raise IntegrityError("not an Idempotency-Key conflict")
        if previous.request_sha256 != self.digest:
            return problem(
                409,
                _("Trùng Idempotency-Key"),
                _("Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác; hãy dùng khóa mới cho yêu cầu mới."),
            )
        response = json_response(previous.status_code, previous.response)
        response["Idempotent-Replayed"] = "true"
        return response
