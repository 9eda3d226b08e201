"""Catalog search latency on the configured database (SQLite FTS5 or PostgreSQL pg_trgm).

Run after `make demo`:  .venv/bin/python bench/bench_search.py
PostgreSQL:             DATABASE_URL=postgres://postgres@127.0.0.1:5432/congso .venv/bin/python bench/bench_search.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congso.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from congso.catalog.models import Procedure  # noqa: E402
from congso.catalog.selectors import search_procedures  # noqa: E402

QUERIES = [
    "dang ky khai sinh",
    "Đăng ký khai sinh",
    "giay phep xay dung",
    "ho kinh doanh",
    "chung thuc",
    "ly lich tu phap",
]


def main(rounds: int = 200) -> None:
    count = Procedure.objects.current().count()
    timings = []
    for _ in range(rounds):
        for q in QUERIES:
            t0 = time.perf_counter()
            list(search_procedures(q)[:20])
            timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    print(f"database: {connection.vendor}; current procedures: {count}; searches: {len(timings)}")
    print(
        f"search latency ms: median {statistics.median(timings):.2f}, "
        f"p95 {timings[int(len(timings) * 0.95)]:.2f}, max {timings[-1]:.2f}"
    )


if __name__ == "__main__":
    main()
