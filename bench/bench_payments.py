"""Payments: bank-gateway IPNs over real HTTP under gunicorn, and one day's reconciliation.

SQLite (a fresh database in a temporary CONGSO_VAR_DIR):
    .venv/bin/python bench/bench_payments.py
PostgreSQL (the database named in the URL is DROPPED and recreated; its name must contain "bench"):
    .venv/bin/python bench/bench_payments.py --database-url postgres://postgres@127.0.0.1:5432/congso_bench_pay

Steps: migrate + load_demo in subprocesses, with CONGSO_PUBLIC_URL=http://127.0.0.1:<port> and no provider
URL, so the payment simulators are mounted at /sim/gateway/ and /sim/payplatform/ of the bench server. Then:

1. setup, in one ``manage.py shell`` (no HTTP): N (+ a few for warm-up) walk-in signature certifications
   (procedure 2.000884, 10.000 đồng) created and accepted at the Hạc Thành commune desk with the engine's
   actions (``congso.dossiers.actions.create_dossier`` / ``accept_dossier``, one at a time: each accept opens
   the dossier's ``Obligation``); one gateway attempt each with ``payments.actions.start_online_payment``
   (state "redirected"; the gateway adapter makes no HTTP call to start); and what the gateway simulator
   would hold once the citizen paid: one ``SimPayment`` row each (status success, paid on one day), bulk
   created. The IPNs are the simulator's own signed result messages (``gateway.simulator.signed_result``),
   written to a file for the client;
2. gunicorn (congso.wsgi, 4 sync workers, DEBUG off) on that port;
3. IPN first delivery: ``GET /api/v1/payments/ipn/gateway?vnp_…`` for every attempt from a pool of client
   threads (httpx, one client per thread), closed loop over the list: IPNs/s and latency. Each one records the
   payment, numbers the receipt and settles the obligation (the dossier's payment_status → paid); answer
   RspCode "00";
4. replay: every IPN once more (a gateway retrying): answer "02" (already confirmed), nothing changes;
5. verification (``manage.py shell``): every obligation paid exactly once (one paid attempt, no duplicate),
   receipts numbered 1..n without gaps per agency and series, every dossier's payment_status "paid";
6. reconciliation: ``payments.actions.reconcile("gateway", day)`` in a ``manage.py shell`` against the
   simulator's statement for that day, fetched over HTTP from the bench server; then the same day again
   (a re-run replaces the day's lines).

Exit status: 1 if the server did not start, the bench overran its hard timeout, an IPN was not answered as
expected ("00" first, "02" on replay), the verification or the reconciliation found a discrepancy; 0 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench_dossiers as bd  # noqa: E402

ROOT = bd.ROOT
PY = bd.PY
AGENCY_SLUG = "ttpvhcc-xa-14797"  # the Hạc Thành commune one-stop office
USERNAME = "tiepnhan.hacthanh"
NATIONAL_CODE = "2.000884"  # Chứng thực chữ ký: 10.000 đồng, commune level
IPN_PATH = "/api/v1/payments/ipn/gateway"

# Dossiers, obligations and redirected attempts; the simulator's SimPayment rows; the signed IPNs.
SETUP_SNIPPET = """
import datetime as dt, json, os, time
from django.db import connection
from django.utils import timezone
from congso.accounts.models import User
from congso.catalog.models import Procedure
from congso.dossiers import actions as A
from congso.dossiers.access import who_for
from congso.dossiers.models import Dossier
from congso.geo.models import Agency
from congso.national.models import OutboxMessage
from congso.payments import actions as P
from congso.payments.models import Obligation, Payment
from congso.payments.providers.gateway import simulator as gateway_sim
from congso.payments.providers.simstore.models import SimPayment

