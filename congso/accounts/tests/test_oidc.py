"""Citizens and business representatives log in with the national identity provider (VNeID-style OIDC).

Everything goes through HTTP: the portal's pages, the simulated provider's pages and endpoints, and the
portal's server-to-server calls to the provider (in process, see congso/accounts/idp_sim/testing.py).
Personas are the simulator's: citizen Lê Văn Minh ("congdan") and representative Trần Thị Hoa ("doanhnghiep").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import pytest
from django.test import Client
from joserfc.jwk import RSAKey

from congso.accounts import actions, oidc
from congso.accounts.choices import AccountType
from congso.accounts.idp_sim import identities
from congso.accounts.idp_sim import keys as sim_keys
from congso.accounts.idp_sim import testing as sim
from congso.accounts.models import ExternalIdentity, Representation, User
from congso.accounts.selectors import representations_of
from congso.accounts.tests.conftest import Flow

pytestmark = pytest.mark.django_db

MINH = identities.by_key("congdan")
HOA = identities.by_key("doanhnghiep")
CANCELLED = "Bạn đã hủy đăng nhập bằng tài khoản định danh điện tử (VNeID)."
BAD_STATE = "Phiên đăng nhập bằng VNeID không hợp lệ hoặc đã hết hạn."
UNREACHABLE = "Không kết nối được với hệ thống định danh điện tử (VNeID)."
BAD_SIGNATURE = "Không xác minh được chữ ký số trên thông tin đăng nhập từ VNeID"
EXPIRED = "Thông tin đăng nhập từ VNeID đã hết hạn."
NOT_FOR_US = "Thông tin đăng nhập từ VNeID không dành cho cổng dịch vụ công này"
STAFF_REFUSED = "Tài khoản cán bộ, công chức không đăng nhập bằng VNeID"


def text(response) -> str:
    return response.content.decode()


def people() -> int:
    return User.objects.count()


def assert_on_login_page_with(response, message: str) -> None:
    assert response.redirect_chain[-1][0] == "/tai-khoan/dang-nhap/", response.redirect_chain
    page = text(response)
    assert message in page and 'role="alert"' in page
    assert "_auth_user_id" not in response.wsgi_request.session


def rewrite_id_token(idp, forge) -> None:
    """Let the provider answer, then replace its ID token with ``forge(header, claims, original)``."""

    def rewrite(body: dict) -> dict:
        header, claims = sim.read_claims(body["id_token"])
        return {**body, "id_token": forge(header, claims, body["id_token"])}

    idp.rewrite_token = rewrite


def resign(**changes):
    """A forger holding the provider's own key (the checks after the signature must catch it)."""
    return lambda header, claims, _original: sim.sign(header, {**claims, **changes}, sim_keys.signing_key())


# ---- the happy paths ----------------------------------------------------------------------------------------
def test_a_citizen_logs_in_with_vneid_and_gets_a_verified_account(idp):
    before = people()
    page = Flow(Client()).login("congdan")
    assert page.redirect_chain[-1][0] == "/tai-khoan/" and page.status_code == 200
    html = text(page)
    assert "Chào Lê Văn Minh!" in html and "038085012345" in html and "14/03/1985" in html
    assert "Danh tính đã được xác thực qua tài khoản định danh điện tử (VNeID)" in html
    assert people() == before + 1
    minh = User.objects.get(id_number="038085012345")
    assert (minh.full_name, minh.date_of_birth, minh.phone) == ("Lê Văn Minh", dt.date(1985, 3, 14), "0912000111")
    assert minh.address == "Số 15 phố Lê Hoàn, phường Hạc Thành, tỉnh Thanh Hóa"
    assert minh.account_type == AccountType.CITIZEN and minh.identity_verified_at is not None
    assert not minh.has_usable_password() and not minh.is_staff
    link = ExternalIdentity.objects.get(user=minh)
    assert (link.issuer, link.subject) == ("http://127.0.0.1:8000/sim/vneid", MINH.subject)
    # The round trip the portal made on the server side: discovery, keys, token, userinfo.
    assert idp.requests == [
        "GET /sim/vneid/.well-known/openid-configuration",
        "POST /sim/vneid/token",
        "GET /sim/vneid/jwks",
        "GET /sim/vneid/userinfo",
    ]


