"""The summaries maintained by the actions equal a recomputation from scratch, whatever happened; the
``rebuild_kpi`` command finds a corrupted summary and repairs it; maintenance costs a few queries."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from congso.documents.signing import results as signing
from congso.dossiers import actions as A
from congso.dossiers.choices import State
from congso.dossiers.models import Dossier
from congso.dossiers.signals import dossier_changed
from congso.dossiers.tests.helpers import local
from congso.feedback.models import Rating
from congso.kpi import facts, rebuild, receivers
from congso.kpi.models import Cell, DossierFact, Rollup
from congso.kpi.tests import helpers as H
from congso.payments.models import Obligation

pytestmark = pytest.mark.django_db


@pytest.fixture
def quick_signatures(monkeypatch):
    """The PAdES signatures are specified elsewhere; here only that results get signed matters (and speed)."""

    def fake(data: bytes, *args, **kwargs) -> signing.Signed:
        return signing.Signed(data + b"\n% signed\n", "Người ký thử", "01", "CA thử", "B-T", "test")

    monkeypatch.setattr(signing, "sign_as_person", fake)
    monkeypatch.setattr(signing, "sign_as_agency", fake)


OPS = (
    "create_desk",
    "create_online",
    "accept",
    "supplement",
    "answer",
    "step",
    "finish",
    "return",
    "refuse",
    "withdraw",
    "stop",
    "resume",
    "pay_online",
    "pay_desk",
    "rate",
    "complain",
    "sync",
)
# A few dossiers created first, then mostly "advance" (the natural next step of a dossier, so that dossiers get
# through to the end) mixed with everything that can happen to them.
creations = st.lists(
    st.tuples(st.sampled_from(("create_desk", "create_online")), st.integers(0, 7), st.integers(0, 3)),
    min_size=1,
    max_size=3,
)
events = st.lists(
    st.tuples(st.sampled_from(OPS + ("advance",) * 24), st.integers(0, 7), st.integers(0, 30)), min_size=12, max_size=40
)
operations = st.tuples(creations, events).map(lambda pair: pair[0] + pair[1])


class World:
    """Two communes (two agencies, two intake units), two procedures, a clock moving from late November."""

    def __init__(self, capture_on_commit):
        self.offices = [H.hacthanh(), H.samson()]
        self.capture = capture_on_commit
        self.dossiers: list[tuple[Dossier, H.Office]] = []
        self.now = local(2026, 11, 26, 8, 0)

    def run(self, op: str, n: int, hours: int) -> None:
        self.now += dt.timedelta(hours=hours)
        if op.startswith("create"):
            office = self.offices[n % 2]
            national_code = (H.SIGNATURE, H.BIRTH)[n // 2 % 2]
            channel = 2 if op == "create_online" else 1
            d = H.receive(office, national_code, now=self.now, channel=channel, digitised=n % 3 != 0)
            self.dossiers.append((d, office))
            return
        if not self.dossiers:
            return
        d, office = self.dossiers[n % len(self.dossiers)]
        d = H.fresh(d)
        try:
            self._act(op, d, office, n)
        except A.ActionError:
            pass  # not possible in this state: nothing happened (the action's transaction rolled back)

    def _first(self, d, whos, fn):
        for who in whos:
            try:
                return fn(H.fresh(d), who)
            except A.ActionError as exc:
                if exc.status != 403:
                    raise
        return None

    def _act(self, op, d, office, n):
        now = self.now
        staff = (office.clerk, office.specialist, office.leader)
        if op == "advance":
            op = self._next(d, n)
        if op == "accept":
            H.accept(office, d, now)
        elif op == "supplement":
            payload = {"items": ["Giấy tờ còn thiếu"], "reason": "Chưa đủ"}
            self._first(d, staff, lambda x, who: A.request_supplement(x, who, payload, now=now))
        elif op == "answer":
            A.submit_supplement(d, office.clerk, now=now)
        elif op == "step":
            if d.current_step == "release":
                H.return_result(office, d, now)
            elif d.current_step:
                H.step(office, d, now)
        elif op == "finish":
            H.finish(office, d, now)
        elif op == "return":
            H.return_result(office, d, now)
        elif op == "refuse":
            reasons = {"reasons": ["Không đủ điều kiện"]}
            self._first(d, (office.clerk, office.leader), lambda x, who: A.refuse_dossier(x, who, reasons, now=now))
        elif op == "withdraw":
            A.withdraw_dossier(d, office.clerk, {"reason": "Rút"}, now=now)
        elif op == "stop":
            A.stop_processing(d, office.leader, {"reason": "Tạm dừng"}, now=now)
        elif op == "resume":
            A.resume_processing(d, office.leader, now=now)
        elif op in ("pay_online", "pay_desk"):
            if Obligation.objects.filter(dossier_id=d.pk, status="open").exists():
                if op == "pay_online":
                    H.pay_online(d, now, method=("gateway", "payplatform")[n % 2])
                else:
                    H.pay_at_desk(office, d, now)
        elif op == "rate":
            if d.state == State.RETURNED and not Rating.objects.filter(dossier_id=d.pk).exists():
                H.rate(d, n % 5 + 1)
        elif op == "complain":
            H.complain(d, office)
        elif op == "sync":
            self._acknowledge(d, now)

    @staticmethod
    def _next(d, n) -> str:
        if d.state == State.SUBMITTED:
            return "accept"
        if d.state == State.SUPPLEMENT_REQUESTED:
            return "answer"
        if d.state == State.STOPPED:
            return "resume"
        if Obligation.objects.filter(dossier_id=d.pk, status="open").exists() and n % 3:
            return ("pay_online", "pay_desk")[n % 2]
        if d.state in (State.ACCEPTED, State.PROCESSING, State.FINISHED):
            return "step"
        if d.state == State.RETURNED:
            return ("rate", "sync", "complain")[n % 3]
        return "sync"

    def _acknowledge(self, d, now):
        """DVCQG answers "00" to the dossier's first sync message (national.outbox.record_success)."""
        from congso.national import outbox, protocol
        from congso.national.models import OutboxMessage

        message = OutboxMessage.objects.filter(dossier_id=d.pk, service=protocol.SYNC_DOSSIER).order_by("seq").first()
        if message is None:
            return
        with self.capture(execute=True):
            outbox.record_success(message, "no-lease", now, 0.0)


