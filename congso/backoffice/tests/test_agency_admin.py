"""Administration through HTTP: an agency administrator manages their agency's staff and reads its procedures;
the province administrator also manages the working calendar and publishes workflow versions."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from congso.accounts.choices import AccountType, Role
from congso.accounts.models import StaffAssignment, User
from congso.catalog.models import WorkflowDefinition, WorkflowImmutableError
from congso.catalog.selectors import latest_workflows
from congso.dossiers.access import who_for
from congso.dossiers.tests.helpers import agency, user
from congso.workcalendar.models import CalendarOverride
from congso.workcalendar.selectors import current_calendar, forget_calendar

pytestmark = pytest.mark.django_db

ADMIN = "/mot-cua/quan-tri"
HACTHANH = "ubnd-xa-14797"
SAMSON = "ubnd-xa-16531"


def login(username: str) -> Client:
    c = Client()
    c.force_login(user(username))
    return c


@pytest.fixture
def admin_oanh() -> Client:
    """Phạm Thị Oanh, agency administrator of the Hạc Thành commune People's Committee."""
    return login("quantri.hacthanh")


@pytest.fixture
def province_admin() -> Client:
    return login("quantri")


def staff_url(slug: str, tail: str = "") -> str:
    return f"{ADMIN}/co-quan/{agency(slug).pk}/can-bo/{tail}"


def assignment(username: str, slug: str, role: str) -> StaffAssignment:
    return StaffAssignment.objects.get(user__username=username, agency__slug=slug, role=role)


# ---- staff and roles ----------------------------------------------------------------------------------------------
def test_an_agency_admin_sees_the_staff_of_their_own_agency_with_their_roles(admin_oanh, django_assert_max_num_queries):
    r = admin_oanh.get(f"{ADMIN}/")
    assert r.status_code == 302
    r = admin_oanh.get(r["Location"])
    assert r.status_code == 302 and r["Location"] == staff_url(HACTHANH)
    with django_assert_max_num_queries(8):
        page = admin_oanh.get(staff_url(HACTHANH))
    html = page.content.decode()
    assert page.status_code == 200
    for name, role in (
        ("Lê Văn Nam", "Chuyên viên"),
        ("Trần Văn Hùng", "Lãnh đạo"),
        ("Phạm Thị Oanh", "Quản trị cơ quan"),
    ):
        assert name in html and role in html
    assert "Hoàng Thị Thu" not in html  # Sầm Sơn's staff
    assert 'value="province_admin"' not in html and 'value="auditor"' not in html


def test_an_agency_admin_creates_a_specialist_account_and_sees_its_password_once(admin_oanh):
    r = admin_oanh.post(
        staff_url(HACTHANH, "tao-tai-khoan/"),
        {
            "username": "chuyenvien2.hacthanh",
            "full_name": "Vũ Văn Khoa",
            "email": "khoa@hacthanh.gov.vn",
            "role": "specialist",
            "title": "Công chức Văn hóa - Xã hội",
        },
    )
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]
    password = r.content.decode().split('<code class="password">')[1].split("</code>")[0]
    khoa = User.objects.get(username="chuyenvien2.hacthanh")
    assert khoa.check_password(password) and len(password) == 16
    assert khoa.account_type == AccountType.STAFF and khoa.full_name == "Vũ Văn Khoa"
    assert who_for(khoa).has(agency(HACTHANH).pk, Role.SPECIALIST)
    assert password not in admin_oanh.get(staff_url(HACTHANH)).content.decode()  # shown once


def test_an_invalid_account_is_explained_and_what_was_typed_is_kept(admin_oanh):
    before = User.objects.count()
    r = admin_oanh.post(
        staff_url(HACTHANH, "tao-tai-khoan/"),
        {
            "username": "chuyenvien.hacthanh",
            "full_name": "Vũ Văn Khoa",
            "email": "không-phải-thư",
            "role": "specialist",
        },
    )
    html = r.content.decode()
    assert r.status_code == 422
    assert "đã được dùng" in html and "Thư điện tử không hợp lệ" in html
    assert 'value="Vũ Văn Khoa"' in html
    assert User.objects.count() == before


