"""``python manage.py check_deadlines``: warn before due and mark overdue (once each)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from congso.dossiers.actions import check_deadlines


class Command(BaseCommand):
    help = "Cảnh báo hồ sơ sắp đến hạn và đánh dấu hồ sơ quá hạn (mỗi hồ sơ một lần)."

    def handle(self, *args, **options):
        warned, overdue = check_deadlines()
        self.stdout.write(f"Sắp đến hạn: {warned}; quá hạn: {overdue}")
