"""The simulated identity provider's endpoints: discovery, JWKS, authorize (a page), token, userinfo.

Its one registered client is this installation (``CONGSO_OIDC_CLIENT_ID`` / ``_SECRET``), with any redirect
URI on this site. Authorization codes and access tokens are signed with the installation's SECRET_KEY
(no table): a code lives 60 seconds and is refused a second time by the process that redeemed it; an
access token lives 10 minutes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from urllib.parse import unquote, urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from joserfc import jwt

from congso.accounts.idp_sim import keys
from congso.accounts.idp_sim.identities import IDENTITIES, by_key, by_subject
from congso.accounts.oidc import code_challenge

CODE_SALT = "congso.idp_sim.code"
ACCESS_SALT = "congso.idp_sim.access"
CODE_SECONDS = 60
ACCESS_SECONDS = 600
ID_TOKEN_SECONDS = 300
SCOPES = ["openid", "profile", "address", "phone"]

_redeemed: dict[str, float] = {}  # code digest → when it stops mattering (codes redeemed in this process)
_redeemed_lock = threading.Lock()


def issuer(request) -> str:
    """This simulator's issuer identifier: where it is mounted, as the caller reached it."""
    return request.build_absolute_uri(reverse("vneid-sim:home")).rstrip("/")


# ---- metadata -----------------------------------------------------------------------------------------------
@require_GET
def home(request):
    return render(request, "idp_sim/home.html", {"identities": IDENTITIES, "issuer": issuer(request)})


