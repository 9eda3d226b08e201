"""DVCQG outbox delivery: how fast the outbox drains to the (simulated) National Public Service Portal.

SQLite (a fresh database in a temporary CONGSO_VAR_DIR):
    .venv/bin/python bench/bench_outbox.py
PostgreSQL (the database named in the URL is DROPPED and recreated; its name must contain "bench"):
    .venv/bin/python bench/bench_outbox.py --database-url postgres://postgres@127.0.0.1:5432/congso_bench

Steps: migrate + load_demo in subprocesses, with CONGSO_PUBLIC_URL=http://127.0.0.1:<port> and no
CONGSO_DVCQG_URL, so the DVCQG simulator is mounted at /sim/dvcqg/ of the bench server and the outbox
delivers to it over real HTTP. Then:

1. backlog: N dossiers created at the desk of the Hạc Thành commune one-stop office (procedure 1.004873),
   accepted and transferred with the engine's actions in one ``manage.py shell`` process; each action
   writes its outbox rows in its own transaction (nothing is delivered yet);
2. gunicorn (congso.wsgi, sync workers, DEBUG off) on that port, serving the simulator;
3. scenario A: one delivery worker process (``manage.py shell``) calls ``outbox.deliver_due()`` until
   nothing is left to deliver — messages/s, and the HTTP round trip of each message
   (``DeliveryAttempt.duration_ms``);
4. scenario B: another N dossiers (a fresh backlog), drained by two concurrent worker processes.

After each scenario: every outbox message received by the simulator exactly once as far as it applied
it (``SimMessage`` per ``MaGoiTin``; duplicates counted), and per dossier in order (SimMessage rows in
arrival order carry SoThuTu 1..n).

Exit status: 1 if a message was lost (not delivered, or not received by the simulator), a dossier's
messages arrived out of order, the server did not start or the bench overran its hard timeout; 0 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench_dossiers as bd  # noqa: E402

ROOT = bd.ROOT
PY = bd.PY

# Create, accept and transfer N dossiers at the desk (engine actions, no HTTP): the outbox backlog.
BACKLOG_SNIPPET = """
import json, os, time
from congso.accounts.models import User
from congso.catalog.models import Procedure
from congso.dossiers import actions as A
from congso.dossiers.access import who_for
from congso.geo.models import Agency
from congso.national.models import OutboxMessage

n, serial = int(os.environ["BENCH_DOSSIERS"]), int(os.environ["BENCH_SERIAL"])
user = User.objects.get(username=os.environ["BENCH_USERNAME"])
agency = Agency.objects.get(slug=os.environ["BENCH_AGENCY"])
procedure = Procedure.objects.current().get(national_code=os.environ["BENCH_PROCEDURE"], level="commune")
who = who_for(user)
ids = []
t0 = time.perf_counter()
for i in range(n):
    applicant = A.Applicant(name="Nguyễn Văn Bench", id_number=f"0381900{(serial + i) % 100_000:05d}")
    d = A.create_dossier(
        procedure=procedure, intake_agency=agency, applicant=applicant, channel=1, source="desk", who=who
    )
    d = A.accept_dossier(d, who, {})
    d = A.perform(d, who, "transfer", {})
    assert d.state == "processing", d.state
    ids.append(d.pk)
seconds = time.perf_counter() - t0
rows = OutboxMessage.objects.filter(dossier_id__in=ids)
services = {}
for service in rows.values_list("service", flat=True):
    services[service] = services.get(service, 0) + 1
print("BENCH_BACKLOG " + json.dumps({
    "dossiers": len(ids), "lo": min(ids), "hi": max(ids), "seconds": seconds,
    "messages": rows.count(), "pending": rows.filter(status="pending").count(), "services": services,
    "outbox_total": OutboxMessage.objects.count(),
}))
"""

# One delivery worker: deliver_due() in a loop until nothing is left undelivered.
WORKER_SNIPPET = """
import json, os, time
from pathlib import Path
from django.db import connection
from congso.national import outbox
from congso.national.models import OutboxMessage, OutboxStatus

