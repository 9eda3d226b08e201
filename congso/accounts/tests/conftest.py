"""Login through the national identity provider: the simulator answers in process (no network)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from congso.accounts import oidc
from congso.accounts.idp_sim import testing as sim


@pytest.fixture(scope="session")
def _sim_key_file(tmp_path_factory):
    """One simulator signing key for the session, never the developer's var/."""
    return tmp_path_factory.mktemp("vneid-sim") / "signing-key.pem"


@pytest.fixture
def idp(monkeypatch, settings, _sim_key_file):
    """The simulated provider at the default issuer (CONGSO_PUBLIC_URL + /sim/vneid), reached in process."""
    assert settings.CONGSO_OIDC_SIMULATOR, "the simulator's URLs are mounted only when this is on"
    settings.CONGSO_OIDC_SIMULATOR_KEY_FILE = _sim_key_file
    settings.CONGSO_OIDC_ISSUER = settings.CONGSO_PUBLIC_URL.rstrip("/") + "/sim/vneid"
    oidc.forget()
    network = sim.install(monkeypatch)
    yield network
    oidc.forget()


class Flow:
    """One person's browser going through the login, step by step (Django's test client)."""

    def __init__(self, client):
        self.client = client
        self.authorize_url = ""
        self.callback_url = ""

    def start(self, next_url: str = ""):
        response = self.client.get("/tai-khoan/vneid/dang-nhap/", {"next": next_url} if next_url else {})
        if response.status_code == 302 and "/sim/vneid/authorize" in response["Location"]:
            self.authorize_url = response["Location"]
        return response

    def authorize_params(self) -> dict:
        return dict(parse_qsl(urlsplit(self.authorize_url).query))

    def choose(self, identity: str | None, **overrides):
        """On the provider's page: pick ``identity`` (``None``: press "Hủy")."""
        data = {**self.authorize_params(), **overrides}
        data.update({"identity": identity} if identity else {"cancel": "1"})
        response = self.client.post(urlsplit(self.authorize_url).path, data)
        assert response.status_code == 302, response.content.decode()[:500]
        self.callback_url = response["Location"]
        return response

    def back(self, url: str | None = None):
        """The browser arrives at the portal's callback; follow the portal's redirect to the page shown."""
        return self.client.get(url or self.callback_url, follow=True)

    def login(self, identity: str = "congdan", next_url: str = ""):
        self.start(next_url)
        self.choose(identity)
        return self.back()
