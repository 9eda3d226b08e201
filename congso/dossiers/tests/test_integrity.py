"""Tamper-evident history, idempotent creation, files by content, public lookup, deadline warnings."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from congso.dossiers.actions import check_deadlines
from congso.dossiers.models import Dossier, DossierEvent, IdempotencyRecord, StoredFile
from congso.dossiers.tests.helpers import PDF, Api, agency, create_at_desk, local, procedure, user

pytestmark = pytest.mark.django_db

MARRIAGE_STATUS = "1.004873"


def test_verify_history_names_the_first_event_edited_behind_the_applications_back(clock):
    clerk = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk, MARRIAGE_STATUS, "ttpvhcc-xa-14797", id_number="038190006666")
    clerk.act(d["id"], "accept")
    clerk.act(d["id"], "transfer")
    out = io.StringIO()
    call_command("verify_history", stdout=out)
    assert "Toàn vẹn" in out.getvalue()
    accept = DossierEvent.objects.get(dossier_id=d["id"], action="accept")
    with connection.cursor() as cursor:  # an UPDATE straight in the database, as an intruder would
        cursor.execute(
            f"UPDATE {DossierEvent._meta.db_table} SET data = %s WHERE id = %s",
            [json.dumps({**accept.data, "appointment_at": "2027-01-01T00:00:00+00:00"}), accept.pk],
        )
    code = Dossier.objects.get(pk=d["id"]).code
    with pytest.raises(CommandError) as caught:
        call_command("verify_history", stdout=io.StringIO())
    assert str(caught.value) == (
        f"Lịch sử bị thay đổi: hồ sơ {code}, sự kiện số 2 (id {accept.pk}): nội dung sự kiện đã bị sửa (mã băm không khớp)"
    )


def test_verify_history_catches_a_deleted_last_event(clock):
    clerk = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk, MARRIAGE_STATUS, "ttpvhcc-xa-14797", id_number="038190007777")
    clerk.act(d["id"], "accept")
    last = DossierEvent.objects.filter(dossier_id=d["id"]).order_by("-seq").first()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {DossierEvent._meta.db_table} WHERE id = %s", [last.pk])
    with pytest.raises(CommandError, match="sự kiện bị xóa hoặc thêm"):
        call_command("verify_history", stdout=io.StringIO())


def test_a_replayed_create_returns_the_first_answer_and_a_different_body_is_a_409(clock):
    clerk = Api("tiepnhan.hacthanh")
    body = {
        "procedure_id": procedure(MARRIAGE_STATUS).pk,
        "intake_agency_id": agency("ttpvhcc-xa-14797").pk,
        "channel": 1,
        "applicant": {"name": "Trần Văn Cường", "id_number": "038190008888"},
    }
    first = clerk.post("/dossiers/", body, HTTP_IDEMPOTENCY_KEY="desk-1-0001")
    again = clerk.post("/dossiers/", body, HTTP_IDEMPOTENCY_KEY="desk-1-0001")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    other = clerk.post("/dossiers/", {**body, "copies": 2}, HTTP_IDEMPOTENCY_KEY="desk-1-0001")
    assert other.status_code == 409 and other["Content-Type"] == "application/problem+json"
    assert "đã được dùng cho một yêu cầu khác" in other.json()["detail"]
    assert Dossier.objects.filter(applicant_id_number="038190008888").count() == 1
    assert IdempotencyRecord.objects.filter(key="desk-1-0001").count() == 1


def test_bad_input_is_a_vietnamese_problem_and_nothing_is_created(clock):
    clerk = Api("tiepnhan.hacthanh")
    before = Dossier.objects.count()
    response = clerk.post("/dossiers/", {"procedure_id": "abc", "applicant": {}})
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"procedure_id", "intake_agency_id", "applicant.name", "applicant.id_number"} <= fields
    response = clerk.post(
        "/dossiers/",
        {
            "procedure_id": procedure(MARRIAGE_STATUS).pk,
            "intake_agency_id": agency("ttpvhcc-xa-14797").pk,
            "channel": 1,
            "applicant": {"name": "  ", "id_number": "12 34"},
        },
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"applicant.name", "applicant.id_number"}
    assert Dossier.objects.count() == before


def test_files_are_typed_by_content_stored_once_and_an_exe_named_pdf_is_refused(clock, settings, tmp_path):
    settings.CONGSO_FILES_DIR = tmp_path
    clerk = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk, MARRIAGE_STATUS, "ttpvhcc-xa-14797", id_number="038190001111")
    bad = clerk.upload(d["id"], data=b"MZ\x90\x00\x03" + b"\x00" * 100, filename="to-khai.pdf")
    assert bad.status_code == 422
    assert bad.json()["detail"] == (
        "Loại tệp không được chấp nhận (nội dung là application/x-msdownload). "
        "Chỉ nhận các loại: PDF, JPEG, PNG, Word (DOCX), Excel (XLSX)."
    )
    empty = clerk.upload(d["id"], data=b"", filename="rong.pdf")
    assert empty.status_code == 422
    settings.CONGSO_MAX_UPLOAD_BYTES = 100
    big = clerk.upload(d["id"], data=PDF + b"%" * 200, filename="lon.pdf")
    assert big.status_code == 422 and "Tệp quá lớn" in big.json()["detail"]
    settings.CONGSO_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    a = clerk.upload(d["id"], filename="CCCD.jpg.pdf").json()  # the name lies; the content is a PDF
    b = clerk.upload(d["id"], filename="ban-sao.pdf").json()
    assert a["content_type"] == "application/pdf" and a["sha256"] == b["sha256"]
    assert StoredFile.objects.filter(sha256=a["sha256"]).count() == 1
    blob = tmp_path / a["sha256"][:2] / a["sha256"][2:4] / a["sha256"]
    assert blob.read_bytes() == PDF and not (blob.stat().st_mode & 0o222)  # write-once
    download = clerk.client.get(f"/api/v1/dossiers/{d['id']}/files/{a['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert Api("tiepnhan.samson").client.get(f"/api/v1/dossiers/{d['id']}/files/{a['id']}").status_code == 404


def test_public_lookup_shows_the_status_only_with_the_right_id_digits_and_rate_limits_guessing(clock, settings):
    settings.CONGSO_LOOKUP_FAILURES_PER_MINUTE = 5
    clerk = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk, MARRIAGE_STATUS, "ttpvhcc-xa-14797", id_number="038190002468")
    d = clerk.act(d["id"], "accept")
    anonymous = Client(REMOTE_ADDR="203.0.113.9")
    found = anonymous.get("/api/v1/lookup/", {"code": d["code"], "id_last4": "2468"})
    assert found.status_code == 200
    assert set(found.json()) == {
        "code",
        "procedure_name",
        "receiving_agency",
        "state_label",
        "national_status",
        "accepted_at",
        "appointment_at",
        "returned_at",
    }
    assert "Ánh" not in found.content.decode()  # no applicant data leaks
    for last4 in ("0000", "1111", "2222", "3333", "4444"):
        miss = anonymous.get("/api/v1/lookup/", {"code": d["code"], "id_last4": last4})
        assert miss.status_code == 404
    blocked = anonymous.get("/api/v1/lookup/", {"code": d["code"], "id_last4": "2468"})
    assert blocked.status_code == 429 and blocked["Retry-After"]
    assert blocked.json()["title"] == "Quá nhiều lần tra cứu"
    other_client = Client(REMOTE_ADDR="203.0.113.10")
    assert other_client.get("/api/v1/lookup/", {"code": d["code"], "id_last4": "2468"}).status_code == 200


def test_the_deadline_check_warns_a_working_day_before_and_marks_overdue_once_each(clock):
    clerk = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk, MARRIAGE_STATUS, "ttpvhcc-xa-14797", id_number="038190003579")
    d = clerk.act(d["id"], "accept")  # due Fri 4 Dec 08:00
    assert check_deadlines(local(2026, 12, 2, 8, 0)) == (0, 0)
    assert check_deadlines(local(2026, 12, 3, 9, 0)) == (1, 0)
    assert check_deadlines(local(2026, 12, 3, 10, 0)) == (0, 0)
    assert check_deadlines(local(2026, 12, 4, 9, 0)) == (0, 1)
    assert check_deadlines(local(2026, 12, 7, 9, 0)) == (0, 0)
    actions = [e.action for e in DossierEvent.objects.filter(dossier_id=d["id"]).order_by("seq")]
    assert actions[-2:] == ["due_soon", "overdue"]


def test_form_01_prints_the_code_the_applicant_and_the_appointment(clock):
    from pypdf import PdfReader

    clerk = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk, MARRIAGE_STATUS, "ttpvhcc-xa-14797", id_number="038190001357", name="Phạm Thị Hường")
    assert clerk.client.get(f"/api/v1/dossiers/{d['id']}/forms/01.pdf").status_code == 404  # not accepted yet
    d = clerk.act(d["id"], "accept")
    pdf = clerk.client.get(f"/api/v1/dossiers/{d['id']}/forms/01.pdf")
    assert pdf.status_code == 200
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text.upper()
    assert d["code"] in text and "Phạm Thị Hường" in text
    assert "08:00, ngày 04/12/2026" in text  # the appointment, local time


def test_a_new_workflow_version_never_changes_a_running_dossier(clock):
    from django.conf import settings as django_settings

    from congso.catalog.actions import publish_workflow

    clerk = Api("tiepnhan.hacthanh")
    running = clerk.act(
        create_at_desk(clerk, MARRIAGE_STATUS, "ttpvhcc-xa-14797", id_number="038190000001")["id"], "accept"
    )
    raw = json.loads((django_settings.DATA_DIR / "workflows" / "commune-standard.json").read_text(encoding="utf-8"))
    raw["steps"][0]["actions"] = [{"action": "transfer", "to": "appraise"}]  # v2 skips the leader's assignment
    raw["steps"].pop(1)
    newer, created = publish_workflow(raw)
    assert created
    d = clerk.act(running["id"], "transfer")
    assert d["workflow_version"] == running["workflow_version"] and d["current_step"] == "assign"
    fresh = clerk.act(
        create_at_desk(clerk, MARRIAGE_STATUS, "ttpvhcc-xa-14797", id_number="038190000002")["id"], "accept"
    )
    assert fresh["workflow_version"] == newer.version
    assert clerk.act(fresh["id"], "transfer")["current_step"] == "appraise"


_TX = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def test_create_accept_and_the_list_keep_their_query_budgets(clock, django_assert_max_num_queries):
    """DESIGN §4.6: the hot path of the desk stays cheap (measured figures in bench/README.md)."""
    from congso.accounts.actions import create_api_token

    _token, secret = create_api_token(user("tiepnhan.hacthanh"), agency("ttpvhcc-xa-14797"), "query budget")
    integrator = Api(token=secret)
    body = {
        "procedure_id": procedure(MARRIAGE_STATUS).pk,
        "intake_agency_id": agency("ttpvhcc-xa-14797").pk,
        "channel": 1,
        "applicant": {"name": "Hồ Văn Đếm", "id_number": "038190009876"},
    }
    warm = integrator.post("/dossiers/", body).json()  # warm the token, calendar, workflow and agency caches
    integrator.act(warm["id"], "accept")
    with django_assert_max_num_queries(12):
        created = integrator.post("/dossiers/", {**body, "copies": 2}, HTTP_IDEMPOTENCY_KEY="budget-1").json()
    # Statements only, not the savepoints of the test transaction (their number differs between SQLite and
    # PostgreSQL). Includes the DVCQG outbox written in the same transaction (sync state, the events before the
    # code, the rows: congso/national/outbox.py) and the KPI summaries (snapshot, fact swap, cell upsert, rollup
    # upsert: congso/kpi/actions.py). Measured: 13 on PostgreSQL, 14 on SQLite (one more read of the row).
    with CaptureQueriesContext(connection) as accepted:
        integrator.act(created["id"], "accept")
    statements = [q["sql"] for q in accepted.captured_queries if not q["sql"].lstrip().upper().startswith(_TX)]
    assert len(statements) <= 14, "\n".join(statements)
    with django_assert_max_num_queries(3):
        assert integrator.get("/dossiers/", limit=50).status_code == 200
