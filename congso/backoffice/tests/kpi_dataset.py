"""A hand-built history for the dashboard specifications, built through the dossier engine's own actions (so the
maintained cells are what the engine really counts), every figure worked out by hand below.

Hạc Thành (H) and Sầm Sơn (S) commune one-stop centres; both procedures take 1 working day (07:00–11:30,
13:30–17:00). SIGNATURE charges 10.000 đồng; BIRTH is free and, for this dataset, a full online service.
The competent agency of both is the commune People's Committee of the intake commune.

    O1  desk   SIGNATURE H  accepted Mon 5/10/2026 08:00, paid at the desk, finished 10:00 (on time), returned
    N1  desk   SIGNATURE H  accepted Mon 2/11 08:00, paid ONLINE 09:00, finished 10:00, returned; rated 5
    N2  desk   SIGNATURE H  accepted Tue 3/11 08:00, paid at the desk, finished Thu 5/11 10:00 > due 4/11 08:00:
                            LATE; returned; rated 2 (dissatisfied)
    N3  online BIRTH     H  (both online ones through DVCQG) submitted Wed 4/11 08:00, accepted 09:00, finished 10:00, returned (electronic result)
    N4  online BIRTH     H  submitted Fri 27/11 16:00 (received in November), accepted Mon 30/11 08:00, finished
                            Tue 1/12 09:00 > due 1/12 08:00: LATE, ended in DECEMBER
    N5  desk   BIRTH     S  a paper reused from the data store; accepted Tue 10/11 08:00, refused on the merits
                            14:00: ended, on time
    N6  desk   SIGNATURE S  a paper NOT digitised; accepted Thu 12/11 08:00; still open
    P1  desk   BIRTH     —  accepted Tue 6/5/2025 08:00, finished 10:00, on time — BEFORE the reform, at the desk
                            of a former commune merged into Hạc Thành, decided by that commune's People's
                            Committee (test data: the demo has no pre-reform desks, see ``pre_reform``)

November 2026, whole province:
    received 6 (N1–N6), online 2 (N3, N4) → online share 33.33 %
    ended 4 (N1, N2, N3, N5), on time 3 (N1, N3, N5), late 1 (N2)        → on time 3/4 = 75.00 %
    online: channel 2 with an electronic result 1 (N3) ÷ procedures offered online 3 (N3, N4, N5) → 33.33 %
    fee-bearing 3 (N1, N2, N6), paid online 1 (N1)                       → 33.33 %
    digitised 5 (all but N6) ÷ 6 → 83.33 %; reuse 1 (N5) ÷ 6 → 16.67 %; synced 0 ÷ 6 → 0.00 %
    results 3 (N1, N2, N3), person- and agency-signed 3                  → 100.00 % each
    satisfaction 100 − (late 1/4 = 25 % + complaints 0/6 + dissatisfied 1/2 = 50 %) = 25.00 %
    average rating (5 + 2) / 2 = 3.50
    Decision 766 score (the seeded default groups): transparency synced 0 % → 0 of 18; progress 75 % → 15.00 of 20;
    online 33.33 % < 50 → 33.33 × 12 / 50 = 8.00; payment 33.33 × 10 / 100 = 3.33; satisfaction 25 × 18 / 90 =
    5.00; digitisation 83.33 ≥ 80 → 22.00: 53.33 of 100.
    By agency: Hạc Thành's PC received 4, ended 3, on time 2 → 66.67 %; Sầm Sơn's PC received 2, ended 1 → 100.00 %.
December 2026: ended 1 (N4, late) → 0.00 %, received 0. October: received 1, ended 1 on time.
Quarter 4: received 7, ended 6 (O1, N1, N2, N3, N5, N4), on time 4 → 66.67 %.
Year 2025: P1 alone, under the former commune and its People's Committee; rolled up, under Hạc Thành.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from congso.dossiers import actions as A
from congso.dossiers.choices import Channel, Source
from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import PDF, local, procedure
from congso.geo.choices import AgencyKind
from congso.geo.models import AdministrativeUnit, Agency
from congso.kpi.actions import refresh_dossier
from congso.kpi.tests import helpers as H


@dataclass
class Dataset:
    h: H.Office
    s: H.Office
    old_unit: AdministrativeUnit
    old_pc: Agency
    old_desk: Agency
    d: dict[str, Dossier] = field(default_factory=dict)

    def ids(self, *names: str) -> set[int]:
        return {self.d[n].pk for n in names}


def pre_reform(h: H.Office) -> tuple[AdministrativeUnit, Agency, Agency]:
    """Test data: the one-stop desk and the People's Committee of a former commune merged into Hạc Thành on
    1 Jul 2025 (the reference data has the former communes, not their agencies), succeeded by Hạc Thành's."""
    merged = AdministrativeUnit.objects.filter(valid_to__isnull=False, level="commune", successors=h.unit_id)
    old = next(u for u in merged.order_by("key") if u.successors.count() == 1)
    pc = Agency.objects.create(
        slug=f"test-ubnd-{old.key}",
        name=f"Ủy ban nhân dân {old.name}",
        kind=AgencyKind.COMMUNE_PC,
        unit=old,
        valid_to=dt.date(2025, 6, 30),
    )
    desk = Agency.objects.create(
        slug=f"test-motcua-{old.key}",
        name=f"Bộ phận Một cửa {old.name}",
        kind=AgencyKind.COMMUNE_ONE_STOP,
        unit=old,
        valid_to=dt.date(2025, 6, 30),
    )
    pc.successors.add(h.pc)
    desk.successors.add(h.desk)
    return old, pc, desk


