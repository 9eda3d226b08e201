"""/api/v1/calendar — the legal clock."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from congso.workcalendar import clock
from congso.workcalendar.selectors import current_calendar

router = Router(tags=["Lịch làm việc (calendar)"])


class DueIn(Schema):
    start: dt.datetime = Field(description="Thời điểm tiếp nhận, ISO 8601; không có múi giờ thì hiểu là giờ Việt Nam")
    days: Decimal | None = Field(None, ge=0, le=3650, description="Số ngày làm việc (1 ngày = 8 giờ)")
    hours: Decimal | None = Field(None, ge=0, le=29200, description="Số giờ làm việc")


class SkippedDay(Schema):
    date: dt.date
    reason: str


class DueOut(Schema):
    start: dt.datetime
    counting_from: dt.datetime
    due: dt.datetime
    skipped: list[SkippedDay]


@router.post("/due", response=DueOut, summary="Tính hạn trả kết quả (Compute a due instant)")
def compute_due(request, payload: DueIn):
    if (payload.days is None) == (payload.hours is None):
        raise HttpError(422, "Cần chỉ rõ đúng một trong hai: days (ngày làm việc) hoặc hours (giờ làm việc).")
    cal = current_calendar()
    first, last = settings.CONGSO_CALENDAR_YEARS
    if not first <= cal.to_local(payload.start).year <= last:
        raise HttpError(422, f"Lịch làm việc chỉ có dữ liệu từ năm {first} đến năm {last}.")
    if payload.days is not None:
        due = clock.add_working_days(cal, payload.start, payload.days)
    else:
        due = clock.add_working_hours(cal, payload.start, payload.hours)
    return {
        "start": cal.aware(cal.to_local(payload.start)),
        "counting_from": clock.next_working_instant(cal, payload.start),
        "due": due,
        "skipped": [{"date": d, "reason": r} for d, r in clock.non_working_days_between(cal, payload.start, due)],
    }