go, budget, give_up = Path(os.environ["BENCH_GO"]), float(os.environ["BENCH_BUDGET"]), float(os.environ["BENCH_GIVE_UP"])
if os.environ.get("BENCH_SHARED_SSL_CONTEXT") == "1":
    # Experiment: one SSL context for every client (httpx builds one, loading the CA bundle, per Client).
    import httpx
    from congso.national import transport

    shared = httpx.create_ssl_context()
    transport.http_client = lambda base_url, *, timeout: httpx.Client(
        base_url=base_url, timeout=timeout, follow_redirects=False, verify=shared
    )
OutboxMessage.objects.exists()  # connect before the start signal
print("BENCH_READY", flush=True)
while not go.exists():
    time.sleep(0.005)
start, cpu0 = time.time(), time.process_time()
totals, calls, idle_calls = {"delivered": 0, "failed": 0, "stale": 0}, 0, 0
while True:
    stats = outbox.deliver_due(time_budget=budget)
    calls += 1
    for k in totals:
        totals[k] += stats[k]
    if not OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).exists():
        break
    if time.time() - start > give_up:
        break
    if not stats["delivered"]:
        idle_calls += 1
        time.sleep(0.01)  # the other worker holds the heads, or a failed message is backing off
end = time.time()
print("BENCH_WORKER " + json.dumps({
    "start": start, "end": end, "cpu": time.process_time() - cpu0, "calls": calls, "idle_calls": idle_calls,
    "left": OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).count(), "vendor": connection.vendor,
    **totals,
}), flush=True)
"""

# What the simulator received for the dossiers lo..hi, against what the outbox holds for them.
VERIFY_SNIPPET = """
import json, os
from congso.national.models import DeliveryAttempt, OutboxMessage
from congso.national.simulator.models import SimMessage

lo, hi = int(os.environ["BENCH_LO"]), int(os.environ["BENCH_HI"])
out = list(
    OutboxMessage.objects.filter(dossier_id__gte=lo, dossier_id__lte=hi).values_list(
        "dossier_id", "seq", "message_id", "status", "attempts"
    )
)
owner = {m: (d, s) for d, s, m, _st, _a in out}
per_dossier_n = {}
for d, s, m, st, a in out:
    per_dossier_n[d] = per_dossier_n.get(d, 0) + 1
received = {}
duplicates = not_applied = wrong_seq = 0
for pk, mid, seq, dup, applied in SimMessage.objects.order_by("pk").values_list(
    "pk", "message_id", "seq", "duplicates", "applied"
):
    if mid not in owner:
        continue
    d, s = owner[mid]
    received.setdefault(d, []).append(seq)
    duplicates += dup
    not_applied += not applied
    wrong_seq += seq != s