def test_the_authorization_request_carries_state_nonce_and_a_pkce_challenge(idp):
    flow = Flow(Client())
    flow.start()
    params = flow.authorize_params()
    assert params["response_type"] == "code" and params["client_id"] == "congso"
    assert params["redirect_uri"] == "http://127.0.0.1:8000/tai-khoan/vneid/callback/"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 43 and len(params["nonce"]) >= 43 and params["state"] != params["nonce"]
    assert "openid" in params["scope"].split()
    page = flow.client.get(flow.authorize_url)
    assert page.status_code == 200 and "MÔ PHỎNG" in text(page)
    assert "Lê Văn Minh" in text(page) and "Trần Thị Hoa" in text(page) and ">Hủy</button>" in text(page)


def test_logging_in_again_finds_the_same_account(idp):
    Flow(Client()).login("congdan")
    minh = User.objects.get(id_number=MINH.id_number)
    first = minh.identity_verified_at
    before = people()
    page = Flow(Client()).login("congdan")
    assert page.wsgi_request.user.pk == minh.pk and people() == before
    minh.refresh_from_db()
    assert minh.identity_verified_at > first
    assert ExternalIdentity.objects.filter(user=minh).count() == 1


def test_a_business_representative_sees_the_enterprises_she_represents(idp):
    page = Flow(Client()).login("doanhnghiep")
    html = text(page)
    assert "Doanh nghiệp tôi đại diện" in html
    assert "Công ty TNHH Thương mại và Dịch vụ Sông Mã" in html and "2801234564" in html
    assert "Người đại diện theo pháp luật" in html and "Người được ủy quyền" in html
    hoa = User.objects.get(id_number=HOA.id_number)
    assert hoa.account_type == AccountType.BUSINESS
    assert [(r.tax_code, r.role, r.source) for r in representations_of(hoa)] == [
        ("2807654325", "authorized", "oidc"),
        ("2801234564", "legal_representative", "oidc"),
    ]


def test_representations_follow_what_the_provider_states_at_each_login(idp, monkeypatch):
    Flow(Client()).login("doanhnghiep")
    hoa = User.objects.get(id_number=HOA.id_number)
    # The provider now says: Sông Mã renamed, Hàm Rồng no longer, a new branch of Sông Mã; a bad code is dropped.
    changed = dataclasses.replace(
        HOA,
        enterprises=(
            {"tax_code": "2801234564", "name": "Công ty TNHH Sông Mã Xanh", "role": "legal_representative"},
            {"tax_code": "2801234564-001", "name": "Chi nhánh Sầm Sơn", "role": "authorized"},
            {"tax_code": "2801234567", "name": "Mã số thuế sai", "role": "legal_representative"},
        ),
    )
    monkeypatch.setattr(identities, "IDENTITIES", (MINH, changed))
    page = Flow(Client()).login("doanhnghiep")
    html = text(page)
    assert "Công ty TNHH Sông Mã Xanh" in html and "2801234564-001" in html
    assert "Hàm Rồng" not in html.split("Doanh nghiệp tôi đại diện")[1].split("Hồ sơ của tôi")[0]
    assert [(r.tax_code, r.enterprise_name) for r in representations_of(hoa)] == [
        ("2801234564-001", "Chi nhánh Sầm Sơn"),
        ("2801234564", "Công ty TNHH Sông Mã Xanh"),
    ]
    former = Representation.objects.get(user=hoa, tax_code="2807654325")
    assert former.active is False  # kept, inactive: the history of who represented whom stays
    # No enterprise any more: every representation inactive, the account a citizen's.
    monkeypatch.setattr(identities, "IDENTITIES", (MINH, dataclasses.replace(HOA, enterprises=())))
    Flow(Client()).login("doanhnghiep")
    hoa.refresh_from_db()
    assert representations_of(hoa) == [] and hoa.account_type == AccountType.CITIZEN
    assert Representation.objects.filter(user=hoa).count() == 3


