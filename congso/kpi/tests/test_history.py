"""The history generator (``congso.kpi.history``, ``manage.py generate_history``): what it writes is what
``rebuild_kpi`` recomputes, it is deterministic, idempotent, and has the mix issue 9 asks for."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from congso.dossiers.codes import CODE_RE
from congso.dossiers.history import verify_dossier
from congso.dossiers.models import Dossier, DossierEvent
from congso.feedback.models import Rating
from congso.kpi import history, rebuild
from congso.kpi.models import Cell, DossierFact
from congso.national.models import SyncState

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)
END = dt.date(2026, 10, 1)


def generated():
    return Dossier.objects.filter(form_data__has_key=history.MARKER)


def signature() -> list[tuple]:
    rows = generated().order_by("pk").values_list(
        "code", "procedure_id", "competent_agency_id", "intake_agency_id", "state", "channel", "submitted_at",
        "accepted_at", "ended_at", "supplement_count", "outcome", "applicant_name", "applicant_id_number",
    )  # fmt: skip
    return list(rows)


def cell_sums() -> list[tuple]:
    return sorted(
        Cell.objects.values_list("month", "agency_id", "unit_id", "procedure_id", "channel", "received", "ended")
    )


class Rollback(Exception):
    pass


def generate_and_read(seed: int, n: int = 150) -> tuple[list, list]:
    try:
        with transaction.atomic():
            history.generate(n, 2, seed=seed, end_month=END, now=NOW)
            out = signature(), cell_sums()
            raise Rollback
    except Rollback:
        return out


def test_rebuild_finds_no_difference_and_the_rows_are_valid():
    result = history.generate(300, 2, seed=11, end_month=END, now=NOW)
    assert result.dossiers == 300 and not result.skipped
    assert result.first_month == dt.date(2024, 11, 1) and result.last_month == END
    report = rebuild.check()
    assert report.clean, (report.cell_diffs[:3], report.recomputation.facts_wrong[:3])
    assert report.recomputation.counted == 300
    assert DossierFact.objects.count() == 300

    dossiers = list(generated())
    assert len(dossiers) == 300
    assert {d.state for d in dossiers} <= {"returned", "refused", "withdrawn"}  # ended: no work queue grows
    for d in dossiers:
        assert d.submitted_at or d.accepted_at
        assert (d.ended_at or d.returned_at) <= NOW
        if d.accepted_at is not None:
            assert CODE_RE.match(d.code), d.code
            assert d.due_at > d.accepted_at
        else:  # refused online at intake: never got a code (codes are given on acceptance)
            assert d.code is None and d.state == "refused" and d.channel == 2
    assert len({d.code for d in dossiers if d.code}) == sum(1 for d in dossiers if d.code)
    # The hash chains verify like the engine's own.
    for d in dossiers[:40]:
        events = list(DossierEvent.objects.filter(dossier=d).order_by("seq"))
        assert len(events) == d.event_count >= 2
        assert verify_dossier(d, events) is None
    # Months: nothing after the end month was received.
    assert max(d.submitted_at or d.accepted_at for d in dossiers) < dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def test_units_before_and_after_the_reform():
    history.generate(600, 2, seed=5, end_month=END, now=NOW)
    kinds = Counter()
    for d in generated().select_related("competent_agency", "procedure"):
        day = (d.accepted_at or d.submitted_at).date()
        if d.procedure.level == "commune":
            kind = d.competent_agency.kind
            kinds[(day >= history.REFORM, kind)] += 1
            if day >= dt.date(2025, 7, 2):
                assert kind == "commune_pc"
            elif day < dt.date(2025, 6, 30):
                assert kind == "district_pc"  # the former district People's Committees
        else:
            assert d.competent_agency.kind == "department"
    assert kinds[(False, "district_pc")] > 0 and kinds[(True, "commune_pc")] > 0
    assert rebuild.check().clean


def test_deterministic_with_a_seed():
    first = generate_and_read(3)
    again = generate_and_read(3)
    other = generate_and_read(4)
    assert first == again
    assert len(first[0]) == 150
    assert first[0] != other[0]


def test_idempotent_unless_forced():
    history.generate(120, 1, seed=1, end_month=END, now=NOW)
    assert history.exists()
    out = io.StringIO()
    call_command("generate_history", "--dossiers", "120", "--years", "1", stdout=out)
    assert "bỏ qua" in out.getvalue()
    assert generated().count() == 120
    # --force adds another history; codes continue after the day counters, summaries stay exact.
    out = io.StringIO()
    call_command(
        "generate_history", "--dossiers", "80", "--years", "1", "--end-month", "2026-10", "--force", stdout=out
    )
    assert "Đã sinh 80 hồ sơ" in out.getvalue()
    assert generated().count() == 200
    assert rebuild.check().clean


def test_bad_input_is_refused_in_vietnamese():
    with pytest.raises(CommandError, match="Số hồ sơ phải từ 1"):
        call_command("generate_history", "--dossiers", "0")
    with pytest.raises(CommandError, match="Tháng cuối phải có dạng YYYY-MM"):
        call_command("generate_history", "--end-month", "10/2026")
    with pytest.raises(CommandError, match="Số năm phải từ 1 đến 10"):
        call_command("generate_history", "--years", "40")
    assert not history.exists()


def test_the_mix_is_realistic():
    history.generate(3000, 2, seed=21, end_month=END, now=NOW)
    rows = list(
        generated().values(
            "state",
            "channel",
            "supplement_count",
            "outcome",
            "procedure__level",
            "procedure_id",
            "submitted_at",
            "accepted_at",
            "payment_status",
        )
    )
    n = len(rows)
    share = lambda pred: sum(1 for r in rows if pred(r)) / n  # noqa: E731
    assert share(lambda r: r["procedure__level"] == "commune") > 0.6  # commune procedures dominate
    top = Counter(r["procedure_id"] for r in rows).most_common(5)
    assert sum(c for _p, c in top) / n > 0.3  # skewed popularity
    assert 0.05 <= share(lambda r: r["supplement_count"] >= 1) <= 0.11
    assert 0.005 <= share(lambda r: r["supplement_count"] >= 2) <= 0.025
    assert 0.01 <= share(lambda r: r["outcome"] == "late") <= 0.08
    assert 0.005 <= share(lambda r: r["state"] == "withdrawn") <= 0.03
    assert share(lambda r: r["state"] == "refused") > 0
    # Online share rises: first year below the last; among procedures offered online (as the portal offers
    # them), 40–75 % recently.
    from congso.catalog.models import Procedure

    offered = {p.pk for p in Procedure.objects.filter(valid_to__isnull=True) if p.offered_online}
    recent = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    old = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    when = lambda r: r["submitted_at"] or r["accepted_at"]  # noqa: E731
    rec = [r for r in rows if when(r) >= recent and r["procedure_id"] in offered]
    early = [r for r in rows if when(r) < old and r["procedure_id"] in offered]
    if rec and early:
        rec_share = sum(r["channel"] == 2 for r in rec) / len(rec)
        early_share = sum(r["channel"] == 2 for r in early) / len(early)
        assert rec_share > early_share
        assert 0.4 <= rec_share <= 0.75
    # Ratings, DVCQG acknowledgements, payments: present, in plausible proportions.
    returned = sum(1 for r in rows if r["state"] == "returned")
    assert 0.1 <= Rating.objects.filter(dossier__in=generated()).count() / returned <= 0.26
    assert SyncState.objects.filter(dossier__in=generated(), acknowledged_at__isnull=False).count() / n > 0.85
    # Indicators over the last year through the engine's own reader.
    from congso.kpi import selectors

    out = selectors.indicators(
        selectors.parse_period("2025-11..2026-10"), by="agency", scope=selectors.Scope(everything=True)
    )
    rates = out["total"]["rates"]
    percent = lambda name: float(getattr(rates[name], "rate", None) or rates[name]["rate"])  # noqa: E731
    assert 92 <= percent("on_time") <= 99.5
    assert 10 <= percent("online_payment") <= 80
    assert 60 <= percent("digitisation") <= 100


@pytest.mark.flushes_db
@pytest.mark.django_db(transaction=True)
def test_rebuild_in_parallel_processes_gives_the_same_sums():
    """``rebuild_kpi --jobs 2``: two processes read halves of the primary keys; their merged sums are the single
    process's. Forked workers need committed data in a database they can open: on the tests' in-memory SQLite
    the command falls back to one process (and says so through ``jobs``)."""
    from django.db import connection

    # Runs last, maybe after another transactional test emptied the database: the reference data first.
    call_command("load_demo", "--quiet-logins", stdout=io.StringIO())
    history.generate(300, 2, seed=5, end_month=END, now=NOW, events=False)
    one = rebuild.check()
    two = rebuild.check(jobs=2)
    assert one.clean and two.clean
    assert two.recomputation.expected == one.recomputation.expected
    assert two.recomputation.dossiers == one.recomputation.dossiers == 300
    expected_jobs = 1 if connection.vendor == "sqlite" and connection.is_in_memory_db() else 2
    assert two.recomputation.jobs == expected_jobs
    out = io.StringIO()
    call_command("rebuild_kpi", "--jobs", "2", stdout=out)
    assert "Khớp: không có chênh lệch." in out.getvalue()
