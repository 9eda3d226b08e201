"""Ratings and complaints: each state change a named action."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from congso.accounts.choices import Role
from congso.core.text import nfc
from congso.dossiers.actions import ActionError
from congso.dossiers.choices import State
from congso.feedback.models import Complaint, ComplaintStatus, Rating
from congso.feedback.signals import complaint_changed


def rate(dossier, *, score, comment: str = "") -> Rating:
    """The applicant rates a returned dossier once (1 = very dissatisfied … 5 = very satisfied)."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ActionError(_("Chọn mức độ hài lòng từ 1 đến 5."), fields={"score": _("Chọn 1–5.")}, status=422)
    if dossier.state != State.RETURNED:
        raise ActionError(_("Chỉ đánh giá được khi hồ sơ đã trả kết quả."), status=409)
    comment = nfc(comment or "").strip()[:2000]
    try:
        with transaction.atomic():
            return Rating.objects.create(
                dossier=dossier, score=score, comment=comment, agency_id=dossier.receiving_agency_id, at=timezone.now()
            )
    except IntegrityError:
        raise ActionError(_("Hồ sơ này đã được đánh giá; cảm ơn Ông/Bà."), status=409) from None


def submit_complaint(*, kind, name, email, phone, agency, subject, content, dossier=None) -> Complaint:
    now = timezone.now()
    for _attempt in range(5):
        reference = f"PA{timezone.localtime(now):%y%m%d}{secrets.randbelow(10**6):06d}"
        try:
            with transaction.atomic():
                c = Complaint.objects.create(
                    reference=reference,
                    kind=kind,
                    name=nfc(name).strip(),
                    email=(email or "").strip(),
                    phone=(phone or "").strip(),
                    agency=agency,
                    dossier=dossier,
                    subject=nfc(subject).strip(),
                    content=nfc(content).strip(),
                    created_at=now,
                )
                complaint_changed.send(sender=Complaint, complaint=c, status=c.status)
                return c
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a complaint reference")


def _may_answer(who, complaint) -> bool:
    return who.has(complaint.agency_id, Role.LEADER, Role.SPECIALIST, Role.AGENCY_ADMIN, Role.RECEIVING_OFFICER)


def take(complaint: Complaint, who) -> Complaint:
    if not _may_answer(who, complaint):
        raise ActionError(_("Chỉ cán bộ của cơ quan được phản ánh mới xử lý được."), status=403)
    with transaction.atomic():
        c = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if c.status != ComplaintStatus.RECEIVED:
            raise ActionError(_("Phản ánh này đã được nhận xử lý."), status=409)
        c.status = ComplaintStatus.PROCESSING
        c.save(update_fields=["status"])
        complaint_changed.send(sender=Complaint, complaint=c, status=c.status)
    return c


def answer(complaint: Complaint, who, *, text: str, reject: bool = False) -> Complaint:
    text = nfc(text or "").strip()
    if not text:
        raise ActionError(_("Vui lòng nhập nội dung trả lời."), fields={"answer": _("Chưa có nội dung.")}, status=422)
    if not _may_answer(who, complaint):
        raise ActionError(_("Chỉ cán bộ của cơ quan được phản ánh mới xử lý được."), status=403)
    with transaction.atomic():
        c = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if c.status in (ComplaintStatus.ANSWERED, ComplaintStatus.REJECTED):
            raise ActionError(_("Phản ánh này đã được trả lời."), status=409)
        c.status = ComplaintStatus.REJECTED if reject else ComplaintStatus.ANSWERED
        c.answer = text[:10000]
        c.answered_by = who.user
        c.answered_at = timezone.now()
        c.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        # The sender hears of it by e-mail/SMS (notify), queued in this transaction.
        complaint_changed.send(sender=Complaint, complaint=c, status=c.status)
    return c