@require_GET
def discovery(request):
    base = issuer(request)
    return JsonResponse(
        {
            "issuer": base,
            "authorization_endpoint": request.build_absolute_uri(reverse("vneid-sim:authorize")),
            "token_endpoint": request.build_absolute_uri(reverse("vneid-sim:token")),
            "userinfo_endpoint": request.build_absolute_uri(reverse("vneid-sim:userinfo")),
            "jwks_uri": request.build_absolute_uri(reverse("vneid-sim:jwks")),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": SCOPES,
            "claims_supported": [
                "sub",
                "name",
                "id_number",
                "birthdate",
                "gender",
                "address",
                "phone_number",
                "phone_number_verified",
                "enterprises",
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def jwks(request):
    return JsonResponse(keys.public_jwks())


# ---- authorize: the person picks a demo identity or cancels -------------------------------------------------
AUTH_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge")


def _redirect_uri_allowed(request, uri: str) -> bool:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        return False
    origin = f"{parts.scheme}://{parts.netloc}"
    public = urlsplit(settings.CONGSO_PUBLIC_URL)
    return origin in {f"{public.scheme}://{public.netloc}", f"{request.scheme}://{request.get_host()}"}


def _back(redirect_uri: str, **params) -> HttpResponseRedirect:
    separator = "&" if "?" in redirect_uri else "?"
    return HttpResponseRedirect(redirect_uri + separator + urlencode({k: v for k, v in params.items() if v}))


def _error_page(request, message: str, status: int = 400):
    return render(request, "idp_sim/error.html", {"message": message}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request):
    source = request.POST if request.method == "POST" else request.GET
    params = {name: source.get(name, "") for name in (*AUTH_PARAMS, "code_challenge_method")}
    # Errors about the client or its redirect URI are shown here: sending the browser on would be unsafe.
    if params["client_id"] != settings.CONGSO_OIDC_CLIENT_ID:
        return _error_page(request, _("Ứng dụng (client_id) chưa đăng ký với hệ thống định danh mô phỏng."))
    if not _redirect_uri_allowed(request, params["redirect_uri"]):
        return _error_page(request, _("Địa chỉ quay về (redirect_uri) không thuộc ứng dụng đã đăng ký."))
    back, state = params["redirect_uri"], params["state"]
    if params["response_type"] != "code":
        return _back(back, error="unsupported_response_type", state=state)
    if "openid" not in params["scope"].split():
        return _back(back, error="invalid_scope", error_description="openid scope required", state=state)
    if not params["code_challenge"] or params["code_challenge_method"] != "S256":
        return _back(back, error="invalid_request", error_description="PKCE (S256) required", state=state)
    if not params["nonce"]:
        return _back(back, error="invalid_request", error_description="nonce required", state=state)
    if request.method == "GET":
        return render(request, "idp_sim/authorize.html", {"params": params, "identities": IDENTITIES})
    if "cancel" in request.POST:
        return _back(back, error="access_denied", error_description="the user cancelled", state=state)
    person = by_key(request.POST.get("identity", ""))
    if person is None:
        return render(
            request,
            "idp_sim/authorize.html",
            {"params": params, "identities": IDENTITIES, "error": _("Hãy chọn một danh tính để đăng nhập.")},
            status=422,
        )
    code = signing.dumps(
        {
            "sub": person.subject,
            "cid": params["client_id"],
            "ru": back,
            "n": params["nonce"],
            "cc": params["code_challenge"],
            "at": int(timezone.now().timestamp()),
            "j": secrets.token_urlsafe(8),
        },
        salt=CODE_SALT,
        compress=True,
    )
    return _back(back, code=code, state=state)


# ---- token --------------------------------------------------------------------------------------------------
def _oauth_error(error: str, description: str, status: int = 400) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="vneid-sim"'
    response["Cache-Control"] = "no-store"
    return response


def _client_credentials(request) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            raw = base64.b64decode(header[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        client_id, _colon, secret = raw.partition(":")
        return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))  # RFC 6749 §2.3.1
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


def _redeem(code: str) -> bool:
    """True the first time this process sees ``code``."""
    digest = hashlib.sha256(code.encode()).hexdigest()
    now = time.monotonic()
    with _redeemed_lock:
        for old in [d for d, until in _redeemed.items() if until < now]:
            del _redeemed[old]
        if digest in _redeemed:
            return False
        _redeemed[digest] = now + CODE_SECONDS * 2
    return True


@csrf_exempt
@require_POST
def token(request):
    client_id, secret = _client_credentials(request)
    if not (
        hmac.compare_digest(client_id, settings.CONGSO_OIDC_CLIENT_ID)
        and hmac.compare_digest(secret, settings.CONGSO_OIDC_CLIENT_SECRET)
    ):
        return _oauth_error("invalid_client", "unknown client or wrong secret", status=401)
    if request.POST.get("grant_type") != "authorization_code":
        return _oauth_error("unsupported_grant_type", "only authorization_code")
    code = request.POST.get("code", "")
    try:
        grant = signing.loads(code, salt=CODE_SALT, max_age=CODE_SECONDS)
    except signing.BadSignature:
        return _oauth_error("invalid_grant", "unknown or expired code")
    if grant["cid"] != client_id or grant["ru"] != request.POST.get("redirect_uri"):
        return _oauth_error("invalid_grant", "code issued to another client or redirect_uri")
    verifier = request.POST.get("code_verifier", "")
    if not verifier or not hmac.compare_digest(code_challenge(verifier), grant["cc"]):
        return _oauth_error("invalid_grant", "PKCE verification failed")
    if not _redeem(code):
        return _oauth_error("invalid_grant", "code already used")
    person = by_subject(grant["sub"])
    if person is None:
        return _oauth_error("invalid_grant", "unknown subject")
    now = int(timezone.now().timestamp())
    claims = person.claims()
    id_token = jwt.encode(
        {"alg": "RS256", "kid": keys.signing_key().kid, "typ": "JWT"},
        {
            "iss": issuer(request),
            "sub": person.subject,
            "aud": client_id,
            "iat": now,
            "exp": now + ID_TOKEN_SECONDS,
            "auth_time": grant["at"],
            "nonce": grant["n"],
            "name": claims["name"],
            "id_number": claims["id_number"],
            "birthdate": claims["birthdate"],
        },
        keys.signing_key(),
        algorithms=["RS256"],
    )
    access = signing.dumps({"sub": person.subject, "cid": client_id}, salt=ACCESS_SALT)
    response = JsonResponse(
        {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ACCESS_SECONDS,
            "scope": " ".join(SCOPES),
            "id_token": id_token,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


# ---- userinfo -----------------------------------------------------------------------------------------------
@csrf_exempt
@require_http_methods(["GET", "POST"])
def userinfo(request):
    header = request.headers.get("Authorization", "")
    person = None
    if header.startswith("Bearer "):
        try:
            grant = signing.loads(header[7:], salt=ACCESS_SALT, max_age=ACCESS_SECONDS)
        except signing.BadSignature:
            grant = None
        person = by_subject(grant["sub"]) if grant else None
    if person is None:
        response = JsonResponse({"error": "invalid_token"}, status=401)
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    return JsonResponse(person.claims(), json_dumps_params={"ensure_ascii": False})
