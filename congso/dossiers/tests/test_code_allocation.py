"""Dossier codes are gap-free and collision-free when several processes accept at once (domain §5)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from congso.dossiers.codes import format_code, parse_code

ROOT = Path(settings.BASE_DIR)
PROCESSES, DOSSIERS = 4, 60


@pytest.fixture
def isolated_database(tmp_path, django_db_blocker):
    """A database of its own, so several OS processes can share it: SQLite file or a PostgreSQL database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "congso.settings", "PYTHONPATH": str(ROOT)}
    with django_db_blocker.unblock():
        vendor = connection.vendor
        params = dict(connection.settings_dict)
    if vendor == "postgresql":
        import psycopg

        name = f"congso_codes_{uuid.uuid4().hex[:8]}"
        dsn = dict(
            host=params["HOST"] or "127.0.0.1", port=params["PORT"] or 5432, user=params["USER"], dbname="postgres"
        )
        with psycopg.connect(**dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"postgres://{dsn['user']}@{dsn['host']}:{dsn['port']}/{name}"
        yield env
        with psycopg.connect(**dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        env.pop("DATABASE_URL", None)
        env["CONGSO_VAR_DIR"] = str(tmp_path)
        yield env


def _run(env, *args, timeout=120):
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=timeout
    )


def test_it_allocates_consecutive_unique_codes_from_several_processes_at_once(isolated_database):
    env = isolated_database
    _run(env, "manage.py", "migrate", "-v0")
    worker = str(ROOT / "congso" / "dossiers" / "tests" / "concurrency_worker.py")
    _run(env, worker, "setup", str(DOSSIERS))
    go_at = time.time() + 3
    procs = [
        subprocess.Popen(
            [sys.executable, worker, "accept", str(i), str(PROCESSES), str(go_at)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    for p in procs:
        _out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err[-3000:]
    listing = _run(
        env,
        "manage.py",
        "shell",
        "-c",
        "from congso.dossiers.models import Dossier; print('\\n'.join(Dossier.objects.values_list('code', flat=True)))",
    ).stdout.split()
    codes = sorted(c for c in listing if parse_code(c))
    assert len(codes) == DOSSIERS and len(set(codes)) == DOSSIERS
    numbers = sorted(parse_code(c)[2] for c in codes)
    assert numbers == list(range(1, DOSSIERS + 1))  # no gap, no duplicate
    assert codes[0] == format_code("000.00.16.H56", parse_code(codes[0])[1], 1)
