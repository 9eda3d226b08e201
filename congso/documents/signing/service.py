"""Which key signs for whom, which roots are trusted, which timestamp authority stamps: from settings.

Development and tests run on the generated test PKI (``manage.py test_pki``, under
``settings.CONGSO_PKI_DIR``): people and agencies get a file key issued on demand by its intermediate.
A deployment points ``CONGSO_SIGNING_TRUST_ROOTS`` at the real roots, agencies at their HSM
(``CONGSO_AGENCY_SIGNER=pkcs11``), and people sign externally (USB token, remote signing).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from functools import cache
from pathlib import Path

from asn1crypto import pem
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from pyhanko_certvalidator import ValidationContext

from congso.documents.signing import pki, providers

_issue_lock = threading.Lock()


class SigningUnavailable(Exception):
    """No key is available here for this signer (e.g. a person who signs with a USB token)."""


def pki_dir() -> Path:
    return Path(settings.CONGSO_PKI_DIR)


def test_pki_index() -> dict | None:
    path = pki_dir() / "pki.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def ensure_test_pki() -> dict:
    """The test PKI, generated on first use (development and tests only)."""
    index = test_pki_index()
    if index is None:
        with _issue_lock:
            index = test_pki_index() or pki.build(pki_dir(), base_url=settings.CONGSO_PUBLIC_URL)
    return index


def _der(path: Path) -> bytes:
    data = path.read_bytes()
    if pem.detect(data):
        _type, _headers, data = pem.unarmor(data)
    return data


@cache
def _trust_material(root_paths: tuple[str, ...], crl_paths: tuple[str, ...], other: tuple[str, ...]):
    roots = [providers.load_cert(Path(p)) for p in root_paths]
    crls = [_der(Path(p)) for p in crl_paths]
    others = [providers.load_cert(Path(p)) for p in other]
    return roots, crls, others


def trust_paths() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    if settings.CONGSO_SIGNING_TRUST_ROOTS:
        return (
            tuple(settings.CONGSO_SIGNING_TRUST_ROOTS),
            tuple(settings.CONGSO_SIGNING_CRLS),
            tuple(settings.CONGSO_SIGNING_INTERMEDIATES),
        )
    index = ensure_test_pki()
    d = pki_dir()
    return (str(d / index["root"]["cert"]),), (str(d / index["crl"]),), (str(d / index["intermediate"]["cert"]),)


def uses_test_pki() -> bool:
    return not settings.CONGSO_SIGNING_TRUST_ROOTS


def validation_context(*, at: dt.datetime | None = None, ocsps: list[bytes] | None = None) -> ValidationContext:
    """Trusted roots with the revocation data at hand (CRLs, and OCSP answers when given), never fetching
    from the network in requests."""
    roots, crls, others = _trust_material(*trust_paths())
    return ValidationContext(
        trust_roots=roots,
        other_certs=others,
        crls=crls,
        ocsps=list(ocsps or []),
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=at,
    )


def timestamper():
    """The timestamp authority: the test PKI's, in-process (B-T)."""
    index = ensure_test_pki()
    d = pki_dir()
    return providers.in_process_timestamper(
        str(d / index["tsa"]["cert"]), str(d / index["tsa"]["key"]), (str(d / index["intermediate"]["cert"]),)
    )


def _issue_file_key(kind: str, key: str, common_name: str, organisation: str, title: str = "") -> tuple[str, str]:
    """A key and certificate under the test intermediate, issued once and kept in the PKI directory."""
    index = ensure_test_pki()
    d = pki_dir()
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in key)
    cert_path, key_path = d / f"{kind}-{safe}.crt.pem", d / f"{kind}-{safe}.key.pem"
    with _issue_lock:
        if not cert_path.exists():
            inter_cert = x509.load_pem_x509_certificate((d / index["intermediate"]["cert"]).read_bytes())
            inter_key = serialization.load_pem_private_key((d / index["intermediate"]["key"]).read_bytes(), None)
            issuer = pki.Issued("intermediate", inter_cert, inter_key)
            private = pki._key()
            now = dt.datetime.now(dt.UTC)
            cert = pki._issue(
                pki._name(common_name, organisation, title=title),
                private,
                issuer,
                not_before=now - dt.timedelta(days=1),
                not_after=now + dt.timedelta(days=730),
            )
            pki._write(d, f"{kind}-{safe}", cert, private)
    return str(key_path), str(cert_path)


def person_signer(user, title: str = ""):
    """The person's signer: a file key from the test PKI in development; otherwise external signing."""
    if settings.CONGSO_PERSON_SIGNER != "test-pki":
        raise SigningUnavailable("external")
    name = getattr(user, "full_name", "") or user.get_username()
    key_path, cert_path = _issue_file_key("person", user.get_username(), name, "congso", title or "Cán bộ")
    return providers.file_signer(key_path, cert_path, (trust_paths()[2][0],))


def agency_signer(agency):
    """The agency's signer: its HSM key (PKCS#11) in a deployment; a test-PKI file key in development."""
    if settings.CONGSO_AGENCY_SIGNER == "pkcs11":
        conf = settings.CONGSO_PKCS11
        return providers.pkcs11_signer(
            conf["module"],
            conf["token"],
            conf["pin"],
            f"agency-{agency.slug}",
            str(Path(conf["cert_dir"]) / f"agency-{agency.slug}.crt.pem"),
            tuple(settings.CONGSO_SIGNING_INTERMEDIATES) or trust_paths()[2],
        )
    key_path, cert_path = _issue_file_key("org", agency.slug, agency.name, agency.name)
    return providers.file_signer(key_path, cert_path, (trust_paths()[2][0],))
