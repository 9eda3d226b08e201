"""The test PKI's OCSP responder (in-process and over HTTP), and B-LT results carrying its answers."""

from __future__ import annotations

import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp as x509_ocsp
from django.test import Client
from pyhanko.pdf_utils.reader import PdfFileReader

from congso.documents.signing import ocsp, results, service
from congso.national.simulator.services import sample_pdf

pytestmark = pytest.mark.django_db


def _der(kind: str) -> bytes:
    index = service.ensure_test_pki()
    pem = (service.pki_dir() / index["extra"][kind]["cert"]).read_bytes() if kind in index["extra"] else None
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def test_it_answers_good_revoked_and_refuses_what_it_did_not_issue():
    key_path, cert_path = service._issue_file_key("person", "ocsp.test", "Người Thử OCSP", "congso", "Chuyên viên")
    good = x509.load_pem_x509_certificate(open(cert_path, "rb").read()).public_bytes(serialization.Encoding.DER)
    answer = x509_ocsp.load_der_ocsp_response(ocsp.answer_for(good))
    assert answer.response_status == x509_ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == x509_ocsp.OCSPCertStatus.GOOD
    revoked = x509_ocsp.load_der_ocsp_response(ocsp.answer_for(_der("revoked")))
    assert revoked.certificate_status == x509_ocsp.OCSPCertStatus.REVOKED
    assert revoked.revocation_reason == x509.ReasonFlags.key_compromise
    malformed = x509_ocsp.load_der_ocsp_response(ocsp.respond(b"not an OCSP request"))
    assert malformed.response_status == x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_it_answers_over_http_and_serves_the_crl_and_root():
    client = Client()
    body = ocsp.request_for(_der("revoked"))
    response = client.post("/pki/ocsp", body, content_type="application/ocsp-request")
    assert response.status_code == 200 and response["Content-Type"] == "application/ocsp-response"
    assert x509_ocsp.load_der_ocsp_response(response.content).certificate_status == x509_ocsp.OCSPCertStatus.REVOKED
    crl = x509.load_der_x509_crl(client.get("/pki/crl").content)
    assert crl.get_revoked_certificate_by_serial_number(service.ensure_test_pki()["revoked_serials"][0]) is not None
    root = client.get("/pki/root.pem")
    assert b"BEGIN CERTIFICATE" in root.content and "NOT-A-REAL-CA" in root["Content-Disposition"]
    assert client.post("/pki/ocsp", b"x" * 20000, content_type="application/ocsp-request").status_code == 400


def test_a_signed_result_carries_the_crl_and_an_ocsp_answer(django_user_model):
    leader = django_user_model.objects.get(username="lanhdao.hacthanh")
    signed = results.sign_as_person(sample_pdf(["Kết quả"]), leader, title="Phó Chủ tịch")
    assert signed.level == "B-LT"
    dss = PdfFileReader(io.BytesIO(signed.data)).root["/DSS"]
    assert len(dss["/OCSPs"]) >= 1 and len(dss["/CRLs"]) >= 1
