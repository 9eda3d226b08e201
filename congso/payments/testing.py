"""Tests route every payment-provider HTTP call (adapter → simulator, simulator → IPN) through this very
Django application, in process (see :mod:`congso.core.testing`)."""

from __future__ import annotations

import httpx

from congso.core.testing import wsgi_app
from congso.payments.providers import base


class Network:
    """Switches for the in-process network: ``down`` refuses connections, ``timeout`` times out requests
    whose path contains one of ``timeout_paths`` (all when empty)."""

    def __init__(self):
        self.down = False
        self.timeout = False
        self.timeout_paths: tuple[str, ...] = ()
        self.lose_answers: tuple[str, ...] = ()  # paths whose request arrives but whose answer is lost
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> None:
        self.requests.append(f"{request.method} {request.url.path}")
        if self.down:
            raise httpx.ConnectError("simulated outage: connection refused", request=request)
        if self.timeout and (not self.timeout_paths or any(p in request.url.path for p in self.timeout_paths)):
            raise httpx.ReadTimeout("simulated timeout", request=request)


def install(monkeypatch, network: Network | None = None) -> Network:
    network = network or Network()

    class _Transport(httpx.WSGITransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            network(request)
            response = super().handle_request(request)
            if any(p in request.url.path for p in network.lose_answers):
                raise httpx.ReadTimeout("simulated timeout: the answer was lost", request=request)
            return response

    def client(base_url: str, *, timeout: float) -> httpx.Client:
        return httpx.Client(base_url=base_url, timeout=timeout, transport=_Transport(app=wsgi_app))

    monkeypatch.setattr(base, "http_client", client)
    return network
