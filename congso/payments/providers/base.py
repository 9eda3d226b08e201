"""What every online payment provider adapter offers (DESIGN §4.9: adapters are copyable folders).

An adapter turns congso's payment attempt into the provider's protocol and the provider's messages back
into a :class:`Notice`. It never changes the database: :mod:`congso.payments.actions` does, from the
notices, the same way whether a notice came by IPN, by the citizen's return, by a status query or by
the daily statement.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import httpx


class ProviderError(Exception):
    """The provider could not be asked, or answered with something unusable; try again later."""


class ProviderTimeout(ProviderError):
    """No answer in time: the provider may or may not have registered the request."""


class ProviderRefused(ProviderError):
    """The provider read the request and refused it (its code and message)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"[{code}] {message}")
        self.code = code


class BadSignature(Exception):
    """A message claims to come from the provider but its signature does not verify."""


class Malformed(Exception):
    """A message is missing fields or carries unreadable values."""


@dataclass(frozen=True)
class Notice:
    """What a provider says about one payment."""

    reference: str
    amount: int | None  # integer VND, None when the message carries none
    outcome: str  # "success", "failed", "pending", "not_found"
    provider_ref: str = ""
    bank_code: str = ""
    code: str = ""  # the provider's own result code
    paid_at: dt.datetime | None = None
    payload: dict | None = None


@dataclass(frozen=True)
class Started:
    redirect_url: str
    provider_ref: str = ""


@dataclass(frozen=True)
class StatementLine:
    reference: str
    amount: int
    outcome: str  # "success" or "failed"
    provider_ref: str = ""
    at: dt.datetime | None = None


@dataclass(frozen=True)
class StartRequest:
    """Everything an adapter needs to start one payment."""

    reference: str
    amount: int
    description: str
    return_url: str
    notify_url: str
    client_ip: str
    created_at: dt.datetime
    expires_at: dt.datetime
    procedure_code: str = ""
    agency_code: str = ""
    dossier_code: str = ""
    fee_lines: tuple[dict, ...] = ()
    locale: str = "vi"


@functools.cache
def _ssl_context():
    return httpx.create_ssl_context()


def http_client(base_url: str, *, timeout: float) -> httpx.Client:
    """The one place a provider HTTP client is built; tests route it to the in-process simulators."""
    return httpx.Client(base_url=base_url, timeout=timeout, follow_redirects=False, verify=_ssl_context())


def post_json(base_url: str, path: str, body: dict, *, timeout: float) -> dict:
    """POST ``body``; the JSON answer, or :class:`ProviderTimeout` / :class:`ProviderError`."""
    try:
        with http_client(base_url, timeout=timeout) as client:
            response = client.post(path, json=body)
    except httpx.TimeoutException as exc:
        raise ProviderTimeout(f"{exc.__class__.__name__}: {exc}") from exc
    except httpx.HTTPError as exc:
        raise ProviderError(f"{exc.__class__.__name__}: {exc}") from exc
    if response.status_code >= 500:
        raise ProviderError(f"HTTP {response.status_code}: {response.text[:200]}")
    try:
        answer = response.json()
    except ValueError as exc:
        raise ProviderError(f"HTTP {response.status_code}: not JSON: {response.text[:200]}") from exc
    if not isinstance(answer, dict):
        raise ProviderError("the answer is not a JSON object")
    return answer
