"""How fast the legal clock answers: due instants per second over random starts and budgets.

Run: .venv/bin/python bench/bench_clock.py
"""

import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from congso.workcalendar import clock  # noqa: E402
from congso.workcalendar.holiday_source import vn_holidays  # noqa: E402


def main(n: int = 20_000) -> None:
    non_working, extra = vn_holidays(2020, 2030)
    cal = clock.WorkCalendar(non_working=non_working, extra_working=extra)
    rng = random.Random(7)
    starts = [dt.datetime(2025, 1, 1) + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 700)) for _ in range(n)]
    days = [rng.choice([1, 3, 5, 10, 15, 20, 30]) for _ in range(n)]
    t0 = time.perf_counter()
    for s, d in zip(starts, days, strict=True):
        clock.add_working_days(cal, s, d)
    add_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for s, d in zip(starts, days, strict=True):
        clock.working_time_between(cal, s, s + dt.timedelta(days=d * 2))
    span_s = time.perf_counter() - t0
    print(f"add_working_days: {n / add_s:,.0f} per second ({add_s / n * 1e6:.1f} µs each, budgets 1–30 days)")
    print(f"working_time_between: {n / span_s:,.0f} per second ({span_s / n * 1e6:.1f} µs each)")


if __name__ == "__main__":
    main()
