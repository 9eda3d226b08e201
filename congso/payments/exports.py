"""XLSX exports of the payments app (officials live in Excel)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font


def reconciliation_xlsx(runs) -> bytes:
    wb = Workbook()
    summary = wb.active
    summary.title = _("Tổng hợp")
    summary.append(
        [
            _("Ngày"),
            _("Cổng"),
            _("Khớp"),
            _("Cổng có, congso chưa ghi nhận"),
            _("congso có, cổng không có"),
            _("Lệch"),
            _("Đã tự sửa"),
            _("Lỗi"),
        ]
    )
    details = wb.create_sheet(_("Chi tiết"))
    details.append(
        [
            _("Ngày"),
            _("Cổng"),
            _("Mã tham chiếu"),
            _("Kết quả"),
            _("Số tiền theo cổng"),
            _("Số tiền theo congso"),
            _("Trạng thái theo cổng"),
            _("Trạng thái theo congso"),
            _("Ghi chú"),
        ]
    )
    for run in runs:
        provider = run.get_provider_display()
        summary.append(
            [
                run.day,
                provider,
                run.matched,
                run.missing_local,
                run.missing_provider,
                run.mismatched,
                run.repaired,
                run.error,
            ]
        )
        for line in run.lines.all():
            details.append(
                [
                    run.day,
                    provider,
                    line.reference,
                    line.get_status_display(),
                    line.provider_amount,
                    line.local_amount,
                    line.provider_state,
                    line.local_state,
                    line.note,
                ]
            )
    for sheet in (summary, details):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = 18
            for cell in column[1:]:
                if isinstance(cell.value, int):
                    cell.number_format = "#,##0"
                elif hasattr(cell.value, "year"):
                    cell.number_format = "dd/mm/yyyy"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
