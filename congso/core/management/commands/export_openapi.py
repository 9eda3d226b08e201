"""``python manage.py export_openapi [FILE]`` — write the committed OpenAPI document."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand


def openapi_text() -> str:
    from congso.api.v1.api import api

    return (
        json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    )


class Command(BaseCommand):
    help = "Ghi tài liệu OpenAPI của /api/v1/ ra tệp (mặc định docs/openapi.json)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="docs/openapi.json")

    def handle(self, *args, **options):
        Path(options["file"]).write_text(openapi_text(), encoding="utf-8")
        self.stdout.write(f"Đã ghi {options['file']}")
