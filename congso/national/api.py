"""/api/v1/national — the DVCQG webhook (inbound online dossiers) and a dossier's sync state."""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from congso.api.v1.auth import API_AUTH, who
from congso.api.v1.errors import problem
from congso.dossiers.access import access_dossier
from congso.national import intake, protocol
from congso.national.models import OutboxMessage, SyncState, WebhookRejection
from congso.national.tasks import process_inbound_task

log = logging.getLogger(__name__)
router = Router(tags=["Cổng DVCQG (national portal)"])

MAX_WEBHOOK_BYTES = 2 * 1024 * 1024
MAX_DOSSIERS_PER_CALL = 100

WEBHOOK_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["service", "data"],
                    "properties": {
                        "service": {"type": "string", "enum": [protocol.WEBHOOK_NEW_DOSSIER]},
                        "data": {
                            "type": "array",
                            "maxItems": MAX_DOSSIERS_PER_CALL,
                            "items": {
                                "type": "object",
                                "properties": {
                                    "SoThuTu": {"type": "integer"},
                                    "HoSo": {"type": "object", "description": "Hồ sơ trực tuyến (MaHoSo, MaTTHC, …)"},
                                },
                            },
                        },
                    },
                }
            }
        },
    },
    "parameters": [
        {"name": protocol.TIMESTAMP_HEADER, "in": "header", "required": True, "schema": {"type": "string"}},
        {"name": protocol.SIGNATURE_HEADER, "in": "header", "required": True, "schema": {"type": "string"}},
    ],
}


class WebhookAnswer(Schema):
    error_code: str
    message: str
    received: int
    duplicates: int


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str | None = None


def _reject(request, status: int, reason: str, body: bytes) -> HttpResponse:
    WebhookRejection.objects.create(
        at=timezone.now(),
        remote_addr=(request.META.get("REMOTE_ADDR") or "")[:64],
        reason=reason[:300],
        body_excerpt=body[:2000].decode("utf-8", "replace"),
    )
    log.warning("DVCQG webhook refused from %s: %s", request.META.get("REMOTE_ADDR"), reason)
    return problem(status, _("Webhook bị từ chối"), reason)


@router.post(
    "/webhook",
    auth=None,
    response={200: WebhookAnswer, 400: Problem, 401: Problem, 413: Problem},
    summary="Cổng DVCQG báo có hồ sơ trực tuyến mới (webhook có chữ ký HMAC-SHA256)",
    openapi_extra=WEBHOOK_BODY,
)
def webhook(request):
    """Signed with ``X-DVCQG-Signature: sha256=HMAC(secret, timestamp + "." + body)`` and ``X-DVCQG-Timestamp``.

    Each dossier is stored as received (de-duplicated by ``MaHoSo``) before the answer, then mapped in
    the background; a dossier that cannot be mapped waits in the review queue.
    """
    body = request.body
    if len(body) > MAX_WEBHOOK_BYTES:
        return _reject(request, 413, _("Nội dung quá lớn."), body[:2000])
    reason = protocol.verify_signature(
        settings.CONGSO_DVCQG_WEBHOOK_SECRET,
        request.headers.get(protocol.TIMESTAMP_HEADER, ""),
        request.headers.get(protocol.SIGNATURE_HEADER, ""),
        body,
    )
    if reason:
        return _reject(request, 401, reason, body)
    try:
        payload = json.loads(body)
    except ValueError:
        return _reject(request, 400, _("Nội dung không phải JSON hợp lệ."), body)
    if not isinstance(payload, dict) or payload.get("service") != protocol.WEBHOOK_NEW_DOSSIER:
        return _reject(request, 400, _("Dịch vụ không được hỗ trợ: chỉ nhận ThongBaoHoSoMoi."), body)
    items = payload.get("data")
    if not isinstance(items, list) or len(items) > MAX_DOSSIERS_PER_CALL:
        return _reject(request, 400, _("Trường data phải là danh sách tối đa 100 hồ sơ."), body)
    received = duplicates = 0
    for item in items:
        record = item.get("HoSo") if isinstance(item, dict) else item
        seq = item.get("SoThuTu") if isinstance(item, dict) else None
        row, created = intake.receive(record, via="webhook", seq=seq if isinstance(seq, int) and seq >= 0 else None)
        if created:
            received += 1
            if row.status == "received":
                transaction.on_commit(lambda pk=row.pk: process_inbound_task.enqueue(pk))
        else:
            duplicates += 1
    return {"error_code": protocol.SUCCESS, "message": _("Đã nhận"), "received": received, "duplicates": duplicates}


class OutboxItem(Schema):
    seq: int
    service: str
    status: str
    attempts: int
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    last_error: str


class SyncOut(Schema):
    dossier_id: int
    national_code: str
    acknowledged_at: dt.datetime | None
    acknowledged_status: int | None
    pending: int
    messages: list[OutboxItem]


@router.get(
    "/dossiers/{dossier_id}",
    auth=API_AUTH,
    response={200: SyncOut, 404: Problem},
    summary="Tình trạng đồng bộ một hồ sơ với Cổng DVCQG",
)
def dossier_sync(request, dossier_id: int):
    """What DVCQG has acknowledged for this dossier and the messages still waiting (newest 50)."""
    d = access_dossier(who(request), dossier_id, relations=())
    state = SyncState.objects.filter(dossier_id=d.pk).first()
    messages = list(OutboxMessage.objects.filter(dossier_id=d.pk).order_by("-seq")[:50])
    return {
        "dossier_id": d.pk,
        "national_code": state.national_code if state else "",
        "acknowledged_at": state.acknowledged_at if state else None,
        "acknowledged_status": state.acknowledged_status if state else None,
        "pending": OutboxMessage.objects.filter(dossier_id=d.pk).exclude(status="delivered").count(),
        "messages": [
            {
                "seq": m.seq,
                "service": m.service,
                "status": m.status,
                "attempts": m.attempts,
                "created_at": m.created_at,
                "delivered_at": m.delivered_at,
                "next_attempt_at": m.next_attempt_at if m.status != "delivered" else None,
                "last_error": m.last_error,
            }
            for m in messages
        ],
    }
