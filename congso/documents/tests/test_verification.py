"""Anyone can check a signed PDF (exchange.md §2): per signature, who signed, whether the document is intact,
whether the certificate chain is trusted (not revoked, valid at signing time), when it was signed and what
changed after it — through ``POST /api/v1/signatures/verify``, the page ``/xac-thuc/``, and, for a document
congso issued, the address its QR code carries (``/xac-thuc/<token>/``, ``GET /api/v1/signatures/<token>``).

The signed PDFs are made here with the session's test PKI: the leader's person signature, then the agency's,
both timestamped by the in-process TSA (B-T) with the revocation data embedded (B-LT). Poppler's ``pdfsig``
(with NSS) is the independent second opinion.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import shutil
import subprocess
import types

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings as django_settings
from django.test import Client

from congso.documents.models import VerificationLink
from congso.documents.signing import core, images, providers, service
from congso.dossiers import files as file_store
from congso.national.simulator.services import sample_pdf

VERIFY = "/api/v1/signatures/verify"
NOT_A_PDF = "Tệp không phải là tài liệu PDF."
LEADER = types.SimpleNamespace(full_name="Lê Văn Bình", get_username=lambda: "verify.lanhdao")
AGENCY = types.SimpleNamespace(slug="verify-ubnd-hac-thanh", name="Ủy ban nhân dân phường Hạc Thành")
LINES = [
    "UY BAN NHAN DAN PHUONG HAC THANH",
    "CONG HOA XA HOI CHU NGHIA VIET NAM - Doc lap - Tu do - Hanh phuc",
    "GIAY XAC NHAN TINH TRANG HON NHAN",
    *[
        f"Noi dung dong {n:02d}: Ong/ba Nguyen Thi Anh, sinh ngay 01/02/1990, cu tru tai phuong Hac Thanh."
        for n in range(37)
    ],
]
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
VN_TIME = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}")


# ---- building signed PDFs -------------------------------------------------------------------------------------
def sign_person(data: bytes) -> bytes:
    return core.sign_pdf(
        data,
        service.person_signer(LEADER, title="Chủ tịch"),
        field_name="ChuKyNguoiCoThamQuyen",
        appearance=core.person_appearance(LEADER.full_name, "CHỦ TỊCH", images.signature_png(LEADER.full_name)),
        timestamper=service.timestamper(),
        validation_context=service.validation_context(),
    )


def sign_agency(data: bytes, *, token: str = "") -> bytes:
    url = f"{django_settings.CONGSO_PUBLIC_URL.rstrip('/')}/xac-thuc/{token}/" if token else ""
    return core.sign_pdf(
        data,
        service.agency_signer(AGENCY),
        field_name="ChuKyCoQuan",
        appearance=core.agency_appearance(
            AGENCY.name, dt.datetime.now(dt.UTC), images.seal_png(AGENCY.name), number="Số: 07/UBND", qr_url=url
        ),
        timestamper=service.timestamper(),
        validation_context=service.validation_context(),
    )


def extra_signer(name: str):
    """The test PKI's failure cases: ``revoked``, ``expired`` (under the intermediate), ``untrusted``."""
    index, d = service.ensure_test_pki(), service.pki_dir()
    item = index["extra"][name]
    chain_cert = index["extra"]["untrusted_root"]["cert"] if name == "untrusted" else index["intermediate"]["cert"]
    return providers.file_signer(str(d / item["key"]), str(d / item["cert"]), (str(d / chain_cert),))


def sign_extra(data: bytes, name: str) -> bytes:
    # Without a validation context: pyHanko refuses to embed validation data for a revoked/expired/untrusted chain.
    return core.sign_pdf(
        data, extra_signer(name), field_name=f"ChuKy_{name}", appearance=None, timestamper=service.timestamper()
    )


def tamper(data: bytes) -> bytes:
    """One byte of the page text changed, inside the range both signatures cover."""
    at = data.index(b"Noi dung dong 07")
    return data[:at] + b"M" + data[at + 1 :]


