"""Copy a SQLite bench database into a PostgreSQL one, every table, so that both backends are measured on the
very same generated history (issue 9 §5: 10 million dossiers) without generating it twice on a 2-core box.

    nice .venv/bin/python bench/kpi_clone_pg.py --database-url postgres://postgres@127.0.0.1:5432/congso_bench
        [--source var/bench/kpi/congso.sqlite3]

The PostgreSQL database named in the URL is DROPPED and recreated (its name must contain "bench"), migrated to
the same schema, emptied, then filled with ``COPY`` from the SQLite rows as they are (text timestamps are UTC,
booleans 0/1, JSON as text), with foreign-key triggers off (``session_replication_role = replica``) and the
secondary indexes built after the load. Identity sequences are moved past the copied ids. The source must be
migrated to the same migrations (``manage.py migrate`` with ``CONGSO_VAR_DIR`` of the source). Then measure
with ``bench/bench_kpi.py --reuse --database-url …``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dossiers import _pg_connect, recreate_pg  # noqa: E402

BATCH = 20_000


def migrate(url: str) -> None:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="congso.settings", DEBUG="0", DATABASE_URL=url)
    env["CONGSO_VAR_DIR"] = str(ROOT / "var" / "bench" / "kpi-pg")
    Path(env["CONGSO_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--source", default=str(ROOT / "var" / "bench" / "kpi" / "congso.sqlite3"))
    args = parser.parse_args()
    dbname = urlparse(args.database_url).path.lstrip("/")
    if "bench" not in dbname:
        raise SystemExit("refusing: the database name must contain 'bench'")
    started = time.perf_counter()
    src = sqlite3.connect(f"file:{args.source}?mode=ro", uri=True)
    applied = {tuple(r) for r in src.execute("SELECT app, name FROM django_migrations")}
    recreate_pg(args.database_url)
    migrate(args.database_url)
    print(f"PostgreSQL database {dbname} recreated and migrated: {time.perf_counter() - started:.0f} s", flush=True)

    with _pg_connect(args.database_url, dbname) as pg:
        pg.autocommit = False
        theirs = {tuple(r) for r in pg.execute("SELECT app, name FROM django_migrations")}
        if applied != theirs:
            raise SystemExit(f"the source is not at the same migrations: {sorted(applied ^ theirs)[:5]}")
        tables = [
            r[0]
            for r in pg.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'django_migrations' "
                "ORDER BY tablename"
            )
        ]
        pg.execute("SET TIME ZONE 'UTC'")  # SQLite holds naive UTC text
        pg.execute("SET session_replication_role = replica")  # no foreign-key triggers while loading
        pg.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables))
        indexes = pg.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ).fetchall()
        for name, _sql in indexes:
            pg.execute(f'DROP INDEX "{name}"')
        pg.commit()
        print(f"{len(tables)} tables emptied, {len(indexes)} secondary indexes dropped", flush=True)
        total = 0
        for table in tables:
            t0 = time.perf_counter()
            columns = [
                r[0]
                for r in pg.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND table_name = %s ORDER BY ordinal_position",
                    [table],
                )
            ]
            have = {r[1] for r in src.execute(f'PRAGMA table_info("{table}")')}
            if set(columns) != have:
                raise SystemExit(f"{table}: columns differ ({sorted(set(columns) ^ have)})")
            cols = ", ".join(f'"{c}"' for c in columns)
            n = 0
            cursor = src.execute(f'SELECT {cols} FROM "{table}"')
            with pg.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                while rows := cursor.fetchmany(BATCH):
                    for row in rows:
                        copy.write_row(row)
                    n += len(rows)
            if "id" in columns and _has_sequence(pg, table):
                pg.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))",
                    [table],
                )
            pg.commit()
            total += n
            if n >= 100_000:
                seconds = time.perf_counter() - t0
                print(f"  {table}: {n:,} rows in {seconds:.0f} s ({n / seconds:,.0f}/s)", flush=True)
        t0 = time.perf_counter()
        pg.execute("SET session_replication_role = DEFAULT")
        pg.execute("SET maintenance_work_mem = '1GB'")
        for _name, sql in indexes:
            pg.execute(sql)
        pg.commit()
        print(f"indexes built in {time.perf_counter() - t0:.0f} s", flush=True)
        pg.autocommit = True
        t0 = time.perf_counter()
        pg.execute("ANALYZE")
        print(f"ANALYZE: {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"copied {total:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
    return 0


def _has_sequence(pg, table: str) -> bool:
    row = pg.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table]).fetchone()
    return bool(row and row[0])


if __name__ == "__main__":
    raise SystemExit(main())
