"""Results are signed as workflow steps: the leader (person signature), then the clerk numbers the result and
the agency signs it (its seal) — exchange.md §2, Decree 30/2020. The citizen receives the signed PDF."""

from __future__ import annotations

import hashlib

import pytest

from congso.documents.models import SignatureRecord, VerificationLink
from congso.documents.signing import core, service
from congso.dossiers.files import read_blob
from congso.dossiers.models import Dossier, DossierFile, PersonalDocument
from congso.dossiers.selectors import signature_rates
from congso.dossiers.tests.helpers import PDF, Api, create_at_desk, local, user

pytestmark = pytest.mark.django_db

MARRIAGE_STATUS = "1.004873"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def to_signing(clock, *, result: bytes = PDF, filename: str = "ket-qua.pdf", id_number: str = "038190001234"):
    clerk, officer, leader = Api("tiepnhan.hacthanh"), Api("chuyenvien.hacthanh"), Api("lanhdao.hacthanh")
    d = create_at_desk(clerk, MARRIAGE_STATUS, "ttpvhcc-xa-14797", id_number=id_number)
    clerk.act(d["id"], "accept")
    clerk.act(d["id"], "transfer")
    leader.act(d["id"], "assign", {"assignee_id": user("chuyenvien.hacthanh").pk})
    response = officer.upload(
        d["id"], data=result, filename=filename, kind="result", name="Giấy xác nhận tình trạng hôn nhân"
    )
    assert response.status_code == 201, response.content
    officer.act(d["id"], "appraise")
    leader.act(d["id"], "approve")
    return d["id"], leader


def test_the_leader_signs_then_the_clerk_numbers_and_the_agency_signs(clock):
    dossier_id, leader = to_signing(clock)
    d = leader.act(dossier_id, "sign")
    result = next(f for f in d["files"] if f["kind"] == "result")
    assert result["signed_at"] and not result["agency_signed_at"]
    assert Api("vanthu.hacthanh").actions(dossier_id)[-1] == "issue"
    assert "issue" not in leader.actions(dossier_id)  # the clerk's step

    d = Api("vanthu.hacthanh").act(dossier_id, "issue")
    assert d["state"] == "finished"
    result = next(f for f in d["files"] if f["kind"] == "result")
    assert result["document_number"] == "01/UBND"  # the agency's register, from 01 each year
    assert result["verification_url"].endswith(f"/xac-thuc/{VerificationLink.objects.get().token}/")

    stored = DossierFile.objects.get(pk=result["id"])
    # The draft stays byte-exact; the result is now the signed PDF.
    assert stored.unsigned_file.sha256 == hashlib.sha256(PDF).hexdigest()
    signed = Api("tiepnhan.hacthanh").client.get(f"/api/v1/dossiers/{dossier_id}/files/{result['id']}").content
    assert hashlib.sha256(signed).hexdigest() == stored.file.sha256 == result["sha256"]
    reports = core.verify_pdf(signed, service.validation_context)
    assert [r.kind for r in reports] == ["person", "organisation"]
    assert reports[0].signer == "Trần Văn Hùng"  # the vice-chair of Hạc Thành
    assert reports[1].signer == Dossier.objects.get(pk=dossier_id).competent_agency.name
    for r in reports:
        assert r.ok and r.intact and r.trusted and r.timestamped, r.problems
    assert reports[0].changes_after in ("FORM_FILLING", "LTA_UPDATES")  # only the agency signature came after
    records = list(SignatureRecord.objects.filter(dossier_id=dossier_id).order_by("signed_at", "id"))
    assert [(r.kind, r.level) for r in records] == [("person", "B-LT"), ("agency", "B-LT")]
    assert records[1].document_sha256 == stored.file.sha256


def test_the_citizen_receives_the_signed_result(clock):
    citizen = user("congdan.an")
    dossier_id, leader = to_signing(clock)
    Dossier.objects.filter(pk=dossier_id).update(applicant_user=citizen)
    leader.act(dossier_id, "sign")
    Api("vanthu.hacthanh").act(dossier_id, "issue")
    Api("tiepnhan.hacthanh").act(dossier_id, "return_result")
    kept = PersonalDocument.objects.get(owner=citizen, is_result=True)
    assert kept.file.sha256 == DossierFile.objects.get(dossier_id=dossier_id, kind="result").file.sha256
    reports = core.verify_pdf(read_blob(kept.file.sha256), service.validation_context)
    assert len(reports) == 2 and all(r.ok for r in reports)


def test_a_result_that_is_not_a_pdf_cannot_be_signed_and_nothing_changes(clock):
    dossier_id, leader = to_signing(clock, result=PNG, filename="ket-qua.png")
    before = Dossier.objects.get(pk=dossier_id)
    response = leader.post(f"/dossiers/{dossier_id}/actions/sign")
    assert response.status_code == 422
    assert response.json()["detail"] == "Kết quả không phải tệp PDF nên không ký số được; hãy tải lên bản PDF."
    after = Dossier.objects.get(pk=dossier_id)
    assert after.current_step == before.current_step == "sign" and after.event_count == before.event_count
    assert not SignatureRecord.objects.exists()


def test_the_return_waits_for_the_agency_signature(clock):
    dossier_id, leader = to_signing(clock)
    leader.act(dossier_id, "sign")
    offers = {a["action"]: a for a in Api("tiepnhan.hacthanh").get(f"/dossiers/{dossier_id}/actions").json()}
    assert "return_result" not in offers  # still at the clerk's step


