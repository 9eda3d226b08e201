"""``python manage.py rebuild_kpi [--fix]``: recompute the indicator summaries from the dossiers and report
every difference from the maintained ones; exit status 1 when differences were found and not fixed."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from congso.core.commands import Command as LocalisedCommand
from congso.kpi import rebuild


class Command(LocalisedCommand):
    help = gettext_lazy(
        "Tính lại các ô tổng hợp chỉ số từ dữ liệu hồ sơ, so sánh với số đang duy trì và in mọi chênh lệch; "
        "--fix thay số đang duy trì bằng số tính lại."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help=_("Sửa số đang duy trì theo số tính lại"))
        parser.add_argument("--chunk", type=int, default=rebuild.CHUNK, help=_("Số hồ sơ đọc mỗi lượt (mặc định 2000)"))
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help=_("Số tiến trình đọc hồ sơ song song (mặc định 1; nên bằng số lõi CPU trên cơ sở dữ liệu lớn)"),
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=1000,
            help=_("In tối đa bấy nhiêu chênh lệch mỗi loại (mặc định 1000; 0: in tất cả)"),
        )

    def handle(self, *args, **options):
        chunk = max(1, min(int(options["chunk"]), 20000))
        report = rebuild.check(chunk, jobs=max(1, min(int(options["jobs"]), 32)))
        r = report.recomputation
        limit = max(0, int(options["limit"])) or None
        for pk, stored, recomputed in r.facts_wrong[:limit]:
            self.stdout.write(
                _("Hồ sơ %(pk)s: đóng góp đang lưu %(stored)s, tính lại %(recomputed)s")
                % {"pk": pk, "stored": _cells(stored), "recomputed": _cells(recomputed)}
            )
        self._more(len(r.facts_wrong), limit)
        for pk in report.orphan_facts[:limit]:
            self.stdout.write(_("Hồ sơ %(pk)s không còn nhưng vẫn có đóng góp đang lưu") % {"pk": pk})
        self._more(len(report.orphan_facts), limit)
        cell_line = _(
            "Ô %(month)s cơ quan %(agency)s xã %(unit)s thủ tục %(procedure)s kênh %(channel)s: "
            "%(counter)s đang duy trì %(maintained)s, tính lại %(recomputed)s"
        )
        self._counters(
            report.cell_diffs,
            limit,
            cell_line,
            lambda k: {"agency": k.agency_id, "unit": k.unit_id, "procedure": k.procedure_id, "channel": k.channel},
        )
        values_wrong = report.values_wrong
        self._more(values_wrong, limit)
        rollup_line = _(
            "Tổng hợp tháng %(month)s theo %(dimension)s %(key)s: "
            "%(counter)s đang duy trì %(maintained)s, tính lại %(recomputed)s"
        )
        dimensions = {"a": _("cơ quan"), "u": _("xã"), "p": _("thủ tục")}
        self._counters(
            report.rollup_diffs,
            limit,
            rollup_line,
            lambda k: {"dimension": dimensions.get(k.dimension, k.dimension), "key": k.key},
        )
        self._more(report.rollup_values_wrong, limit)
        rate = r.dossiers / r.seconds if r.seconds > 0 else 0.0
        self.stdout.write(
            _(
                "Đã tính lại %(dossiers)s hồ sơ (%(counted)s được tính vào chỉ số) trong %(seconds).1f giây "
                "(%(rate).0f hồ sơ/giây); %(cells)s ô tổng hợp."
            )
            % {
                "dossiers": r.dossiers,
                "counted": r.counted,
                "seconds": report.seconds,
                "rate": rate,
                "cells": len(r.expected),
            }
        )
        if report.clean:
            self.stdout.write(self.style.SUCCESS(_("Khớp: không có chênh lệch.")))
            return
        summary = _(
            "Chênh lệch: %(cells)s giá trị ô, %(rollup)s giá trị tổng hợp tháng, %(facts)s hồ sơ có đóng góp sai, "
            "%(orphans)s đóng góp thừa."
        ) % {
            "cells": values_wrong,
            "rollup": report.rollup_values_wrong,
            "facts": len(r.facts_wrong),
            "orphans": len(report.orphan_facts),
        }
        if options["fix"]:
            rebuild.fix(report)
            self.stdout.write(self.style.SUCCESS(summary + " " + _("Đã sửa theo số tính lại.")))
            return
        raise CommandError(summary + " " + _("Chạy lại với --fix để sửa."), returncode=1)

    def _counters(self, diffs, limit: int | None, line, values) -> None:
        """One line per differing counter of each row (``line % {month, counter, maintained, recomputed,
        **values(key)}``), at most ``limit`` lines."""
        printed = 0
        for d in diffs:
            for counter, maintained, recomputed in d.counters():
                if limit is not None and printed >= limit:
                    return
                printed += 1
                self.stdout.write(
                    line
                    % {
                        "month": f"{d.key.month:%m/%Y}",
                        "counter": counter,
                        "maintained": maintained,
                        "recomputed": recomputed,
                        **values(d.key),
                    }
                )

    def _more(self, total: int, limit: int | None) -> None:
        if limit is not None and total > limit:
            self.stdout.write(_("… và %(n)s chênh lệch khác (--limit 0 để in tất cả)") % {"n": total - limit})


def _cells(contrib) -> str:
    if contrib is None:
        return "—"
    if not contrib:
        return "{}"
    return "; ".join(
        f"{k.month:%m/%Y}/{k.agency_id}/{k.unit_id}/{k.procedure_id}/{k.channel} "
        + ", ".join(f"{n}={v}" for n, v in sorted(cell.items()))
        for k, cell in sorted(contrib.items())
    )
