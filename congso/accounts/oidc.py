"""Log in through the national identity provider: an OpenID Connect relying party (VNeID-style).

The protocol, as implemented here (VNeID's own relying-party specification is not public; what follows is
the standard, and ``docs/portal.md`` lists what is ours):

1. :func:`begin` — discovery (OpenID Connect Discovery 1.0) from ``CONGSO_OIDC_ISSUER``; a fresh ``state``,
   ``nonce`` and PKCE verifier (RFC 7636, ``S256``) kept in the session; the browser goes to the provider's
   authorization endpoint (authorization-code flow, OpenID Connect Core 1.0 §3.1).
2. :func:`complete` — the callback's ``state`` must be one this session started (single use, 10 minutes);
   ``error=access_denied`` means the person cancelled; the code is exchanged at the token endpoint with the
   client secret (``client_secret_basic``) and the PKCE verifier; the ID token's RS256 signature is checked
   against the provider's JWKS (fetched again once when the key id is unknown: key rotation), then ``iss``,
   ``aud`` (and ``azp``), ``exp``, ``iat`` and ``nonce`` (Core §3.1.3.7); the userinfo endpoint completes the
   claims when its ``sub`` is the ID token's (Core §5.3.2).

The JOSE part (JWS, JWK, JWT claims) is joserfc's. Every outbound HTTP call goes through :func:`http_client`,
which tests replace with an in-process transport to the simulator (:mod:`congso.accounts.idp_sim.testing`).
Nothing here touches the database: :func:`congso.accounts.actions.sign_in_with_identity` does, from the
:class:`VerifiedIdentity` this module returns.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from joserfc import errors as jose_errors
from joserfc import jwt
from joserfc.jwk import KeySet

from congso.core import cccd, taxcode
from congso.core.text import nfc

log = logging.getLogger(__name__)

PENDING_KEY = "oidc_pending"  # session key: {state: {nonce, verifier, redirect_uri, next, created}}
PENDING_SECONDS = 600  # a login started more than 10 minutes ago is not completed
MAX_PENDING = 5  # logins started in other tabs of the same session and not completed yet
METADATA_SECONDS = 3600  # discovery document and keys are read again after an hour
ALGORITHMS = ["RS256"]


class OidcError(Exception):
    """A login through the identity provider that cannot go on; ``message`` is what the person reads.

    ``code`` (logged, never shown) says which check failed.
    """

    MESSAGES = {
        "cancelled": _("Bạn đã hủy đăng nhập bằng tài khoản định danh điện tử (VNeID)."),
        "refused": _("Hệ thống định danh điện tử (VNeID) không cho phép đăng nhập lúc này. Vui lòng thử lại sau."),
        "state": _("Phiên đăng nhập bằng VNeID không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại."),
        "unreachable": _(
            "Không kết nối được với hệ thống định danh điện tử (VNeID). Vui lòng thử lại sau ít phút "
            "hoặc đăng nhập bằng thư điện tử, số điện thoại."
        ),
        "provider": _("Hệ thống định danh điện tử (VNeID) trả lời không hợp lệ. Vui lòng thử lại sau."),
        "signature": _(
            "Không xác minh được chữ ký số trên thông tin đăng nhập từ VNeID, nên chưa thể đăng nhập. "
            "Vui lòng đăng nhập lại."
        ),
        "expired": _("Thông tin đăng nhập từ VNeID đã hết hạn. Vui lòng đăng nhập lại."),
        "claims": _(
            "Thông tin đăng nhập từ VNeID không dành cho cổng dịch vụ công này hoặc không khớp với lần đăng nhập "
            "của bạn. Vui lòng đăng nhập lại."
        ),
        "identity": _(
            "Hệ thống định danh điện tử không cung cấp đủ họ tên và số định danh cá nhân hợp lệ, nên chưa thể "
            "đăng nhập."
        ),
        "staff": _(
            "Tài khoản cán bộ, công chức không đăng nhập bằng VNeID tại cổng dịch vụ công. "
            "Vui lòng dùng trang đăng nhập dành cho cán bộ."
        ),
        "inactive": _("Tài khoản này đã bị khóa. Vui lòng liên hệ bộ phận hỗ trợ."),
        "claimed": _(
            "Số định danh cá nhân này đã được nhập ở một tài khoản chưa xác thực. Nếu đó là tài khoản của bạn, "
            "hãy đăng nhập bằng mật khẩu rồi chọn “Xác thực bằng VNeID”; nếu không, vui lòng liên hệ bộ phận "
            "hỗ trợ."
        ),
        "conflict": _(
            "Số định danh cá nhân từ VNeID đang gắn với một tài khoản khác. Vui lòng liên hệ bộ phận hỗ trợ "
            "để được kiểm tra."
        ),
    }

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail

    @property
    def message(self) -> str:
        return str(self.MESSAGES[self.code])


@dataclass(frozen=True)
class EnterpriseClaim:
    """An enterprise the provider says the person represents."""

    tax_code: str  # canonical (congso.core.taxcode.parse)
    name: str
    role: str  # congso.accounts.choices.RepresentationRole value


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who the identity provider vouches for, after every check of :func:`complete`."""

    issuer: str
    subject: str
    full_name: str
    id_number: str
    date_of_birth: dt.date | None = None
    address: str = ""
    phone: str = ""
    email: str = ""
    enterprises: tuple[EnterpriseClaim, ...] = ()


