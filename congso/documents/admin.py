"""Signatures and verification links in the admin (read-only: they are written by the signing actions)."""

from django.contrib import admin

from congso.core.admin import ReadOnlyAdmin
from congso.documents.models import NumberCounter, SignatureRecord, VerificationLink


@admin.register(SignatureRecord)
class SignatureRecordAdmin(ReadOnlyAdmin):
    list_display = ("signed_at", "kind", "signer_name", "agency", "level", "provider", "dossier_id")
    list_filter = ("kind", "level", "provider")
    search_fields = ("signer_name", "certificate_serial", "document_sha256")
    list_select_related = ("agency",)


@admin.register(VerificationLink)
class VerificationLinkAdmin(ReadOnlyAdmin):
    list_display = ("token", "label", "number", "issuer", "created_at")
    search_fields = ("token", "number", "label", "document_sha256")


@admin.register(NumberCounter)
class NumberCounterAdmin(ReadOnlyAdmin):
    list_display = ("agency", "year", "last")
    list_select_related = ("agency",)
