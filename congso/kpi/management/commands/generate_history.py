"""``python manage.py generate_history [--dossiers 30000] [--years 2] [--seed 2025] [--force]``: a realistic,
ended dossier history with its indicator summaries (``congso.kpi.history``), for a fresh machine's
dashboards and for the benchmarks. Does nothing when a generated history exists, unless ``--force``."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from congso.core.commands import Command as LocalisedCommand
from congso.kpi import history


class Command(LocalisedCommand):
    help = gettext_lazy(
        "Sinh lịch sử hồ sơ mô phỏng (đã kết thúc) trên các xã, phường và sở, ngành của tỉnh trong N năm đến hết "
        "tháng trước, kèm số liệu tổng hợp chỉ số; không làm gì nếu đã có, trừ khi dùng --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dossiers", type=int, default=30000, help=_("Số hồ sơ (mặc định 30000)"))
        parser.add_argument("--years", type=int, default=2, help=_("Số năm đến hết tháng trước (mặc định 2)"))
        parser.add_argument("--seed", type=int, default=2025, help=_("Hạt giống ngẫu nhiên (mặc định 2025)"))
        parser.add_argument("--end-month", default="", help=_("Tháng cuối, dạng YYYY-MM (mặc định: tháng trước)"))
        parser.add_argument("--no-events", action="store_true", help=_("Không ghi nhật ký sự kiện từng hồ sơ"))
        parser.add_argument("--batch", type=int, default=5000, help=_("Số hồ sơ mỗi giao dịch (mặc định 5000)"))
        parser.add_argument("--force", action="store_true", help=_("Sinh thêm dù đã có lịch sử mô phỏng"))

    def handle(self, *args, **options):
        dossiers, years = options["dossiers"], options["years"]
        if not 1 <= dossiers <= 50_000_000:
            raise CommandError(_("Số hồ sơ phải từ 1 đến 50.000.000."))
        if not 1 <= years <= 10:
            raise CommandError(_("Số năm phải từ 1 đến 10."))
        end = None
        if options["end_month"]:
            try:
                end = dt.datetime.strptime(options["end_month"], "%Y-%m").date()
            except ValueError:
                raise CommandError(_("Tháng cuối phải có dạng YYYY-MM, ví dụ 2026-10.")) from None
        verbosity = options["verbosity"]

        def progress(result: history.Result, total: int) -> None:
            if verbosity:
                self.stdout.write(
                    _("  %(done)s/%(total)s hồ sơ, %(seconds).1f giây (%(rate).0f hồ sơ/giây)")
                    % {"done": result.dossiers, "total": total, "seconds": result.seconds, "rate": result.rate}
                )

        try:
            result = history.generate(
                dossiers,
                years,
                seed=options["seed"],
                end_month=end,
                events=not options["no_events"],
                force=options["force"],
                batch=max(100, min(options["batch"], 50_000)),
                progress=progress,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if result.skipped:
            self.stdout.write(_("Đã có lịch sử hồ sơ mô phỏng; bỏ qua (dùng --force để sinh thêm)."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Đã sinh %(dossiers)s hồ sơ từ %(first)s đến %(last)s (%(events)s sự kiện, %(files)s tệp, "
                    "%(cells)s ô tổng hợp) trong %(seconds).1f giây (%(rate).0f hồ sơ/giây)."
                )
                % {
                    "dossiers": result.dossiers,
                    "first": f"{result.first_month:%m/%Y}",
                    "last": f"{result.last_month:%m/%Y}",
                    "events": result.events,
                    "files": result.files,
                    "cells": result.cells,
                    "seconds": result.seconds,
                    "rate": result.rate,
                }
            )
        )
