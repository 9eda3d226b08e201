"""``python manage.py run_periodic``: enqueue the periodic tasks of ``settings.CONGSO_PERIODIC_TASKS``.

Each entry is (task path, every N seconds): the deadline checks, the DVCQG outbox delivery and the
DVCQG polling. The django-tasks worker (``db_worker``) runs them; this process only schedules, so
several app servers may run it: every task is safe to run twice (claims, leases, marks-once).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from congso.core.commands import Command as LocalisedCommand


class Command(LocalisedCommand):
    help = gettext_lazy("Định kỳ đưa các việc nền (kiểm tra hạn xử lý, đồng bộ Cổng DVCQG) vào hàng đợi.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help=_("Chỉ một lần rồi thoát"))

    def handle(self, *args, **options):
        schedule = [(import_string(path), max(int(every), 5)) for path, every in settings.CONGSO_PERIODIC_TASKS]
        due = [0.0] * len(schedule)
        while True:
            now = time.monotonic()
            for i, (task, every) in enumerate(schedule):
                if now >= due[i]:
                    task.enqueue()
                    due[i] = now + every
            if options["once"]:
                return
            time.sleep(max(0.5, min(due) - time.monotonic()))
