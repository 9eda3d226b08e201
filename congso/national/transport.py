"""The transport to DVCQG: one JSON call per service, and file downloads.

``call()`` raises :class:`TransportError` for anything that must be retried (network, timeout, HTTP 5xx,
an answer that is not JSON) and :class:`Refused` when DVCQG answered with an ``error_code`` other than
``"00"`` (the message was read and rejected; retried too, but shown to an administrator as a refusal).

``http_client()`` is the one place an HTTP client is built: tests replace it with one whose transport is
the in-process simulator (:mod:`congso.national.testing`), so production and tests share this code path.
"""

from __future__ import annotations

import functools
import json

import httpx
from django.conf import settings

from congso.national import protocol


class TransportError(Exception):
    """The message may not have arrived; deliver it again later."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class Refused(TransportError):
    """DVCQG read the message and answered with an error code other than "00"."""

    def __init__(self, error_code: str, message: str):
        super().__init__(f"[{error_code}] {message}")
        self.error_code = error_code


@functools.cache
def _ssl_context():
    """One SSL context per process: httpx would otherwise load the CA bundle for every client (~25 ms of CPU)."""
    return httpx.create_ssl_context()


def http_client(base_url: str, *, timeout: float) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=timeout, follow_redirects=False, verify=_ssl_context())


class DvcqgTransport:
    """JSON-over-HTTP calls to DVCQG (or its simulator) at ``settings.CONGSO_DVCQG_URL``."""

    def __init__(self, base_url: str | None = None, token: str | None = None, timeout: float | None = None):
        self.base_url = (base_url or settings.CONGSO_DVCQG_URL).rstrip("/")
        self.token = token if token is not None else settings.CONGSO_DVCQG_TOKEN
        self.timeout = timeout or settings.CONGSO_DVCQG_TIMEOUT
        self._http: httpx.Client | None = None

    def _client(self) -> httpx.Client:
        """One client (and its connection pool) for the life of this transport, e.g. one delivery run."""
        if self._http is None:
            self._http = http_client(self.base_url, timeout=self.timeout)
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}

    def call(self, service: str, body: dict) -> dict:
        payload = {"service": service, "madonvi": settings.CONGSO_PROVINCE_AGENCY_ID, **body}
        content = json.dumps(payload, ensure_ascii=False).encode()
        try:
            response = self._client().post(
                "/api", content=content, headers={**self._headers(), "Content-Type": "application/json"}
            )
        except httpx.TimeoutException as exc:
            raise TransportError(f"Hết thời gian chờ Cổng DVCQG trả lời ({exc.__class__.__name__}).") from exc
        except httpx.HTTPError as exc:
            raise TransportError(f"Không kết nối được Cổng DVCQG: {exc}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise TransportError(f"Cổng DVCQG trả lỗi HTTP {response.status_code}.", status=response.status_code)
        try:
            answer = response.json()
        except ValueError as exc:
            raise TransportError(
                f"Cổng DVCQG trả về nội dung không phải JSON (HTTP {response.status_code}).",
                status=response.status_code,
            ) from exc
        if not isinstance(answer, dict):
            raise TransportError("Cổng DVCQG trả về JSON không phải đối tượng.", status=response.status_code)
        code = str(answer.get("error_code", ""))
        if code != protocol.SUCCESS:
            raise Refused(code or f"HTTP {response.status_code}", str(answer.get("message", ""))[:500])
        return answer

    def fetch_file(self, url: str, *, max_bytes: int) -> bytes:
        """Download one file handed over with an online dossier (``DuongDanTaiTepTin``), bounded in size."""
        try:
            with self._client().stream("GET", url, headers=self._headers()) as response:
                if response.status_code != 200:
                    raise TransportError(
                        f"Không tải được tệp {url}: HTTP {response.status_code}.", status=response.status_code
                    )
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FileTooLarge(f"Tệp {url} vượt quá {max_bytes // (1024 * 1024)} MB.")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as exc:
            raise TransportError(f"Không tải được tệp {url}: {exc}") from exc


class FileTooLarge(Exception):
    """A file of an inbound dossier is larger than ``CONGSO_MAX_UPLOAD_BYTES`` (not retryable)."""


def get_transport() -> DvcqgTransport:
    return DvcqgTransport()
