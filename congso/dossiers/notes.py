"""Internal notes on a dossier (officers only)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from congso.core.text import nfc
from congso.dossiers.access import Who
from congso.dossiers.actions import ActionError
from congso.dossiers.models import Dossier, InternalNote

MAX_NOTE = 4000


def add_note(d: Dossier, who: Who, text: str) -> InternalNote:
    """An officer of an agency the dossier touches writes a note; auditors read but do not write."""
    from congso.accounts.choices import READ_ONLY_ROLES

    text = nfc(text or "").strip()
    if not text:
        raise ActionError(_("Vui lòng nhập nội dung ghi chú."), fields={"text": _("Chưa có nội dung.")}, status=422)
    if len(text) > MAX_NOTE:
        raise ActionError(_("Ghi chú dài tối đa 4000 ký tự."), fields={"text": _("Quá dài.")}, status=422)
    writers = [roles for roles in who.roles.values() if roles - READ_ONLY_ROLES]
    if not writers:
        raise ActionError(_("Bạn chỉ có quyền xem, không ghi chú được."), status=403)
    return InternalNote.objects.create(dossier=d, author=who.user, text=text, at=timezone.now())
