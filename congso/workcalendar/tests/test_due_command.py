"""``python manage.py due`` as an officer would run it."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from congso.workcalendar.actions import upsert_override

pytestmark = pytest.mark.django_db


def run_due(*args) -> list[str]:
    out = io.StringIO()
    call_command("due", *args, stdout=out)
    return out.getvalue().splitlines()


def test_it_answers_across_tet_2026():
    lines = run_due("2026-02-13T16:30", "--days", "3")
    assert lines[0] == "2026-02-25T16:30:00+07:00"
    assert "  2026-02-17 (Thứ Ba): Tết Nguyên Đán" in lines
    assert any(line.startswith("  2026-02-14 (Thứ Bảy)") for line in lines)


def test_it_names_the_swapped_saturday_it_counted():
    lines = run_due("2026-08-21T16:00", "--hours", "2")
    assert lines[0] == "2026-08-22T08:00:00+07:00"
    assert any(line.startswith("  2026-08-22 (Thứ Bảy)") for line in lines)


def test_it_explains_a_receipt_outside_office_hours():
    lines = run_due("2026-03-15T10:00", "--hours", "4")
    assert lines[0] == "2026-03-16T11:00:00+07:00"
    assert any("ngoài giờ làm việc" in line for line in lines)


def test_it_honours_an_explicit_offset():
    assert run_due("2026-03-10T02:00+00:00", "--hours", "1")[0] == "2026-03-10T10:00:00+07:00"


def test_an_override_wins_over_the_seeded_calendar():
    upsert_override(date=dt.date(2026, 3, 11), kind="holiday", name="Nghỉ đột xuất", source_document="QĐ 1/QĐ-UBND")
    lines = run_due("2026-03-10T09:00", "--days", "1")
    assert lines[0] == "2026-03-12T09:00:00+07:00"
    assert "  2026-03-11 (Thứ Tư): Nghỉ đột xuất (QĐ 1/QĐ-UBND)" in lines
    upsert_override(date=dt.date(2026, 3, 14), kind="working_day", name="Làm bù")
    assert run_due("2026-03-13T16:00", "--hours", "2")[0] == "2026-03-14T08:00:00+07:00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2026-02-31T09:00", "--days", "1"], "không hợp lệ"),
        (["hôm nay", "--days", "1"], "ISO 8601"),
        (["2026-03-10T09:00", "--days", "ba"], "phải là một số"),
        (["2026-03-10T09:00", "--days", "-1"], "không âm"),
        (["2026-03-10T09:00", "--hours", "nan"], "không âm"),
        (["2026-03-10T09:00", "--days", "99999"], "quá lớn"),
        (["2026-03-10T09:00"], "Cần chỉ rõ thời hạn"),
        (["1999-03-10T09:00", "--days", "1"], "từ năm 2020"),
        (["2026-03-10T09:00", "--calendar-days", "1.5"], "số nguyên"),
    ],
)
def test_bad_arguments_get_a_vietnamese_message(args, message):
    with pytest.raises(CommandError, match=message):
        run_due(*args)


def test_bad_arguments_exit_non_zero(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "due", "2026-13-01", "--days", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "Thời điểm bắt đầu không hợp lệ" in result.stderr
