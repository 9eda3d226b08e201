"""``manage.py payments poll|sweep|reconcile|status|demo``: the payments app's background work by hand."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Sum
from django.utils import timezone

from congso.payments import actions
from congso.payments.models import Obligation, Payment

DEMO_ID = "038090007788"


class Command(BaseCommand):
    help = "Thanh toán phí, lệ phí: truy vấn giao dịch chờ, rà soát, đối soát, thống kê, dữ liệu mẫu."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["poll", "sweep", "reconcile", "status", "demo"])
        parser.add_argument("--day", help="reconcile: ngày giao dịch YYYY-MM-DD (mặc định: hôm qua)")

    def handle(self, *args, **options):
        from django.conf import settings

        what = options["what"]
        if what == "poll":
            self.stdout.write(str(actions.poll_pending()))
        elif what == "sweep":
            self.stdout.write(str(actions.sweep()))
        elif what == "reconcile":
            try:
                day = dt.date.fromisoformat(options["day"]) if options["day"] else None
            except ValueError:
                raise CommandError("--day phải có dạng YYYY-MM-DD") from None
            day = day or timezone.localdate() - dt.timedelta(days=1)
            for method in settings.CONGSO_PAYMENT_METHODS:
                run = actions.reconcile(method, day)
                self.stdout.write(
                    f"{method} {day}: khớp {run.matched}, cổng có/congso chưa {run.missing_local}, "
                    f"congso có/cổng không {run.missing_provider}, lệch {run.mismatched}, đã sửa {run.repaired}"
                    + (f", lỗi: {run.error}" if run.error else "")
                )
        elif what == "demo":
            self._demo()
        else:
            for row in Obligation.objects.values("status").annotate(n=Count("id"), total=Sum("amount")).order_by():
                self.stdout.write(f"obligations {row['status']}: {row['n']} ({row['total'] or 0} đồng)")
            for row in Payment.objects.values("method", "state").annotate(n=Count("id")).order_by("method", "state"):
                self.stdout.write(f"payments {row['method']} {row['state']}: {row['n']}")

    def _demo(self):
        """A fresh `make run`: a walk-in signature certification accepted at Hạc Thành, its fee still due."""
        from django.conf import settings

        from congso.accounts.models import User
        from congso.catalog.models import Procedure
        from congso.dossiers import actions as A
        from congso.dossiers.access import who_for
        from congso.dossiers.models import Dossier
        from congso.geo.models import Agency

        existing = Dossier.objects.filter(applicant_id_number=DEMO_ID).first()
        if existing is None:
            clerk = User.objects.filter(username="tiepnhan.hacthanh").first()
            procedure = Procedure.objects.current().filter(national_code="2.000884").first()
            desk = Agency.objects.current().filter(slug="ttpvhcc-xa-14797").first()
            if not (clerk and procedure and desk):
                return
            who = who_for(clerk)
            d = A.create_dossier(
                procedure=procedure,
                intake_agency=desk,
                applicant=A.Applicant(
                    name="Hoàng Văn Bảo", id_number=DEMO_ID, phone="0912000333", address="Phường Hạc Thành"
                ),
                channel=1,
                source="desk",
                who=who,
            )
            existing = A.accept_dossier(d, who)
        ob = Obligation.objects.filter(dossier=existing, status="open").first()
        if ob is not None:
            self.stdout.write(
                f"Phí mẫu: hồ sơ {existing.code} (4 số cuối CCCD {DEMO_ID[-4:]}) chờ nộp {ob.amount} đồng: "
                f"{settings.CONGSO_PUBLIC_URL.rstrip('/')}/thanh-toan/{ob.pay_token}/"
            )