def upload(data: bytes, name: str = "van-ban.pdf") -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def verify_api(data: bytes, name: str = "van-ban.pdf"):
    return Client().post(VERIFY, {"file": upload(data, name)})


def verify_page(data: bytes, name: str = "van-ban.pdf"):
    return Client().post("/xac-thuc/", {"file": upload(data, name)})


@pytest.fixture(scope="module")
def base_pdf() -> bytes:
    return sample_pdf(LINES)


@pytest.fixture(scope="module")
def issued(base_pdf) -> bytes:
    """Person first, then agency (Decree 30/2020), as the dossier engine issues a result."""
    return sign_agency(sign_person(base_pdf), token="kiemtraQR")


# ---- the API ------------------------------------------------------------------------------------------------
def test_a_person_then_agency_signed_result_is_valid_trusted_and_timestamped(issued):
    response = verify_api(issued)
    assert response.status_code == 200
    body = response.json()
    assert body["document_sha256"] == hashlib.sha256(issued).hexdigest()
    assert body["verdict"] == "valid"
    person, agency = body["signatures"]
    assert (person["field"], person["signer"], person["kind"]) == ("ChuKyNguoiCoThamQuyen", "Lê Văn Bình", "person")
    assert (agency["field"], agency["signer"], agency["kind"]) == ("ChuKyCoQuan", AGENCY.name, "organisation")
    assert agency["organisation"] == AGENCY.name
    for sig in (person, agency):
        assert sig["intact"] and sig["valid"] and sig["trusted"], sig
        assert sig["timestamped"] and sig["timestamp_trusted"], sig
        assert not sig["revoked"] and not sig["expired_at_signing"]
        assert sig["problems"] == [] and sig["verdict"] == "valid"
        assert sig["signing_time"].endswith("+07:00")  # Vietnam time
    # After the person signed: the agency's signature (form filling); after the agency: only the DSS (B-LT).
    assert person["changes_after"] == "FORM_FILLING" and agency["changes_after"] == "LTA_UPDATES"
    assert person["signing_time"] <= agency["signing_time"]


def test_the_page_reads_the_same_report_in_plain_vietnamese(issued):
    response = verify_page(issued, "ket-qua.pdf")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Văn bản có chữ ký số hợp lệ" in html and "verdict-valid" in html
    assert html.count("Tài liệu còn nguyên vẹn") == 2 and html.count("Chứng thư số được tin cậy") == 2
    assert "Lê Văn Bình — congso" in html and AGENCY.name in html
    assert "Chỉ thêm chữ ký/điền biểu mẫu sau đó" in html
    assert "Chỉ bổ sung dữ liệu kiểm tra (DSS, dấu thời gian)" in html
    times = re.findall(r'<dd class="when">([^<]*)</dd>', html)
    assert len(times) == 2 and all(VN_TIME.fullmatch(t.removesuffix(" (theo dấu thời gian)")) for t in times)
    api_time = dt.datetime.fromisoformat(verify_api(issued).json()["signatures"][0]["signing_time"])
    assert times[0] == api_time.strftime("%d/%m/%Y %H:%M:%S") + " (theo dấu thời gian)"
    assert "ket-qua.pdf" in html and hashlib.sha256(issued).hexdigest() in html


def test_the_page_works_without_javascript_and_checks_csrf(issued):
    client = Client(enforce_csrf_checks=True)
    form = client.get("/xac-thuc/").content.decode()
    assert 'enctype="multipart/form-data"' in form and 'type="file"' in form and 'name="file"' in form
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    assert client.post("/xac-thuc/", {"file": upload(issued)}).status_code == 403  # no CSRF token
    response = client.post("/xac-thuc/", {"file": upload(issued), "csrfmiddlewaretoken": token})
    assert response.status_code == 200 and "Văn bản có chữ ký số hợp lệ" in response.content.decode()