n, serial = int(os.environ["BENCH_N"]), int(os.environ["BENCH_SERIAL"])
day = dt.date.fromisoformat(os.environ["BENCH_DAY"])
user = User.objects.get(username=os.environ["BENCH_USERNAME"])
agency = Agency.objects.get(slug=os.environ["BENCH_AGENCY"])
procedure = Procedure.objects.current().get(national_code=os.environ["BENCH_PROCEDURE"], level="commune")
who = who_for(user)
t0 = time.perf_counter()
dossier_ids = []
for i in range(n):
    applicant = A.Applicant(name="Nguyễn Văn Bench", id_number=f"0381901{(serial + i) % 100_000:05d}")
    d = A.create_dossier(
        procedure=procedure, intake_agency=agency, applicant=applicant, channel=1, source="desk", who=who
    )
    d = A.accept_dossier(d, who, {})
    dossier_ids.append(d.pk)
t1 = time.perf_counter()
obligations = list(Obligation.objects.filter(dossier_id__in=dossier_ids, status="open").order_by("pk"))
assert len(obligations) == n, (len(obligations), n)
payments = []
for ob in obligations:
    payment, created = P.start_online_payment(ob, "gateway")
    assert created and payment.state == "redirected", payment.state
    payments.append(payment)
t2 = time.perf_counter()
# What the gateway holds once each citizen paid on its page (as its start and pay views would have written).
paid_from = timezone.make_aware(dt.datetime.combine(day, dt.time(8, 0)))
sims = [
    SimPayment(
        provider="gateway",
        reference=p.reference,
        transaction_no=f"{14_000_000 + i:08d}",
        amount=p.amount,
        description=f"Nop phi, le phi ho so {p.reference}",
        return_url=gateway_sim.ipn_url().replace("/api/v1/payments/ipn/gateway", "/thanh-toan/ket-qua/gateway/"),
        notify_url=gateway_sim.ipn_url(),
        status="success",
        result_code="00",
        bank="NCB",
        paid_at=paid_from + dt.timedelta(seconds=i),
    )
    for i, p in enumerate(payments)
]
SimPayment.objects.bulk_create(sims, batch_size=500)
ipns = [gateway_sim.signed_result(s) for s in sims]
t3 = time.perf_counter()
with open(os.environ["BENCH_IPNS"], "w") as fh:
    json.dump(ipns, fh)
print("BENCH_SETUP " + json.dumps({
    "dossiers": len(dossier_ids), "obligations": len(obligations), "payments": len(payments),
    "amounts": sorted({ob.amount for ob in obligations}),
    "agencies": sorted({ob.agency_id for ob in obligations}),
    "payment_status": sorted(set(Dossier.objects.filter(pk__in=dossier_ids).values_list("payment_status", flat=True))),
    "states": sorted(set(Payment.objects.filter(pk__in=[p.pk for p in payments]).values_list("state", flat=True))),
    "seconds_dossiers": t1 - t0, "seconds_payments": t2 - t1, "seconds_sim": t3 - t2,
    "outbox": OutboxMessage.objects.count(), "vendor": connection.vendor,
}))
"""

# After both passes: money recorded once, receipts numbered without gaps, dossiers moved on.
VERIFY_SNIPPET = """
import json, os
from collections import Counter, defaultdict
from django.db.models import Count, Max
from congso.dossiers.models import Dossier, DossierEvent
from congso.national.models import OutboxMessage
from congso.payments.models import Obligation, Payment, ProviderMessage, Receipt, ReceiptCounter

refs = json.load(open(os.environ["BENCH_REFS"]))
payments = list(Payment.objects.filter(reference__in=refs).values_list("pk", "obligation_id", "state", "refund_due"))
ob_ids = sorted({p[1] for p in payments})
obs = list(Obligation.objects.filter(pk__in=ob_ids).values_list("pk", "dossier_id", "status", "paid_payment_id", "settled_at"))
paid_per_ob = Counter(ob for _pk, ob, state, _r in payments if state == "paid")
all_paid_per_ob = Counter(
    Payment.objects.filter(obligation_id__in=ob_ids, state__in=("paid", "duplicate")).values_list("obligation_id", flat=True)
)
dossier_ids = [o[1] for o in obs]
receipts = list(
    Receipt.objects.filter(payment__obligation_id__in=ob_ids).values_list("payment_id", "agency_id", "series", "number")
)
series = defaultdict(list)
for _p, agency, s, number in receipts:
    series[(agency, s)].append(number)