def recomputed() -> dict:
    expected = rebuild.recompute(chunk=3).expected  # small chunks: the chunk boundaries are crossed
    return {k: {n: row[i] for i, n in enumerate(facts.COUNTERS) if row[i]} for k, row in expected.items() if any(row)}


@examples(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ops=operations)
def test_the_maintained_cells_equal_a_recomputation_after_any_sequence_of_actions(
    ops, quick_signatures, django_capture_on_commit_callbacks, settings
):
    settings.CONGSO_MAX_SUPPLEMENTS = 2  # so that "more than one supplement request" can happen
    with transaction.atomic():
        H.offer_online(H.BIRTH)
        world = World(django_capture_on_commit_callbacks)
        for op, n, hours in ops:
            world.run(op, n, hours)
        assert H.maintained() == recomputed()
        report = rebuild.check(chunk=4)
        assert report.clean, (report.cell_diffs[:5], report.rollup_diffs[:5], report.recomputation.facts_wrong[:5])
        transaction.set_rollback(True)


def scenario(capture):
    """A few dossiers over two months at both communes, through the same driver."""
    world = World(capture)
    ops = [
        ("create_desk", 0, 0),
        ("create_desk", 1, 1),
        ("create_online", 2, 1),
        ("accept", 0, 1),
        ("accept", 1, 1),
        ("accept", 2, 1),
        ("pay_online", 0, 1),
        ("finish", 0, 2),
        ("return", 0, 1),
        ("rate", 0, 1),
        ("create_desk", 3, 150),
        ("accept", 3, 1),
        ("withdraw", 1, 1),
    ]
    for op, n, hours in ops:
        world.run(op, n, hours)
    assert Cell.objects.values("month").distinct().count() == 2
    return world