def test_a_tampered_byte_makes_the_signatures_invalid(issued):
    body = verify_api(tamper(issued)).json()
    assert body["verdict"] == "invalid"
    for sig in body["signatures"]:
        assert sig["intact"] is False and sig["verdict"] == "invalid"
        assert "Nội dung đã bị thay đổi sau khi ký." in sig["problems"]
        # pyHanko does not check the chain of a signature that no longer matches: not "untrusted", "not checked".
        assert sig["trusted"] is False
        assert not any("không thuộc tổ chức" in p for p in sig["problems"])
        assert "Không kiểm tra được chứng thư số vì chữ ký không còn khớp với tài liệu." in sig["problems"]
    html = verify_page(tamper(issued)).content.decode()
    assert "Văn bản có chữ ký số KHÔNG hợp lệ" in html and "verdict-invalid" in html
    assert "Tài liệu đã bị thay đổi sau khi ký" in html and "Tài liệu còn nguyên vẹn" not in html
    assert "Chưa kiểm tra được (chữ ký không còn khớp với tài liệu)" in html
    assert "Chứng thư số không được tin cậy" not in html


def test_a_page_changed_in_a_later_revision_is_reported_as_another_change(issued):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(issued), strict=False)
    page = writer.root["/Pages"].raw_get("/Kids")[0].get_object()
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 30 Tf 50 500 Td (GIA MAO) Tj ET"))
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    body = verify_api(out.getvalue()).json()
    assert body["verdict"] == "invalid"
    assert [s["intact"] for s in body["signatures"]] == [True, True]  # the signed bytes are untouched …
    assert [s["changes_after"] for s in body["signatures"]] == ["OTHER", "OTHER"]  # … but the page was replaced
    assert "Có thay đổi khác" in verify_page(out.getvalue()).content.decode()


def test_a_revoked_certificate_is_reported(base_pdf):
    signed = sign_extra(base_pdf, "revoked")
    (sig,) = verify_api(signed).json()["signatures"]
    assert sig["revoked"] is True and sig["trusted"] is False and sig["verdict"] == "invalid"
    assert sig["intact"] is True  # the document itself is untouched
    assert any("đã bị thu hồi" in p for p in sig["problems"])
    html = verify_page(signed).content.decode()
    assert "Chứng thư số đã bị thu hồi" in html and "Văn bản có chữ ký số KHÔNG hợp lệ" in html


def test_an_expired_certificate_is_reported(base_pdf):
    body = verify_api(sign_extra(base_pdf, "expired")).json()
    (sig,) = body["signatures"]
    assert body["verdict"] == "invalid" and sig["expired_at_signing"] is True and sig["intact"] is True
    assert "Chứng thư số đã hết hạn (hoặc chưa có hiệu lực) tại thời điểm ký." in sig["problems"]
    assert "Chứng thư số đã hết hạn" in verify_page(sign_extra(base_pdf, "expired")).content.decode()


def test_a_certificate_under_an_untrusted_root_is_not_trusted(base_pdf):
    signed = sign_extra(base_pdf, "untrusted")
    body = verify_api(signed).json()
    (sig,) = body["signatures"]
    assert body["verdict"] == "invalid" and sig["trusted"] is False and sig["intact"] is True
    assert sig["signer"] == "Người ký không được tin cậy" and not sig["revoked"]
    assert any("không thuộc tổ chức cung cấp dịch vụ chứng thực được tin cậy" in p for p in sig["problems"])
    assert "Chứng thư số không được tin cậy" in verify_page(signed).content.decode()


def test_an_unsigned_pdf_says_so(base_pdf):
    body = verify_api(base_pdf).json()
    assert body == {"document_sha256": hashlib.sha256(base_pdf).hexdigest(), "verdict": "unsigned", "signatures": []}
    assert "Văn bản không có chữ ký số" in verify_page(base_pdf).content.decode()