def receive_online(office: H.Office, national_code: str, *, now: dt.datetime) -> Dossier:
    """A dossier submitted online through the National Public Service Portal (channel 2, source DVCQG: its
    e-form was checked there), intake at the office's one-stop centre."""
    stored = A.store_file(PDF + f"% online {now.isoformat()}".encode())
    return A.create_dossier(
        procedure=procedure(national_code),
        intake_agency=office.desk,
        applicant=A.Applicant(name="Trần Thị Bích", id_number=H.applicant_id(), phone="0912345679"),
        channel=Channel.ONLINE,
        source=Source.DVCQG,
        who=None,
        submit=True,
        attachments=[A.Attachment(stored=stored, filename="to-khai.pdf", name="Tờ khai", digitised=True)],
        now=now,
    )


def build() -> Dataset:
    h, s = H.hacthanh(), H.samson()
    H.offer_online(H.BIRTH)  # before any BIRTH dossier: the snapshot reads the procedure's attributes
    old_unit, old_pc, old_desk = pre_reform(h)
    ds = Dataset(h, s, old_unit, old_pc, old_desk)

    d = H.receive(h, H.SIGNATURE, now=local(2026, 10, 5, 8, 0))
    H.accept(h, d, local(2026, 10, 5, 8, 0))
    H.pay_at_desk(h, d, local(2026, 10, 5, 8, 5))
    H.finish(h, d, local(2026, 10, 5, 10, 0))
    H.return_result(h, d, local(2026, 10, 5, 11, 0))
    ds.d["O1"] = d

    d = H.receive(h, H.SIGNATURE, now=local(2026, 11, 2, 8, 0))
    H.accept(h, d, local(2026, 11, 2, 8, 0))
    H.pay_online(d, local(2026, 11, 2, 9, 0))
    H.finish(h, d, local(2026, 11, 2, 10, 0))
    H.return_result(h, d, local(2026, 11, 2, 11, 0))
    H.rate(d, 5)
    ds.d["N1"] = d

    d = H.receive(h, H.SIGNATURE, now=local(2026, 11, 3, 8, 0))
    H.accept(h, d, local(2026, 11, 3, 8, 0))
    H.pay_at_desk(h, d, local(2026, 11, 3, 8, 5))
    H.finish(h, d, local(2026, 11, 5, 10, 0))
    H.return_result(h, d, local(2026, 11, 5, 11, 0))
    H.rate(d, 2)
    ds.d["N2"] = d

    d = receive_online(h, H.BIRTH, now=local(2026, 11, 4, 8, 0))
    H.accept(h, d, local(2026, 11, 4, 9, 0))
    H.finish(h, d, local(2026, 11, 4, 10, 0))
    H.return_result(h, d, local(2026, 11, 4, 11, 0))
    ds.d["N3"] = d

    d = receive_online(h, H.BIRTH, now=local(2026, 11, 27, 16, 0))
    H.accept(h, d, local(2026, 11, 30, 8, 0))
    H.finish(h, d, local(2026, 12, 1, 9, 0))
    ds.d["N4"] = d

    d = H.receive(s, H.BIRTH, now=local(2026, 11, 10, 8, 0), reused=True)
    H.accept(s, d, local(2026, 11, 10, 8, 0))
    A.refuse_dossier(H.fresh(d), s.leader, {"reasons": ["Không đủ điều kiện"]}, now=local(2026, 11, 10, 14, 0))
    ds.d["N5"] = d

    d = H.receive(s, H.SIGNATURE, now=local(2026, 11, 12, 8, 0), digitised=False)
    H.accept(s, d, local(2026, 11, 12, 8, 0))
    ds.d["N6"] = d

    d = H.receive(h, H.BIRTH, now=local(2025, 5, 6, 8, 0))
    H.accept(h, d, local(2025, 5, 6, 8, 0))
    H.finish(h, d, local(2025, 5, 6, 10, 0))
    # Test data: received at the former commune's desk and decided by its People's Committee (see pre_reform).
    Dossier.objects.filter(pk=d.pk).update(intake_agency=old_desk, competent_agency=old_pc)
    refresh_dossier(d.pk)
    ds.d["P1"] = d
    return ds
