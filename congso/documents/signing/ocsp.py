"""The test PKI's OCSP responder, answering in-process (RFC 6960).

:func:`respond` answers a DER OCSP request for any certificate the test intermediate issued: "good", or
"revoked" (with the date and reason) for the serials the test CRL lists; unknown serials get "unknown".
The answer is signed by the PKI's OCSP-signing certificate. Signing embeds these answers (B-LT), and
``/pki/ocsp`` serves them over HTTP in development.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from congso.documents.signing import service

VALIDITY = dt.timedelta(hours=12)


@cache
def _material(directory: str):
    d = Path(directory)
    index = service.ensure_test_pki()
    load = x509.load_pem_x509_certificate
    issuer = load((d / index["intermediate"]["cert"]).read_bytes())
    responder = load((d / index["ocsp"]["cert"]).read_bytes())
    key = serialization.load_pem_private_key((d / index["ocsp"]["key"]).read_bytes(), None)
    crl = x509.load_pem_x509_crl((d / index["crl"]).read_bytes())
    return issuer, responder, key, crl


def _issued(serial: int) -> x509.Certificate | None:
    """A certificate of the test PKI by serial (end-entity certificates are files in the PKI directory)."""
    for path in service.pki_dir().glob("*.crt.pem"):
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        if cert.serial_number == serial:
            return cert
    return None


def respond(request_der: bytes, *, now: dt.datetime | None = None) -> bytes:
    """A signed OCSP response (DER) to a DER OCSP request."""
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(
            serialization.Encoding.DER
        )
    issuer, responder, key, crl = _material(str(service.pki_dir()))
    cert = _issued(request.serial_number)
    if cert is None or cert.issuer != issuer.subject:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(
            serialization.Encoding.DER
        )
    revoked = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    builder = ocsp.OCSPResponseBuilder()
    if revoked is not None:
        reason = revoked.extensions.get_extension_for_class(x509.CRLReason).value.reason
        builder = builder.add_response(
            cert=cert,
            issuer=issuer,
            algorithm=hashes.SHA256(),
            cert_status=ocsp.OCSPCertStatus.REVOKED,
            this_update=now,
            next_update=now + VALIDITY,
            revocation_time=revoked.revocation_date_utc,
            revocation_reason=reason,
        )
    else:
        builder = builder.add_response(
            cert=cert,
            issuer=issuer,
            algorithm=hashes.SHA256(),
            cert_status=ocsp.OCSPCertStatus.GOOD,
            this_update=now,
            next_update=now + VALIDITY,
            revocation_time=None,
            revocation_reason=None,
        )
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, responder).certificates([responder])
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def request_for(cert_der: bytes) -> bytes:
    """The DER OCSP request a relying party would send for ``cert_der`` (issued by the test intermediate)."""
    issuer, _responder, _key, _crl = _material(str(service.pki_dir()))
    cert = x509.load_der_x509_certificate(cert_der)
    return (
        ocsp.OCSPRequestBuilder()
        .add_certificate(cert, issuer, hashes.SHA256())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )


def answer_for(cert_der: bytes) -> bytes:
    """Ask the in-process responder about one certificate (what B-LT signing embeds)."""
    return respond(request_for(cert_der))