@dataclass(frozen=True)
class Provider:
    """The provider's discovery document: the parts a relying party uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    token_auth_methods: tuple[str, ...] = ("client_secret_basic",)


# ---- configuration ------------------------------------------------------------------------------------------
def is_configured() -> bool:
    """True when the portal offers "Đăng nhập bằng VNeID" (an issuer and a client id are set)."""
    return bool(settings.CONGSO_OIDC_ISSUER and settings.CONGSO_OIDC_CLIENT_ID)


# ---- HTTP (the test seam) -----------------------------------------------------------------------------------
@functools.cache
def _ssl_context():
    return httpx.create_ssl_context()


def http_client(*, timeout: float) -> httpx.Client:
    """The one place an HTTP client to the provider is built (tests swap in an in-process transport)."""
    return httpx.Client(timeout=timeout, follow_redirects=False, verify=_ssl_context())


def _client() -> httpx.Client:
    return http_client(timeout=settings.CONGSO_OIDC_TIMEOUT)


def _json(response: httpx.Response, what: str) -> dict:
    try:
        data = response.json()
    except ValueError:
        raise OidcError("provider", f"{what}: HTTP {response.status_code}, not JSON") from None
    if not isinstance(data, dict):
        raise OidcError("provider", f"{what}: not a JSON object")
    return data


def _get_json(url: str, what: str, **kwargs) -> dict:
    try:
        with _client() as client:
            response = client.get(url, **kwargs)
    except httpx.HTTPError as err:
        raise OidcError("unreachable", f"{what}: {type(err).__name__}: {err}") from None
    if response.status_code >= 500:
        raise OidcError("unreachable", f"{what}: HTTP {response.status_code}")
    if response.status_code != 200:
        raise OidcError("provider", f"{what}: HTTP {response.status_code}")
    return _json(response, what)


# ---- discovery and keys (cached per process) ----------------------------------------------------------------
_providers: dict[str, tuple[float, Provider]] = {}
_keys: dict[str, tuple[float, KeySet]] = {}


def forget() -> None:
    """Drop the cached discovery documents and keys (tests; a configuration change)."""
    _providers.clear()
    _keys.clear()


def provider() -> Provider:
    """The configured provider's endpoints, from its discovery document."""
    issuer = settings.CONGSO_OIDC_ISSUER
    cached = _providers.get(issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    data = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration", "discovery")
    # Discovery §4.3: the document's issuer is exactly the one configured, or it is not this provider.
    if data.get("issuer") != issuer:
        raise OidcError("provider", f"discovery: issuer {data.get('issuer')!r} is not {issuer!r}")
    try:
        found = Provider(
            issuer=issuer,
            authorization_endpoint=_endpoint(data, "authorization_endpoint", issuer),
            token_endpoint=_endpoint(data, "token_endpoint", issuer),
            jwks_uri=_endpoint(data, "jwks_uri", issuer),
            userinfo_endpoint=_endpoint(data, "userinfo_endpoint", issuer, required=False),
            token_auth_methods=tuple(data.get("token_endpoint_auth_methods_supported") or ("client_secret_basic",)),
        )
    except ValueError as err:
        raise OidcError("provider", f"discovery: {err}") from None
    algorithms = data.get("id_token_signing_alg_values_supported") or []
    if "RS256" not in algorithms:
        raise OidcError("provider", f"discovery: RS256 not among {algorithms!r}")
    _providers[issuer] = (time.monotonic() + METADATA_SECONDS, found)
    return found


def _endpoint(data: dict, name: str, issuer: str, *, required: bool = True) -> str:
    value = data.get(name) or ""
    if not value:
        if required:
            raise ValueError(f"{name} missing")
        return ""
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise ValueError(f"{name} is not a URL")
    # An https provider never sends the browser or the code to a plain-http endpoint.
    if issuer.startswith("https://") and not value.startswith("https://"):
        raise ValueError(f"{name} is not https")
    return value


def signing_keys(found: Provider, *, refresh: bool = False) -> KeySet:
    """The provider's RSA signature keys from its JWKS."""
    cached = _keys.get(found.jwks_uri)
    if cached and cached[0] > time.monotonic() and not refresh:
        return cached[1]
    data = _get_json(found.jwks_uri, "jwks")
    usable = [
        k
        for k in data.get("keys") or []
        if isinstance(k, dict) and k.get("kty") == "RSA" and k.get("use", "sig") == "sig" and "d" not in k
    ]
    if not usable:
        raise OidcError("provider", "jwks: no RSA signature key")
    try:
        keys = KeySet.import_key_set({"keys": usable})
    except (jose_errors.JoseError, ValueError, TypeError) as err:
        raise OidcError("provider", f"jwks: {err}") from None
    _keys[found.jwks_uri] = (time.monotonic() + METADATA_SECONDS, keys)
    return keys


# ---- step 1: to the provider --------------------------------------------------------------------------------
def code_challenge(verifier: str) -> str:
    """RFC 7636 §4.2, S256: BASE64URL(SHA256(ASCII(verifier))) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def begin(session, *, redirect_uri: str, next_url: str = "") -> str:
    """Start a login: remember its secrets in ``session`` and return the provider's authorization URL."""
    found = provider()
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(48)  # 64 characters of [A-Za-z0-9_-] (RFC 7636 §4.1: 43–128)
    now = int(time.time())
    pending = {
        s: entry
        for s, entry in (session.get(PENDING_KEY) or {}).items()
        if isinstance(entry, dict) and now - int(entry.get("created", 0)) < PENDING_SECONDS
    }
    for old in sorted(pending, key=lambda s: pending[s]["created"])[: max(0, len(pending) - MAX_PENDING + 1)]:
        del pending[old]
    pending[state] = {
        "nonce": nonce,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "next": next_url,
        "created": now,
    }
    session[PENDING_KEY] = pending
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.CONGSO_OIDC_CLIENT_ID,
            "redirect_uri": redirect_uri,
            "scope": settings.CONGSO_OIDC_SCOPES,
            "state": state,
            "nonce": nonce,
            "code_challenge": code_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in found.authorization_endpoint else "?"
    return found.authorization_endpoint + separator + query


# ---- step 2: back from the provider -------------------------------------------------------------------------
def complete(session, params: Mapping[str, str]) -> tuple[VerifiedIdentity, str]:
    """Finish the login the callback's ``params`` answer; return who it is and where to go next."""
    state = params.get("state") or ""
    pending = dict(session.get(PENDING_KEY) or {})
    entry = pending.pop(state, None) if state else None
    session[PENDING_KEY] = pending  # single use: a replayed callback finds nothing
    if not isinstance(entry, dict) or int(time.time()) - int(entry.get("created", 0)) >= PENDING_SECONDS:
        raise OidcError("state", "unknown, used or expired state")
    error = params.get("error")
    if error:
        code = "cancelled" if error == "access_denied" else "refused"
        raise OidcError(code, f"{error}: {params.get('error_description', '')}"[:300])
    code = params.get("code") or ""
    if not code:
        raise OidcError("provider", "callback without code")
    found = provider()
    tokens = _exchange(found, code, entry)
    claims = _verify_id_token(found, tokens["id_token"], nonce=entry["nonce"])
    access_token = tokens.get("access_token")
    if found.userinfo_endpoint and isinstance(access_token, str) and access_token:
        info = _get_json(found.userinfo_endpoint, "userinfo", headers={"Authorization": f"Bearer {access_token}"})
        if info.get("sub") != claims["sub"]:
            raise OidcError("claims", "userinfo sub differs from the ID token's")
        protected = {"iss", "aud", "exp", "iat", "nonce", "azp", "auth_time"}
        claims = {**claims, **{k: v for k, v in info.items() if k not in protected}}
    return identity_from_claims(found.issuer, claims), entry.get("next") or ""


def _exchange(found: Provider, code: str, entry: dict) -> dict:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": entry["redirect_uri"],
        "code_verifier": entry["verifier"],
    }
    client_id, secret = settings.CONGSO_OIDC_CLIENT_ID, settings.CONGSO_OIDC_CLIENT_SECRET
    auth = None
    if "client_secret_basic" in found.token_auth_methods or "client_secret_post" not in found.token_auth_methods:
        auth = httpx.BasicAuth(client_id, secret)  # RFC 6749 §2.3.1 (the form-encoding of both is httpx's)
    else:
        form.update(client_id=client_id, client_secret=secret)
    try:
        with _client() as client:
            response = client.post(found.token_endpoint, data=form, auth=auth, headers={"Accept": "application/json"})
    except httpx.HTTPError as err:
        raise OidcError("unreachable", f"token: {type(err).__name__}: {err}") from None
    if response.status_code >= 500:
        raise OidcError("unreachable", f"token: HTTP {response.status_code}")
    data = _json(response, "token")
    if response.status_code != 200:
        raise OidcError(
            "refused", f"token: HTTP {response.status_code} {data.get('error')}: {data.get('error_description')}"
        )
    if not isinstance(data.get("id_token"), str) or str(data.get("token_type", "")).lower() != "bearer":
        raise OidcError("provider", "token: no id_token or not a Bearer token")
    return data


