"""Drivers for the KPI specifications: dossiers taken through the engine's own actions, at chosen times."""

from __future__ import annotations

import datetime as dt
import itertools

from congso.catalog.models import Procedure
from congso.dossiers import actions as A
from congso.dossiers.access import who_for
from congso.dossiers.choices import FileKind, State
from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import BIRTH_FORM, PDF, agency, procedure, user
from congso.kpi import facts
from congso.kpi.models import Cell

SIGNATURE = "2.000884"  # Chứng thực chữ ký: 10.000 đồng, 1 working day, commune level — fee-bearing
BIRTH = "1.001193"  # Đăng ký khai sinh: free, 1 working day, commune level

_ids = itertools.count(1)


class Office:
    """The demo officers of one commune (load_demo): desk clerk, leader, specialist, clerk of records."""

    def __init__(self, short: str, code: str):
        self.code = code
        self.desk = agency(f"ttpvhcc-xa-{code}")
        self.pc = agency(f"ubnd-xa-{code}")
        self.clerk = who_for(user(f"tiepnhan.{short}"))
        self.leader = who_for(user(f"lanhdao.{short}"))
        self.specialist = who_for(user(f"chuyenvien.{short}"))
        self.records = who_for(user(f"vanthu.{short}"))

    @property
    def unit_id(self) -> int:
        return self.desk.unit_id


def hacthanh() -> Office:
    return Office("hacthanh", "14797")


def samson() -> Office:
    return Office("samson", "16531")


def offer_online(national_code: str) -> Procedure:
    """Test data: the catalog does not classify these procedures yet; make one a full online service."""
    p = procedure(national_code)
    Procedure.objects.filter(pk=p.pk).update(online_class="full")
    return procedure(national_code)


def applicant_id() -> str:
    # A valid CCCD for Thanh Hóa (038), male born in the 20th century (1), 1990, serial unique per call.
    return f"0381900{next(_ids) % 100000:05d}"


def receive(
    office: Office,
    national_code: str,
    *,
    now: dt.datetime,
    channel: int = 1,
    digitised: bool = True,
    reused: bool = False,
) -> Dossier:
    """A dossier handed in at the desk (channel 1, state submitted) or submitted online (channel 2)."""
    stored = A.store_file(PDF + f"% {next(_ids)}".encode())
    d = A.create_dossier(
        procedure=procedure(national_code),
        intake_agency=office.desk,
        applicant=A.Applicant(name="Nguyễn Thị Ánh", id_number=applicant_id(), phone="0912345678"),
        channel=channel,
        source="desk" if channel == 1 else "portal",
        who=office.clerk if channel == 1 else None,
        submit=channel == 2,
        form_data=BIRTH_FORM if national_code == BIRTH and channel == 2 else None,
        attachments=[A.Attachment(stored=stored, filename="to-khai.pdf", name="Tờ khai", digitised=digitised)],
        now=now,
    )
    if reused:
        from congso.dossiers.models import DossierFile
        from congso.kpi.actions import refresh_dossier

        # Test data: the paper was taken from the data store (in the portal: attach_file with a personal document).
        DossierFile.objects.filter(dossier=d).update(reused=True)
        refresh_dossier(d.pk)
    return d


def fresh(d: Dossier) -> Dossier:
    return Dossier.objects.select_related("procedure", "workflow").get(pk=d.pk)


def accept(office: Office, d: Dossier, now: dt.datetime) -> Dossier:
    return A.accept_dossier(fresh(d), office.clerk, now=now)


def step(office: Office, d: Dossier, now: dt.datetime) -> Dossier:
    """The next step of the commune workflow, by whoever holds it (a result is attached before appraisal)."""
    d = fresh(d)
    who = {
        "transfer": office.clerk,
        "assign": office.leader,
        "appraise": office.specialist,
        "approve": office.leader,
        "sign": office.leader,
        "issue": office.records,
    }[d.current_step]
    payload = {}
    if d.current_step == "assign":
        payload = {"assignee_id": office.specialist.user.pk}
    if d.current_step == "appraise" and not d.files.filter(kind=FileKind.RESULT).exists():
        A.attach_file(
            d, office.specialist, data=PDF, filename="ket-qua.pdf", name="Kết quả", kind=FileKind.RESULT, now=now
        )
        d = fresh(d)
    return A.transition(d, who, d.current_step, payload, now=now)


def finish(office: Office, d: Dossier, now: dt.datetime) -> Dossier:
    """Process to the end (status 9): transfer, assign, appraise, approve, sign, issue — all at ``now``."""
    d = fresh(d)
    while d.state in (State.ACCEPTED, State.PROCESSING) and d.current_step != "release":
        d = step(office, d, now)
    return fresh(d)


def return_result(office: Office, d: Dossier, now: dt.datetime) -> Dossier:
    return A.transition(fresh(d), office.clerk, "return_result", now=now)


def pay_at_desk(office: Office, d: Dossier, now: dt.datetime):
    from congso.payments import actions as P
    from congso.payments.models import Obligation

    ob = Obligation.objects.get(dossier_id=d.pk, status="open")
    return P.record_desk_payment(ob, office.clerk, method="cash", amount=ob.amount, now=now)


def pay_online(d: Dossier, now: dt.datetime, method: str = "gateway"):
    """The provider confirms an online attempt (as its IPN would): the obligation is paid online."""
    from congso.payments import actions as P
    from congso.payments.choices import State as PayState
    from congso.payments.models import Obligation, Payment
    from congso.payments.providers.base import Notice

    ob = Obligation.objects.get(dossier_id=d.pk, status="open")
    payment = Payment.objects.create(  # test data: the attempt as start_online_payment leaves it
        obligation=ob,
        reference=P.new_reference(now),
        method=method,
        state=PayState.PENDING,
        amount=ob.amount,
        created_at=now,
    )
    verdict, _payment = P.apply_notice(
        method,
        Notice(reference=payment.reference, amount=ob.amount, outcome="success", paid_at=now),
        source="ipn",
        now=now,
    )
    assert verdict == "applied", verdict
    return payment


def rate(d: Dossier, score: int):
    from congso.feedback import actions as F

    return F.rate(fresh(d), score=score)


def complain(d: Dossier, office: Office):
    from congso.feedback import actions as F

    return F.submit_complaint(
        kind="feedback",
        name="Trần Văn Bình",
        email="",
        phone="0912000111",
        agency=office.pc,
        subject="Chậm trả kết quả",
        content="Hồ sơ của tôi chưa được trả đúng hẹn.",
        dossier=fresh(d),
    )


def maintained() -> dict[facts.CellKey, dict[str, int]]:
    """Every maintained cell, zero counters dropped (for comparisons)."""
    out = {}
    for cell in Cell.objects.all():
        counters = {k: v for k, v in cell.counters().items() if v}
        if counters:
            out[facts.CellKey(cell.month, cell.agency_id, cell.unit_id, cell.procedure_id, cell.channel)] = counters
    return out


def cells_of(month: dt.date, **filters) -> dict[str, int]:
    """Counters summed over the maintained cells of one month (and filters), every counter present."""
    return facts.summed(c.counters() for c in Cell.objects.filter(month=month, **filters))