def test_rebuild_reports_a_corrupted_cell_exits_1_and_fix_repairs_it(
    quick_signatures, django_capture_on_commit_callbacks
):
    scenario(django_capture_on_commit_callbacks)
    out = io.StringIO()
    call_command("rebuild_kpi", stdout=out)
    assert "Khớp: không có chênh lệch." in out.getvalue()
    assert "hồ sơ/giây" in out.getvalue()

    cell = Cell.objects.filter(received__gt=0).order_by("pk").first()
    Cell.objects.filter(pk=cell.pk).update(received=cell.received + 3, late=cell.late - 1)
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("rebuild_kpi", stdout=out)
    assert failed.value.returncode == 1
    assert "Chênh lệch: 2 giá trị ô, 0 giá trị tổng hợp tháng, 0 hồ sơ có đóng góp sai, 0 đóng góp thừa." in str(
        failed.value
    )
    printed = out.getvalue()
    key = f"Ô {cell.month:%m/%Y} cơ quan {cell.agency_id} xã {cell.unit_id} thủ tục {cell.procedure_id} kênh {cell.channel}"
    assert f"{key}: received đang duy trì {cell.received + 3}, tính lại {cell.received}" in printed
    assert f"{key}: late đang duy trì {cell.late - 1}, tính lại {cell.late}" in printed

    out = io.StringIO()
    call_command("rebuild_kpi", "--fix", stdout=out)
    assert "Đã sửa theo số tính lại." in out.getvalue()
    assert Cell.objects.get(pk=cell.pk).received == cell.received
    out = io.StringIO()
    call_command("rebuild_kpi", stdout=out)
    assert "Khớp: không có chênh lệch." in out.getvalue()

    # The month-level rollup is checked and repaired on its own.
    row = Rollup.objects.filter(dimension="a", received__gt=0).order_by("pk").first()
    Rollup.objects.filter(pk=row.pk).update(received=row.received + 5)
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("rebuild_kpi", stdout=out)
    assert "Chênh lệch: 0 giá trị ô, 1 giá trị tổng hợp tháng" in str(failed.value)
    assert (
        f"Tổng hợp tháng {row.month:%m/%Y} theo cơ quan {row.key}: received đang duy trì {row.received + 5}, "
        f"tính lại {row.received}"
    ) in out.getvalue()
    call_command("rebuild_kpi", "--fix", stdout=io.StringIO())
    assert Rollup.objects.get(pk=row.pk).received == row.received
    assert rebuild.check().clean


def test_rebuild_repairs_a_lost_fact_a_deleted_cell_and_a_stray_cell(
    quick_signatures, django_capture_on_commit_callbacks
):
    world = scenario(django_capture_on_commit_callbacks)
    first = world.dossiers[0][0]
    before = H.maintained()
    DossierFact.objects.filter(dossier_id=first.pk).delete()
    Cell.objects.filter(pk=Cell.objects.order_by("-pk").values("pk")[:1]).delete()
    stray = Cell.objects.order_by("pk").first()
    Cell.objects.create(
        month=dt.date(2026, 1, 1),
        agency_id=stray.agency_id,
        unit_id=stray.unit_id,
        procedure_id=stray.procedure_id,
        channel=3,
        received=1,
    )
    report = rebuild.check()
    assert not report.clean
    assert [pk for pk, stored, _new in report.recomputation.facts_wrong] == [first.pk]
    stray_diff = next(d for d in report.cell_diffs if d.key.month == dt.date(2026, 1, 1))
    assert list(stray_diff.counters()) == [("received", 1, 0)]
    rebuild.fix(report)
    assert rebuild.check().clean
    assert H.maintained() == before
    assert not Cell.objects.filter(month=dt.date(2026, 1, 1)).exists()  # emptied, then pruned


def test_a_liaison_child_or_an_orphan_fact_is_reported(quick_signatures, django_capture_on_commit_callbacks):
    world = scenario(django_capture_on_commit_callbacks)
    d = world.dossiers[1][0]
    DossierFact.objects.filter(dossier_id=d.pk).update(cells=[])  # a row that should not exist
    report = rebuild.check()
    assert [(pk, stored) for pk, stored, _new in report.recomputation.facts_wrong] == [(d.pk, {})]
    rebuild.fix(report)
    assert rebuild.check().clean


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("action, added", [("receive", 0), ("accept", 4), ("transfer", 1)])
def test_maintenance_adds_four_queries_to_an_action_that_changes_the_cells_one_otherwise(action, added):
    """receive (a walk-in before Form 01): nothing to count, no query. accept: the snapshot, the fact swap, the
    cell upsert, the rollup upsert. transfer: the snapshot only (nothing changed). The same on PostgreSQL (no lock is taken)."""
    office = H.hacthanh()
    now = local(2026, 11, 2, 9, 0)

    def perform(d):
        if action == "receive":
            return H.receive(office, H.BIRTH, now=now)
        if action == "accept":
            return A.accept_dossier(d, office.clerk, now=now)
        return A.transition(d, office.clerk, "transfer", now=now)

    counts = {}
    for round_ in ("warm-up", "with", "without"):  # the first round fills the process caches (calendar, fees)
        d = H.receive(office, H.BIRTH, now=local(2026, 11, 2, 8, 0))
        if action == "transfer":
            H.accept(office, d, local(2026, 11, 2, 8, 0))
        d = H.fresh(d)
        if round_ == "without":
            dossier_changed.disconnect(dispatch_uid="kpi-dossier-changed")
        try:
            counts[round_] = _queries(lambda d=d: perform(d))
        finally:
            dossier_changed.connect(receivers.on_dossier_changed, dispatch_uid="kpi-dossier-changed")
    assert counts["with"] - counts["without"] == added, counts
