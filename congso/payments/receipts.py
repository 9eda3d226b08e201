"""E-receipts (biên lai điện tử, domain §7): the PDF with MauSoBienLai, KyHieuBienLai and SoBienLai, sealed
by the collecting agency's digital signature, rendered once and stored content-addressed."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from congso.core.text import nfc
from congso.documents import forms_pdf
from congso.dossiers import files as store
from congso.payments.models import Receipt
from congso.payments.money import format_vnd, vnd_in_words


def public_url(receipt: Receipt) -> str:
    return settings.CONGSO_PUBLIC_URL.rstrip("/") + reverse("portal:receipt", args=[receipt.token])


def render_html(receipt: Receipt) -> str:
    payment = receipt.payment
    ob = payment.obligation
    dossier = ob.dossier
    agency = receipt.agency
    url = public_url(receipt)
    context = {
        "fonts": forms_pdf._font_urls(),
        "receipt": receipt,
        "agency_name": agency.name,
        "parent_agency": (agency.parent.name if getattr(agency, "parent_id", None) else ""),
        "number": receipt.number_text,
        "issued_at": forms_pdf.format_vn_datetime(receipt.issued_at),
        "issued_date_line": forms_pdf.format_vn_date_line(receipt.issued_at),
        "payer": receipt.payer_name,
        "dossier_code": dossier.code,
        "procedure": ob.procedure.name,
        "address": dossier.applicant_address,
        "lines": [
            {
                "name": line.get("name", ""),
                "copies": line.get("copies") or 1,
                "amount": format_vnd(line.get("amount") or 0),
                "exempt": line.get("exempt_reason", ""),
            }
            for line in receipt.lines
        ],
        "total": format_vnd(receipt.amount),
        "total_words": vnd_in_words(receipt.amount),
        "method": payment.get_method_display(),
        "reference": payment.reference,
        "provider_ref": payment.provider_ref,
        "url": url,
        "qr": forms_pdf.qr_data_uri(url),
    }
    return nfc(render_to_string("payments/receipt_pdf.html", context))


def render_pdf(receipt: Receipt) -> bytes:
    from weasyprint import HTML

    html = render_html(receipt)
    return HTML(
        string=html, base_url=forms_pdf.FONT_DIR.as_uri() + "/", url_fetcher=forms_pdf._local_only_fetcher()
    ).write_pdf()


def pdf_bytes(receipt: Receipt) -> bytes:
    """The receipt's PDF: rendered and sealed on first request, then always the same bytes."""
    if receipt.pdf_sha256:
        return store.read_blob(receipt.pdf_sha256)
    data = render_pdf(receipt)
    try:
        from congso.documents.signing import results as signing

        data = signing.sign_as_agency(
            data, receipt.agency, number=f"{receipt.series} {receipt.number_text}", verify_url=public_url(receipt)
        ).data
    except Exception:  # noqa: BLE001 — no agency key configured: the receipt is still valid as issued, unsealed
        import logging

        logging.getLogger(__name__).warning("receipt %s: not sealed (no agency signer)", receipt.pk, exc_info=True)
    sha = store.write_blob(data)
    with transaction.atomic():
        updated = Receipt.objects.filter(pk=receipt.pk, pdf_sha256="").update(pdf_sha256=sha)
    if not updated:  # another request sealed it first: serve that one, byte for byte
        receipt.refresh_from_db(fields=["pdf_sha256"])
        return store.read_blob(receipt.pdf_sha256)
    receipt.pdf_sha256 = sha
    return data


def pdf_response(receipt: Receipt) -> HttpResponse:
    response = HttpResponse(pdf_bytes(receipt), content_type="application/pdf")
    name = f"bien-lai-{receipt.series.replace('/', '-')}-{receipt.number_text}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, max-age=0"
    return response
