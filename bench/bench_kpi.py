"""Indicators at provincial scale (issue 9 §5): generate a history, rebuild it, time the dashboards' reads.

SQLite (a fresh database under var/bench/kpi/, removed first):
    nice .venv/bin/python bench/bench_kpi.py [--dossiers 10000000] [--years 5]
PostgreSQL (the database named in the URL is DROPPED and recreated; its name must contain "bench"):
    nice .venv/bin/python bench/bench_kpi.py --database-url postgres://postgres@127.0.0.1:5432/congso_bench

Steps, each printed with its time:
1. migrate + load_demo (subprocesses), then ``congso.kpi.history.generate`` in this process: N ended dossiers
   over the years ending last month, bulk-written with their files, payments, DVCQG acknowledgements, ratings,
   complaints, facts and cells (``--events`` adds each dossier's hash-chained event log: ~4 rows per dossier);
2. the database's size, ANALYZE, then ``kpi.rebuild.check()`` — what ``manage.py rebuild_kpi`` runs — which
   must report no difference;
3. p50 / p95 / max over ``--runs`` reads of the last month: province-wide by agency and by commune, one commune
   People's Committee, one department and one commune by procedure — through ``kpi.selectors.indicators`` and
   through HTTP (``/api/v1/kpi/indicators``, and the ``/mot-cua/chi-so/`` dashboard when it is there) with
   Django's test client as the province administrator;
4. the write cost of one action with its KPI upkeep: a desk dossier accepted at Hạc Thành (the accept's
   transaction, i.e. how long SQLite's write lock is held at most, and the refresh alone).

``--reuse`` skips steps 1–2 and measures an existing bench database again. Targets (issue 9): province month
p95 < 100 ms, one agency or commune p95 < 20 ms, write lock ≲ 50 ms; missed targets are printed, not failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench" / "kpi"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dossiers import database_label, recreate_pg  # noqa: E402

TARGET_PROVINCE_P95_MS = 100
TARGET_ONE_P95_MS = 20
TARGET_LOCK_MS = 50


def run_manage(env: dict, *args: str) -> None:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"manage.py {args[0]} failed ({proc.returncode})")
    print(f"  manage.py {args[0]}: {time.perf_counter() - t0:.1f} s", flush=True)


def timed(fn, runs: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


def fmt(samples: list[float]) -> str:
    return f"{statistics.median(samples):.2f} / {pct(samples, 95):.2f} / {max(samples):.2f} ms"


def human_bytes(n: int) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def database_size(url: str | None) -> int:
    from django.db import connection

    if url:
        with connection.cursor() as c:
            c.execute("SELECT pg_database_size(current_database())")
            return c.fetchone()[0]
    return sum(p.stat().st_size for p in BENCH_DIR.glob("congso.sqlite3*"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=10_000_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=50, help="reads per query (default 50)")
    parser.add_argument("--writes", type=int, default=30, help="accepted dossiers for the write cost (default 30)")
    parser.add_argument("--events", action="store_true", help="write each dossier's event log too")
    parser.add_argument("--batch", type=int, default=20000, help="dossiers per bulk transaction")
    parser.add_argument("--reuse", action="store_true", help="measure an existing bench database again")
    parser.add_argument("--no-rebuild", action="store_true", help="skip the rebuild_kpi check after generating")
    parser.add_argument("--only-rebuild", action="store_true", help="with --reuse: only the rebuild_kpi check")
    parser.add_argument("--jobs", type=int, default=1, help="processes for the rebuild_kpi check (default 1)")
    args = parser.parse_args()

    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="congso.settings", DEBUG="0", PYTHONUNBUFFERED="1")
    if args.database_url:
        if "bench" not in urlparse(args.database_url).path:
            raise SystemExit("refusing: the database name must contain 'bench'")
        env["DATABASE_URL"] = args.database_url
        env["CONGSO_VAR_DIR"] = str(BENCH_DIR.parent / "kpi-pg")
    else:
        env.pop("DATABASE_URL", None)
        env["CONGSO_VAR_DIR"] = str(BENCH_DIR)
    Path(env["CONGSO_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    print(f"bench_kpi — {dt.datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}", flush=True)  # fmt: skip
    if not args.reuse:
        if args.database_url:
            recreate_pg(args.database_url)
        else:
            for p in BENCH_DIR.glob("congso.sqlite3*"):
                p.unlink()
            shutil.rmtree(BENCH_DIR / "files", ignore_errors=True)
        print("preparing a fresh database …", flush=True)
        run_manage(env, "migrate", "--noinput", "-v0")
        run_manage(env, "load_demo", "--quiet-logins")
    os.environ.update(env)
    if not args.database_url:
        os.environ.pop("DATABASE_URL", None)

    import django

    django.setup()
    from django.db import connection

    print(f"database: {database_label(args.database_url or None)}", flush=True)
    if not args.reuse:
        generate(args)
        size = database_size(args.database_url or None)
        print(f"database size after generation: {human_bytes(size)}", flush=True)
        t0 = time.perf_counter()
        with connection.cursor() as c:
            c.execute("ANALYZE")
        print(f"ANALYZE: {time.perf_counter() - t0:.1f} s", flush=True)
        if not args.no_rebuild:
            rebuild_check(args.jobs)
    if args.only_rebuild:
        rebuild_check(args.jobs)
        return 0
    rollup_check()
    reads(args)
    writes(args)
    return 0


def rollup_check() -> None:
    """The month-level rollup equals the sums of the maintained cells (what the migration or the generator wrote)."""
    from congso.kpi import facts
    from congso.kpi.models import Cell
    from congso.kpi.rebuild import maintained_rollup

    t0 = time.perf_counter()
    columns = ["month", "agency_id", "unit_id", "procedure_id", "channel", *facts.COUNTERS]
    cells = {
        facts.CellKey(*row[:5]): list(row[5:])
        for row in Cell.objects.order_by().values_list(*columns).iterator(chunk_size=20000)
    }
    want = {k: v for k, v in facts.rolled_up_rows(cells).items() if any(v)}
    have = {k: v for k, v in maintained_rollup() if any(v)}
    verdict = "equal" if want == have else f"DIFFERENT ({len(set(want.items()) ^ set(have.items()))} rows)"
    print(f"rollup ({len(have):,} rows) against the sums of {len(cells):,} cells: {verdict}, "
          f"{time.perf_counter() - t0:.1f} s", flush=True)  # fmt: skip


def generate(args) -> None:
    from django.db import connection

    from congso.kpi import history

    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("PRAGMA cache_size = -1000000")  # 1 GB page cache for this connection while loading
            # A benchmark database being loaded: a crash means generating again, so no fsync per transaction.
            c.execute("PRAGMA synchronous = OFF")
    last_print = [0]

    def progress(result, total):
        if result.dossiers - last_print[0] >= 250_000 or result.dossiers == total:
            last_print[0] = result.dossiers
            print(
                f"  {result.dossiers:,}/{total:,} dossiers, {result.seconds:.0f} s ({result.rate:,.0f}/s)", flush=True
            )

    print(f"generating {args.dossiers:,} dossiers over {args.years} years (seed {args.seed}, "
          f"events {'on' if args.events else 'off'}) …", flush=True)  # fmt: skip
    from congso.dossiers.models import Dossier, DossierEvent, DossierFile
    from congso.feedback.models import Complaint, Rating
    from congso.kpi.models import DossierFact
    from congso.national.models import SyncState
    from congso.payments.models import Obligation

    started = time.perf_counter()
    # Payment keeps its indexes: obligations and payments point at each other (deferred foreign keys), and while
    # such a reference is outstanding SQLite checks every row inserted into a parent table against its children.
    tables = [Dossier, DossierEvent, DossierFile, DossierFact, Obligation, SyncState, Rating, Complaint]
    with history.deferred_indexes(tables) as indexes:
        print(f"  {len(indexes)} secondary indexes dropped for the load, built again after it", flush=True)
        r = history.generate(
            args.dossiers, args.years, seed=args.seed, events=args.events, force=True, batch=args.batch,
            progress=progress,
        )  # fmt: skip
        print(
            f"generated {r.dossiers:,} dossiers ({r.first_month:%m/%Y}–{r.last_month:%m/%Y}), {r.files:,} files, "
            f"{r.events:,} events, {r.cells:,} cells in {r.seconds:.0f} s ({r.rate:,.0f} dossiers/s)",
            flush=True,
        )
        t_index = time.perf_counter()
    total = time.perf_counter() - started
    print(f"indexes built in {time.perf_counter() - t_index:.0f} s; generation in all {total:.0f} s "
          f"({r.dossiers / total:,.0f} dossiers/s)", flush=True)  # fmt: skip


def rebuild_check(jobs: int = 1) -> None:
    from congso.kpi import rebuild

    last = [0]

    def progress(n):
        if n - last[0] >= 1_000_000:
            last[0] = n
            print(f"  rebuild: {n:,} dossiers", flush=True)

    t0 = time.perf_counter()
    report = rebuild.check(progress=progress, jobs=jobs)
    seconds = time.perf_counter() - t0
    r = report.recomputation
    verdict = "no difference" if report.clean else (
        f"DIFFERENCES: {report.values_wrong} cell values, {len(r.facts_wrong)} facts, {len(report.orphan_facts)} orphans"
    )  # fmt: skip
    print(f"rebuild_kpi (check, {r.jobs} process(es)): {r.dossiers:,} dossiers, {len(r.expected):,} cells in {seconds:.0f} s "
          f"({r.dossiers / seconds:,.0f} dossiers/s): {verdict}", flush=True)  # fmt: skip


def reads(args) -> None:
    from django.db.models import Sum
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from congso.accounts.models import User
    from congso.geo.models import Agency
    from congso.kpi import history, selectors
    from congso.kpi.models import Cell

    month = history.last_month()
    period_text = f"{month:%Y-%m}"
    period = selectors.parse_period(period_text)
    everything = selectors.Scope(everything=True)
    cells_month = Cell.objects.filter(month=month)
    print(f"\nload average (1, 5, 15 min) before the reads: {os.getloadavg()}", flush=True)
    print(f"\nreads of {period_text}: {cells_month.count():,} cells that month, {Cell.objects.count():,} in all "
          f"({args.runs} runs each; p50 / p95 / max)", flush=True)  # fmt: skip
    busiest = (
        cells_month.filter(agency__kind="commune_pc").values("agency_id").annotate(n=Sum("received")).order_by("-n")
    ).first()
    pc = Agency.objects.get(pk=busiest["agency_id"])
    dept = (
        cells_month.filter(agency__kind="department").values("agency_id").annotate(n=Sum("received")).order_by("-n")
    ).first()
    department = Agency.objects.get(pk=dept["agency_id"])
    unit_id = pc.unit_id
    print(f"  one agency: {pc.name} (id {pc.pk}); department: {department.name}; commune unit {unit_id}")
    cases = [
        ("province, by agency", dict(by="agency"), TARGET_PROVINCE_P95_MS),
        ("province, by commune", dict(by="commune"), TARGET_PROVINCE_P95_MS),
        ("commune People's Committee, by procedure", dict(by="procedure", agency=pc.pk), TARGET_ONE_P95_MS),
        ("department, by procedure", dict(by="procedure", agency=department.pk), TARGET_ONE_P95_MS),
        ("one commune (received there), by procedure", dict(by="procedure", commune=unit_id), TARGET_ONE_P95_MS),
    ]
    results = []
    for label, kw, target in cases:
        samples = timed(lambda kw=kw: selectors.indicators(period, scope=everything, **kw), args.runs)
        results.append(("selectors", label, samples, target))
    admin = User.objects.get(username="quantri")
    client = Client()
    client.force_login(admin)
    for label, kw, target in cases:
        query = {"period": period_text, "by": kw["by"]}
        if "agency" in kw:
            query["agency"] = kw["agency"]
        if "commune" in kw:
            query["commune"] = kw["commune"]

        def get(query=query):
            response = client.get("/api/v1/kpi/indicators", query)
            assert response.status_code == 200, (response.status_code, response.content[:300])

        results.append(("HTTP API", label, timed(get, args.runs), target))
    try:
        dashboard = reverse("backoffice:kpi")
    except NoReverseMatch:
        dashboard = None
    if dashboard:
        probe = client.get(dashboard, {"period": period_text})
        if probe.status_code == 200:
            for label, kw, target in cases:
                query = {"period": period_text, **{k: v for k, v in kw.items() if k != "by"}, "by": kw["by"]}

                def page(query=query):
                    response = client.get(dashboard, query)
                    assert response.status_code == 200, response.status_code

                results.append(("dashboard page", label, timed(page, args.runs), target))
        else:
            print(f"  dashboard {dashboard}: status {probe.status_code}, not measured")
    else:
        print("  dashboard: no URL named backoffice:kpi, not measured")
    # A commune officer's own page: the scope is "my agencies or what was received at my commune" (cells, not the
    # rollup, since one cell can be in both).
    officer = User.objects.filter(username="tiepnhan.hacthanh").first()
    if officer is not None and dashboard:
        own = Client()
        own.force_login(officer)
        label = "commune officer's own scope, by procedure"
        query = {"period": period_text, "by": "procedure"}

        def own_api(query=query):
            response = own.get("/api/v1/kpi/indicators", query)
            assert response.status_code == 200, response.status_code

        def own_page(query=query):
            response = own.get(dashboard, query)
            assert response.status_code == 200, response.status_code

        results.append(("HTTP API", label, timed(own_api, args.runs), TARGET_ONE_P95_MS))
        results.append(("dashboard page", label, timed(own_page, args.runs), TARGET_ONE_P95_MS))
    try:
        listing = reverse("backoffice:kpi-dossiers")
    except NoReverseMatch:
        listing = None
    if listing:
        biggest = cells_month.values("procedure_id").annotate(n=Sum("received")).order_by("-n").first()
        lists = [
            ("list: commune People's Committee, received", dict(agency=pc.pk, counter="received")),
            ("list: department, late", dict(agency=department.pk, counter="late")),
            ("list: one commune, received", dict(commune=unit_id, counter="received")),
            ("list: busiest procedure province-wide", dict(procedure=biggest["procedure_id"], counter="received")),
        ]
        for label, kw in lists:

            def page(kw=kw):
                response = client.get(listing, {"period": period_text, **kw})
                assert response.status_code == 200, response.status_code

            results.append(("drill-down", label, timed(page, 10, warmup=1), None))
    for kind, label, samples, target in results:
        p95 = pct(samples, 95)
        if target is None:
            print(f"  {kind:<15} {label:<45} {fmt(samples)}", flush=True)
            continue
        verdict = "ok" if p95 < target else f"MISSED (target p95 < {target} ms)"
        print(f"  {kind:<15} {label:<45} {fmt(samples)}  {verdict}", flush=True)


def writes(args) -> None:
    from django.db import connection, transaction

    from congso.dossiers import actions as A
    from congso.dossiers.access import who_for
    from congso.dossiers.models import Dossier
    from congso.kpi.actions import refresh_dossier
    from congso.kpi.tests.helpers import BIRTH, PDF, applicant_id, hacthanh, procedure

    office = hacthanh()
    accept_ms, refresh_ms = [], []
    for i in range(args.writes + 3):
        stored = A.store_file(PDF + f"% bench {i} {time.time()}".encode())
        d = A.create_dossier(
            procedure=procedure(BIRTH),
            intake_agency=office.desk,
            applicant=A.Applicant(name="Nguyễn Văn Bình", id_number=applicant_id(), phone="0912345678"),
            channel=1,
            source="desk",
            who=office.clerk,
            attachments=[A.Attachment(stored=stored, filename="to-khai.pdf", name="Tờ khai", digitised=True)],
        )
        d = Dossier.objects.select_related("procedure", "workflow").get(pk=d.pk)
        t0 = time.perf_counter()
        A.accept_dossier(d, who_for(office.clerk.user))
        t1 = time.perf_counter()
        with transaction.atomic():  # the KPI upkeep alone, as the next change would run it (nothing to add)
            t2 = time.perf_counter()
            refresh_dossier(d.pk)
            t3 = time.perf_counter()
        if i >= 3:
            accept_ms.append((t1 - t0) * 1000)
            refresh_ms.append((t3 - t2) * 1000)
    target = TARGET_LOCK_MS
    verdict = "ok" if max(accept_ms) <= target else f"MISSED (target ≲ {target} ms)"
    print(f"\nwrite cost on {connection.vendor} ({args.writes} desk dossiers accepted at Hạc Thành, p50 / p95 / max):")
    print(f"  accept (one transaction: state, code, clock, KPI fact and cells)  {fmt(accept_ms)}  {verdict}")
    print(f"  KPI refresh alone (snapshot query, nothing to change)           {fmt(refresh_ms)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
