"""Dossier API throughput and latency, served the way production serves (gunicorn, sync workers).

SQLite (a fresh database in a temporary CONGSO_VAR_DIR):
    .venv/bin/python bench/bench_dossiers.py
PostgreSQL (the database named in the URL is DROPPED and recreated; its name must contain "bench"):
    .venv/bin/python bench/bench_dossiers.py --database-url postgres://postgres@127.0.0.1:5432/congso_bench

Steps: migrate + load_demo in subprocesses, an API token for the intake officer of the Hạc Thành
commune one-stop office, then gunicorn (congso.wsgi, sync workers, as scripts/serve.sh, DEBUG off,
CONGSO_BENCH_VIEWS=1) on a free 127.0.0.1 port, and load from this process (stdlib http.client, one
connection per client thread):

a. create-and-accept: POST /api/v1/dossiers/ then POST /api/v1/dossiers/{id}/actions/accept, closed loop;
b. public lookup: GET /api/v1/lookup/ of the codes created in (a), open loop at a fixed offered rate
   (latency counted from the scheduled send time, so a stall is not hidden by coordinated omission);
c. reference ceiling: POST /_bench/insert (congso/core/bench_views.py, one INSERT), closed loop.

Exit status: 1 if the server did not start, the bench overran its hard timeout, or more than 1 % of the
requests failed (non-2xx or connection errors); 0 otherwise (missed targets are reported, not failed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import json
import math
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
AGENCY_SLUG = "ttpvhcc-xa-14797"
USERNAME = "tiepnhan.hacthanh"
NATIONAL_CODE = "1.004873"

# Targets from issue 3.
TARGET_DOSSIERS_PER_S = 150
TARGET_PAIR_P95_MS = 100
TARGET_SHARE_OF_INSERT = 0.10
TARGET_LOOKUP_P99_MS = 20

SETUP_SNIPPET = f"""
import json
from congso.accounts.actions import create_api_token
from congso.accounts.models import User
from congso.catalog.models import Procedure
from congso.geo.models import Agency
user = User.objects.get(username={USERNAME!r})
agency = Agency.objects.get(slug={AGENCY_SLUG!r})
procedure = Procedure.objects.current().get(national_code={NATIONAL_CODE!r}, level="commune")
token, secret = create_api_token(user, agency, "bench_dossiers")
print("BENCH_SETUP " + json.dumps({{"secret": secret, "agency_id": agency.pk, "procedure_id": procedure.pk}}))
"""


class BenchTimeout(Exception):
    pass


class ServerFailed(Exception):
    pass


# ---- preparation -----------------------------------------------------------------------------------
class BenchFailed(Exception):
    """A bench could not measure what it set out to (its setup or its checks failed)."""


def marked(out: str, marker: str) -> dict:
    """The JSON a child process printed after ``marker`` (one line)."""
    line = next((x for x in out.splitlines() if x.startswith(marker + " ")), None)
    if line is None:
        raise BenchFailed(f"no {marker} line in:\n{out[-2000:]}")
    return json.loads(line.removeprefix(marker + " "))


def run_manage(env: dict, *args: str, timeout: float = 180) -> str:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise ServerFailed(f"manage.py {args[0]} failed ({proc.returncode})")
    print(f"  manage.py {' '.join(args[:1])}: {time.perf_counter() - t0:.1f} s", flush=True)
    return proc.stdout


def _pg_connect(url: str, dbname: str):
    import psycopg

    u = urlparse(url)
    return psycopg.connect(
        host=u.hostname or "127.0.0.1",
        port=u.port or 5432,
        user=u.username or "postgres",
        password=u.password or None,
        dbname=dbname,
        autocommit=True,
    )


def recreate_pg(url: str) -> None:
    from psycopg import sql

    dbname = urlparse(url).path.lstrip("/")
    if "bench" not in dbname:
        raise SystemExit(f"refusing to drop database {dbname!r}: its name must contain 'bench'")
    with _pg_connect(url, "postgres") as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))


def database_label(url: str | None) -> str:
    if not url:
        return f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=FULL)"
    with _pg_connect(url, urlparse(url).path.lstrip("/")) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    return f"PostgreSQL {version.split()[0]} on {urlparse(url).hostname}"


def prepare(args, tmp: Path) -> tuple[dict, dict]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "congso.settings")  # another module only for experiments
    env.update(
        CONGSO_VAR_DIR=str(tmp),
        DEBUG="0",
        CONGSO_BENCH_VIEWS="1",
        PYTHONUNBUFFERED="1",
    )
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
        recreate_pg(args.database_url)
    else:
        env.pop("DATABASE_URL", None)
    print(f"preparing a fresh database in {tmp} …", flush=True)
    run_manage(env, "migrate", "--noinput", "-v0")
    run_manage(env, "load_demo", "--quiet-logins")
    out = run_manage(env, "shell", "-c", SETUP_SNIPPET)
    line = next(x for x in out.splitlines() if x.startswith("BENCH_SETUP "))
    return env, json.loads(line.removeprefix("BENCH_SETUP "))


# ---- server ------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, port: int, workers: int, log_path: Path) -> subprocess.Popen:
    """Launch gunicorn in its own session (process group), so that it and its workers can be stopped together."""
    # As scripts/serve.sh: gunicorn congso.wsgi:application, sync workers, access log to stdout.
    cmd = [PY, "-m", "gunicorn", "congso.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    cmd += ["--workers", str(workers), "--access-logfile", "-"]
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    proc.log = log
    return proc


def wait_ready(proc: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerFailed(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/procedures/?" + urlencode({"q": NATIONAL_CODE}))
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise ServerFailed(f"gunicorn did not answer within 30 s; see {log_path}")


def stop_server(proc: subprocess.Popen | None) -> None:
    if proc is None:
        return
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=8)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        except ProcessLookupError:
            pass
    proc.log.close()


# ---- load ----------------------------------------------------------------------------------------
class Client:
    """One client thread's connection (gunicorn's sync workers close it after each response;
    http.client then reconnects on the next request, as a browser would)."""

    def __init__(self, port: int, token: str | None = None):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        try:
            self.conn.request(method, path, body=data, headers={**self.headers, **(headers or {})})
            resp = self.conn.getresponse()
            return resp.status, resp.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            return 0, str(exc).encode()


class Tally:
    """Per-thread samples (ms) and request counts, merged after the run."""

    def __init__(self):
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.requests = 0
        self.errors = 0
        self.error_examples: list[str] = []

    def request(self, name: str, status: int, body: bytes, ms: float, measured: bool) -> bool:
        self.requests += 1
        ok = 200 <= status < 300
        if not ok:
            self.errors += 1
            if len(self.error_examples) < 3:
                self.error_examples.append(f"{name}: {status} {body[:200]!r}")
        elif measured:
            self.samples[name].append(ms)
        return ok

    def merge(self, others: list[Tally]) -> Tally:
        for o in others:
            for k, v in o.samples.items():
                self.samples[k].extend(v)
            self.requests += o.requests
            self.errors += o.errors
            self.error_examples.extend(o.error_examples[: max(0, 3 - len(self.error_examples))])
        return self


def run_threads(n: int, target, deadline: float) -> tuple[list[Tally], float]:
    tallies = [Tally() for _ in range(n)]
    threads = [threading.Thread(target=target, args=(t,), daemon=True) for t in tallies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.1, deadline - time.perf_counter()))
    return tallies, time.perf_counter()


def closed_loop(n: int, warmup: float, seconds: float, iteration) -> tuple[Tally, float]:
    """``iteration(client_state, tally, measured)`` runs back to back in n threads."""
    start = time.perf_counter()
    warm_end = start + warmup
    end = warm_end + seconds

    def worker(tally: Tally):
        state: dict = {}
        while (now := time.perf_counter()) < end:
            iteration(state, tally, now >= warm_end)

    tallies, finished = run_threads(n, worker, end + 35)
    return Tally().merge(tallies), finished - warm_end


def open_loop(n: int, warmup: float, seconds: float, rate: float, make_request) -> tuple[Tally, float]:
    """Requests scheduled at a fixed rate across n threads; latency runs from the scheduled time."""
    start = time.perf_counter() + 0.05
    warm_end = start + warmup
    total = int(rate * (warmup + seconds))
    counter = itertools.count()
    last_done = [warm_end]

    def worker(tally: Tally):
        state: dict = {}
        while (i := next(counter)) < total:
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            name, status, body = make_request(state, i)
            done = time.perf_counter()
            measured = scheduled >= warm_end
            tally.request(name, status, body, (done - scheduled) * 1000, measured)
            if measured:
                last_done[0] = max(last_done[0], done)

    tallies, _ = run_threads(n, worker, start + warmup + seconds + 35)
    return Tally().merge(tallies), last_done[0] - warm_end


# ---- scenarios ---------------------------------------------------------------------------------------
def scenario_create_accept(args, port: int, setup: dict, codes: list) -> tuple[Tally, float, int]:
    serial = itertools.count(int(time.time()) % 50_000)
    done = [0]
    lock = threading.Lock()

    def iteration(state: dict, tally: Tally, measured: bool):
        client = state.setdefault("client", Client(port, setup["secret"]))
        id_number = f"0381900{next(serial) % 100_000:05d}"
        body = {
            "procedure_id": setup["procedure_id"],
            "intake_agency_id": setup["agency_id"],
            "channel": 1,
            "applicant": {"name": "Nguyễn Văn Bench", "id_number": id_number},
        }
        t0 = time.perf_counter()
        status, data = client.call("POST", "/api/v1/dossiers/", body, {"Idempotency-Key": uuid.uuid4().hex})
        t1 = time.perf_counter()
        if not tally.request("create", status, data, (t1 - t0) * 1000, measured):
            return
        dossier_id = json.loads(data)["id"]
        status, data = client.call("POST", f"/api/v1/dossiers/{dossier_id}/actions/accept", {})
        t2 = time.perf_counter()
        if not tally.request("accept", status, data, (t2 - t1) * 1000, measured):
            return
        code = json.loads(data).get("code")
        if code:
            with lock:
                codes.append((code, id_number[-4:]))
        if measured:
            tally.samples["pair"].append((t2 - t0) * 1000)
            with lock:
                done[0] += 1

    tally, elapsed = closed_loop(args.clients, args.warmup, args.seconds, iteration)
    return tally, elapsed, done[0]


def scenario_lookup(args, port: int, codes: list) -> tuple[Tally, float]:
    def make_request(state: dict, i: int):
        client = state.setdefault("client", Client(port))
        code, last4 = codes[(i * 7919) % len(codes)]
        status, data = client.call("GET", "/api/v1/lookup/?" + urlencode({"code": code, "id_last4": last4}))
        return "lookup", status, data

    return open_loop(args.clients, args.warmup, args.seconds, args.lookup_rate, make_request)


def scenario_insert(args, port: int) -> tuple[Tally, float]:
    def iteration(state: dict, tally: Tally, measured: bool):
        client = state.setdefault("client", Client(port))
        t0 = time.perf_counter()
        status, data = client.call("POST", "/_bench/insert")
        tally.request("insert", status, data, (time.perf_counter() - t0) * 1000, measured)

    return closed_loop(args.clients, args.warmup, args.seconds, iteration)


# ---- CPU accounting ------------------------------------------------------------------------------------
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server_pid: int | None) -> tuple[float, dict]:
    """Busy CPU seconds of the machine, and CPU seconds of the client, gunicorn and postgres processes."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    values = [int(x) for x in fields[:8]]
    busy = (sum(values) - values[3] - values[4]) / CLK_TCK  # minus idle and iowait
    groups = {"client": 0.0, "gunicorn": 0.0, "postgres": 0.0}
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2 :].split()
        pgid, seconds = int(rest[2]), (int(rest[11]) + int(rest[12])) / CLK_TCK
        if int(entry.name) == me:
            groups["client"] += seconds
        elif server_pid and pgid == server_pid:
            groups["gunicorn"] += seconds
        elif comm.startswith("postgres"):
            groups["postgres"] += seconds
    return busy, groups


