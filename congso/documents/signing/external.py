"""External ("interrupted") PAdES signing: the key is not here — a USB token behind the signer's local
signing service, or a remote-signing service, signs; this server prepares and finishes the PDF.

1. :func:`start` prepares the PDF with room for the signature, computes the CMS signed attributes over the
   document digest and returns an :class:`ExternalSession`: :attr:`~ExternalSession.data_to_sign` are the
   bytes the device signs (the DER of the signed attributes), :attr:`~ExternalSession.digest_to_sign` their
   SHA-256 digest for a device that takes a pre-hashed digest. The session is plain data
   (:meth:`~ExternalSession.to_json`) to keep in the database between the two HTTP requests.
2. The device returns the signature value (RSA PKCS#1 v1.5 over SHA-256 for an RSA certificate, ECDSA for
   an EC one).
3. :func:`finish` checks the value against the certificate's public key over those bytes (refusing a value
   signed by another key or over other bytes with :class:`ExternalSignatureInvalid`), builds the CMS (with a
   signature timestamp when a timestamper is given: B-T; plus the revocation data in the DSS when a
   validation context is given: B-LT) and writes it into the reserved place.

Follows pyHanko's interrupted-signing flow (``PdfSigner.async_digest_doc_for_signing``,
``ExternalSigner.signed_attrs``, ``async_sign_prescribed_attributes``, ``PdfTBSDocument.async_finish_signing``).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import io
import json
from dataclasses import asdict, dataclass

from asn1crypto import algos, cms, pem
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from django.utils.translation import gettext_lazy
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator

from congso.documents.signing import core

MD_ALGORITHM = "sha256"
# Room kept in the signature placeholder for the signature timestamp token added in finish(): the token
# of a real TSA with its certificates is 3–8 KB (DER); it is written twice as long, in hexadecimal.
TIMESTAMP_RESERVE = 12 * 1024
STATE_VERSION = 1

INVALID_MESSAGE = gettext_lazy("Chữ ký số gửi về không khớp với tài liệu hoặc chứng thư số.")


class ExternalSignatureInvalid(Exception):
    """The signature value that came back does not verify over the prepared bytes with the certificate.

    Not a ``SigningError``: callers that report a ``SigningError`` as "certificate revoked, expired or
    untrusted" must not say that about a wrong signature value."""

    def __init__(self, message: str | None = None):
        message = str(message or INVALID_MESSAGE)
        super().__init__(message)
        self.message = message