def _verify_id_token(found: Provider, id_token: str, *, nonce: str) -> dict:
    try:
        try:
            token = jwt.decode(id_token, signing_keys(found), algorithms=ALGORITHMS)
        except jose_errors.InvalidKeyIdError:
            token = jwt.decode(id_token, signing_keys(found, refresh=True), algorithms=ALGORITHMS)
    except jose_errors.BadSignatureError:
        raise OidcError("signature", "bad signature") from None
    except (jose_errors.JoseError, ValueError, TypeError) as err:
        raise OidcError("signature", f"{type(err).__name__}: {err}") from None
    claims = token.claims
    client_id = settings.CONGSO_OIDC_CLIENT_ID
    registry = jwt.JWTClaimsRegistry(
        now=int(timezone.now().timestamp()),
        leeway=settings.CONGSO_OIDC_LEEWAY_SECONDS,
        iss={"essential": True, "value": found.issuer},
        sub={"essential": True},
        aud={"essential": True, "value": client_id},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except jose_errors.ExpiredTokenError:
        raise OidcError("expired", "exp passed") from None
    except jose_errors.ClaimError as err:
        raise OidcError("claims", f"{err.claim}: {err}") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    # Core §3.1.3.7 (3–5): the client is an audience; with several, it is also the authorized party.
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != client_id:
        raise OidcError("claims", f"azp {claims.get('azp')!r}")
    return claims


# ---- claims → identity --------------------------------------------------------------------------------------
def identity_from_claims(issuer: str, claims: Mapping) -> VerifiedIdentity:
    """The person and the enterprises they represent, from verified claims; refuses an unusable identity."""
    full_name = nfc(str(claims.get("name") or "")).strip()
    id_number = str(claims.get(settings.CONGSO_OIDC_CLAIM_ID_NUMBER) or "").strip()
    birth = _date(claims.get("birthdate"))
    if not full_name or len(full_name) > 200:
        raise OidcError("identity", "no usable name")
    try:
        cccd.check(id_number, date_of_birth=birth)
    except cccd.CccdError as err:
        raise OidcError("identity", f"id number: {err.code}") from None
    return VerifiedIdentity(
        issuer=issuer,
        subject=str(claims["sub"]),
        full_name=full_name,
        id_number=id_number,
        date_of_birth=birth,
        address=_address(claims.get("address")),
        phone=_phone(claims.get("phone_number")),
        email=str(claims.get("email") or "").strip().lower() if claims.get("email_verified") is True else "",
        enterprises=_enterprises(claims.get(settings.CONGSO_OIDC_CLAIM_ENTERPRISES)),
    )


def _date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise OidcError("identity", f"birthdate {value!r}") from None


def _address(value) -> str:
    """OIDC's address claim is an object (``formatted``, …); a plain string is taken as it is."""
    if isinstance(value, dict):
        value = value.get("formatted") or ", ".join(
            str(value[k]) for k in ("street_address", "locality", "region") if value.get(k)
        )
    return nfc(str(value or "")).strip()[:500]


def _phone(value) -> str:
    """An E.164 Vietnamese number (+84…) or a 10-digit national one as 0xxxxxxxxx; anything else is dropped."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit() or ch == "+")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    return digits if len(digits) == 10 and digits.startswith("0") and digits.isdigit() else ""


def _enterprises(value) -> tuple[EnterpriseClaim, ...]:
    """The represented enterprises; an entry with a bad tax code or no name is left out (and logged).

    An absent claim means none: representation is never assumed.
    """
    from congso.accounts.choices import RepresentationRole

    if not isinstance(value, list):
        return ()
    found: dict[str, EnterpriseClaim] = {}
    for item in value:
        if not isinstance(item, dict):
            continue
        name = nfc(str(item.get("name") or "")).strip()[:300]
        try:
            tax_code = taxcode.parse(str(item.get("tax_code") or ""))
        except taxcode.TaxCodeError as err:
            log.warning("OIDC: enterprise claim left out: tax code %r (%s)", item.get("tax_code"), err.code)
            continue
        if not name:
            log.warning("OIDC: enterprise claim left out: %s has no name", tax_code)
            continue
        role = item.get("role")
        role = role if role in RepresentationRole.values else RepresentationRole.OTHER
        found[tax_code] = EnterpriseClaim(tax_code=tax_code, name=name, role=role)
    return tuple(found.values())
