"""Every change to the indicator summaries (DESIGN §4.1).

:func:`refresh_dossier` runs inside the transaction of the change it follows (a dossier action, a payment,
a rating, a complaint): it recomputes the dossier's contribution, compares it with the stored
:class:`~congso.kpi.models.DossierFact` and adds the difference to the :class:`~congso.kpi.models.Cell` s
with one ``INSERT … ON CONFLICT DO UPDATE SET c = c + excluded.c`` — correct under concurrency on
PostgreSQL (additive, row-locked by the upsert) and on SQLite (one writer). Cost: 1 query when nothing
changed, 4 when something did: the snapshot, the fact swap, the cell upsert and the rollup upsert.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

from congso.dossiers.models import Dossier
from congso.kpi import facts, snapshots
from congso.kpi.models import Cell, DossierFact, Rollup

KEY_COLUMNS = ("month", "agency_id", "unit_id", "procedure_id", "channel")
ROLLUP_COLUMNS = ("dimension", "month", "key")


class StaleFact(Exception):
    """The DossierFact changed under us (a concurrent refresh of the same dossier committed first)."""


ATTEMPTS = 5


def refresh_dossier(dossier_id: int) -> facts.Contribution:
    """Bring the summaries up to date with one dossier; returns the delta applied (empty when unchanged).

    A liên thông child is never counted: pass its root (receivers do). Call it inside the transaction of the
    change; standalone it opens its own.

    Two refreshes of one dossier may run at once on PostgreSQL (an officer's action and a payment notice):
    the fact is replaced compare-and-swap (``UPDATE … WHERE cells = <what we read>``) *before* the cells are
    touched; the loser re-reads (READ COMMITTED: it then sees the winner's commit) and computes again. No
    explicit lock is taken, so a refresh cannot deadlock with the locks of the change it follows.
    """
    with transaction.atomic(savepoint=False):
        for _attempt in range(ATTEMPTS):
            loaded = snapshots.load_one(dossier_id)
            if loaded is None:  # the dossier is gone: take back what it had added
                raw = DossierFact.objects.filter(dossier_id=dossier_id).values_list("cells", flat=True).first()
                new: facts.Contribution = {}
            else:
                raw, new = loaded.raw, facts.contribution(loaded.snapshot)
            stored = facts.decode(raw) if raw is not None else {}
            change = facts.delta(stored, new)
            if not change and (raw is None) == (not new):
                return {}
            try:
                _swap_fact(dossier_id, raw, facts.encode(new) if new else None)
            except StaleFact:
                continue
            add_to_cells(change)
            return change
    raise StaleFact(f"dossier {dossier_id}: its KPI fact kept changing during {ATTEMPTS} attempts")


def recheck_dossier(dossier_id: int) -> facts.Contribution:
    """Refresh again in a transaction of its own, after the dossier row's lock (PostgreSQL).

    Scheduled on commit by the sources that are not dossier actions (payments, ratings, complaints, DVCQG).
    Their refresh ran in their own transaction, but it could not see an officer's action on the same dossier
    committed meanwhile, nor that action see them: waiting for the dossier lock here closes that window.
    Holding nothing else, it cannot deadlock. Usually one query (nothing left to do)."""
    with transaction.atomic():
        list(Dossier.objects.select_for_update().filter(pk=dossier_id).values_list("pk", flat=True))
        return refresh_dossier(dossier_id)


def _swap_fact(dossier_id: int, old, new) -> None:
    """Replace the stored cells ``old`` (None: no row) with ``new`` (None: delete the row), or raise StaleFact."""
    table = connection.ops.quote_name(DossierFact._meta.db_table)
    prep = DossierFact._meta.get_field("cells").get_db_prep_value
    # jsonb compares by value; SQLite stores text, so compare its canonical (minified) form.
    same = "cells = %s" if connection.vendor == "postgresql" else "json(cells) = json(%s)"
    with connection.cursor() as cursor:
        if old is None:
            cursor.execute(
                f"INSERT INTO {table} (dossier_id, cells) VALUES (%s, %s) ON CONFLICT (dossier_id) DO NOTHING",
                [dossier_id, prep(new, connection)],
            )
        elif new is None:
            cursor.execute(f"DELETE FROM {table} WHERE dossier_id = %s AND {same}", [dossier_id, prep(old, connection)])
        else:
            cursor.execute(
                f"UPDATE {table} SET cells = %s WHERE dossier_id = %s AND {same}",
                [prep(new, connection), dossier_id, prep(old, connection)],
            )
        if cursor.rowcount != 1:
            raise StaleFact


def add_to_cells(change: facts.Contribution, *, rollup: bool = True) -> None:
    """Add signed counters to cells (created when missing) and, with ``rollup``, to their month-level rollup
    rows: one statement each, keys in a fixed order so that concurrent transactions lock rows in the same order
    (no deadlock between two refreshes)."""
    if not change:
        return
    add_rows(Cell, KEY_COLUMNS, [(key, facts.as_row(change[key])) for key in sorted(change)])
    if rollup:
        rows = facts.rolled_up(change)
        add_rows(Rollup, ROLLUP_COLUMNS, [(key, facts.as_row(rows[key])) for key in sorted(rows)])


def add_rows(model, key_columns, rows: list[tuple[tuple, list[int]]]) -> None:
    """``INSERT … ON CONFLICT (key) DO UPDATE SET c = c + excluded.c`` of (key, counters) rows, in one statement."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = [*key_columns, *facts.COUNTERS]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    params: list = []
    for key, counters in rows:
        params += [connection.ops.adapt_datefield_value(v) if isinstance(v, dt.date) else v for v in key]
        params += counters
    updates = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in facts.COUNTERS)
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) VALUES "
        + ", ".join([placeholders] * len(rows))
        + f" ON CONFLICT ({', '.join(qn(c) for c in key_columns)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# ---- repairs (rebuild_kpi --fix) ----------------------------------------------------------------------------------