def test_an_agency_admin_grants_a_role_to_an_existing_account(admin_oanh):
    r = admin_oanh.post(staff_url(HACTHANH, "cap-vai-tro/"), {"username": "chuyenvien.hacthanh", "role": "leader"})
    assert r.status_code == 302
    assert assignment("chuyenvien.hacthanh", HACTHANH, Role.LEADER).active
    assert "Đã cấp vai trò" in admin_oanh.get(r["Location"]).content.decode()
    again = admin_oanh.post(staff_url(HACTHANH, "cap-vai-tro/"), {"username": "chuyenvien.hacthanh", "role": "leader"})
    assert again.status_code == 409 and "đã có vai trò" in again.content.decode()


def test_a_citizen_account_cannot_be_given_a_staff_role(admin_oanh):
    r = admin_oanh.post(staff_url(HACTHANH, "cap-vai-tro/"), {"username": "congdan.an", "role": "specialist"})
    assert r.status_code == 422 and "không phải tài khoản cán bộ" in r.content.decode()
    assert not StaffAssignment.objects.filter(user__username="congdan.an").exists()


def test_an_agency_admin_withdraws_and_restores_a_role(admin_oanh):
    nam = assignment("chuyenvien.hacthanh", HACTHANH, Role.SPECIALIST)
    r = admin_oanh.post(f"{ADMIN}/phan-cong/{nam.pk}/thu-hoi/")
    assert r.status_code == 302
    nam.refresh_from_db()
    assert not nam.active
    assert not who_for(user("chuyenvien.hacthanh")).has(nam.agency_id, Role.SPECIALIST)
    assert "Đã thu hồi vai trò" in admin_oanh.get(r["Location"]).content.decode()
    assert admin_oanh.post(f"{ADMIN}/phan-cong/{nam.pk}/khoi-phuc/").status_code == 302
    nam.refresh_from_db()
    assert nam.active


@pytest.mark.parametrize("role", ["province_admin", "auditor"])
def test_an_agency_admin_cannot_grant_a_province_wide_role(admin_oanh, role):
    r = admin_oanh.post(staff_url(HACTHANH, "cap-vai-tro/"), {"username": "chuyenvien.hacthanh", "role": role})
    assert r.status_code == 403
    assert "chỉ quản trị cấp tỉnh được làm" in r.content.decode()
    assert not StaffAssignment.objects.filter(user__username="chuyenvien.hacthanh", role=role).exists()
    before = User.objects.count()
    r = admin_oanh.post(
        staff_url(HACTHANH, "tao-tai-khoan/"),
        {"username": "moi.hacthanh", "full_name": "Người Mới", "email": "moi@hacthanh.gov.vn", "role": role},
    )
    assert r.status_code == 403 and User.objects.count() == before


def test_another_communes_agency_and_its_staff_are_a_404(admin_oanh):
    thu = assignment("chuyenvien.samson", SAMSON, Role.SPECIALIST)
    assert admin_oanh.get(staff_url(SAMSON)).status_code == 404
    assert admin_oanh.get(f"{ADMIN}/can-bo/", {"co-quan": agency(SAMSON).pk}).status_code == 404
    assert admin_oanh.get(f"{ADMIN}/co-quan/{agency(SAMSON).pk}/thu-tuc/").status_code == 404
    r = admin_oanh.post(staff_url(SAMSON, "cap-vai-tro/"), {"username": "chuyenvien.hacthanh", "role": "specialist"})
    assert r.status_code == 404
    assert admin_oanh.post(f"{ADMIN}/phan-cong/{thu.pk}/thu-hoi/").status_code == 404
    thu.refresh_from_db()
    assert thu.active
    assert not StaffAssignment.objects.filter(user__username="chuyenvien.hacthanh", agency__slug=SAMSON).exists()


