"""``python manage.py check_deadlines``: warn before due and mark overdue (once each)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from congso.core.commands import Command as LocalisedCommand
from congso.dossiers.actions import check_deadlines


class Command(LocalisedCommand):
    help = gettext_lazy("Cảnh báo hồ sơ sắp đến hạn và đánh dấu hồ sơ quá hạn (mỗi hồ sơ một lần).")

    def handle(self, *args, **options):
        warned, overdue = check_deadlines()
        self.stdout.write(_("Sắp đến hạn: %(warned)s; quá hạn: %(overdue)s") % {"warned": warned, "overdue": overdue})
