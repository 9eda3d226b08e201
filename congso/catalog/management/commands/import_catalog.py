"""``python manage.py import_catalog FILE`` — JSON, CSV or XLSX; all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from congso.catalog.actions import import_catalog_file
from congso.catalog.records import CatalogFileError


class Command(BaseCommand):
    help = "Nhập danh mục thủ tục từ tệp .json, .csv hoặc .xlsx (lỗi ở bất kỳ dòng nào thì không nhập gì)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp: {path}")
        try:
            report = import_catalog_file(path.read_bytes(), path.name)
        except CatalogFileError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"Tệp có {len(exc.errors)} lỗi; không nhập thủ tục nào.") from None
        self.stdout.write(report.summary())
