"""``python manage.py run_periodic``: enqueue the periodic tasks (deadline checks) every few minutes.

The django-tasks worker (``db_worker``) runs them; this process only schedules, so several app
servers may run it: the deadline check marks each dossier once whoever runs it.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from congso.dossiers.tasks import check_deadlines_task


class Command(BaseCommand):
    help = gettext_lazy("Định kỳ đưa việc kiểm tra hạn xử lý hồ sơ vào hàng đợi.")

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=300, help=_("Số giây giữa hai lần (mặc định 300)"))
        parser.add_argument("--once", action="store_true", help=_("Chỉ một lần rồi thoát"))

    def handle(self, *args, **options):
        while True:
            check_deadlines_task.enqueue()
            if options["once"]:
                return
            time.sleep(max(options["every"], 10))
