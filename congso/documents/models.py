"""Signed documents: who signed what, and the public verification links printed as QR codes."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    return secrets.token_urlsafe(12)


class SignatureKind(models.TextChoices):
    PERSON = "person", _("Chữ ký số của người có thẩm quyền")
    AGENCY = "agency", _("Chữ ký số của cơ quan, tổ chức")


class SignatureRecord(models.Model):
    """A digital signature applied by congso (chữ ký số đã thực hiện): the basis of the signature rates.

    ``document_sha256`` is the signed output (content-addressed in the file store); ``source_sha256`` what
    was signed. ``agency_id`` is the agency on whose behalf (or in whose name) the signature was made.
    """

    kind = models.CharField(_("loại chữ ký"), max_length=10, choices=SignatureKind.choices)
    agency = models.ForeignKey(
        "geo.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="+", db_index=True
    )
    signer_user = models.ForeignKey(
        "accounts.User", verbose_name=_("người ký"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signer_name = models.CharField(_("tên trên chứng thư"), max_length=300)
    certificate_serial = models.CharField(_("số hiệu chứng thư"), max_length=80)
    certificate_issuer = models.CharField(_("tổ chức cấp chứng thư"), max_length=300)
    source_sha256 = models.CharField(_("SHA-256 tài liệu trước khi ký"), max_length=64)
    document_sha256 = models.CharField(_("SHA-256 tài liệu đã ký"), max_length=64, db_index=True)
    level = models.CharField(_("mức PAdES"), max_length=10)  # B-T | B-LT
    provider = models.CharField(_("phương thức ký"), max_length=20)  # file | pkcs11 | external
    dossier_id = models.BigIntegerField(_("hồ sơ"), null=True, blank=True, db_index=True)
    signed_at = models.DateTimeField(_("ký lúc"), db_index=True)

    class Meta:
        verbose_name = _("chữ ký số")
        verbose_name_plural = _("các chữ ký số")
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["agency", "kind", "signed_at"], name="documents_sig_rate")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.signer_name}"


class VerificationLink(models.Model):
    """The public verification address of an issued document (đường dẫn xác thực), printed as a QR code."""

    token = models.CharField(_("mã xác thực"), max_length=32, unique=True, default=new_token)
    document_sha256 = models.CharField(_("SHA-256 tài liệu"), max_length=64, blank=True)
    label = models.CharField(_("tên tài liệu"), max_length=500, blank=True)
    number = models.CharField(_("số, ký hiệu"), max_length=100, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("đường dẫn xác thực tài liệu")
        verbose_name_plural = _("các đường dẫn xác thực tài liệu")

    def __str__(self):
        return self.token


class NumberCounter(models.Model):
    """Document numbers per issuing agency and calendar year, from 01 on 1 January (Decree 30/2020 Art. 15)."""

    agency = models.ForeignKey("geo.Agency", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="documents_number_agency_year")]

    def __str__(self):
        return f"{self.agency_id}/{self.year}: {self.last}"