def register_local(email: str, name: str) -> Client:
    c = Client()
    r = c.post(
        "/tai-khoan/dang-ky/",
        {"full_name": name, "email": email, "phone": "", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert r.status_code == 302
    return c


PASSWORD = "hoa-sen-mua-he-2026"
CLAIMED = "Số định danh cá nhân này đã được nhập ở một tài khoản chưa xác thực."


def test_a_local_account_holding_the_cccd_is_linked_from_its_own_session(idp):
    c = register_local("minh@example.vn", "Le Van Minh")
    r = c.post("/tai-khoan/ho-so/", {"full_name": "Le Van Minh", "id_number": MINH.id_number, "address": ""})
    assert r.status_code == 302
    local = User.objects.get(email="minh@example.vn")
    assert local.id_number == MINH.id_number and local.identity_verified_at is None
    assert "Xác thực bằng VNeID" in text(c.get("/tai-khoan/"))
    before = people()
    page = Flow(c).login("congdan")
    assert page.wsgi_request.user.pk == local.pk and people() == before
    local.refresh_from_db()
    assert local.full_name == "Lê Văn Minh" and local.identity_verified_at is not None  # the verified name wins
    assert local.email == "minh@example.vn" and local.phone == "0912000111"
    # From now on VNeID finds it from any browser, and the password still works too.
    assert Flow(Client()).login("congdan").wsgi_request.user.pk == local.pk
    r = Client().post("/tai-khoan/dang-nhap/", {"username": "minh@example.vn", "password": PASSWORD})
    assert r.status_code == 302


def test_a_cccd_merely_typed_on_another_account_is_not_handed_its_owner(idp):
    """Someone types Minh's CCCD on an account of theirs: Minh's VNeID login must not land there."""
    squatter = register_local("ke-gian@example.vn", "Kẻ Gian")
    squatter.post("/tai-khoan/ho-so/", {"full_name": "Kẻ Gian", "id_number": MINH.id_number})
    before = people()
    assert_on_login_page_with(Flow(Client()).login("congdan"), CLAIMED)
    assert people() == before and not ExternalIdentity.objects.exists()
    held = User.objects.get(email="ke-gian@example.vn")
    assert held.identity_verified_at is None and held.full_name == "Kẻ Gian"


def test_a_logged_in_account_without_a_cccd_is_verified_in_place(idp):
    c = register_local("thu@example.vn", "Lê Thị Thu")
    thu = User.objects.get(email="thu@example.vn")
    before = people()
    page = Flow(c).login("congdan", next_url="/tai-khoan/")
    assert page.wsgi_request.user.pk == thu.pk and people() == before
    thu.refresh_from_db()
    assert thu.id_number == MINH.id_number and thu.identity_verified_at is not None


def test_a_logged_in_account_with_another_cccd_is_left_alone(idp):
    c = register_local("thu@example.vn", "Lê Thị Thu")
    c.post("/tai-khoan/ho-so/", {"full_name": "Lê Thị Thu", "id_number": "038190001234"})
    thu = User.objects.get(email="thu@example.vn")
    page = Flow(c).login("congdan")  # someone else's VNeID in Thu's browser: Minh's own account, not Thu's
    assert page.wsgi_request.user.pk != thu.pk and page.wsgi_request.user.id_number == MINH.id_number
    thu.refresh_from_db()
    assert (thu.id_number, thu.identity_verified_at, thu.full_name) == ("038190001234", None, "Lê Thị Thu")


def test_a_staff_account_is_never_logged_in_through_vneid(idp):
    clerk = User.objects.get(username="tiepnhan.hacthanh")
    clerk.id_number = MINH.id_number  # an officer is a citizen too
    clerk.save(update_fields=["id_number"])
    page = Flow(Client()).login("congdan")
    assert page.wsgi_request.user.pk != clerk.pk  # his citizen account is a separate one
    minh = page.wsgi_request.user
    assert minh.account_type == AccountType.CITIZEN and not ExternalIdentity.objects.filter(user=clerk).exists()
    # Should that citizen account ever be given a role at an agency, VNeID no longer logs it in.
    from congso.accounts.models import StaffAssignment

    StaffAssignment.objects.create(user=minh, agency=clerk.staff_assignments.first().agency, role="specialist")
    before = (people(), minh.identity_verified_at)
    assert_on_login_page_with(Flow(Client()).login("congdan"), STAFF_REFUSED)
    minh.refresh_from_db()
    assert (people(), minh.identity_verified_at) == before


def test_a_citizen_account_with_admin_rights_holding_the_cccd_is_refused(idp):
    admin = User.objects.create(username="quantri.2", id_number=MINH.id_number, is_staff=True)
    before = people()
    assert_on_login_page_with(Flow(Client()).login("congdan"), STAFF_REFUSED)
    assert people() == before and not ExternalIdentity.objects.filter(user=admin).exists()


def test_a_locked_account_is_refused(idp):
    Flow(Client()).login("congdan")
    User.objects.filter(id_number=MINH.id_number).update(is_active=False)
    assert_on_login_page_with(Flow(Client()).login("congdan"), "Tài khoản này đã bị khóa.")


def test_next_is_followed_only_within_the_site(idp):
    page = Flow(Client()).login("congdan", next_url="/thu-tuc/")
    assert page.redirect_chain[-1][0] == "/thu-tuc/"
    page = Flow(Client()).login("congdan", next_url="https://lua-dao.example/")
    assert page.redirect_chain[-1][0] == "/tai-khoan/"


# ---- what goes wrong ---------------------------------------------------------------------------------------
def test_cancelling_at_the_provider_ends_on_the_login_page(idp):
    before = people()
    flow = Flow(Client())
    flow.start()
    flow.choose(None)
    assert "error=access_denied" in flow.callback_url
    assert_on_login_page_with(flow.back(), CANCELLED)
    assert people() == before and not ExternalIdentity.objects.exists()


def test_a_callback_with_a_state_this_browser_did_not_start_is_refused(idp):
    before = people()
    flow = Flow(Client())
    flow.start()
    flow.choose("congdan")
    # Another browser (an attacker forwarding the link, or a login CSRF) arrives with the code and state.
    assert_on_login_page_with(Flow(Client()).back(flow.callback_url), BAD_STATE)
    # A made-up state in the right browser is refused too, and spends nothing.
    bad = flow.callback_url.replace("state=", "state=x")
    assert_on_login_page_with(flow.back(bad), BAD_STATE)
    assert_on_login_page_with(flow.back("/tai-khoan/vneid/callback/"), BAD_STATE)
    assert people() == before


def test_a_replayed_callback_is_refused(idp):
    flow = Flow(Client())
    flow.start()
    flow.choose("congdan")
    assert flow.back().redirect_chain[-1][0] == "/tai-khoan/"
    before = people()
    replay = flow.back()  # the same URL again (back button, or someone who saw it)
    assert BAD_STATE in text(replay) and people() == before
    # From a fresh browser it is no better.
    assert_on_login_page_with(Flow(Client()).back(flow.callback_url), BAD_STATE)


def test_a_login_left_unfinished_for_too_long_is_refused(idp, monkeypatch):
    import time

    flow = Flow(Client())
    flow.start()
    flow.choose("congdan")
    later = time.time() + oidc.PENDING_SECONDS + 1
    monkeypatch.setattr(oidc.time, "time", lambda: later)
    assert_on_login_page_with(flow.back(), BAD_STATE)


def test_the_provider_going_down_before_the_code_exchange_is_explained(idp):
    before = people()
    flow = Flow(Client())
    flow.start()
    flow.choose("congdan")
    idp.down = True
    oidc.forget()  # nothing cached either
    assert_on_login_page_with(flow.back(), UNREACHABLE)
    assert people() == before


def test_the_start_page_explains_an_unreachable_provider(idp):
    idp.down = True
    page = Client().get("/tai-khoan/vneid/dang-nhap/", follow=True)
    assert_on_login_page_with(page, UNREACHABLE)


def test_a_tampered_id_token_is_refused(idp, caplog):
    rewrite_id_token(idp, lambda _h, _c, original: sim.tamper_payload(original, sub=HOA.subject))
    before = people()
    with caplog.at_level(logging.WARNING):
        assert_on_login_page_with(Flow(Client()).login("congdan"), BAD_SIGNATURE)
    assert people() == before and "signature: bad signature" in caplog.text


def test_an_id_token_signed_with_another_key_is_refused(idp):
    intruder = RSAKey.generate_key(2048, private=True)
    rewrite_id_token(idp, lambda header, claims, _o: sim.sign(header, {**claims, "sub": HOA.subject}, intruder))
    before = people()
    assert_on_login_page_with(Flow(Client()).login("congdan"), BAD_SIGNATURE)
    assert people() == before


def test_an_unsigned_id_token_is_refused(idp):
    import base64
    import json

    def unsigned(header, claims, _original):
        part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
        return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."

    rewrite_id_token(idp, unsigned)
    assert_on_login_page_with(Flow(Client()).login("congdan"), BAD_SIGNATURE)


def test_an_hmac_signed_id_token_is_refused(idp):
    """The algorithm-confusion attack: HS256 "signed" with the provider's public key as the secret."""
    import base64
    import hashlib
    import hmac
    import json

    public = sim_keys.signing_key().as_pem(private=False)

    def confused(header, claims, _original):
        part = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
        signing_input = f"{part(json.dumps({**header, 'alg': 'HS256'}).encode())}.{part(json.dumps(claims).encode())}"
        return f"{signing_input}.{part(hmac.new(public, signing_input.encode(), hashlib.sha256).digest())}"

    rewrite_id_token(idp, confused)
    assert_on_login_page_with(Flow(Client()).login("congdan"), BAD_SIGNATURE)


@pytest.mark.parametrize(
    ("changes", "logged"),
    [
        ({"nonce": "a-nonce-from-another-login"}, "claims: nonce"),
        ({"aud": "another-portal"}, "claims: aud"),
        ({"aud": ["congso", "another-portal"]}, "claims: azp"),
        ({"iss": "https://gia-mao.example"}, "claims: iss"),
        ({"nonce": None}, "claims: nonce"),
    ],
)
def test_a_validly_signed_token_meant_for_another_login_or_client_is_refused(idp, caplog, changes, logged):
    rewrite_id_token(idp, resign(**changes))
    before = people()
    with caplog.at_level(logging.WARNING):
        assert_on_login_page_with(Flow(Client()).login("congdan"), NOT_FOR_US)
    assert people() == before and logged in caplog.text


def test_an_expired_id_token_is_refused(idp):
    import time

    now = int(time.time())
    rewrite_id_token(idp, resign(iat=now - 900, exp=now - 300))
    before = people()
    assert_on_login_page_with(Flow(Client()).login("congdan"), EXPIRED)
    assert people() == before


def test_a_small_clock_difference_is_tolerated(idp):
    import time

    rewrite_id_token(idp, resign(iat=int(time.time()) + 30))  # the provider's clock runs 30 s ahead
    assert Flow(Client()).login("congdan").redirect_chain[-1][0] == "/tai-khoan/"


def test_userinfo_about_someone_else_is_refused(idp, monkeypatch):
    real = identities.DemoIdentity.claims
    monkeypatch.setattr(identities.DemoIdentity, "claims", lambda self: {**real(self), "sub": "someone-else"})
    rewrite_id_token(idp, resign(sub=MINH.subject))  # the ID token stays about Minh
    assert_on_login_page_with(Flow(Client()).login("congdan"), NOT_FOR_US)


def test_an_identity_without_a_valid_cccd_is_refused(idp, monkeypatch):
    broken = dataclasses.replace(MINH, id_number="038085")
    monkeypatch.setattr(identities, "IDENTITIES", (broken, HOA))
    before = people()
    page = Flow(Client()).login("congdan")
    assert_on_login_page_with(page, "không cung cấp đủ họ tên và số định danh cá nhân hợp lệ")
    assert people() == before


def test_the_provider_rotating_its_key_is_followed(idp, settings, tmp_path):
    Flow(Client()).login("congdan")  # the portal now holds the old key
    settings.CONGSO_OIDC_SIMULATOR_KEY_FILE = tmp_path / "rotated.pem"
    idp.requests.clear()
    page = Flow(Client()).login("doanhnghiep")
    assert page.redirect_chain[-1][0] == "/tai-khoan/"
    assert idp.requests.count("GET /sim/vneid/jwks") == 1  # fetched again once, for the unknown key id


def test_a_provider_claiming_another_issuer_is_not_used(idp, settings):
    settings.CONGSO_OIDC_ISSUER = "http://127.0.0.1:8000/sim/vneid/"  # the document says it without the slash
    assert_on_login_page_with(Client().get("/tai-khoan/vneid/dang-nhap/", follow=True), "trả lời không hợp lệ")


# ---- the simulated provider itself -------------------------------------------------------------------------
def test_the_provider_publishes_only_public_keys(idp):
    keys = Client().get("/sim/vneid/jwks").json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and "d" not in keys[0] and keys[0]["alg"] == "RS256"
    meta = Client().get("/sim/vneid/.well-known/openid-configuration", HTTP_HOST="127.0.0.1:8000").json()
    assert meta["issuer"] == "http://127.0.0.1:8000/sim/vneid" and meta["code_challenge_methods_supported"] == ["S256"]


def test_the_provider_checks_the_client_the_code_and_the_pkce_verifier(idp, settings):
    flow = Flow(Client())
    flow.start()
    flow.choose("congdan")
    code = dict(p.split("=", 1) for p in flow.callback_url.split("?", 1)[1].split("&"))["code"]
    from urllib.parse import unquote

    code = unquote(code)
    params = flow.authorize_params()
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": params["redirect_uri"]}
    client = {"client_id": "congso", "client_secret": settings.CONGSO_OIDC_CLIENT_SECRET}
    token = Client().post
    r = token("/sim/vneid/token", {**form, **client, "code_verifier": "x" * 64})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = token("/sim/vneid/token", {**form, "client_id": "congso", "client_secret": "sai", "code_verifier": "x" * 64})
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = token("/sim/vneid/token", {**form, **client, "redirect_uri": "http://127.0.0.1:8000/khac/"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert Client().get("/sim/vneid/userinfo", HTTP_AUTHORIZATION="Bearer gia-mao").status_code == 401


def test_the_provider_refuses_a_code_twice(idp):
    flow = Flow(Client())
    flow.start()
    flow.choose("congdan")
    session_before = dict(flow.client.session)
    assert flow.back().redirect_chain[-1][0] == "/tai-khoan/"
    # Put the login's secrets back (as if the portal had not spent them): the provider still refuses the code.
    replayer = Client()
    session = replayer.session
    session[oidc.PENDING_KEY] = session_before[oidc.PENDING_KEY]
    session.save()
    idp.requests.clear()
    assert_on_login_page_with(Flow(replayer).back(flow.callback_url), "không cho phép đăng nhập lúc này")
    assert "POST /sim/vneid/token" in idp.requests


def test_the_provider_requires_pkce_and_a_known_redirect_uri(idp):
    flow = Flow(Client())
    flow.start()
    params = flow.authorize_params()
    r = Client().get("/sim/vneid/authorize", {**params, "code_challenge": ""})
    assert (
        r.status_code == 302
        and "error=invalid_request" in r["Location"]
        and r["Location"].startswith(params["redirect_uri"])
    )
    r = Client().get("/sim/vneid/authorize", {**params, "redirect_uri": "https://lua-dao.example/cb"})
    assert r.status_code == 400 and "redirect_uri" in text(r)
    r = Client().get("/sim/vneid/authorize", {**params, "client_id": "khac"})
    assert r.status_code == 400 and "client_id" in text(r)


# ---- configuration and pages -------------------------------------------------------------------------------
def test_the_login_and_register_pages_offer_vneid_when_configured(idp, settings):
    for path in ("/tai-khoan/dang-nhap/", "/tai-khoan/dang-ky/"):
        html = text(Client().get(path))
        assert "Đăng nhập bằng tài khoản định danh điện tử (VNeID)" in html and "/tai-khoan/vneid/dang-nhap/" in html
    settings.CONGSO_OIDC_ISSUER = ""
    for path in ("/tai-khoan/dang-nhap/", "/tai-khoan/dang-ky/"):
        assert "VNeID" not in text(Client().get(path))
    assert Client().get("/tai-khoan/vneid/dang-nhap/").status_code == 404
    assert Client().get("/tai-khoan/vneid/callback/?state=x&code=y").status_code == 404


# ---- the profile page ---------------------------------------------------------------------------------------
@pytest.fixture
def citizen_thu():
    user = actions.register_citizen(full_name="Lê Thị Thu", email="thu@example.vn", phone="", password="x-y-z-2026-abc")
    client = Client()
    client.force_login(user)
    return user, client


def test_a_local_account_enters_its_identity_on_the_profile_page(citizen_thu):
    user, client = citizen_thu
    page = client.get("/tai-khoan/ho-so/")
    assert page.status_code == 200 and 'name="id_number"' in text(page) and "disabled" not in text(page)
    r = client.post(
        "/tai-khoan/ho-so/",
        {"full_name": "Lê Thị Thu", "id_number": "038190001234", "date_of_birth": "02/09/1990", "address": "Hạc Thành"},
    )
    assert r.status_code == 302 and r["Location"] == "/tai-khoan/"
    user.refresh_from_db()
    assert (user.id_number, user.date_of_birth, user.address) == ("038190001234", dt.date(1990, 9, 2), "Hạc Thành")
    assert user.identity_verified_at is None
    html = text(client.get("/tai-khoan/"))
    assert "038190001234" in html and "Danh tính chưa được xác thực" in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"id_number": "03819000123"}, "Số CCCD phải gồm đúng 12 chữ số (số đã nhập có 11 chữ số)."),
        ({"id_number": "038190001234", "date_of_birth": "1985-01-01"}, "Năm sinh trên CCCD (1990) không khớp"),
        ({"id_number": "999190001234"}, "Mã tỉnh 999"),
        ({"date_of_birth": "2099-01-01"}, "Ngày sinh phải từ năm 1900 đến hôm nay."),
        ({"date_of_birth": "31/02/1990"}, "Ngày sinh không hợp lệ"),
        ({"full_name": ""}, "Trường này là bắt buộc"),
    ],
)
def test_bad_profile_input_is_explained_and_nothing_is_saved(citizen_thu, typed, message):
    user, client = citizen_thu
    form = {"full_name": "Lê Thị Thu", "id_number": "", "date_of_birth": "", "address": "Số 1 Lê Lợi", **typed}
    r = client.post("/tai-khoan/ho-so/", form)
    assert r.status_code == 422 and message in text(r)
    assert 'value="Số 1 Lê Lợi"' in text(r)  # what was typed is kept
    user.refresh_from_db()
    assert (user.id_number, user.date_of_birth, user.address) == ("", None, "")


