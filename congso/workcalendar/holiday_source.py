"""Public holidays from the ``holidays`` package (VN), as plain data (pure, ORM-free).

Labour Code 45/2019 Art. 112: 1 Jan; Tết (5 days); Hùng Kings' day (10/3 lunar); 30 Apr; 1 May;
2 Sep plus one adjacent day; a holiday falling on a rest day gives a compensatory day.
The package also knows the swapped working Saturdays the government announced (``weekend_workdays``).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=8)
def vn_holidays(first_year: int, last_year: int) -> tuple[dict[dt.date, str], dict[dt.date, str]]:
    """(non-working dates with Vietnamese names, swapped working dates with a reason)."""
    calendar = holidays.country_holidays("VN", years=range(first_year, last_year + 1), language="vi")
    non_working = {day: str(name) for day, name in sorted(calendar.items())}
    extra_working = {
        day: "Ngày làm việc bù (hoán đổi ngày nghỉ)" for day in sorted(getattr(calendar, "weekend_workdays", set()))
    }
    return non_working, extra_working
