"""The tamper-evident history: a hash chain per dossier, anchored in the dossier row.

``hash = SHA-256(prev_hash + canonical JSON(event))``; the first event chains from 64 zeros. The
dossier keeps the head hash and the number of events, so editing, deleting or reordering any event
(or the head) breaks verification, and ``verify_history`` names the first broken event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.utils.translation import gettext as _

GENESIS = "0" * 64


def canonical(
    *,
    dossier_id: int,
    seq: int,
    action: str,
    actor_id: int | None,
    at: dt.datetime,
    from_state: str,
    to_state: str,
    step_key: str,
    data: dict,
) -> bytes:
    body = {
        "dossier": dossier_id,
        "seq": seq,
        "action": action,
        "actor": actor_id,
        "at": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "from": from_state,
        "to": to_state,
        "step": step_key,
        "data": data,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def chain_hash(prev_hash: str, payload: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + payload).hexdigest()


@dataclass(frozen=True)
class Break:
    dossier_id: int
    dossier_code: str | None
    seq: int | None
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = _("hồ sơ %(dossier)s") % {"dossier": self.dossier_code or "#" + str(self.dossier_id)}
        if self.seq is not None:
            where += _(", sự kiện số %(seq)s (id %(event_id)s)") % {"seq": self.seq, "event_id": self.event_id}
        return f"{where}: {self.reason}"


def verify_dossier(dossier, events) -> Break | None:
    """Check one dossier's chain; ``events`` ordered by seq."""
    prev = GENESIS
    expected_seq = 1
    for ev in events:
        if ev.seq != expected_seq:
            return Break(
                dossier.pk,
                dossier.code,
                ev.seq,
                ev.pk,
                _("thiếu hoặc sai thứ tự sự kiện (chờ số %(seq)s)") % {"seq": expected_seq},
            )
        if ev.prev_hash != prev:
            return Break(dossier.pk, dossier.code, ev.seq, ev.pk, _("mã băm trước không khớp sự kiện liền trước"))
        payload = canonical(
            dossier_id=ev.dossier_id,
            seq=ev.seq,
            action=ev.action,
            actor_id=ev.actor_id,
            at=ev.at,
            from_state=ev.from_state,
            to_state=ev.to_state,
            step_key=ev.step_key,
            data=ev.data,
        )
        if chain_hash(prev, payload) != ev.hash:
            return Break(dossier.pk, dossier.code, ev.seq, ev.pk, _("nội dung sự kiện đã bị sửa (mã băm không khớp)"))
        prev = ev.hash
        expected_seq += 1
    if expected_seq - 1 != dossier.event_count:
        return Break(
            dossier.pk,
            dossier.code,
            None,
            None,
            _("hồ sơ ghi %(recorded)s sự kiện nhưng còn %(found)s (sự kiện bị xóa hoặc thêm)")
            % {"recorded": dossier.event_count, "found": expected_seq - 1},
        )
    if prev != (dossier.history_head or GENESIS):
        return Break(dossier.pk, dossier.code, None, None, _("mã băm cuối chuỗi không khớp hồ sơ"))
    return None