def test_batch_signing_signs_each_dossier_and_reports_the_ones_it_cannot(clock):
    ids = [to_signing(clock, id_number=f"03819000{n:04d}")[0] for n in range(3)]
    bad, _leader = to_signing(clock, result=PNG, filename="anh.png", id_number="038190009999")
    leader = Api("lanhdao.hacthanh")
    response = leader.post("/dossiers/batch-actions", {"action": "sign", "dossier_ids": [*ids, bad, 10**9]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["done"] == 3 and body["failed"] == 2
    errors = {r["id"]: r["error"] for r in body["results"] if not r["ok"]}
    assert errors[bad].startswith("Kết quả không phải tệp PDF") and errors[10**9] == "Không tìm thấy hồ sơ."
    clerk = Api("vanthu.hacthanh")
    body = clerk.post("/dossiers/batch-actions", {"action": "issue", "dossier_ids": ids}).json()
    assert body["done"] == 3
    numbers = sorted(
        DossierFile.objects.filter(dossier_id__in=ids, kind="result").values_list("document_number", flat=True)
    )
    assert numbers == ["01/UBND", "02/UBND", "03/UBND"]  # one register, no number twice


def test_signature_rates_per_agency_and_month(clock):
    signed_id, leader = to_signing(clock)
    leader.act(signed_id, "sign")
    Api("vanthu.hacthanh").act(signed_id, "issue")
    clock.set(local(2026, 12, 2, 9, 0))
    rows = signature_rates(Dossier.objects.all())
    row = next(r for r in rows if r["agency_id"] == Dossier.objects.get(pk=signed_id).competent_agency_id)
    assert (row["results"], row["person_signed"], row["agency_signed"]) == (1, 1, 1)
    assert row["person_rate"] == row["agency_rate"] == 100.0 and row["month"].month == 12


def _usb_token(username: str):
    """A person's key and certificate as a USB token would hold them (issued by the test PKI)."""
    from cryptography.hazmat.primitives import serialization

    from congso.documents.signing import service as signing_service

    key_path, cert_path = signing_service._issue_file_key("token", username, "Trần Văn Hùng", "congso", "Phó Chủ tịch")
    key = serialization.load_pem_private_key(open(key_path, "rb").read(), None)
    chain = [open(cert_path).read(), open(signing_service.trust_paths()[2][0]).read()]
    return key, chain


def test_a_leader_signs_with_a_usb_token_digest_out_signature_in(clock, settings):
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    settings.CONGSO_PERSON_SIGNER = "external"  # no person key on the server
    dossier_id, leader = to_signing(clock)
    refused = leader.post(f"/dossiers/{dossier_id}/actions/sign")
    assert refused.status_code == 422 and "USB token" in refused.json()["detail"]

    result_id = DossierFile.objects.get(dossier_id=dossier_id, kind="result").pk
    key, chain = _usb_token("lanhdao.hacthanh")
    start = leader.post(f"/dossiers/{dossier_id}/files/{result_id}/external-signing", {"certificate_chain": chain})
    assert start.status_code == 201, start.content
    session = start.json()
    to_sign = base64.b64decode(session["data_to_sign"])
    # A wrong value (over other bytes) is refused and changes nothing.
    wrong = key.sign(b"not the document", padding.PKCS1v15(), hashes.SHA256())
    bad = leader.post(
        f"/dossiers/{dossier_id}/external-signing/{session['session_id']}",
        {"signature": base64.b64encode(wrong).decode()},
    )
    assert (
        bad.status_code == 422 and bad.json()["detail"] == "Chữ ký số gửi về không khớp với tài liệu hoặc chứng thư số."
    )
    assert DossierFile.objects.get(pk=result_id).signed_at is None
    # The token signs; the signature comes back.
    value = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
    done = leader.post(
        f"/dossiers/{dossier_id}/external-signing/{session['session_id']}",
        {"signature": base64.b64encode(value).decode()},
    )
    assert done.status_code == 200, done.content
    signed = DossierFile.objects.get(pk=result_id)
    assert signed.signed_at is not None
    [report] = core.verify_pdf(read_blob(signed.file.sha256), service.validation_context)
    assert report.ok and report.timestamped and report.signer == "Trần Văn Hùng"
    # Now the leader's "sign" step goes through (nothing left to sign), and the clerk issues it.
    d = leader.act(dossier_id, "sign")
    assert d["current_step"] == "issue"
    Api("vanthu.hacthanh").act(dossier_id, "issue")
    reports = core.verify_pdf(read_blob(DossierFile.objects.get(pk=result_id).file.sha256), service.validation_context)
    assert [r.ok for r in reports] == [True, True]
    assert SignatureRecord.objects.get(dossier_id=dossier_id, kind="person").provider == "external"
    # Someone else cannot use the session.
    other = Api("chuyenvien.hacthanh").post(
        f"/dossiers/{dossier_id}/external-signing/{session['session_id']}", {"signature": session["data_to_sign"]}
    )
    assert other.status_code in (403, 404)


def test_the_rates_are_served_to_the_agency_and_not_beyond(clock):
    signed_id, leader = to_signing(clock)
    leader.act(signed_id, "sign")
    Api("vanthu.hacthanh").act(signed_id, "issue")
    rows = leader.get("/dossiers/signature-rates").json()
    assert [(r["results"], r["person_rate"], r["agency_rate"]) for r in rows] == [(1, 100.0, 100.0)]
    assert rows[0]["agency"].startswith("Ủy ban nhân dân")
    assert Api("lanhdao.stp").get("/dossiers/signature-rates").json() == []  # another agency sees none of it
