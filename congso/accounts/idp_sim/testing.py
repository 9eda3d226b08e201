"""Tests route the relying party's calls to the identity provider (discovery, JWKS, token, userinfo) through
this very Django application, in process (see :mod:`congso.core.testing`), where the simulator answers.

:class:`Network` can take the provider down, and can rewrite the token endpoint's answer on its way back —
which is how tests hand the relying party a tampered, expired or misaddressed ID token.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

from congso.accounts import oidc
from congso.core.testing import wsgi_app


class Network:
    """``down`` refuses every connection; ``rewrite_token`` (the token endpoint's JSON → new JSON) rewrites
    its answer; ``requests`` lists what was asked."""

    def __init__(self):
        self.down = False
        self.rewrite_token: Callable[[dict], dict] | None = None
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> None:
        self.requests.append(f"{request.method} {request.url.path}")
        if self.down:
            raise httpx.ConnectError("simulated outage: connection refused", request=request)


def install(monkeypatch, network: Network | None = None) -> Network:
    network = network or Network()

    class _Transport(httpx.WSGITransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            network(request)
            response = super().handle_request(request)
            if network.rewrite_token and request.url.path.endswith("/token") and response.status_code == 200:
                body = network.rewrite_token(json.loads(response.read()))
                return httpx.Response(200, json=body, request=request)
            return response

    def client(*, timeout: float) -> httpx.Client:
        return httpx.Client(timeout=timeout, transport=_Transport(app=wsgi_app))

    monkeypatch.setattr(oidc, "http_client", client)
    return network


# ---- forging ID tokens ----------------------------------------------------------------------------------------
def read_claims(id_token: str) -> tuple[dict, dict]:
    """The header and claims of a compact JWS, unverified (to forge a variant of a real token)."""
    header, payload, _sig = id_token.split(".")
    return _unb64(header), _unb64(payload)


def sign(header: dict, claims: dict, key: RSAKey) -> str:
    return jwt.encode(header, claims, key, algorithms=["RS256"])


def tamper_payload(id_token: str, **changes) -> str:
    """The same token with changed claims but the original signature (as an attacker without the key would)."""
    header, payload, signature = id_token.split(".")
    claims = {**_unb64(payload), **changes}
    return ".".join([header, _b64(json.dumps(claims).encode()), signature])


def _unb64(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
