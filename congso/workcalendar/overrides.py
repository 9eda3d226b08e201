"""Adding a calendar override from the back office: validated, then recorded by ``actions.upsert_override``.

A decision that makes a day a holiday, a compensatory day off or a (swapped) working day. Elapsed
statutory time already counted never changes retroactively, so a day in the past is refused; a date
that already has an override is refused too (a correction is made deliberately, in the system
administration), as is one that would change nothing.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from congso.workcalendar.actions import upsert_override
from congso.workcalendar.choices import OverrideKind, OverrideStatus
from congso.workcalendar.models import CalendarOverride
from congso.workcalendar.selectors import current_calendar


class OverrideError(Exception):
    """The override is refused; ``message`` is Vietnamese, ``fields`` names the bad inputs."""

    def __init__(self, message: str, fields: dict[str, str] | None = None, status: int = 422):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.status = status


def parse_day(raw) -> dt.date | None:
    """``2026-12-31`` (what a date input sends) or ``31/12/2026`` (typed by hand); None when neither."""
    if isinstance(raw, dt.date):
        return raw
    text = (raw or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def add_override(
    *,
    date,
    kind: str,
    name: str,
    source_document: str = "",
    status: str = OverrideStatus.CONFIRMED,
    note: str = "",
    today: dt.date | None = None,
) -> CalendarOverride:
    """Validate and record one override; raise :class:`OverrideError` naming every problem."""
    today = today or timezone.localdate()
    name = " ".join((name or "").split())
    source_document = (source_document or "").strip()
    fields: dict[str, str] = {}
    day = parse_day(date)
    first, last = settings.CONGSO_CALENDAR_YEARS
    if day is None:
        fields["date"] = _("Ngày không hợp lệ; nhập theo dạng ngày/tháng/năm, ví dụ 02/09/2027.")
    elif day < today:
        fields["date"] = _(
            "Không được điều chỉnh ngày đã qua (%(day)s): thời gian đã tính của các hồ sơ không thay đổi hồi tố."
        ) % {"day": f"{day:%d/%m/%Y}"}
    elif not first <= day.year <= last:
        fields["date"] = _("Lịch làm việc chỉ có dữ liệu từ năm %(first)s đến năm %(last)s.") % {
            "first": first,
            "last": last,
        }
    if kind not in OverrideKind.values:
        fields["kind"] = _("Vui lòng chọn loại điều chỉnh: ngày nghỉ hoặc ngày làm việc.")
    if not name:
        fields["name"] = _("Vui lòng nhập lý do (tên gọi), ví dụ: Nghỉ bù Quốc khánh.")
    elif len(name) > 200:
        fields["name"] = _("Lý do tối đa 200 ký tự.")
    if len(source_document) > 300:
        fields["source_document"] = _("Văn bản căn cứ tối đa 300 ký tự.")
    if status not in OverrideStatus.values:
        fields["status"] = _("Tình trạng không hợp lệ.")
    if "date" not in fields and "kind" not in fields:  # a decision that changes nothing is a mistake
        calendar = current_calendar()
        working = calendar.is_working_day(day)
        if kind == OverrideKind.WORKING_DAY and working:
            fields["kind"] = _("Ngày %(day)s vốn đã là ngày làm việc; điều chỉnh này không thay đổi gì.") % {
                "day": f"{day:%d/%m/%Y}"
            }
        elif kind != OverrideKind.WORKING_DAY and not working:
            fields["kind"] = _("Ngày %(day)s vốn đã là ngày nghỉ (%(why)s); điều chỉnh này không thay đổi gì.") % {
                "day": f"{day:%d/%m/%Y}",
                "why": calendar.why_not_working(day),
            }
    if fields:
        raise OverrideError(_("Chưa thêm được ngày điều chỉnh; vui lòng sửa các mục được đánh dấu."), fields=fields)
    with transaction.atomic():
        existing = CalendarOverride.objects.select_for_update().filter(date=day).first()
        if existing is not None:
            raise OverrideError(
                _("Ngày %(day)s đã có điều chỉnh “%(name)s”; không thêm lần nữa.")
                % {"day": f"{day:%d/%m/%Y}", "name": existing.name},
                fields={"date": _("Ngày này đã có điều chỉnh.")},
                status=409,
            )
        return upsert_override(
            date=day, kind=kind, name=name, source_document=source_document, status=status, note=(note or "").strip()
        )
