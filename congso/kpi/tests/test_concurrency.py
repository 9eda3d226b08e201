"""Several processes accept dossiers (all into the same summary cell) while others complain about the same
dossiers and refresh them as a payment or a rating would: the cells stay exact, on SQLite and PostgreSQL."""

import subprocess
import sys
import time

from congso.dossiers.tests.test_code_allocation import ROOT, _run, isolated_database  # noqa: F401 (a fixture)

DOSSIERS = 40


def test_concurrent_actions_and_refreshes_keep_the_cells_exact(isolated_database):  # noqa: F811
    env = isolated_database
    _run(env, "manage.py", "migrate", "-v0")
    _run(env, str(ROOT / "congso" / "dossiers" / "tests" / "concurrency_worker.py"), "setup", str(DOSSIERS))
    go_at = time.time() + 3
    commands = [
        [str(ROOT / "congso" / "dossiers" / "tests" / "concurrency_worker.py"), "accept", str(i), "3", str(go_at)]
        for i in range(3)
    ]
    kpi_worker = str(ROOT / "congso" / "kpi" / "tests" / "concurrency_worker.py")
    commands += [[kpi_worker, "refresh", "0", "1", str(go_at), "3"], [kpi_worker, "complain", "0", "1", str(go_at)]]
    procs = [
        subprocess.Popen(
            [sys.executable, *c], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for c in commands
    ]
    for p in procs:
        _out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-3000:]
    report = _run(env, "manage.py", "rebuild_kpi")  # exit status 0: no difference
    assert "Khớp: không có chênh lệch." in report.stdout
    total = (
        _run(
            env,
            "manage.py",
            "shell",
            "-c",
            "from django.db.models import Sum; from congso.kpi.models import Cell; "
            "print(Cell.objects.aggregate(n=Sum('received'))['n'], Cell.objects.aggregate(n=Sum('complaints'))['n'], "
            "Cell.objects.count())",
        )
        .stdout.strip()
        .splitlines()[-1]
        .split()
    )
    assert total == [str(DOSSIERS), str(DOSSIERS), "1"]  # every dossier once, complained about, in one cell