class ExternalSessionInvalid(ValueError):
    """A kept session that cannot be read back (corrupted or of another version)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _load_cert(data: bytes) -> asn1_x509.Certificate:
    if pem.detect(data):
        _type, _headers, data = pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


@dataclass(frozen=True)
class ExternalSession:
    """Everything :func:`finish` needs, as plain data (no key, nothing secret but the document itself)."""

    field_name: str
    prepared_pdf: bytes  # the PDF with the signature placeholder (pyHanko's output stream)
    document_digest: bytes  # PreparedByteRangeDigest.document_digest (SHA-256 over the /ByteRange)
    reserved_region_start: int  # PreparedByteRangeDigest.reserved_region_start
    reserved_region_end: int  # PreparedByteRangeDigest.reserved_region_end
    signed_attrs: bytes  # DER of the CMS signed attributes (a SET OF Attribute)
    certificates: tuple[bytes, ...]  # DER: the signer's certificate first, then its chain
    signature_mechanism: str  # e.g. "sha256_rsa", "sha256_ecdsa"
    created_at: str  # ISO 8601, UTC

    @property
    def data_to_sign(self) -> bytes:
        """The bytes the external device signs: the DER of the signed attributes (``signed_attrs.dump()``)."""
        return self.signed_attrs

    @property
    def digest_to_sign(self) -> bytes:
        """SHA-256 of :attr:`data_to_sign`: what a token that takes a pre-hashed digest signs."""
        return hashlib.sha256(self.signed_attrs).digest()

    @property
    def signing_cert(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.certificates[0])

    def to_dict(self) -> dict:
        """JSON-ready: bytes as base64, plus the digest to sign (informative; recomputed on reading)."""
        out = asdict(self)
        for key in ("prepared_pdf", "document_digest", "signed_attrs"):
            out[key] = _b64(out[key])
        out["certificates"] = [_b64(c) for c in self.certificates]
        out["digest_to_sign"] = _b64(self.digest_to_sign)
        out["version"] = STATE_VERSION
        return out

    @classmethod
    def from_dict(cls, data: dict) -> ExternalSession:
        try:
            if data.get("version") != STATE_VERSION:
                raise ExternalSessionInvalid(f"unknown external-signing session version {data.get('version')!r}")
            return cls(
                field_name=str(data["field_name"]),
                prepared_pdf=_unb64(data["prepared_pdf"]),
                document_digest=_unb64(data["document_digest"]),
                reserved_region_start=int(data["reserved_region_start"]),
                reserved_region_end=int(data["reserved_region_end"]),
                signed_attrs=_unb64(data["signed_attrs"]),
                certificates=tuple(_unb64(c) for c in data["certificates"]),
                signature_mechanism=str(data["signature_mechanism"]),
                created_at=str(data["created_at"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ExternalSessionInvalid):
                raise
            raise ExternalSessionInvalid(f"unreadable external-signing session: {exc}") from exc

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str | bytes) -> ExternalSession:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ExternalSessionInvalid(f"unreadable external-signing session: {exc}") from exc
        if not isinstance(data, dict):
            raise ExternalSessionInvalid("unreadable external-signing session: not an object")
        return cls.from_dict(data)


def _placeholder_length(cert: asn1_x509.Certificate) -> int:
    """The size of a signature value by this certificate's key (for the size of the placeholder)."""
    key = cert.public_key
    bits = key.bit_size
    if key.algorithm == "ec":
        return 2 * ((bits + 7) // 8 + 1) + 9  # DER SEQUENCE of two INTEGERs, at most
    return (bits + 7) // 8


def _external_signer(certs: list[asn1_x509.Certificate], value: bytes | int, mechanism: str | None = None):
    return signers.ExternalSigner(
        signing_cert=certs[0],
        cert_registry=SimpleCertificateStore.from_certs(certs[1:]),
        signature_value=value,
        signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": mechanism}) if mechanism else None,
    )


async def _check_certificate(certs: list[asn1_x509.Certificate], validation_context: ValidationContext) -> None:
    """The same check as pyHanko's pre-signing validation: a revoked, expired or untrusted certificate
    raises :class:`SigningError` before anything goes to the device."""
    validator = CertificateValidator(certs[0], intermediate_certs=certs[1:], validation_context=validation_context)
    try:
        await validator.async_validate_usage({"non_repudiation"})
    except (PathBuildingError, PathValidationError) as exc:
        raise SigningError("The signer's certificate could not be validated") from exc


def start(
    data: bytes,
    cert_pem_chain: list[bytes],
    *,
    field_name: str,
    appearance: core.Appearance | None,
    reason: str = "",
    validation_context: ValidationContext | None = None,
) -> ExternalSession:
    """Prepare ``data`` for a signature by the holder of ``cert_pem_chain[0]`` (PEM or DER; then its
    chain) and return the session whose :attr:`~ExternalSession.data_to_sign` the device must sign.

    With ``validation_context`` the certificate is checked first (revoked, expired or untrusted:
    :class:`SigningError`). Raises ``ValueError`` (pyHanko's ``PdfReadError`` is one) for a broken PDF.
    """
    if not cert_pem_chain:
        raise ValueError("the signer's certificate is required")
    certs = [_load_cert(c) for c in cert_pem_chain]

    async def run() -> ExternalSession:
        if validation_context is not None:
            await _check_certificate(certs, validation_context)
        ext_signer = _external_signer(certs, _placeholder_length(certs[0]))
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm=MD_ALGORITHM,
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason or None,
        )
        field_spec = style = params = None
        if appearance is not None:
            field_spec = fields.SigFieldSpec(
                sig_field_name=field_name,
                on_page=core._page_index(writer, appearance.page),
                box=appearance.box,
            )
            style = core._style(appearance)
            params = {"url": appearance.qr_url} if appearance.qr_url else None
        pdf_signer = signers.PdfSigner(meta, signer=ext_signer, stamp_style=style, new_field_spec=field_spec)
        # The placeholder: a dry-run CMS of this signer plus room for the timestamp token, in hexadecimal.
        dry = await ext_signer.async_sign(hashlib.sha256(b"").digest(), MD_ALGORITHM, use_pades=True, dry_run=True)
        bytes_reserved = 2 * (len(dry.dump()) + 64 + TIMESTAMP_RESERVE)
        prepared, _tbs, output = await pdf_signer.async_digest_doc_for_signing(
            writer, bytes_reserved=bytes_reserved, appearance_text_params=params
        )
        signed_attrs = await ext_signer.signed_attrs(prepared.document_digest, MD_ALGORITHM, use_pades=True)
        output.seek(0)
        return ExternalSession(
            field_name=field_name,
            prepared_pdf=output.read(),
            document_digest=prepared.document_digest,
            reserved_region_start=prepared.reserved_region_start,
            reserved_region_end=prepared.reserved_region_end,
            signed_attrs=signed_attrs.dump(),
            certificates=tuple(c.dump() for c in certs),
            signature_mechanism=ext_signer.get_signature_mechanism_for_digest(MD_ALGORITHM)["algorithm"].native,
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )

    return asyncio.run(run())


