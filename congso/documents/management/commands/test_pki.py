"""``python manage.py test_pki``: generate the test PKI (TEST — NOT A REAL CA) used by development and tests."""

from __future__ import annotations

import shutil

from django.conf import settings
from django.utils.translation import gettext_lazy

from congso.core.commands import Command as LocalisedCommand
from congso.documents.signing import pki, service


class Command(LocalisedCommand):
    help = gettext_lazy(
        "Tạo hạ tầng khóa công khai THỬ NGHIỆM (TEST — NOT A REAL CA): CA gốc, CA trung gian, "
        "dịch vụ cấp dấu thời gian, OCSP, CRL; chỉ dùng để phát triển và kiểm thử."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Tạo lại từ đầu (xóa khóa cũ)")

    def handle(self, *args, **options):
        directory = service.pki_dir()
        if options["force"] and directory.exists():
            shutil.rmtree(directory)
        if service.test_pki_index() is not None:
            self.stdout.write(f"Hạ tầng khóa thử nghiệm đã có tại {directory}")
            return
        index = pki.build(directory, base_url=settings.CONGSO_PUBLIC_URL)
        self.stdout.write(
            f"Đã tạo hạ tầng khóa THỬ NGHIỆM tại {directory} (CA gốc, CA trung gian, TSA, OCSP, CRL; "
            f"{len(index['revoked_serials'])} chứng thư bị thu hồi để kiểm thử)"
        )