def test_a_cccd_already_on_another_account_is_refused(idp, citizen_thu):
    Flow(Client()).login("congdan")
    user, client = citizen_thu
    r = client.post("/tai-khoan/ho-so/", {"full_name": "Lê Thị Thu", "id_number": MINH.id_number, "date_of_birth": ""})
    assert r.status_code == 422 and "đã gắn với một tài khoản khác" in text(r)
    user.refresh_from_db()
    assert user.id_number == ""


def test_verified_values_are_shown_locked_and_cannot_be_changed(idp):
    flow = Flow(Client())
    flow.login("congdan")
    page = text(flow.client.get("/tai-khoan/ho-so/"))
    assert "được lấy từ tài khoản định danh điện tử (VNeID)" in page
    assert page.count(" disabled") == 4 and page.count("(đã xác thực)") == 4
    assert ">Lưu</button>" not in page  # nothing left to edit here
    r = flow.client.post(
        "/tai-khoan/ho-so/",
        {"full_name": "Người Khác", "id_number": "038190001234", "date_of_birth": "1990-01-01", "address": "Hà Nội"},
    )
    assert r.status_code == 302
    minh = User.objects.get(id_number=MINH.id_number)
    assert (minh.full_name, minh.date_of_birth) == ("Lê Văn Minh", dt.date(1985, 3, 14))
    assert minh.address.endswith("tỉnh Thanh Hóa")
    assert not User.objects.filter(id_number="038190001234").exists()


