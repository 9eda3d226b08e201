"""Recompute every dossier's contribution from the data and compare with the maintained summaries.

Used by ``manage.py rebuild_kpi`` and by the tests (the same function). Streaming: dossiers are read in
primary-key chunks (two queries each, ``kpi.snapshots.load_chunk``), the maintained cells once with an
iterator; the expected totals are kept as fixed-order integer lists per cell.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, OuterRef

from congso.kpi import actions, facts, snapshots
from congso.kpi.models import Cell, DossierFact, Rollup

CHUNK = 2000


@dataclass(frozen=True)
class CellDiff:
    """One cell whose maintained counters differ from the recomputed ones (a missing cell is all zeros)."""

    key: facts.CellKey
    maintained: list[int]
    recomputed: list[int]

    def counters(self):
        """(counter, maintained, recomputed) for each counter that differs."""
        for i, name in enumerate(facts.COUNTERS):
            if self.maintained[i] != self.recomputed[i]:
                yield name, self.maintained[i], self.recomputed[i]


@dataclass(frozen=True)
class RollupDiff(CellDiff):
    """One month-level rollup row whose maintained counters differ from the sum of the recomputed cells."""

    key: facts.RollupKey


@dataclass
class Recomputation:
    expected: dict[facts.CellKey, list[int]] = field(default_factory=dict)
    # (dossier id, stored cells or None, recomputed cells) for every dossier whose DossierFact is wrong
    facts_wrong: list[tuple[int, facts.Contribution | None, facts.Contribution]] = field(default_factory=list)
    dossiers: int = 0
    counted: int = 0
    seconds: float = 0.0
    jobs: int = 1  # processes that read the dossiers


@dataclass
class Report:
    recomputation: Recomputation
    cell_diffs: list[CellDiff]
    orphan_facts: list[int]  # DossierFacts of dossiers that no longer exist
    rollup_diffs: list[RollupDiff] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def values_wrong(self) -> int:
        return sum(1 for d in self.cell_diffs for _c in d.counters())

    @property
    def rollup_values_wrong(self) -> int:
        return sum(1 for d in self.rollup_diffs for _c in d.counters())

    @property
    def clean(self) -> bool:
        return not (self.cell_diffs or self.recomputation.facts_wrong or self.orphan_facts or self.rollup_diffs)


@contextmanager
def _no_jit():
    """PostgreSQL would JIT-compile each chunk query (its subqueries look expensive to the planner): ~1.5 s of
    compilation for ~0.1 s of work. Off for this session while recomputing."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")


def recompute(chunk: int = CHUNK, progress: Callable[[int], None] | None = None, jobs: int = 1) -> Recomputation:
    """Every dossier's contribution recomputed and summed. ``jobs`` > 1 splits the primary keys into that many
    ranges, each read and computed by a process of its own (reads only; SQLite's WAL and PostgreSQL both let
    them run side by side), and merges their sums."""
    from django.db import connection

    # Workers need committed data in a database of their own connection: not inside a transaction (a test's),
    # not SQLite in memory (the tests' database).
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if jobs > 1 and not connection.in_atomic_block and not in_memory:
        return _recompute_parallel(chunk, jobs)
    with _no_jit():
        return _recompute(chunk, progress)


def _recompute(chunk: int, progress: Callable[[int], None] | None, lo: int = 0, hi: int | None = None) -> Recomputation:
    started = time.monotonic()
    out = Recomputation()
    after = lo
    while True:
        loaded = snapshots.load_chunk(after, chunk, hi)
        if not loaded:
            break
        for item in loaded:
            contrib = facts.contribution(item.snapshot)
            facts.accumulate(out.expected, contrib)
            if contrib:
                out.counted += 1
            stored = item.stored
            if (stored or {}) != contrib or (stored is not None and not contrib):
                out.facts_wrong.append((item.snapshot.dossier_id, stored, contrib))
        out.dossiers += len(loaded)
        after = loaded[-1].snapshot.dossier_id
        if progress:
            progress(out.dossiers)
    out.seconds = time.monotonic() - started
    return out


def _recompute_range(chunk: int, lo: int, hi: int) -> Recomputation:
    """One worker's share (in a process of its own: it opens its own database connection)."""
    with _no_jit():
        return _recompute(chunk, None, lo, hi)