def store_facts(items: list[tuple[int, facts.Contribution]]) -> None:
    """Replace DossierFacts with recomputed contributions (an empty one deletes the row); one transaction."""
    with transaction.atomic():
        empty = [pk for pk, contrib in items if not contrib]
        if empty:
            DossierFact.objects.filter(dossier_id__in=empty).delete()
        rows = [DossierFact(dossier_id=pk, cells=facts.encode(c)) for pk, c in items if c]
        if rows:
            DossierFact.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["dossier"], update_fields=["cells"]
            )


def correct_cells(change: facts.Contribution) -> None:
    """Add corrections (recomputed − maintained) to cells, not to the rollup (corrected on its own by
    :func:`correct_rollup`); one transaction. Additive, so a dossier change committed meanwhile is kept."""
    with transaction.atomic():
        add_to_cells(change, rollup=False)


def correct_rollup(change: dict[facts.RollupKey, facts.Counters]) -> None:
    """Add corrections (recomputed − maintained) to rollup rows; one transaction."""
    with transaction.atomic():
        add_rows(Rollup, ROLLUP_COLUMNS, [(key, facts.as_row(change[key])) for key in sorted(change)])


def delete_facts_of(dossier_ids: list[int]) -> None:
    with transaction.atomic():
        DossierFact.objects.filter(dossier_id__in=dossier_ids).delete()


def refill_rollup() -> None:
    """Replace the month-level rollup with the sums of the cells, in one transaction (three INSERT … SELECT …
    GROUP BY). For data written to the cells directly (imports, tests); the actions keep it current themselves."""
    qn = connection.ops.quote_name
    table = qn(Rollup._meta.db_table)
    sums = ", ".join(f"SUM({qn(c)})" for c in facts.COUNTERS)
    columns = ", ".join(qn(c) for c in (*ROLLUP_COLUMNS, *facts.COUNTERS))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
        for dimension, column in (("a", "agency_id"), ("u", "unit_id"), ("p", "procedure_id")):
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT %s, {qn('month')}, {qn(column)}, {sums} "
                f"FROM {qn(Cell._meta.db_table)} GROUP BY {qn('month')}, {qn(column)}",
                [dimension],
            )


def prune_empty_cells() -> int:
    """Cells whose counters are all zero (a dossier moved on) carry nothing: delete them."""
    from django.db.models import Q

    empty = Q()
    for name in facts.COUNTERS:
        empty &= Q(**{name: 0})
    with transaction.atomic():
        deleted, _ = Cell.objects.filter(empty).delete()
        rollups, _ = Rollup.objects.filter(empty).delete()
    return deleted + rollups
