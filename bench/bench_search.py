"""Catalog search latency on the configured database (SQLite FTS5 or PostgreSQL pg_trgm): typical queries, and
queries with typos (the strict search finds nothing, the words are corrected against the catalog's vocabulary and
the search runs again).

Run after `make demo`:  .venv/bin/python bench/bench_search.py
PostgreSQL:             DATABASE_URL=postgres://postgres@127.0.0.1:5432/congso .venv/bin/python bench/bench_search.py
A province-sized catalog: --scale 2000 adds synthetic procedures (names made of the demo's component and
procedure names) up to 2,000 in a transaction that is rolled back at the end; the database is left as it was.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congso.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from congso.catalog.models import Component, Procedure  # noqa: E402
from congso.catalog.selectors import find_procedures, forget_vocabulary, procedure_vocabulary  # noqa: E402

QUERIES = [
    "dang ky khai sinh",
    "Đăng ký khai sinh",
    "giay phep xay dung",
    "ho kinh doanh",
    "chung thuc",
    "ly lich tu phap",
]
# Each finds nothing as typed; the corrected query finds the procedure.
TYPO_QUERIES = [
    "dang ki khai sinh",
    "khai sinhh",
    "giay phep xay dnug",
    "dang ky ket hno",
    "ho kinh doanhh",
    "chung thuc ban saoo",
]


def _stats(timings: list[float]) -> str:
    timings = sorted(timings)
    return (
        f"median {statistics.median(timings):.2f}, p95 {timings[int(len(timings) * 0.95)]:.2f}, max {timings[-1]:.2f}"
    )


def _measure(queries: list[str], rounds: int, *, corrected: bool) -> list[float]:
    timings = []
    for _ in range(rounds):
        for q in queries:
            t0 = time.perf_counter()
            found = find_procedures(q)
            list(found.results[:20])
            timings.append((time.perf_counter() - t0) * 1000)
            assert bool(found.corrected) == corrected, (q, found.corrected)
    return timings


def _grow_catalog(target: int) -> None:
    """Synthetic current procedures up to ``target``: each named after the beginnings of a component's name and of
    a real procedure's name."""
    real = list(Procedure.objects.current().select_related("field"))
    components = list(Component.objects.values_list("name", flat=True).distinct()) or ["Tờ khai"]
    rows = []
    for i in range(max(0, target - len(real))):
        p = Procedure.objects.get(pk=real[i % len(real)].pk)
        p.pk, p.key, p.code, p.national_code = None, f"bench-{i}", "", ""
        # about as long as a real name (77 characters on average in the demo catalog)
        head = " ".join(components[i % len(components)].split()[:6])
        tail = " ".join(real[(i * 7) % len(real)].name.split()[:6])
        p.name = f"{head} – {tail}"
        p.search_text = p.build_search_text()
        rows.append(p)
    Procedure.objects.bulk_create(rows, batch_size=500)


def main(rounds: int, scale: int) -> None:
    with transaction.atomic():
        if scale:
            _grow_catalog(scale)
        count = Procedure.objects.current().count()
        forget_vocabulary()
        t0 = time.perf_counter()
        vocabulary = procedure_vocabulary()
        build_ms = (time.perf_counter() - t0) * 1000
        strict = _measure(QUERIES, rounds, corrected=False)
        typos = _measure(TYPO_QUERIES, rounds, corrected=True)
        transaction.set_rollback(True)
    print(
        f"database: {connection.vendor}; current procedures: {count}; vocabulary: {len(vocabulary)} words "
        f"(built in {build_ms:.1f} ms, once per process and catalog change)"
    )
    print(f"search latency ms ({len(strict)} searches, {len(QUERIES)} typical queries): {_stats(strict)}")
    print(f"search with a typo, corrected, ms ({len(typos)} searches, {len(TYPO_QUERIES)} queries): {_stats(typos)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--scale", type=int, default=0, help="grow the catalog to this many procedures (rolled back)")
    args = parser.parse_args()
    main(args.rounds, args.scale)