seen = set(SimMessage.objects.filter(message_id__in=list(owner)).values_list("message_id", flat=True))
lost = sorted(set(owner) - seen)
out_of_order = [d for d, n in per_dossier_n.items() if received.get(d, []) != list(range(1, n + 1))]
attempts = list(
    DeliveryAttempt.objects.filter(message__dossier_id__gte=lo, message__dossier_id__lte=hi).values_list(
        "duration_ms", "ok", "stale"
    )
)
print("BENCH_VERIFY " + json.dumps({
    "messages": len(out),
    "dossiers": len(per_dossier_n),
    "status": {st: sum(1 for r in out if r[3] == st) for st in {r[3] for r in out}},
    "claims": sum(r[4] for r in out),
    "received": sum(len(v) for v in received.values()),
    "lost": len(lost), "lost_examples": lost[:5],
    "duplicates": duplicates, "not_applied": not_applied, "wrong_seq": wrong_seq,
    "out_of_order": len(out_of_order), "out_of_order_examples": out_of_order[:5],
    "attempts": len(attempts), "attempts_failed": sum(1 for a in attempts if not a[1]),
    "attempts_stale": sum(1 for a in attempts if a[2]),
    "durations_ms": [a[0] for a in attempts if a[1]],
    "sim_total": SimMessage.objects.count(), "outbox_total": OutboxMessage.objects.count(),
}))
"""


def prepare(args, tmp: Path, port: int) -> dict:
    """As bench_dossiers.prepare, without the API token, and with the simulator at the bench server."""
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "congso.settings")
    for name in ("CONGSO_DVCQG_URL", "CONGSO_DVCQG_SIMULATOR", "CONGSO_DVCQG_SYNC"):
        env.pop(name, None)  # the bundled simulator, at CONGSO_PUBLIC_URL + /sim/dvcqg
    env.update(
        CONGSO_VAR_DIR=str(tmp),
        DEBUG="0",
        PYTHONUNBUFFERED="1",
        CONGSO_PUBLIC_URL=f"http://127.0.0.1:{port}",
        BENCH_USERNAME=bd.USERNAME,
        BENCH_AGENCY=bd.AGENCY_SLUG,
        BENCH_PROCEDURE=bd.NATIONAL_CODE,
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


def backlog(env: dict, n: int, serial: int) -> dict:
    out = bd.run_manage({**env, "BENCH_DOSSIERS": str(n), "BENCH_SERIAL": str(serial)}, "shell", "-c", BACKLOG_SNIPPET)
    info = bd.marked(out, "BENCH_BACKLOG")
    services = ", ".join(f"{k} {v}" for k, v in sorted(info["services"].items()))
    print(
        f"  backlog: {info['dossiers']} dossiers created, accepted and transferred in {info['seconds']:.1f} s; "
        f"{info['messages']} outbox messages ({info['messages'] / info['dossiers']:.2f} per dossier: {services}); "
        f"{info['pending']} pending",
        flush=True,
    )
    return info


def stop_group(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)


def drain(args, env: dict, tmp: Path, name: str, workers: int, server_pid: int, procs: list) -> dict:
    """Start ``workers`` delivery processes, release them together, wait until they stop."""
    go = tmp / f"go-{name}"
    wenv = {
        **env,
        "BENCH_GO": str(go),
        "BENCH_BUDGET": str(args.budget),
        "BENCH_GIVE_UP": str(args.give_up),
        "BENCH_SHARED_SSL_CONTEXT": "1" if args.shared_ssl_context else "0",
    }
    logs = [tmp / f"worker-{name}-{i}.log" for i in range(workers)]
    started = []
    for log_path in logs:
        log = open(log_path, "wb")  # noqa: SIM115 - closed below
        proc = subprocess.Popen(
            [PY, "manage.py", "shell", "-c", WORKER_SNIPPET],
            cwd=ROOT,
            env=wenv,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc.log = log
        procs.append(proc)
        started.append(proc)
    deadline = time.monotonic() + 60
    while not all("BENCH_READY" in p.read_text(errors="replace") for p in logs):
        if any(p.poll() is not None for p in started) or time.monotonic() > deadline:
            raise bd.BenchFailed("a delivery worker did not start:\n" + "\n".join(p.read_text()[-2000:] for p in logs))
        time.sleep(0.05)
    meter = bd.CpuMeter(server_pid)
    go.touch()
    for proc in started:
        proc.wait(timeout=args.give_up + 60)
        proc.log.close()
    cpu = meter.stop()
    results = []
    for log_path, proc in zip(logs, started, strict=True):
        text = log_path.read_text(errors="replace")
        if proc.returncode != 0:
            raise bd.BenchFailed(f"delivery worker exited with {proc.returncode}:\n{text[-3000:]}")
        results.append(bd.marked(text, "BENCH_WORKER"))
    elapsed = max(r["end"] for r in results) - min(r["start"] for r in results)
    totals = {k: sum(r[k] for r in results) for k in ("delivered", "failed", "stale", "calls", "idle_calls")}
    return {
        "workers": workers,
        "elapsed": elapsed,
        "per_worker": results,
        "worker_cpu": sum(r["cpu"] for r in results) / elapsed,
        "cpu": cpu,
        "left": max(r["left"] for r in results),
        **totals,
    }


def verify(env: dict, info: dict) -> dict:
    out = bd.run_manage(
        {**env, "BENCH_LO": str(info["lo"]), "BENCH_HI": str(info["hi"])}, "shell", "-c", VERIFY_SNIPPET
    )
    return bd.marked(out, "BENCH_VERIFY")


ACCESS = re.compile(r'"POST /sim/dvcqg/api[^"]*" (\d{3}) ')
TROUBLE = re.compile(r"Traceback|\bERROR\b|CRITICAL|WORKER TIMEOUT|Exception", re.IGNORECASE)


def scan_log(text: str) -> tuple[Counter, list[str]]:
    statuses = Counter(ACCESS.findall(text))
    trouble = [line for line in text.splitlines() if TROUBLE.search(line) and "/sim/dvcqg/api" not in line]
    return statuses, trouble


def run_scenario(args, env, tmp, label, workers, info, server, procs) -> dict:
    log_path = tmp / "gunicorn.log"
    offset = log_path.stat().st_size
    print(f"{label}: {info['messages']} messages, {workers} delivery worker(s) …", flush=True)
    result = drain(args, env, tmp, label[0], workers, server.pid, procs)
    result["verify"] = verify(env, info)
    with open(log_path, "rb") as fh:
        fh.seek(offset)
        result["log_statuses"], result["log_trouble"] = scan_log(fh.read().decode(errors="replace"))
    v = result["verify"]
    rate = result["delivered"] / result["elapsed"] if result["elapsed"] else float("nan")
    print(
        f"  {result['delivered']} delivered in {result['elapsed']:.2f} s = {rate:.1f} messages/s; "
        f"failed {result['failed']}, stale {result['stale']}, left {result['left']}; "
        f"simulator received {v['received']} of {v['messages']}, lost {v['lost']}, duplicates {v['duplicates']}, "
        f"out of order {v['out_of_order']}; HTTP statuses {dict(result['log_statuses'])}",
        flush=True,
    )
    return result


def fmt_ms(samples: list) -> str:
    return f"{bd.pct(samples, 50):.0f} / {bd.pct(samples, 95):.0f} / {bd.pct(samples, 99):.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (dropped and recreated); SQLite if unset")
    parser.add_argument("--dossiers", type=int, default=300, help="dossiers per backlog (default 300)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers serving the simulator (2)")
    parser.add_argument("--budget", type=float, default=8.0, help="time_budget of each deliver_due() call (8 s)")
    parser.add_argument("--give-up", type=float, default=240, help="a delivery worker stops after this (240 s)")
    parser.add_argument(
        "--shared-ssl-context",
        action="store_true",
        help="experiment: the delivery workers build every httpx client with one shared SSL context",
    )
    parser.add_argument("--timeout", type=int, default=900, help="hard timeout of the whole run, seconds (900)")
    args = parser.parse_args()

    def on_alarm(signum, frame):
        raise bd.BenchTimeout(f"hard timeout of {args.timeout} s reached")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(args.timeout)
    server = None
    procs: list[subprocess.Popen] = []
    info = bd.machine()
    info["loadavg"] = os.getloadavg()[0]
    results = {}
    with tempfile.TemporaryDirectory(prefix="congso-bench-outbox-") as tmpdir:
        tmp = Path(tmpdir)
        try:
            port = bd.free_port()
            env = prepare(args, tmp, port)
            info["database"] = bd.database_label(args.database_url)
            serial = int(time.time()) % 50_000
            backlog_a = backlog(env, args.dossiers, serial)
            server = bd.start_server(env, port, args.workers, tmp / "gunicorn.log")
            bd.wait_ready(server, port, tmp / "gunicorn.log")
            print(f"gunicorn: 127.0.0.1:{port}, {args.workers} sync workers; simulator at /sim/dvcqg/", flush=True)
            results["A"] = run_scenario(args, env, tmp, "A. one worker", 1, backlog_a, server, procs)
            backlog_b = backlog(env, args.dossiers, serial + args.dossiers)
            results["B"] = run_scenario(args, env, tmp, "B. two workers", 2, backlog_b, server, procs)
            _statuses, trouble = scan_log((tmp / "gunicorn.log").read_text(errors="replace"))
        except (bd.ServerFailed, bd.BenchTimeout, bd.BenchFailed, subprocess.TimeoutExpired) as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            log = tmp / "gunicorn.log"
            if log.exists():
                sys.stderr.write(log.read_text(errors="replace")[-3000:])
            return 1
        finally:
            signal.alarm(0)
            for proc in procs:
                stop_group(proc)
            bd.stop_server(server)

    print()
    print(f"date: {dt.date.today()}; machine: {info['nproc']} cores, {info['cpu']}; Python {info['python']}")
    print(f"database: {info['database']}; load average (1 min) before the run: {info['loadavg']:.2f}")
    print(
        f"server: gunicorn congso.wsgi, {args.workers} sync workers, DEBUG off, DVCQG simulator at /sim/dvcqg/ of the "
        f"same server; backlog {args.dossiers} dossiers per scenario (desk: create, accept, transfer); "
        f"delivery: manage.py shell looping outbox.deliver_due(time_budget={args.budget:g})"
        + ("; EXPERIMENT: one shared SSL context for the httpx clients" if args.shared_ssl_context else "")
    )
    print()
    print(
        "| scenario | messages | drained in | messages/s | round trip p50 / p95 / p99 ms | wall ms per message per worker "
        "| delivery worker CPU (cores) | duplicates | lost | out of order |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    failed = False
    for key, r in results.items():
        v = r["verify"]
        rate = r["delivered"] / r["elapsed"]
        per_message = r["elapsed"] * r["workers"] / max(1, r["delivered"]) * 1000
        print(
            f"| {key}. {r['workers']} worker{'s' if r['workers'] > 1 else ''} | {v['messages']} | {r['elapsed']:.1f} s "
            f"| {rate:.1f} | {fmt_ms(v['durations_ms'])} | {per_message:.1f} | {r['worker_cpu']:.2f} "
            f"| {v['duplicates']} | {v['lost']} | {v['out_of_order']} |"
        )
        failed |= bool(v["lost"] or v["out_of_order"] or v["wrong_seq"] or r["left"])
    print()
    for key, r in results.items():
        v = r["verify"]
        print(
            f"{key}: CPU in cores during the drain: {r['cpu']} (delivery workers are in 'other'); "
            f"deliver_due calls {r['calls']} ({r['idle_calls']} without progress); claims {v['claims']}, "
            f"attempts {v['attempts']} (failed {v['attempts_failed']}, stale {v['attempts_stale']}); "
            f"simulator: received {v['received']}, not applied (older than applied) {v['not_applied']}, "
            f"SoThuTu mismatches {v['wrong_seq']}; outbox status {v['status']}; "
            f"POST /sim/dvcqg/api statuses {dict(r['log_statuses'])}"
        )
        mean_rt = sum(v["durations_ms"]) / max(1, len(v["durations_ms"]))
        print(f"   mean round trip {mean_rt:.1f} ms")
        for example in v["lost_examples"] + v["out_of_order_examples"]:
            print(f"   e.g. {example}")
    print(f"totals: outbox {results['B']['verify']['outbox_total']}, simulator {results['B']['verify']['sim_total']}")
    if trouble:
        print(f"gunicorn log: {len(trouble)} suspicious lines, e.g.:")
        for line in trouble[:5]:
            print(f"   {line[:300]}")
    else:
        print("gunicorn log: no error lines")
    if failed:
        print("FAILED: messages lost, left undelivered or out of order", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