# Every receipt of each series touched (not only the bench's): numbered 1..n without gaps or repeats.
gapless = {}
for (agency, s) in series:
    numbers = sorted(Receipt.objects.filter(agency_id=agency, series=s).values_list("number", flat=True))
    counter = ReceiptCounter.objects.filter(key=f"{agency}:{s}").values_list("last", flat=True).first()
    gapless[f"{agency}:{s}"] = {
        "receipts": len(numbers), "bench_receipts": len(series[(agency, s)]),
        "first": numbers[0], "last": numbers[-1], "counter": counter,
        "ok": numbers == list(range(1, len(numbers) + 1)) and counter == len(numbers),
    }
receipted = Counter(p for p, *_rest in receipts)
messages = Counter(
    ProviderMessage.objects.filter(source="ipn").values_list("verdict", flat=True)
)
events = Counter(
    DossierEvent.objects.filter(dossier_id__in=dossier_ids, action="confirm_payment").values_list("dossier_id", flat=True)
)
out = {
    "payments": len(payments),
    "payment_states": dict(Counter(p[2] for p in payments)),
    "refund_due": sum(1 for p in payments if p[3]),
    "obligations": len(obs),
    "obligation_status": dict(Counter(o[2] for o in obs)),
    "paid_exactly_once": sum(1 for o in obs if o[2] == "paid" and all_paid_per_ob[o[0]] == 1 and paid_per_ob[o[0]] == 1),
    "paid_payment_set": sum(1 for o in obs if o[3] is not None),
    "settled": sum(1 for o in obs if o[4] is not None),
    "receipts": len(receipts),
    "payments_with_one_receipt": sum(1 for p in payments if receipted[p[0]] == 1),
    "series": gapless,
    "dossier_payment_status": dict(Counter(Dossier.objects.filter(pk__in=dossier_ids).values_list("payment_status", flat=True))),
    "dossier_state": dict(Counter(Dossier.objects.filter(pk__in=dossier_ids).values_list("state", flat=True))),
    "confirm_events_once": sum(1 for d in dossier_ids if events[d] == 1),
    "ipn_messages": dict(messages),
    "outbox": OutboxMessage.objects.count(),
}
print("BENCH_VERIFY " + json.dumps(out))
"""

# One day's reconciliation against the gateway simulator's statement (over HTTP, from the bench server).
RECONCILE_SNIPPET = """
import datetime as dt, json, os, time
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from congso.payments import actions as P
from congso.payments.models import ReconciliationLine
from congso.payments.providers import get_provider

day = dt.date.fromisoformat(os.environ["BENCH_DAY"])
runs = []
t0 = time.perf_counter()
lines = get_provider("gateway").statement(day, now=timezone.now())
statement_s = time.perf_counter() - t0
for label in ("first", "again"):
    t0 = time.perf_counter()
    run = P.reconcile("gateway", day)
    seconds = time.perf_counter() - t0
    runs.append({
        "label": label, "seconds": seconds, "matched": run.matched, "missing_local": run.missing_local,
        "missing_provider": run.missing_provider, "mismatched": run.mismatched, "repaired": run.repaired,
        "error": run.error, "lines": ReconciliationLine.objects.filter(reconciliation=run).count(),
    })
with CaptureQueriesContext(connection) as queries:
    t0 = time.perf_counter()
    P.reconcile("gateway", day)
    captured_s = time.perf_counter() - t0
