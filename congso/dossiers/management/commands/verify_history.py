"""``python manage.py verify_history``: prove every dossier's hash-chained history intact."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from congso.core.commands import Command as LocalisedCommand
from congso.dossiers.history import verify_dossier
from congso.dossiers.models import Dossier, DossierEvent


class Command(LocalisedCommand):
    help = gettext_lazy("Kiểm tra toàn vẹn lịch sử hồ sơ (chuỗi băm); báo sự kiện đầu tiên bị sửa, xóa hoặc chèn.")

    def add_arguments(self, parser):
        parser.add_argument("--code", help=_("Chỉ kiểm tra một hồ sơ theo mã"))

    def handle(self, *args, **options):
        dossiers = Dossier.objects.order_by("pk")
        if options.get("code"):
            dossiers = dossiers.filter(code=options["code"])
        checked = events = 0
        for dossier in dossiers.iterator(chunk_size=500):
            chain = list(DossierEvent.objects.filter(dossier=dossier).order_by("seq"))
            broken = verify_dossier(dossier, chain)
            if broken is not None:
                raise CommandError(_("Lịch sử bị thay đổi: %(break)s") % {"break": broken})
            checked += 1
            events += len(chain)
        self.stdout.write(
            self.style.SUCCESS(
                _("Toàn vẹn: %(checked)s hồ sơ, %(events)s sự kiện.") % {"checked": checked, "events": events}
            )
        )