class CpuMeter:
    def __init__(self, server_pid: int):
        self.server_pid = server_pid
        self.t0 = time.perf_counter()
        self.start = cpu_snapshot(server_pid)

    def stop(self) -> str:
        elapsed = time.perf_counter() - self.t0
        busy, groups = cpu_snapshot(self.server_pid)
        used = {k: (groups[k] - self.start[1][k]) / elapsed for k in groups}
        used["other"] = max(0.0, (busy - self.start[0]) / elapsed - sum(used.values()))
        return ", ".join(f"{k} {v:.2f}" for k, v in used.items() if k != "postgres" or v > 0.005)


# ---- report ------------------------------------------------------------------------------------------
def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def machine() -> dict:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    return {"nproc": nproc, "cpu": cpu, "python": platform.python_version()}


def row(label: str, rate: str, samples: list[float]) -> str:
    return f"| {label} | {rate} | {pct(samples, 50):.1f} | {pct(samples, 95):.1f} | {pct(samples, 99):.1f} | {len(samples)} |"


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (dropped and recreated); SQLite if unset")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    parser.add_argument("--seconds", type=float, default=15, help="measured seconds per scenario (default 15)")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured warm-up seconds per scenario (default 2)")
    parser.add_argument("--lookup-rate", type=float, default=200, help="offered lookup rate, requests/s (default 200)")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "3")),
        help="gunicorn sync workers (default: WEB_CONCURRENCY or 3, as scripts/serve.sh)",
    )
    parser.add_argument("--timeout", type=int, default=300, help="hard timeout of the whole run, seconds")
    args = parser.parse_args()

    def on_alarm(signum, frame):
        raise BenchTimeout(f"hard timeout of {args.timeout} s reached")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(args.timeout)
    server = None
    info = machine()
    info["loadavg"] = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="congso-bench-") as tmpdir:
        tmp = Path(tmpdir)
        try:
            env, setup = prepare(args, tmp)
            info["database"] = database_label(args.database_url)
            if env["DJANGO_SETTINGS_MODULE"] != "congso.settings":
                info["database"] += f"; settings {env['DJANGO_SETTINGS_MODULE']}"
            if urlparse(args.database_url or "").query:
                info["database"] += f"; options {urlparse(args.database_url).query}"
            port = free_port()
            server = start_server(env, port, args.workers, tmp / "gunicorn.log")
            wait_ready(server, port, tmp / "gunicorn.log")
            print(f"gunicorn: 127.0.0.1:{port}, {args.workers} sync workers; {args.clients} clients", flush=True)

            codes: list = []
            print(f"a. create-and-accept: {args.warmup:g} s warm-up + {args.seconds:g} s …", flush=True)
            cpu = {}
            meter = CpuMeter(server.pid)
            ca, ca_elapsed, dossiers = scenario_create_accept(args, port, setup, codes)
            cpu["a"] = meter.stop()
            if codes:
                print(f"b. public lookup at {args.lookup_rate:g}/s over {len(codes)} codes …", flush=True)
                meter = CpuMeter(server.pid)
                lk, lk_elapsed = scenario_lookup(args, port, codes)
                cpu["b"] = meter.stop()
            else:
                lk, lk_elapsed = Tally(), 1.0
            print("c. bare one-INSERT view …", flush=True)
            meter = CpuMeter(server.pid)
            ins, ins_elapsed = scenario_insert(args, port)
            cpu["c"] = meter.stop()
        except (ServerFailed, BenchTimeout) as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            log = tmp / "gunicorn.log"
            if log.exists():
                sys.stderr.write(log.read_text(errors="replace")[-3000:])
            return 1
        finally:
            signal.alarm(0)
            stop_server(server)

    dossiers_per_s = dossiers / ca_elapsed
    create_accept_req_s = len(ca.samples["create"]) / ca_elapsed + len(ca.samples["accept"]) / ca_elapsed
    lookup_rate = len(lk.samples["lookup"]) / lk_elapsed
    insert_rate = len(ins.samples["insert"]) / ins_elapsed
    share = dossiers_per_s / insert_rate if insert_rate else float("nan")
    req_share = create_accept_req_s / insert_rate if insert_rate else float("nan")
    requests = ca.requests + lk.requests + ins.requests
    errors = ca.errors + lk.errors + ins.errors

    print()
    print(f"date: {dt.date.today()}; machine: {info['nproc']} cores, {info['cpu']}; Python {info['python']}")
    print(f"database: {info['database']}; load average (1 min) before the run: {info['loadavg']:.2f}")
    print(
        f"server: gunicorn congso.wsgi, {args.workers} sync workers, DEBUG off; load: {args.clients} client threads "
        f"(http.client) on 127.0.0.1; {args.warmup:g} s warm-up + {args.seconds:g} s per scenario"
    )
    print()
    print("| scenario | throughput | p50 ms | p95 ms | p99 ms | samples |")
    print("|---|---|---|---|---|---|")
    print(
        row(
            "a. create + accept (pair)",
            f"{dossiers_per_s:.1f} dossiers/s ({create_accept_req_s:.0f} req/s)",
            ca.samples["pair"],
        )
    )
    print(row("   POST /api/v1/dossiers/", "", ca.samples["create"]))
    print(row("   POST …/actions/accept", "", ca.samples["accept"]))
    print(
        row(
            f"b. GET /api/v1/lookup/ (offered {args.lookup_rate:g}/s, open loop)",
            f"{lookup_rate:.1f} req/s",
            lk.samples["lookup"],
        )
    )
    print(row("c. bare one-INSERT view", f"{insert_rate:.0f} req/s", ins.samples["insert"]))
    print()
    print(f"CPU used, in cores (of {info['nproc']}; 'other' = the rest of the machine — should be ≈ 0):")
    for key, text in cpu.items():
        print(f"  {key}. {text}")
    print(f"create-and-accept ÷ bare INSERT: {share:.1%} in dossiers/s; {req_share:.1%} in requests/s")
    print(f"requests: {requests}; errors (non-2xx or connection): {errors} ({errors / max(1, requests):.2%})")
    for example in (ca.error_examples + lk.error_examples + ins.error_examples)[:5]:
        print(f"  e.g. {example}")
    print()
    pair_p95 = pct(ca.samples["pair"], 95)
    lookup_p99 = pct(lk.samples["lookup"], 99)
    print("targets (issue 3):")
    print(
        f"  create-and-accept ≥ {TARGET_DOSSIERS_PER_S} dossiers/s: {dossiers_per_s:.1f} — "
        f"{verdict(dossiers_per_s >= TARGET_DOSSIERS_PER_S)}"
    )
    print(f"  pair p95 < {TARGET_PAIR_P95_MS} ms: {pair_p95:.1f} ms — {verdict(pair_p95 < TARGET_PAIR_P95_MS)}")
    print(
        f"  ≥ {TARGET_SHARE_OF_INSERT:.0%} of the bare one-INSERT view: {share:.1%} — "
        f"{verdict(share >= TARGET_SHARE_OF_INSERT)}"
    )
    print(
        f"  lookup p99 ≤ {TARGET_LOOKUP_P99_MS} ms at {args.lookup_rate:g}/s: {lookup_p99:.1f} ms at "
        f"{lookup_rate:.1f}/s — {verdict(lookup_p99 <= TARGET_LOOKUP_P99_MS and lookup_rate >= 0.98 * args.lookup_rate)}"
    )
    if errors > 0.01 * requests:
        print("FAILED: more than 1 % of the requests failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
