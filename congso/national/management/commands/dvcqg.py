"""``python manage.py dvcqg deliver|poll|catalog|status``: run the DVCQG integration by hand."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext_lazy

from congso.core.commands import Command as LocalisedCommand
from congso.national import catalog_sync, intake, outbox
from congso.national.models import InboundDossier, OutboxMessage


class Command(LocalisedCommand):
    help = gettext_lazy("Đồng bộ với Cổng DVCQG: gửi hàng đợi, nhận hồ sơ mới, đối chiếu danh mục thủ tục.")

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["deliver", "poll", "catalog", "status", "demo"])

    def handle(self, *args, **options):
        what = options["what"]
        if what == "deliver":
            self.stdout.write(str(outbox.deliver_due(time_budget=60)))
        elif what == "poll":
            received = intake.poll()
            mapped = intake.process_pending()
            self.stdout.write(f"received={received} mapped={mapped}")
        elif what == "demo":
            self._demo()
        elif what == "catalog":
            self.stdout.write(str(catalog_sync.pull()))
        else:
            for row in OutboxMessage.objects.values("status").annotate(n=Count("id")).order_by("status"):
                self.stdout.write(f"outbox {row['status']}: {row['n']}")
            for row in InboundDossier.objects.values("status").annotate(n=Count("id")).order_by("status"):
                self.stdout.write(f"inbound {row['status']}: {row['n']}")

    def _demo(self):
        """A fresh `make run`: three citizens have just submitted online on the (simulated) DVCQG."""
        from django.conf import settings

        from congso.geo.models import Agency
        from congso.national.simulator import services as sim
        from congso.national.simulator.models import SimDossier

        if not settings.CONGSO_DVCQG_SIMULATOR or SimDossier.objects.exists():
            return
        desks = list(
            Agency.objects.current().filter(kind="commune_one_stop", identifier__isnull=False).order_by("slug")[:2]
        )
        hac_thanh = Agency.objects.current().filter(slug="ttpvhcc-xa-14797").first() or desks[0]
        other = next((a for a in desks if a.pk != hac_thanh.pk), hac_thanh)
        demo = [
            ("1.004873", hac_thanh, "Trần Thị Hoa", "038190004321"),  # marriage status certificate
            ("1.001193", other, "Lê Văn Toàn", "038088001234"),  # birth registration
            ("9.999999", hac_thanh, "Phạm Thị Mai", "038195006789"),  # only nationally: the review queue
        ]
        for code, desk, name, id_number in demo:
            sim.submit_online_dossier(
                procedure_code=code,
                agency_identifier=desk.identifier,
                applicant_name=name,
                id_number=id_number,
                phone="0912000111",
                request_text="Hồ sơ mẫu nộp trên Cổng DVCQG (giả lập)",
            )
        self.stdout.write(f"Cổng DVCQG (giả lập): {len(demo)} hồ sơ trực tuyến mẫu chờ tỉnh nhận")