def _recompute_parallel(chunk: int, jobs: int) -> Recomputation:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from django.db import connections
    from django.db.models import Max, Min

    from congso.dossiers.models import Dossier

    started = time.monotonic()
    bounds = Dossier.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return Recomputation(seconds=time.monotonic() - started)
    first, last = bounds["lo"] - 1, bounds["hi"]
    step = -(-(last - first) // jobs)
    ranges = [(first + i * step, min(last, first + (i + 1) * step)) for i in range(jobs)]
    connections.close_all()  # each forked worker opens its own connection; none is shared across processes
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        parts = list(pool.map(_recompute_range, [chunk] * jobs, [lo for lo, _ in ranges], [hi for _, hi in ranges]))
    out = Recomputation(jobs=jobs)
    width = len(facts.COUNTERS)
    for part in parts:
        for key, row in part.expected.items():
            acc = out.expected.get(key)
            if acc is None:
                out.expected[key] = row
            else:
                for i in range(width):
                    acc[i] += row[i]
        out.facts_wrong.extend(part.facts_wrong)
        out.dossiers += part.dossiers
        out.counted += part.counted
    out.seconds = time.monotonic() - started
    return out


def maintained_cells(batch: int = 5000):
    """Every maintained cell as (key, counters list), streamed."""
    columns = ["month", "agency_id", "unit_id", "procedure_id", "channel", *facts.COUNTERS]
    for row in Cell.objects.order_by().values_list(*columns).iterator(chunk_size=batch):
        yield facts.CellKey(*row[:5]), list(row[5:])


def compare(expected: dict[facts.CellKey, list[int]]) -> list[CellDiff]:
    """Every cell whose maintained counters differ from the recomputed ones, in key order."""
    return _differences(maintained_cells(), expected, CellDiff)


def _differences(maintained, expected: dict, make) -> list:
    """``make(key, maintained, recomputed)`` for every row that differs (a missing row is all zeros), by key."""
    diffs = []
    seen = set()
    zero = [0] * len(facts.COUNTERS)
    for key, row in maintained:
        seen.add(key)
        want = expected.get(key, zero)
        if row != want:
            diffs.append(make(key, row, list(want)))
    for key, want in expected.items():
        if key not in seen and any(want):
            diffs.append(make(key, list(zero), list(want)))
    diffs.sort(key=lambda d: d.key)
    return diffs


def maintained_rollup(batch: int = 5000):
    """Every maintained rollup row as (key, counters list), streamed."""
    columns = ["dimension", "month", "key", *facts.COUNTERS]
    for row in Rollup.objects.order_by().values_list(*columns).iterator(chunk_size=batch):
        yield facts.RollupKey(*row[:3]), list(row[3:])


def compare_rollup(expected: dict[facts.CellKey, list[int]]) -> list[RollupDiff]:
    """Every rollup row that differs from the sums of the recomputed cells, in key order."""
    return _differences(maintained_rollup(), facts.rolled_up_rows(expected), RollupDiff)


def orphan_facts() -> list[int]:
    from congso.dossiers.models import Dossier

    # NOT EXISTS, not NOT IN: PostgreSQL plans NOT IN (subquery) as a scan of the subquery per row once it no
    # longer fits in work_mem (measured: over 17 minutes at a million dossiers); NOT EXISTS is an anti-join.
    return list(
        DossierFact.objects.filter(~Exists(Dossier.objects.filter(pk=OuterRef("dossier_id")))).values_list(
            "dossier_id", flat=True
        )
    )


def check(chunk: int = CHUNK, progress: Callable[[int], None] | None = None, jobs: int = 1) -> Report:
    started = time.monotonic()
    recomputation = recompute(chunk, progress, jobs)
    report = Report(
        recomputation,
        compare(recomputation.expected),
        orphan_facts(),
        rollup_diffs=compare_rollup(recomputation.expected),
    )
    report.seconds = time.monotonic() - started
    return report


def fix(report: Report, batch: int = 500) -> None:
    """Make the maintained tables equal the recomputation, in small transactions (SQLite's write lock is held
    for one batch at a time). Cells get additive corrections (recomputed − maintained), so a change committed
    by an action meanwhile is not lost; run it again to confirm (it then reports nothing)."""
    wrong = report.recomputation.facts_wrong
    for i in range(0, len(wrong), batch):
        actions.store_facts([(pk, contrib) for pk, _stored, contrib in wrong[i : i + batch]])
    orphans = report.orphan_facts
    for i in range(0, len(orphans), batch):
        actions.delete_facts_of(orphans[i : i + batch])
    diffs = report.cell_diffs
    for i in range(0, len(diffs), batch):
        actions.correct_cells({d.key: {name: r - m for name, m, r in d.counters()} for d in diffs[i : i + batch]})
    rollup = report.rollup_diffs
    for i in range(0, len(rollup), batch):
        actions.correct_rollup({d.key: {name: r - m for name, m, r in d.counters()} for d in rollup[i : i + batch]})
    actions.prune_empty_cells()