@pytest.mark.parametrize(
    "data",
    [PNG, os.urandom(4096), b"", b"%PDF-1.7\n" + os.urandom(2000), b"%PDF-"],
    ids=["png", "random", "empty", "pdf-header-then-noise", "bare-header"],
)
def test_what_is_not_a_pdf_is_a_422_and_the_page_says_so_next_to_the_field(data):
    response = verify_api(data, "anh.png")
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == NOT_A_PDF
    page = verify_page(data, "anh.png")
    assert page.status_code == 422
    html = page.content.decode()
    assert f'<span id="file-error" class="field-error" role="alert">{NOT_A_PDF}</span>' in html
    assert 'aria-invalid="true"' in html


def test_no_file_is_a_422_with_a_vietnamese_message():
    response = Client().post(VERIFY, {})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "file"
    page = Client().post("/xac-thuc/", {})
    assert page.status_code == 422 and "Vui lòng chọn tệp PDF cần xác thực." in page.content.decode()


def _pdf(objects: list[bytes], root: bytes = b"1 0 R") -> bytes:
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<</Size %d/Root %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


CATALOG = b"<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[3 0 R]>>>>"
PAGES = b"<</Type/Pages/Kids[]/Count 0>>"
SIG_V = b"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/Contents<3082000130>/ByteRange[0 10 20 30]>>"
WEIRD = {
    "bad-cms": _pdf([CATALOG, PAGES, b"<</FT/Sig/T(a)/V 4 0 R>>", SIG_V]),
    "byte-range-past-the-end": _pdf(
        [CATALOG, PAGES, b"<</FT/Sig/T(a)/V 4 0 R>>", SIG_V.replace(b"20 30]", b"20 999999999]")]
    ),
    "contents-missing": _pdf(
        [CATALOG, PAGES, b"<</FT/Sig/T(a)/V 4 0 R>>", SIG_V.replace(b"/Contents<3082000130>", b"")]
    ),
    "value-dangling": _pdf([CATALOG, PAGES, b"<</FT/Sig/T(a)/V 99 0 R>>", SIG_V]),
    "value-an-array": _pdf([CATALOG, PAGES, b"<</FT/Sig/T(a)/V[1 2]>>", SIG_V]),
    "field-loop": _pdf([CATALOG, PAGES, b"<</FT/Sig/T(a)/Kids[3 0 R]/V 4 0 R>>", SIG_V]),
    "deep-nesting": _pdf([b"<</Type/Catalog/Pages 2 0 R/X " + b"[" * 20000 + b"]" * 20000 + b">>", PAGES]),
    "root-missing": _pdf([PAGES], root=b"7 0 R"),
    "root-a-number": _pdf([PAGES], root=b"5"),
    "broken-encryption": _pdf([CATALOG, PAGES]).replace(b"/Root 1 0 R", b"/Root 1 0 R/Encrypt<</Filter/Standard/V 9>>"),
}


@pytest.mark.parametrize("name", sorted(WEIRD))
def test_a_weird_pdf_gets_a_verdict_or_a_422_never_a_500(name):
    response = verify_api(WEIRD[name])
    assert response.status_code in (200, 422), response.content
    if response.status_code == 200:
        body = response.json()
        assert body["verdict"] in ("invalid", "unsigned")
        assert all(s["verdict"] == "invalid" and s["problems"] for s in body["signatures"])
    assert verify_page(WEIRD[name]).status_code in (200, 422)