def test_update_profile_never_overwrites_verified_values():
    """The action itself keeps what the provider vouched for, whatever a caller passes."""
    from django.utils import timezone

    user = User.objects.create(
        username="kiem-tra", full_name="Đỗ Văn Kiểm", id_number="038085012345", identity_verified_at=timezone.now()
    )
    actions.update_profile(user, full_name="Khác", id_number="038190001234", date_of_birth=None, address="Số 2")
    user.refresh_from_db()
    assert (user.full_name, user.id_number, user.address) == ("Đỗ Văn Kiểm", "038085012345", "Số 2")


def test_a_value_the_provider_did_not_give_stays_editable(idp, monkeypatch):
    real = identities.DemoIdentity.claims
    monkeypatch.setattr(
        identities.DemoIdentity, "claims", lambda self: {k: v for k, v in real(self).items() if k != "address"}
    )
    flow = Flow(Client())
    flow.login("congdan")
    page = text(flow.client.get("/tai-khoan/ho-so/"))
    assert page.count(" disabled") == 3 and ">Lưu</button>" in page
    r = flow.client.post("/tai-khoan/ho-so/", {"address": "Số 3 Trần Phú, phường Hạc Thành"})
    assert r.status_code == 302
    minh = User.objects.get(id_number=MINH.id_number)
    assert minh.address == "Số 3 Trần Phú, phường Hạc Thành" and minh.full_name == "Lê Văn Minh"


def test_the_deploy_check_warns_while_the_simulator_is_on(settings):
    from congso.accounts.checks import identity_provider

    assert [p.id for p in identity_provider()] == ["accounts.W001"]
    settings.CONGSO_OIDC_SIMULATOR = False
    settings.CONGSO_OIDC_ISSUER = "https://vneid.example/oidc"
    settings.CONGSO_OIDC_CLIENT_SECRET = ""
    assert [p.id for p in identity_provider()] == ["accounts.E001"]
    settings.CONGSO_OIDC_CLIENT_SECRET = "bi-mat"
    assert identity_provider() == []
    settings.CONGSO_OIDC_ISSUER = "http://vneid.example/oidc"
    assert [p.id for p in identity_provider()] == ["accounts.E002"]