def test_an_agency_admin_cannot_withdraw_their_own_last_admin_role(admin_oanh):
    own = assignment("quantri.hacthanh", HACTHANH, Role.AGENCY_ADMIN)
    r = admin_oanh.post(f"{ADMIN}/phan-cong/{own.pk}/thu-hoi/")
    assert r.status_code == 409
    assert "không thể tự thu hồi" in r.content.decode()
    own.refresh_from_db()
    assert own.active


def test_other_staff_and_citizens_get_no_administration():
    for username in ("chuyenvien.hacthanh", "kiemtra", "congdan.an"):
        c = login(username)
        assert c.get(f"{ADMIN}/").status_code == 404, username
        assert c.get(staff_url(HACTHANH)).status_code == 404, username


def test_the_province_admin_manages_any_agency_including_province_wide_roles(province_admin):
    page = province_admin.get(staff_url(SAMSON))
    assert page.status_code == 200 and 'name="co-quan"' in page.content.decode()
    r = province_admin.post(staff_url(SAMSON, "cap-vai-tro/"), {"username": "chuyenvien.samson", "role": "auditor"})
    assert r.status_code == 302
    assert assignment("chuyenvien.samson", SAMSON, Role.AUDITOR).active


# ---- the agency's procedures --------------------------------------------------------------------------------------
def test_the_procedures_page_lists_workflow_versions_and_formatted_fees(admin_oanh, django_assert_max_num_queries):
    r = admin_oanh.get(f"{ADMIN}/thu-tuc/")
    assert r.status_code == 302
    with django_assert_max_num_queries(10):
        page = admin_oanh.get(r["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Chứng thực chữ ký" in html or "chứng thực chữ ký" in html
    assert '<span class="amount">10.000</span>' in html
    assert '<span class="amount">50.000</span>' in html and ">50000<" not in html
    commune = latest_workflows()["commune-standard"]
    assert f"commune-standard v{commune.version}" in html


# ---- the working calendar -----------------------------------------------------------------------------------------
def test_only_the_province_admin_sees_the_calendar_and_workflow_pages(province_admin, admin_oanh):
    for path in (f"{ADMIN}/lich-lam-viec/", f"{ADMIN}/quy-trinh/"):
        assert province_admin.get(path).status_code == 200
        assert admin_oanh.get(path).status_code == 404
        assert login("kiemtra").get(path).status_code == 404
    assert "Ngày Văn hóa Việt Nam" in province_admin.get(f"{ADMIN}/lich-lam-viec/").content.decode()
    assert admin_oanh.post(f"{ADMIN}/lich-lam-viec/", {"date": "2029-03-05"}).status_code == 404


def _a_future_working_day() -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=30)
    calendar = current_calendar()
    while not calendar.is_working_day(day) or CalendarOverride.objects.filter(date=day).exists():
        day += dt.timedelta(days=1)
    assert day.year <= settings.CONGSO_CALENDAR_YEARS[1]
    return day


def _due(client, start: dt.datetime, days: int) -> dict:
    r = client.post("/api/v1/calendar/due", {"start": start.isoformat(), "days": days}, content_type="application/json")
    assert r.status_code == 200
    return r.json()


def test_a_new_day_off_moves_due_dates_at_once(province_admin):
    day = _a_future_working_day()
    eve = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(16, 30))
    before = _due(Client(), eve, 1)
    assert before["due"].startswith(day.isoformat())
    r = province_admin.post(
        f"{ADMIN}/lich-lam-viec/",
        {
            "date": day.isoformat(),
            "kind": "holiday",
            "name": "Nghỉ phòng chống bão",
            "source_document": "Công văn 1/UBND",
            "status": "confirmed",
        },
    )
    assert r.status_code == 302
    assert "là ngày nghỉ" in province_admin.get(r["Location"]).content.decode()
    forget_calendar()  # as the project conftest does between tests
    assert not current_calendar().is_working_day(day)
    after = _due(Client(), eve, 1)
    assert after["due"] > before["due"]
    assert {"date": day.isoformat(), "reason": "Nghỉ phòng chống bão (Công văn 1/UBND)"} in after["skipped"]


