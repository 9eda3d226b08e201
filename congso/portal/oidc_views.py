"""Log in with the national identity provider (VNeID): to the provider, and back (congso/accounts/oidc.py)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from congso.accounts import actions, oidc

log = logging.getLogger(__name__)


def redirect_uri() -> str:
    return settings.CONGSO_OIDC_REDIRECT_URI or settings.CONGSO_PUBLIC_URL.rstrip("/") + reverse(
        "portal:vneid-callback"
    )


def _safe_next(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _failed(request, err: oidc.OidcError) -> HttpResponseRedirect:
    log.warning("VNeID login refused: %s", err)
    messages.error(request, err.message)
    return HttpResponseRedirect(reverse("portal:login"))


@never_cache
@require_GET
def start(request):
    """Đăng nhập bằng VNeID: off to the provider, with this session's state, nonce and PKCE verifier."""
    if not oidc.is_configured():
        raise Http404
    try:
        url = oidc.begin(
            request.session, redirect_uri=redirect_uri(), next_url=_safe_next(request, request.GET.get("next", ""))
        )
    except oidc.OidcError as err:
        return _failed(request, err)
    return HttpResponseRedirect(url)


@never_cache
@require_GET
def callback(request):
    """Back from the provider: check everything, then log the citizen (or representative) in."""
    if not oidc.is_configured():
        raise Http404
    try:
        identity, next_url = oidc.complete(request.session, request.GET)
        user = actions.sign_in_with_identity(identity, current_user=request.user)
    except oidc.OidcError as err:
        return _failed(request, err)
    login(request, user, backend="congso.accounts.backends.UsernameEmailOrPhoneBackend")
    messages.success(
        request, _("Đã đăng nhập bằng tài khoản định danh điện tử (VNeID). Chào %(name)s!") % {"name": user.full_name}
    )
    return HttpResponseRedirect(_safe_next(request, next_url) or reverse("portal:account"))
