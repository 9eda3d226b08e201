"""The test PKI over HTTP, for development (mounted only when no real trust roots are configured)."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from congso.documents.signing import ocsp, service

MAX_OCSP_REQUEST = 10 * 1024


@csrf_exempt
@require_POST
def ocsp_responder(request):
    """RFC 6960 over HTTP POST: an ``application/ocsp-request`` in, an ``application/ocsp-response`` out."""
    body = request.read(MAX_OCSP_REQUEST + 1)
    if len(body) > MAX_OCSP_REQUEST:
        return HttpResponseBadRequest("OCSP request too large")
    return HttpResponse(ocsp.respond(body), content_type="application/ocsp-response")


@require_GET
def crl(request):
    index = service.ensure_test_pki()
    pem = (service.pki_dir() / index["crl"]).read_bytes()
    der = x509.load_pem_x509_crl(pem).public_bytes(serialization.Encoding.DER)
    return HttpResponse(der, content_type="application/pkix-crl")


@require_GET
def root(request):
    """The test root (TEST — NOT A REAL CA), to import into a PDF reader for trying the signed results."""
    index = service.ensure_test_pki()
    response = HttpResponse(
        (service.pki_dir() / index["root"]["cert"]).read_bytes(), content_type="application/x-pem-file"
    )
    response["Content-Disposition"] = 'attachment; filename="congso-test-root-NOT-A-REAL-CA.pem"'
    return response