def test_a_swapped_saturday_becomes_a_working_day(province_admin):
    day = timezone.localdate() + dt.timedelta(days=60)
    while day.weekday() != 5 or not current_calendar().why_not_working(day) == "Thứ Bảy":
        day += dt.timedelta(days=1)
    r = province_admin.post(
        f"{ADMIN}/lich-lam-viec/", {"date": day.isoformat(), "kind": "working_day", "name": "Làm bù"}
    )
    assert r.status_code == 302
    forget_calendar()
    assert current_calendar().is_working_day(day)


def test_a_past_day_or_a_change_that_changes_nothing_is_refused(province_admin):
    count = CalendarOverride.objects.count()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    r = province_admin.post(
        f"{ADMIN}/lich-lam-viec/", {"date": yesterday.isoformat(), "kind": "holiday", "name": "Nghỉ đột xuất"}
    )
    html = r.content.decode()
    assert r.status_code == 422
    assert "Không được điều chỉnh ngày đã qua" in html and 'value="Nghỉ đột xuất"' in html
    day = _a_future_working_day()
    r = province_admin.post(
        f"{ADMIN}/lich-lam-viec/", {"date": day.isoformat(), "kind": "working_day", "name": "Làm bù"}
    )
    assert r.status_code == 422 and "vốn đã là ngày làm việc" in r.content.decode()
    r = province_admin.post(f"{ADMIN}/lich-lam-viec/", {"date": "31/02/2027", "kind": "holiday", "name": "X"})
    assert r.status_code == 422 and "Ngày không hợp lệ" in r.content.decode()
    assert CalendarOverride.objects.count() == count


# ---- workflow versions --------------------------------------------------------------------------------------------
def _draft(change) -> WorkflowDefinition:
    current = latest_workflows()["commune-standard"]
    spec = json.loads(json.dumps(current.spec))
    change(spec)
    return WorkflowDefinition.objects.create(
        key=current.key, version=current.version + 1, name=current.name, spec=spec, spec_sha256=""
    )


def test_the_province_admin_publishes_a_draft_version_which_then_never_changes(province_admin):
    draft = _draft(lambda spec: spec["steps"][0].update(name="Chuyển hồ sơ điện tử ngay"))
    page = province_admin.get(f"{ADMIN}/quy-trinh/").content.decode()
    assert f"quy-trinh/{draft.pk}/ban-hanh/" in page and "Bản nháp" in page
    r = province_admin.post(f"{ADMIN}/quy-trinh/{draft.pk}/ban-hanh/")
    assert r.status_code == 302
    assert "Đã ban hành quy trình" in province_admin.get(r["Location"]).content.decode()
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_at and len(draft.spec_sha256) == 64
    assert latest_workflows()["commune-standard"].pk == draft.pk
    again = province_admin.post(f"{ADMIN}/quy-trinh/{draft.pk}/ban-hanh/")
    assert again.status_code == 409 and "không được sửa" in again.content.decode()
    with pytest.raises(WorkflowImmutableError):
        draft.name = "Sửa trộm"
        draft.save()


def test_an_invalid_draft_is_refused_with_the_validators_messages(province_admin):
    in_force = latest_workflows()["commune-standard"].pk
    draft = _draft(lambda spec: spec.update(steps=[s for s in spec["steps"] if s.get("kind") != "release"]))
    r = province_admin.post(f"{ADMIN}/quy-trinh/{draft.pk}/ban-hanh/")
    assert r.status_code == 422
    html = r.content.decode()
    assert "không hợp lệ" in html
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert latest_workflows()["commune-standard"].pk == in_force


def test_an_agency_admin_cannot_publish(admin_oanh):
    draft = _draft(lambda spec: None)
    assert admin_oanh.post(f"{ADMIN}/quy-trinh/{draft.pk}/ban-hanh/").status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"