print("BENCH_RECONCILE " + json.dumps({
    "statement_lines": len(lines), "statement_seconds": statement_s, "runs": runs,
    "queries": len(queries.captured_queries), "captured_seconds": captured_s,
}))
"""


def prepare(args, tmp: Path, port: int) -> dict:
    """As bench_outbox.prepare: a fresh database, the payment simulators at the bench server."""
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "congso.settings")
    for name in (
        "CONGSO_PAYPLATFORM_URL",
        "CONGSO_GATEWAY_URL",
        "CONGSO_PAYMENT_SIMULATORS",
        "CONGSO_PAYMENT_METHODS",
        "CONGSO_DVCQG_URL",
        "CONGSO_DVCQG_SIMULATOR",
        "CONGSO_DVCQG_SYNC",
    ):
        env.pop(name, None)  # the bundled simulators, at CONGSO_PUBLIC_URL + /sim/…
    env.update(
        CONGSO_VAR_DIR=str(tmp),
        DEBUG="0",
        PYTHONUNBUFFERED="1",
        CONGSO_PUBLIC_URL=f"http://127.0.0.1:{port}",
        BENCH_USERNAME=USERNAME,
        BENCH_AGENCY=AGENCY_SLUG,
        BENCH_PROCEDURE=NATIONAL_CODE,
    )
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
        bd.recreate_pg(args.database_url)
    else:
        env.pop("DATABASE_URL", None)
    print(f"preparing a fresh database in {tmp} …", flush=True)
    bd.run_manage(env, "migrate", "--noinput", "-v0")
    bd.run_manage(env, "load_demo", "--quiet-logins")
    return env


def setup(env: dict, tmp: Path, n: int, day: dt.date) -> tuple[dict, list[dict]]:
    ipn_file = tmp / "ipns.json"
    out = bd.run_manage(
        {
            **env,
            "BENCH_N": str(n),
            "BENCH_SERIAL": str(int(time.time()) % 50_000),
            "BENCH_DAY": day.isoformat(),
            "BENCH_IPNS": str(ipn_file),
        },
        "shell",
        "-c",
        SETUP_SNIPPET,
        timeout=600,
    )
    info = bd.marked(out, "BENCH_SETUP")
    print(
        f"  setup: {info['dossiers']} dossiers created and accepted in {info['seconds_dossiers']:.1f} s "
        f"({info['dossiers'] / info['seconds_dossiers']:.0f}/s); {info['payments']} gateway attempts started in "
        f"{info['seconds_payments']:.1f} s ({info['payments'] / info['seconds_payments']:.0f}/s), states "
        f"{info['states']}; {info['payments']} SimPayment rows and signed IPNs in {info['seconds_sim']:.1f} s; "
        f"amounts {info['amounts']} đồng, collecting agencies {info['agencies']}, payment_status {info['payment_status']}",
        flush=True,
    )
    return info, json.loads(ipn_file.read_text())


# ---- the client pool -------------------------------------------------------------------------------------------
def fire(port: int, ipns: list[dict], clients: int) -> dict:
    """Send every IPN once, ``clients`` threads pulling from one list; latency and RspCode per request."""
    import httpx

    counter = itertools.count()
    results: list[list] = [[] for _ in range(clients)]  # (ms, http status, RspCode, reference)
    # One client per thread, built before the clock starts (httpx builds an SSL context per client).
    pool = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) for _ in range(clients)]
    go = threading.Event()

    def worker(k: int) -> None:
        client, mine = pool[k], results[k]
        go.wait()
        while (i := next(counter)) < len(ipns):
            params = ipns[i]
            t0 = time.perf_counter()
            try:
                response = client.get(IPN_PATH, params=params)
                status = response.status_code
                try:
                    code = str(response.json().get("RspCode"))
                except ValueError:
                    code = "not-json"
            except httpx.HTTPError as exc:
                status, code = 0, exc.__class__.__name__
            mine.append(((time.perf_counter() - t0) * 1000, status, code, params["vnp_TxnRef"]))

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    start = time.perf_counter()
    go.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    for client in pool:
        client.close()
    rows = [r for mine in results for r in mine]
    return {
        "elapsed": elapsed,
        "rows": rows,
        "latencies": [r[0] for r in rows],
        "codes": Counter(r[2] for r in rows),
        "http": Counter(r[1] for r in rows),
    }


class LockSampler:
    """Every 50 ms during a pass: who waits for a lock. PostgreSQL: sessions of the bench database whose
    wait_event_type is Lock, by the statement they wait in; SQLite: processes queued on the writer flock
    (``<database>.writer``, congso/core/db/sqlite) as /proc/locks lists them."""

    def __init__(self, database_url: str | None, tmp: Path):
        self.database_url, self.samples, self.waiting, self.what = database_url, 0, 0, Counter()
        self.inode = None
        writer = tmp / "congso.sqlite3.writer"
        if not database_url and writer.exists():
            self.inode = writer.stat().st_ino
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(5)

    def run(self) -> None:
        conn = None
        if self.database_url:
            conn = bd._pg_connect(self.database_url, self.database_url.rsplit("/", 1)[1].split("?")[0])
        try:
            while not self.stop_event.wait(0.05):
                self.samples += 1
                if conn is not None:
                    rows = conn.execute(
                        "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 70) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
                    ).fetchall()
                    self.waiting += len(rows)
                    self.what.update(r[0] for r in rows)
                elif self.inode is not None:
                    waiters = [
                        line
                        for line in Path("/proc/locks").read_text().splitlines()
                        if "->" in line and line.split()[-3].endswith(f":{self.inode}")
                    ]
                    self.waiting += len(waiters)
        finally:
            if conn is not None:
                conn.close()

    def text(self) -> str:
        mean = self.waiting / max(1, self.samples)
        if self.database_url:
            top = "; ".join(f"{n}× {q}" for q, n in self.what.most_common(3))
            return f"sessions waiting on a lock, mean of {self.samples} samples: {mean:.2f}" + (
                f" ({top})" if top else ""
            )
        if self.inode is None:
            return "writer lock file not found"
        return f"processes queued on the SQLite writer lock, mean of {self.samples} samples: {mean:.2f}"


ACCESS = re.compile(r'"GET /api/v1/payments/ipn/gateway[^"]*" (\d{3}) ')
TROUBLE = re.compile(r"Traceback|\bERROR\b|CRITICAL|WORKER TIMEOUT|Exception|settling obligation", re.IGNORECASE)


def scan_log(text: str) -> tuple[Counter, list[str]]:
    statuses = Counter(ACCESS.findall(text))
    trouble = [line for line in text.splitlines() if TROUBLE.search(line) and IPN_PATH not in line]
    return statuses, trouble


def log_since(path: Path, offset: int) -> str:
    with open(path, "rb") as fh:
        fh.seek(offset)
        return fh.read().decode(errors="replace")


def run_pass(label: str, port: int, ipns: list[dict], clients: int, server_pid: int, log_path: Path, locks) -> dict:
    print(f"{label}: {len(ipns)} IPNs, {clients} client threads …", flush=True)
    offset = log_path.stat().st_size
    meter = bd.CpuMeter(server_pid)
    with locks() as sampler:
        result = fire(port, ipns, clients)
    result["cpu"] = meter.stop()
    result["locks"] = sampler.text()
    time.sleep(0.3)  # let gunicorn flush its access log
    result["log_statuses"], result["log_trouble"] = scan_log(log_since(log_path, offset))
    rate = len(result["rows"]) / result["elapsed"]
    lat = result["latencies"]
    print(
        f"  {len(result['rows'])} in {result['elapsed']:.2f} s = {rate:.1f} IPNs/s; latency p50 / p95 / p99 / max "
        f"{bd.pct(lat, 50):.1f} / {bd.pct(lat, 95):.1f} / {bd.pct(lat, 99):.1f} / {max(lat):.1f} ms; "
        f"RspCode {dict(result['codes'])}; HTTP {dict(result['http'])}",
        flush=True,
    )
    print(f"  {result['locks']}", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (dropped and recreated); SQLite if unset")
    parser.add_argument("--payments", type=int, default=2000, help="measured IPNs (paid attempts), default 2000")
    parser.add_argument("--warmup", type=int, default=40, help="extra attempts paid first, not measured (40)")
    parser.add_argument("--clients", type=int, default=8, help="client threads (httpx), default 8")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--timeout", type=int, default=480, help="hard timeout of the whole run, seconds (480)")
    args = parser.parse_args()

    def on_alarm(signum, frame):
        raise bd.BenchTimeout(f"hard timeout of {args.timeout} s reached")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(args.timeout)
    server = None
    info = bd.machine()
    info["loadavg"] = os.getloadavg()[0]
    started = time.perf_counter()
    # The day the citizens paid (Vietnam date), reconciled in step 6: yesterday, as the daily task does.
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)).date() - dt.timedelta(days=1)
    with tempfile.TemporaryDirectory(prefix="congso-bench-payments-") as tmpdir:
        tmp = Path(tmpdir)
        log_path = tmp / "gunicorn.log"
        try:
            port = bd.free_port()
            env = prepare(args, tmp, port)
            info["database"] = bd.database_label(args.database_url)
            setup_info, ipns = setup(env, tmp, args.warmup + args.payments, day)
            warm, measured = ipns[: args.warmup], ipns[args.warmup :]
            server = bd.start_server(env, port, args.workers, log_path)
            bd.wait_ready(server, port, log_path)
            print(f"gunicorn: 127.0.0.1:{port}, {args.workers} sync workers; gateway simulator at /sim/gateway/")

            def locks():
                return LockSampler(args.database_url, tmp)

            warmup = run_pass("warm-up (not measured)", port, warm, args.clients, server.pid, log_path, locks)
            first = run_pass("A. first delivery", port, measured, args.clients, server.pid, log_path, locks)
            replay = run_pass(
                "B. replay (duplicates)", port, measured + warm, args.clients, server.pid, log_path, locks
            )
            refs = tmp / "refs.json"
            refs.write_text(json.dumps([p["vnp_TxnRef"] for p in ipns]))
            verify = bd.marked(
                bd.run_manage({**env, "BENCH_REFS": str(refs)}, "shell", "-c", VERIFY_SNIPPET), "BENCH_VERIFY"
            )
            print("C. reconciliation of one day …", flush=True)
            recon = bd.marked(
                bd.run_manage({**env, "BENCH_DAY": day.isoformat()}, "shell", "-c", RECONCILE_SNIPPET),
                "BENCH_RECONCILE",
            )
            time.sleep(0.3)
            _statuses, trouble = scan_log(log_path.read_text(errors="replace"))
        except (bd.ServerFailed, bd.BenchTimeout, bd.BenchFailed, subprocess.TimeoutExpired) as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            if log_path.exists():
                sys.stderr.write(log_path.read_text(errors="replace")[-3000:])
            return 1
        finally:
            signal.alarm(0)
            bd.stop_server(server)
    total = len(ipns)
    n = len(measured)

    print()
    print(f"date: {dt.date.today()}; machine: {info['nproc']} cores, {info['cpu']}; Python {info['python']}")
    print(f"database: {info['database']}; load average (1 min) before the run: {info['loadavg']:.2f}")
    print(
        f"server: gunicorn congso.wsgi, {args.workers} sync workers, DEBUG off; client: {args.clients} threads "
        f"(httpx, one client each) on 127.0.0.1; {n} measured IPNs (+{args.warmup} warm-up), each a different "
        f"attempt of a different dossier, all for one collecting agency; whole run {time.perf_counter() - started:.0f} s"
    )
    print()
    print("| scenario | IPNs | IPNs/s | p50 ms | p95 ms | p99 ms | max ms | answers (RspCode) |")
    print("|---|---|---|---|---|---|---|---|")
    for label, r in (("A. first delivery", first), ("B. replay (duplicates)", replay)):
        lat = r["latencies"]
        print(
            f"| {label} | {len(lat)} | {len(lat) / r['elapsed']:.1f} | {bd.pct(lat, 50):.1f} | {bd.pct(lat, 95):.1f} "
            f"| {bd.pct(lat, 99):.1f} | {max(lat):.1f} | {', '.join(f'{k}: {v}' for k, v in sorted(r['codes'].items()))} |"
        )
    print()
    print(f"CPU used, in cores (of {info['nproc']}; 'other' = the rest of the machine — should be ≈ 0):")
    print(f"  A. {first['cpu']}")
    print(f"  B. {replay['cpu']}")
    print(f"lock waits: A. {first['locks']}")
    print(f"            B. {replay['locks']}")

    v = verify
    print()
    print(
        f"verification: {v['payments']} attempts {v['payment_states']} (refund due {v['refund_due']}); "
        f"{v['obligations']} obligations {v['obligation_status']}, paid exactly once {v['paid_exactly_once']}, "
        f"settled {v['settled']}; receipts {v['receipts']} ({v['payments_with_one_receipt']} attempts with exactly one)"
    )
    for key, s in v["series"].items():
        print(
            f"  receipt series {key}: {s['receipts']} receipts ({s['bench_receipts']} of the bench), numbers "
            f"{s['first']}..{s['last']}, counter {s['counter']} — {'no gap, no repeat' if s['ok'] else 'GAP OR REPEAT'}"
        )
    print(
        f"  dossiers: payment_status {v['dossier_payment_status']}, state {v['dossier_state']}; one confirm_payment "
        f"event each: {v['confirm_events_once']}"
    )
    print(
        f"  provider messages (IPN) by verdict: {v['ipn_messages']}; DVCQG outbox rows {setup_info['outbox']} "
        f"after setup, {v['outbox']} after the IPNs"
    )

    rc = recon
    print()
    print(
        f"reconciliation of {day} (gateway): statement of {rc['statement_lines']} lines fetched over HTTP in "
        f"{rc['statement_seconds']:.2f} s"
    )
    print("| run | seconds | matched | missing local | missing provider | mismatched | repaired | lines |")
    print("|---|---|---|---|---|---|---|---|")
    for run in rc["runs"]:
        print(
            f"| {run['label']} | {run['seconds']:.2f} | {run['matched']} | {run['missing_local']} "
            f"| {run['missing_provider']} | {run['mismatched']} | {run['repaired']} | {run['lines']} |"
        )
    print(f"  a third run with the queries captured: {rc['queries']} SQL queries, {rc['captured_seconds']:.2f} s")

    if trouble:
        print(f"gunicorn log: {len(trouble)} suspicious lines, e.g.:")
        for line in trouble[:5]:
            print(f"   {line[:300]}")
    else:
        print("gunicorn log: no error lines")

    problems = []
    if warmup["codes"] != Counter({"00": len(warm)}) or first["codes"] != Counter({"00": n}):
        problems.append(f"first delivery answered {dict(first['codes'])} (warm-up {dict(warmup['codes'])})")
    if replay["codes"] != Counter({"02": total}):
        problems.append(f"replay answered {dict(replay['codes'])}")
    if not (
        v["paid_exactly_once"] == v["obligations"] == total
        and v["settled"] == total
        and v["payments_with_one_receipt"] == total
        and v["dossier_payment_status"] == {"paid": total}
        and v["confirm_events_once"] == total
        and all(s["ok"] for s in v["series"].values())
    ):
        problems.append("verification failed")
    for run in rc["runs"]:
        if run["error"] or (run["matched"], run["missing_local"], run["missing_provider"], run["mismatched"]) != (
            total,
            0,
            0,
            0,
        ):
            problems.append(f"reconciliation {run['label']}: {run}")
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