def test_truncated_signed_files_never_give_a_500(issued):
    signed_ends = [len(revision) for revision in revisions(issued)]
    for cut in range(97, len(issued), max(1, len(issued) // 40)):
        response = verify_api(issued[:cut])
        assert response.status_code in (200, 422), cut
        if response.status_code == 200 and response.json()["verdict"] == "valid":
            # Only a prefix holding complete earlier revisions (the document as it was) may still be valid.
            assert len(response.json()["signatures"]) == sum(end <= cut for end in signed_ends), cut


def test_a_file_over_the_limit_is_refused_with_413(settings, base_pdf):
    settings.CONGSO_VERIFY_MAX_BYTES = 256 * 1024
    huge = sample_pdf(LINES * 800)  # ~2.6 MB: refused from the announced length, before reading the body
    assert len(huge) > 2 * 1024 * 1024
    just_over = base_pdf + b"%" + b"x" * (settings.CONGSO_VERIFY_MAX_BYTES - len(base_pdf)) + b"\n"
    assert len(just_over) == settings.CONGSO_VERIFY_MAX_BYTES + 2  # stopped by the upload handler at the limit
    for data in (huge, just_over):
        response = verify_api(data)
        assert response.status_code == 413 and response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"] == "Tệp quá lớn: tối đa 0,25 MB."
        page = verify_page(data)
        assert page.status_code == 413 and "Tệp quá lớn: tối đa 0,25 MB." in page.content.decode()


def test_a_several_megabyte_signed_pdf_under_the_limit_verifies(settings):
    settings.CONGSO_VERIFY_MAX_BYTES = 8 * 1024 * 1024
    big = sign_person(sample_pdf(LINES * 1200))  # ~4 MB of page text
    assert 3 * 1024 * 1024 < len(big) < settings.CONGSO_VERIFY_MAX_BYTES
    body = verify_api(big).json()
    assert body["verdict"] == "valid" and body["signatures"][0]["intact"]


# ---- the QR code on an issued result ------------------------------------------------------------------------
@pytest.fixture
def stored_link(db, settings, tmp_path, issued):
    settings.CONGSO_FILES_DIR = tmp_path
    sha = file_store.write_blob(issued)
    return VerificationLink.objects.create(
        token="kiemtraQR",
        document_sha256=sha,
        label="Giấy xác nhận tình trạng hôn nhân",
        number="07/UBND",
        issuer=AGENCY.name,
    )


def test_the_qr_code_page_shows_the_issued_document_and_its_report(stored_link, issued):
    response = Client().get("/xac-thuc/kiemtraQR/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Giấy xác nhận tình trạng hôn nhân" in html and "07/UBND" in html and AGENCY.name in html
    assert "Văn bản có chữ ký số hợp lệ" in html and html.count("Tài liệu còn nguyên vẹn") == 2
    assert 'href="/xac-thuc/kiemtraQR/tai-ve/"' in html
    download = Client().get("/xac-thuc/kiemtraQR/tai-ve/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download.content == issued
    assert download["Content-Disposition"] == 'attachment; filename="07-UBND-kiemtraQR.pdf"'


def test_the_api_reports_the_issued_document_by_token(stored_link, issued):
    response = Client().get("/api/v1/signatures/kiemtraQR")
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "valid" and len(body["signatures"]) == 2
    assert body["document_sha256"] == stored_link.document_sha256 == hashlib.sha256(issued).hexdigest()
    assert (body["label"], body["number"], body["issuer"]) == (
        "Giấy xác nhận tình trạng hôn nhân",
        "07/UBND",
        AGENCY.name,
    )
    assert body["download_url"].endswith("/xac-thuc/kiemtraQR/tai-ve/")


@pytest.mark.parametrize("token", ["khongtontai", "x" * 200, "a.b", "%E1%BA%A1"])
def test_an_unknown_token_is_a_404(db, token):
    response = Client().get(f"/api/v1/signatures/{token}")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    page = Client().get(f"/xac-thuc/{token}/")
    assert page.status_code == 404 and "Không tìm thấy văn bản với mã xác thực này." in page.content.decode()
    assert Client().get(f"/xac-thuc/{token}/tai-ve/").status_code == 404


def test_a_link_whose_file_is_not_stored_or_was_altered(db, settings, tmp_path, issued):
    settings.CONGSO_FILES_DIR = tmp_path
    VerificationLink.objects.create(token="chualuu", document_sha256=hashlib.sha256(b"x").hexdigest())
    assert Client().get("/api/v1/signatures/chualuu").status_code == 404
    assert Client().get("/xac-thuc/chualuu/").status_code == 404
    sha = file_store.write_blob(issued)
    VerificationLink.objects.create(token="bisua", document_sha256=sha)
    path = file_store.path_for(sha)
    path.chmod(0o644)
    path.write_bytes(tamper(issued))
    response = Client().get("/api/v1/signatures/bisua")
    assert response.status_code == 409 and "không khớp" in response.json()["detail"]
    assert Client().get("/xac-thuc/bisua/").status_code == 409


def test_both_operations_are_documented_in_openapi():
    schema = Client().get("/api/v1/openapi.json").json()
    verify = schema["paths"]["/api/v1/signatures/verify"]["post"]
    assert verify["summary"] == "Xác thực chữ ký số trên một tệp PDF tải lên"
    assert "file" in verify["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert {"200", "413", "422"} <= set(verify["responses"])
    by_token = schema["paths"]["/api/v1/signatures/{token}"]["get"]
    assert by_token["summary"].startswith("Xác thực văn bản điện tử đã ban hành")
    assert {"200", "404"} <= set(by_token["responses"])
    out = schema["components"]["schemas"]["SignatureOut"]["properties"]
    assert {"intact", "trusted", "revoked", "expired_at_signing", "changes_after", "problems", "verdict"} <= set(out)


# ---- a second opinion: poppler's pdfsig with NSS --------------------------------------------------------------
NSS_TOOLS = all(shutil.which(tool) for tool in ("pdfsig", "certutil", "crlutil"))


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def nss_db(tmp_path):
    """An NSS database trusting the test root (with the intermediate and its CRL), like a reader's trust store."""
    index, d = service.ensure_test_pki(), service.pki_dir()
    db = tmp_path / "nss"
    db.mkdir()
    crl = tmp_path / "intermediate.crl.der"
    crl.write_bytes(x509.load_pem_x509_crl((d / index["crl"]).read_bytes()).public_bytes(serialization.Encoding.DER))
    for step in (
        ("certutil", "-N", "-d", f"sql:{db}", "--empty-password"),
        (
            "certutil",
            "-A",
            "-d",
            f"sql:{db}",
            "-n",
            "congso test root",
            "-t",
            "CT,C,C",
            "-i",
            str(d / index["root"]["cert"]),
        ),
        (
            "certutil",
            "-A",
            "-d",
            f"sql:{db}",
            "-n",
            "congso test CA",
            "-t",
            ",,",
            "-i",
            str(d / index["intermediate"]["cert"]),
        ),
        ("crlutil", "-I", "-d", f"sql:{db}", "-i", str(crl), "-t", "1", "-B"),
    ):
        result = _run(*step)
        assert result.returncode == 0, (step, result.stderr)
    return db


def pdfsig(db, tmp_path, data: bytes, *options: str) -> list[dict]:
    """pdfsig's findings per signature: {"field", "signature", "certificate"}."""
    path = tmp_path / f"doc-{hashlib.sha256(data).hexdigest()[:12]}.pdf"
    path.write_bytes(data)
    out = _run("pdfsig", *options, "-nssdir", f"sql:{db}", str(path)).stdout
    found = []
    for block in re.split(r"^Signature #\d+:$", out, flags=re.M)[1:]:
        fields = dict(re.findall(r"^[ \t]+- ([^:\n]+): (.*)$", block, flags=re.M))
        found.append(
            {
                "field": fields.get("Signature Field Name"),
                "signature": fields.get("Signature Validation"),
                "certificate": fields.get("Certificate Validation"),
            }
        )
    return found


def revisions(data: bytes) -> list[bytes]:
    """The file as it was right after each signature (its signed revision)."""
    return [
        data[: int(m.group(3)) + int(m.group(4))]
        for m in re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    ]


TRUSTED = "Certificate is Trusted."
# poppler 22.12 reads NSS's thread error code after CERT_PKIXVerifyCert without looking at its result: with
# -no-ocsp, NSS 3.87 succeeds but leaves SEC_ERROR_EXTENSION_NOT_FOUND behind for a certificate without a CRL
# distribution point, which poppler reports as this (fixed in later poppler, which checks for SECSuccess).
POPPLER_STALE_ERROR = "Unknown issue with Certificate or corrupted data."


@pytest.mark.skipif(not NSS_TOOLS, reason="poppler-utils (pdfsig) and libnss3-tools (certutil, crlutil) are needed")
def test_pdfsig_agrees_the_issued_result_is_valid_and_trusted(issued, nss_db, tmp_path):
    for cert in (LEADER, AGENCY):
        signer = service.person_signer(LEADER, title="Chủ tịch") if cert is LEADER else service.agency_signer(AGENCY)
        extensions = {e["extn_id"].native for e in signer.signing_cert["tbs_certificate"]["extensions"]}
        # No AIA: with OCSP checking on (soft-fail) NSS has nothing to fetch, so the check stays offline.
        assert "authority_information_access" not in extensions

    no_ocsp = pdfsig(nss_db, tmp_path, issued, "-no-ocsp")
    assert [s["field"] for s in no_ocsp] == ["ChuKyNguoiCoThamQuyen", "ChuKyCoQuan"]
    assert all(s["signature"] == "Signature is Valid." for s in no_ocsp), no_ocsp
    assert all(s["certificate"] in (TRUSTED, POPPLER_STALE_ERROR) for s in no_ocsp), no_ocsp

    # With OCSP on (the default, soft-fail) NSS leaves no stale error: every signature's chain is trusted,
    # in the whole file and in each signature's own revision.
    for data in (issued, *revisions(issued)):
        found = pdfsig(nss_db, tmp_path, data)
        assert found and all(s["signature"] == "Signature is Valid." for s in found), found
        assert all(s["certificate"] == TRUSTED for s in found), found
    assert [len(pdfsig(nss_db, tmp_path, rev)) for rev in revisions(issued)] == [1, 2]


@pytest.mark.skipif(not NSS_TOOLS, reason="poppler-utils (pdfsig) and libnss3-tools (certutil, crlutil) are needed")
def test_pdfsig_sees_the_tampering_and_the_revocation(issued, base_pdf, nss_db, tmp_path):
    tampered = pdfsig(nss_db, tmp_path, tamper(issued), "-no-ocsp")
    assert len(tampered) == 2
    assert all(s["signature"] != "Signature is Valid." for s in tampered), tampered
    revoked = pdfsig(nss_db, tmp_path, sign_extra(base_pdf, "revoked"), "-no-ocsp")
    assert revoked == [
        {"field": "ChuKy_revoked", "signature": "Signature is Valid.", "certificate": "Certificate has been Revoked."}
    ]


# ---- a phone, without JavaScript ------------------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_without_javascript_a_citizen_checks_a_result(live_server, issued, tmp_path):
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    good, bad = tmp_path / "ket-qua.pdf", tmp_path / "ket-qua-bi-sua.pdf"
    good.write_bytes(issued)
    bad.write_bytes(tamper(issued))
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=args, headless=True)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", java_script_enabled=False)
        page = context.new_page()
        page.goto(f"{live_server.url}/xac-thuc/")
        page.set_input_files("#file", str(good))
        page.click("button[type=submit]")
        assert page.locator(".verdict-text").inner_text() == "Văn bản có chữ ký số hợp lệ"
        assert page.locator(".integrity").all_inner_texts() == ["Tài liệu còn nguyên vẹn"] * 2
        assert page.locator(".report").bounding_box()["width"] <= 390  # fits the phone's width
        page.set_input_files("#file", str(bad))
        page.click("button[type=submit]")
        assert page.locator(".verdict-text").inner_text() == "Văn bản có chữ ký số KHÔNG hợp lệ"
        assert "verdict-invalid" in page.locator(".verdict").get_attribute("class")  # red, and said in words
        assert "Tài liệu đã bị thay đổi sau khi ký" in page.locator(".integrity").all_inner_texts()
        browser.close()
