"""A business representative is the applicant of the enterprise's dossiers while the representation is active
(congso/dossiers/access.py), through HTTP: the API (browser session) and the portal's account page.

Persona: Trần Thị Hoa, who represents Công ty TNHH Thương mại và Dịch vụ Sông Mã (tax code 2801234564), as the
identity provider states at her login; clerk Bình at the Hạc Thành one-stop desk receives the dossiers.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from congso.accounts.actions import create_api_token, sync_representations
from congso.accounts.models import User
from congso.accounts.oidc import EnterpriseClaim
from congso.dossiers import actions as A
from congso.dossiers.access import applicant_dossiers, who_for
from congso.dossiers.choices import ApplicantKind
from congso.dossiers.tests.helpers import Api, agency, procedure, user

pytestmark = pytest.mark.django_db

MARRIAGE_STATUS = "1.004873"
DESK = "ttpvhcc-xa-14797"  # Hạc Thành one-stop desk
SONG_MA = EnterpriseClaim("2801234564", "Công ty TNHH Thương mại và Dịch vụ Sông Mã", "legal_representative")
HAM_RONG = EnterpriseClaim("2807654325", "Công ty Cổ phần Nông sản Hàm Rồng", "authorized")


@pytest.fixture
def hoa():
    person = User.objects.create(username="vneid-hoa", full_name="Trần Thị Hoa", account_type="business")
    sync_representations(person, [SONG_MA], now=timezone.now())
    return person


def desk_dossier(id_number: str, name: str, kind: int = ApplicantKind.ENTERPRISE):
    clerk = who_for(user("tiepnhan.hacthanh"))
    return A.create_dossier(
        procedure=procedure(MARRIAGE_STATUS),
        intake_agency=agency(DESK),
        applicant=A.Applicant(
            name=name, id_number=id_number, kind=kind, id_type="mst" if kind == ApplicantKind.ENTERPRISE else "cccd"
        ),
        channel=1,
        source="desk",
        who=clerk,
    )


def as_user(person) -> Api:
    api = Api()
    api.client.force_login(person)
    return api


def listed(api: Api) -> set[int]:
    response = api.get("/dossiers/", limit=100)
    assert response.status_code == 200, response.content
    return {d["id"] for d in response.json()["items"]}


def test_the_representative_sees_and_acts_on_the_enterprise_dossier(hoa):
    d = desk_dossier("2801234564", SONG_MA.name)
    api = as_user(hoa)
    assert api.get(f"/dossiers/{d.pk}").status_code == 200
    assert d.pk in listed(api)
    assert "withdraw" in api.actions(d.pk)
    # The portal's account page lists it among "my" dossiers.
    client = Client()
    client.force_login(hoa)
    page = client.get("/tai-khoan/").content.decode()
    assert SONG_MA.name in page.split("Hồ sơ của tôi")[1]
    api.act(d.pk, "withdraw", {"reason": "Doanh nghiệp rút để bổ sung giấy tờ"})


def test_a_former_representative_loses_access(hoa):
    d = desk_dossier("2801234564", SONG_MA.name)
    api = as_user(hoa)
    assert api.get(f"/dossiers/{d.pk}").status_code == 200
    sync_representations(hoa, [HAM_RONG], now=timezone.now())  # the provider no longer states Sông Mã
    assert api.get(f"/dossiers/{d.pk}").status_code == 404
    assert d.pk not in listed(api)
    assert api.post(f"/dossiers/{d.pk}/actions/withdraw", {"reason": "x"}).status_code == 404
    client = Client()
    client.force_login(hoa)
    assert SONG_MA.name not in client.get("/tai-khoan/").content.decode().split("Hồ sơ của tôi")[1]


def test_only_the_exact_enterprise_counts(hoa):
    other = desk_dossier("2807654325", HAM_RONG.name)  # an enterprise she does not represent
    branch = desk_dossier("2801234564-001", "Chi nhánh Sầm Sơn")  # a branch is another taxpayer
    citizen = desk_dossier("038190001234", "Nguyễn Thị Ánh", kind=ApplicantKind.CITIZEN)
    api = as_user(hoa)
    for d in (other, branch, citizen):
        assert api.get(f"/dossiers/{d.pk}").status_code == 404
    assert listed(api).isdisjoint({other.pk, branch.pk, citizen.pk})


def test_a_dossier_whose_citizen_number_equals_the_tax_code_is_not_the_enterprise_s(hoa):
    # Same digits, but filed for a person (kind 1, another id type): not the enterprise's dossier.
    d = A.create_dossier(
        procedure=procedure(MARRIAGE_STATUS),
        intake_agency=agency(DESK),
        applicant=A.Applicant(name="Ai Đó", id_number="2801234564", kind=ApplicantKind.OTHER, id_type="other"),
        channel=1,
        source="desk",
        who=who_for(user("tiepnhan.hacthanh")),
    )
    assert as_user(hoa).get(f"/dossiers/{d.pk}").status_code == 404


def test_an_api_token_never_acts_as_a_representative(hoa):
    d = desk_dossier("2801234564", SONG_MA.name)
    _token, secret = create_api_token(hoa, agency(DESK), "tích hợp")
    assert Api(token=secret).get(f"/dossiers/{d.pk}").status_code == 404


def test_the_caller_is_built_in_one_query(hoa, django_assert_num_queries):
    sync_representations(hoa, [SONG_MA, HAM_RONG], now=timezone.now())
    with django_assert_num_queries(1):
        who = who_for(hoa)
    assert who.represented_tax_codes == {"2801234564", "2807654325"} and not who.roles
    clerk = user("tiepnhan.hacthanh")
    with django_assert_num_queries(1):
        officer = who_for(clerk)
    assert officer.roles and officer.represented_tax_codes == frozenset()
    desk = agency(DESK).pk
    with django_assert_num_queries(1):
        scoped = who_for(hoa, scope_agency_id=desk)
    assert scoped.represented_tax_codes == frozenset()


def test_the_applicant_list_is_one_query(hoa, django_assert_num_queries):
    mine = desk_dossier("2801234564", SONG_MA.name)
    desk_dossier("2807654325", HAM_RONG.name)
    who = who_for(hoa)
    with django_assert_num_queries(1):
        ids = list(applicant_dossiers(who).values_list("pk", flat=True))
    assert ids == [mine.pk]
