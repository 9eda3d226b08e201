"""Signing the results of dossiers: the leader's person signature, then the agency's (Decree 30/2020).

Called by the dossier engine's ``sign`` and ``issue`` actions *before* their transaction (signing takes
CPU time; the writer lock is not held meanwhile); the action then records the outcome if the result did
not change in between.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from pyhanko.sign.general import SigningError

from congso.documents.models import NumberCounter
from congso.documents.signing import core, images, ocsp, service


class SigningFailed(Exception):
    """Signing could not be done; ``message`` is Vietnamese and says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Signed:
    data: bytes
    signer_name: str
    certificate_serial: str
    certificate_issuer: str
    level: str
    provider: str


def _raise_hsm_failure(exc: Exception):
    """A python-pkcs11 error becomes a clear refusal; anything else is a bug and propagates."""
    if exc.__class__.__module__.startswith("pkcs11"):
        raise SigningFailed(
            _("Không dùng được khóa ký số trên thiết bị HSM của cơ quan (%(e)s); báo quản trị hệ thống.")
            % {"e": exc.__class__.__name__}
        ) from None
    raise exc


def _describe(signer) -> tuple[str, str, str]:
    cert = signer.signing_cert
    native = cert.subject.native
    return (
        native.get("common_name", ""),
        format(cert.serial_number, "x"),
        cert.issuer.native.get("common_name", ""),
    )


def _sign(data: bytes, signer, appearance: core.Appearance, field_name: str, provider: str) -> Signed:
    if not data[:1024].lstrip().startswith(b"%PDF-"):
        raise SigningFailed(_("Kết quả không phải tệp PDF nên không ký số được; hãy tải lên bản PDF."))
    # B-LT: the CRL, and with the test PKI an answer of its in-process OCSP responder, go into the DSS.
    ocsps = [ocsp.answer_for(signer.signing_cert.dump())] if service.uses_test_pki() else []
    try:
        signed = core.sign_pdf(
            data,
            signer,
            field_name=field_name,
            appearance=appearance,
            timestamper=service.timestamper(),
            validation_context=service.validation_context(ocsps=ocsps),
        )
    except SigningError as exc:
        raise SigningFailed(
            _("Không ký được: chứng thư số của người ký bị thu hồi, hết hạn hoặc không được tin cậy (%(e)s).")
            % {"e": str(exc)[:200]}
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise SigningFailed(_("Tệp PDF bị lỗi, không ký số được (%(e)s).") % {"e": exc.__class__.__name__}) from None
    except Exception as exc:  # the HSM: wrong PIN, key missing, device gone (python-pkcs11 errors)
        _raise_hsm_failure(exc)
    name, serial, issuer = _describe(signer)
    return Signed(signed, name, serial, issuer, "B-LT", provider)


def sign_as_person(data: bytes, user, *, title: str) -> Signed:
    """The leader's signature: the signature image, position and name where a wet signature would go."""
    try:
        signer = service.person_signer(user, title=title)
    except service.SigningUnavailable:
        raise SigningFailed(
            _(
                "Người ký dùng thiết bị ký số (USB token) hoặc dịch vụ ký số từ xa: hãy ký từng kết quả qua "
                "chức năng ký số ngoài, rồi thực hiện lại thao tác này."
            )
        ) from None
    name = getattr(user, "full_name", "") or user.get_username()
    appearance = core.person_appearance(name, title.upper(), images.signature_png(name))
    return _sign(data, signer, appearance, "ChuKyNguoiCoThamQuyen", settings.CONGSO_PERSON_SIGNER)


def notation(agency) -> str:
    """The issuing-agency part of the notation: UBND for a People's Committee, else the initials."""
    if agency.kind in ("commune_pc", "province_pc") or agency.name.startswith("Ủy ban nhân dân"):
        return "UBND"
    # "Sở Nông nghiệp và Môi trường tỉnh Thanh Hóa" → SNNMT, "Sở Tư pháp" → STP (the province is not part of it).
    name = re.sub(r"\s+(tỉnh|thành phố)\s+.*$", "", agency.name)
    words = [w for w in re.findall(r"\w+", name) if w.lower() not in ("và", "các")]
    return "".join(w[0] for w in words).upper().replace("Đ", "D")[:10] or "CQ"


def allocate_number(agency, year: int) -> int:
    """The next number of the agency's register this year: from 01 on 1 January, never reused."""
    with transaction.atomic():
        if connection.vendor in ("postgresql", "sqlite"):
            table = NumberCounter._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (agency_id, year, last) VALUES (%s, %s, 1) "
                    f"ON CONFLICT (agency_id, year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
                    [agency.pk, year],
                )
                return cursor.fetchone()[0]
        counter, _created = NumberCounter.objects.select_for_update().get_or_create(agency=agency, year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
        return counter.last


def sign_as_agency(data: bytes, agency, *, number: str, verify_url: str) -> Signed:
    """The agency's signature: the seal over the left third of the person's, the agency, number and time."""
    try:
        signer = service.agency_signer(agency)
    except Exception as exc:
        _raise_hsm_failure(exc)
    appearance = core.agency_appearance(
        agency.name,
        dt.datetime.now(dt.UTC),
        images.seal_png(agency.name),
        number=_("Số: %(number)s") % {"number": number},
        qr_url=verify_url,
    )
    provider = "pkcs11" if settings.CONGSO_AGENCY_SIGNER == "pkcs11" else "file"
    return _sign(data, signer, appearance, "ChuKyCoQuan", provider)
