"""``python manage.py due START [--days N | --hours H | --calendar-days N]``.

Prints the due instant (ISO 8601, +07:00) on the first line, then the non-working days skipped
and why. START is ISO 8601 local time (``2026-02-13T16:30``); an explicit offset is honoured.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from congso.workcalendar import clock
from congso.workcalendar.selectors import current_calendar

WEEKDAYS_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


def _number(raw: str, label: str) -> Decimal:
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise CommandError(_("%(label)s phải là một số, nhận được %(raw)r") % {"label": label, "raw": raw}) from None
    if not value.is_finite() or value < 0:
        raise CommandError(_("%(label)s phải là số không âm, nhận được %(raw)r") % {"label": label, "raw": raw})
    if value > 3650:
        raise CommandError(_("%(label)s quá lớn (tối đa 3650), nhận được %(raw)r") % {"label": label, "raw": raw})
    return value


class Command(BaseCommand):
    help = "Tính thời điểm hẹn trả theo ngày/giờ làm việc (Compute a due instant in working days or hours)."

    def add_arguments(self, parser):
        parser.add_argument("start", help="Thời điểm tiếp nhận, ISO 8601 giờ Việt Nam, ví dụ 2026-02-13T16:30")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--days", help="Số ngày làm việc (1 ngày = 8 giờ làm việc)")
        group.add_argument("--hours", help="Số giờ làm việc")
        group.add_argument(
            "--calendar-days", dest="calendar_days", help="Số ngày theo lịch (Bộ luật Dân sự Điều 147-148)"
        )

    def handle(self, *args, **options):
        raw = options["start"].strip()
        try:
            start = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise CommandError(
                _("Thời điểm bắt đầu không hợp lệ: %(raw)r. Dùng định dạng ISO 8601, ví dụ 2026-02-13T16:30")
                % {"raw": raw}
            ) from None
        first, last = settings.CONGSO_CALENDAR_YEARS
        if start.tzinfo is not None:
            start = start.astimezone(clock.VN_TZ)
        if not first <= start.year <= last:
            raise CommandError(
                _("Lịch làm việc chỉ có dữ liệu từ năm %(first)s đến năm %(last)s, nhận được %(raw)r")
                % {"first": first, "last": last, "raw": raw}
            )
        given = [k for k in ("days", "hours", "calendar_days") if options[k] is not None]
        if not given:
            raise CommandError(_("Cần chỉ rõ thời hạn: --days N, --hours H hoặc --calendar-days N"))
        for key in given:
            _number(options[key], "--" + key.replace("_", "-"))
        cal = current_calendar()
        try:
            if options["days"] is not None:
                due = clock.add_working_days(cal, start, _number(options["days"], "--days"))
            elif options["hours"] is not None:
                due = clock.add_working_hours(cal, start, _number(options["hours"], "--hours"))
            else:
                value = _number(options["calendar_days"], "--calendar-days")
                if value != value.to_integral_value():
                    raise CommandError(_("--calendar-days phải là số nguyên, nhận được %(raw)r") % {"raw": value})
                due = clock.add_calendar_days(cal, start, int(value))
        except clock.CalendarError as exc:
            raise CommandError(str(exc)) from None

        self.stdout.write(due.isoformat())
        begin = clock.next_working_instant(cal, start)
        local_start = cal.to_local(start)
        if cal.to_local(begin) != local_start:
            self.stdout.write(
                _("Tiếp nhận ngoài giờ làm việc: bắt đầu tính từ %(begin)s") % {"begin": begin.isoformat()}
            )
        skipped = clock.non_working_days_between(cal, start, due)
        if skipped:
            self.stdout.write(_("Các ngày không làm việc đã bỏ qua:"))
            for day, reason in skipped:
                self.stdout.write(f"  {day.isoformat()} ({WEEKDAYS_VI[day.weekday()]}): {reason}")
        else:
            self.stdout.write(_("Không bỏ qua ngày không làm việc nào."))
        worked = clock.swapped_working_days_between(cal, start, due)
        if worked:
            self.stdout.write(_("Các ngày nghỉ hằng tuần được tính là ngày làm việc (làm bù):"))
            for day, reason in worked:
                self.stdout.write(f"  {day.isoformat()} ({WEEKDAYS_VI[day.weekday()]}): {reason}")