def check_signature(session: ExternalSession, signature_value: bytes) -> None:
    """Raise :class:`ExternalSignatureInvalid` unless ``signature_value`` is the certificate's key's
    signature over :attr:`~ExternalSession.data_to_sign`."""
    if not isinstance(signature_value, bytes | bytearray) or not signature_value:
        raise ExternalSignatureInvalid()
    try:
        DefaultSignatureValidator().validate_signature(
            bytes(signature_value),
            session.signed_attrs,
            session.signing_cert.public_key,
            algos.SignedDigestAlgorithm({"algorithm": session.signature_mechanism}),
        )
    except (InvalidSignature, ValueError, TypeError, AssertionError) as exc:
        raise ExternalSignatureInvalid() from exc


def _check_state(session: ExternalSession) -> None:
    """The kept PDF still hashes to the digest the signed attributes carry (nothing changed it meanwhile)."""
    pdf, start, end = session.prepared_pdf, session.reserved_region_start, session.reserved_region_end
    if not 0 < start < end <= len(pdf):
        raise ExternalSessionInvalid("the reserved region is outside the prepared PDF")
    digest = hashlib.new(MD_ALGORITHM, memoryview(pdf)[:start])
    digest.update(memoryview(pdf)[end:])
    try:
        attrs = cms.CMSAttributes.load(session.signed_attrs)
        message_digest = next(a["values"][0].native for a in attrs if a["type"].native == "message_digest")
    except (ValueError, TypeError, KeyError, StopIteration) as exc:
        raise ExternalSessionInvalid(f"unreadable signed attributes: {exc}") from exc
    if not (digest.digest() == session.document_digest == message_digest):
        raise ExternalSessionInvalid("the prepared PDF does not match the digest that is signed")


def finish(
    session_state: ExternalSession | dict | str | bytes,
    signature_value: bytes,
    *,
    timestamper: TimeStamper | None = None,
    validation_context: ValidationContext | None = None,
) -> bytes:
    """The signed PDF: ``signature_value`` (from the device, over the session's
    :attr:`~ExternalSession.data_to_sign`) in a PAdES CMS, B-T with ``timestamper``, and B-LT (revocation
    data in the DSS) with ``validation_context`` too. Raises :class:`ExternalSignatureInvalid` and produces
    nothing if the value does not verify with the certificate."""
    if isinstance(session_state, ExternalSession):
        session = session_state
    elif isinstance(session_state, dict):
        session = ExternalSession.from_dict(session_state)
    else:
        session = ExternalSession.from_json(session_state)
    _check_state(session)
    check_signature(session, signature_value)
    certs = [asn1_x509.Certificate.load(c) for c in session.certificates]
    signed_attrs = cms.CMSAttributes.load(session.signed_attrs)

    async def run() -> bytes:
        ext_signer = _external_signer(certs, bytes(signature_value), session.signature_mechanism)
        signature_cms = await ext_signer.async_sign_prescribed_attributes(
            MD_ALGORITHM, signed_attrs=signed_attrs, timestamper=timestamper
        )
        prepared = PreparedByteRangeDigest(
            document_digest=session.document_digest,
            reserved_region_start=session.reserved_region_start,
            reserved_region_end=session.reserved_region_end,
        )
        output = io.BytesIO(session.prepared_pdf)
        await PdfTBSDocument.async_finish_signing(output, prepared, signature_cms)
        if validation_context is None:
            return output.getvalue()
        from pyhanko.sign.validation.dss import async_add_validation_info

        reader = PdfFileReader(output, strict=False)
        embedded = next(s for s in reader.embedded_signatures if s.field_name == session.field_name)
        with_dss = await async_add_validation_info(embedded, validation_context)
        return with_dss.getvalue()

    try:
        return asyncio.run(run())
    except SigningError:
        raise
    except ValueError as exc:  # e.g. the CMS does not fit the placeholder (a huge timestamp token)
        raise SigningError(f"could not finish the external signature: {exc}") from exc
