"""Run in separate processes by test_code_allocation: ``setup N`` or ``accept START STEP GO_AT``."""

import datetime as dt
import sys
import time

import django

django.setup()

from django.utils import timezone  # noqa: E402

from congso.accounts.choices import Role  # noqa: E402
from congso.accounts.models import StaffAssignment, User  # noqa: E402
from congso.catalog.actions import load_workflows  # noqa: E402
from congso.catalog.models import Field, Procedure  # noqa: E402
from congso.dossiers import actions as A  # noqa: E402
from congso.dossiers.access import who_for  # noqa: E402
from congso.dossiers.models import Dossier  # noqa: E402
from congso.geo.models import AdministrativeUnit, Agency  # noqa: E402


def setup(count: int) -> None:
    from django.conf import settings

    province = AdministrativeUnit.objects.create(
        key="38", code="38", name="Tỉnh Thanh Hóa", short_name="Thanh Hóa", level="province", kind="Tỉnh"
    )
    centre = Agency.objects.create(
        slug="centre", name="Trung tâm Phục vụ hành chính công", kind="service_centre", unit=province
    )
    dept = Agency.objects.create(
        slug="dept", identifier="000.00.16.H56", name="Sở Tư pháp", kind="department", unit=province
    )
    officer = User.objects.create_user("officer", password="x")
    StaffAssignment.objects.create(user=officer, agency=centre, role=Role.RECEIVING_OFFICER)
    field = Field.objects.create(name="Bổ trợ tư pháp")
    proc = Procedure.objects.create(
        key="P1", name="Thủ tục thử", field=field, level="province", agency_kind="department", duration_value=5
    )
    proc.agencies.set([dept])
    load_workflows(settings.DATA_DIR / "workflows")
    who = who_for(officer)
    for i in range(count):
        A.create_dossier(
            procedure=proc,
            intake_agency=centre,
            applicant=A.Applicant(name=f"Người {i}", id_number=f"0381{i:08d}"),
            channel=1,
            source="desk",
            who=who,
        )


def accept(start: int, step: int, go_at: float) -> None:
    who = who_for(User.objects.get(username="officer"))
    ids = list(Dossier.objects.order_by("pk").values_list("pk", flat=True))[start::step]
    time.sleep(max(0.0, go_at - time.time()))
    fixed = timezone.make_aware(dt.datetime(2026, 12, 1, 9, 0))
    for pk in ids:
        A.accept_dossier(Dossier.objects.get(pk=pk), who, now=fixed)


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(int(sys.argv[2]))
    else:
        accept(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
