"""The month-level rollup (``kpi.Rollup``): every read it answers gives exactly what the cells give, and the
province-wide reads use it (a few hundred rows a month instead of every cell)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from congso.geo.models import Agency
from congso.kpi import actions, facts, history, rebuild, selectors
from congso.kpi.models import Cell, Rollup

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)
END = dt.date(2026, 10, 1)


@pytest.fixture
def history_of_two_years():
    history.generate(400, 2, seed=7, end_month=END, now=NOW, events=False)


def from_cells(monkeypatch, period, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(selectors, "_rollup_plan", lambda *a, **k: None)
        return selectors.indicators(period, **kwargs)


def test_every_read_equals_the_cells(history_of_two_years, monkeypatch):
    everything = selectors.Scope(everything=True)
    busiest = list(Cell.objects.values_list("agency_id", "unit_id", "procedure_id").order_by("-received")[:1])[0]
    agency, unit, procedure = busiest
    department = Agency.objects.filter(kind="department", valid_to__isnull=True).order_by("pk").first()
    scopes = {
        "province": everything,
        "department": selectors.Scope(agency_ids=frozenset({department.pk}), beyond_communes=True),
        "commune": selectors.Scope(agency_ids=frozenset({agency}), unit_ids=frozenset({unit})),
    }
    filters = [{}, {"agency": agency}, {"commune": unit}, {"procedure": procedure}, {"agency": agency, "commune": unit}]
    periods = [selectors.parse_period(p) for p in ("2026-10", "2026-Q3", "2025", "2024-11..2026-10")]
    used = 0
    for (name, scope), flt, by, rollup, period in itertools.product(
        scopes.items(), filters, selectors.GROUPS, (False, True), periods
    ):
        if name != "province" and flt.get("agency", agency) != agency:
            continue
        want = from_cells(monkeypatch, period, by=by, scope=scope, rollup=rollup, **flt)
        got = selectors.indicators(period, by=by, scope=scope, rollup=rollup, **flt)
        assert got == want, (name, flt, by, rollup, period)
        used += selectors._rollup_plan(by, scope, rollup=rollup, **flt) is not None
    assert used > 50  # the rollup answered many of them


def test_province_reads_and_a_units_trend_read_the_rollup(history_of_two_years):
    everything = selectors.Scope(everything=True)
    month = selectors.parse_period("2026-10")
    agency = Cell.objects.values_list("agency_id", flat=True).order_by("-received").first()
    reads = [
        dict(period=month, by="agency", scope=everything),
        dict(period=month, by="commune", scope=everything),
        dict(period=month, by="field", scope=everything),
        dict(period=selectors.parse_period("2025-11..2026-10"), by="month", scope=everything),
        dict(period=selectors.parse_period("2025-11..2026-10"), by="month", scope=everything, agency=agency),
    ]
    for read in reads:
        with CaptureQueriesContext(connection) as ctx:
            selectors.indicators(**read)
        tables = " ".join(q["sql"] for q in ctx.captured_queries)
        assert "kpi_rollup" in tables and "kpi_cell" not in tables, read


def test_the_rollup_follows_the_cells_and_refill_rebuilds_it(history_of_two_years):
    def expected():
        cells = {
            facts.CellKey(*row[:5]): list(row[5:])
            for row in Cell.objects.values_list(
                "month", "agency_id", "unit_id", "procedure_id", "channel", *facts.COUNTERS
            )
        }
        rows = facts.rolled_up_rows(cells)
        return {k: v for k, v in rows.items() if any(v)}

    def maintained():
        return {
            facts.RollupKey(*row[:3]): list(row[3:])
            for row in Rollup.objects.values_list("dimension", "month", "key", *facts.COUNTERS)
            if any(row[3:])
        }

    assert maintained() == expected()
    assert rebuild.check().clean
    Rollup.objects.all().delete()
    assert not rebuild.check().clean
    actions.refill_rollup()
    assert maintained() == expected()
    assert rebuild.check().clean
