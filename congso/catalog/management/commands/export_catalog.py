"""``python manage.py export_catalog FILE`` — the format follows the extension (.json, .csv, .xlsx)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from congso.catalog.actions import export_bytes
from congso.catalog.records import CatalogFileError, detect_format


class Command(BaseCommand):
    help = "Xuất danh mục thủ tục hiện hành ra tệp .json, .csv hoặc .xlsx."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            fmt = detect_format(path.name)
        except CatalogFileError as exc:
            raise CommandError(str(exc.errors[0].message)) from None
        path.write_bytes(export_bytes(fmt))
        self.stdout.write(f"Đã xuất {path}")
