"""External (interrupted) signing: the bytes go out to a USB token or a remote-signing service, the
signature value comes back — here a test-PKI person key plays the token."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, utils
from pyhanko.sign.general import SigningError

from congso.documents.signing import core, external, providers, service
from congso.national.simulator.services import sample_pdf

NAME = "Lê Thị Thu Hà"


@pytest.fixture(scope="module")
def person():
    index = service.ensure_test_pki()
    d = service.pki_dir()
    key_path, cert_path = service._issue_file_key("person", "external-ha", NAME, "congso", "Phó Chủ tịch")
    inter_path = d / index["intermediate"]["cert"]
    return SimpleNamespace(
        key=serialization.load_pem_private_key(Path(key_path).read_bytes(), None),
        key_path=key_path,
        cert_path=cert_path,
        inter_path=str(inter_path),
        chain=[Path(cert_path).read_bytes(), inter_path.read_bytes()],
    )


def _token_sign(key, data: bytes) -> bytes:
    """What the USB token does: RSA PKCS#1 v1.5 with SHA-256 over the bytes it is given."""
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _start(person, data: bytes | None = None, **kwargs) -> external.ExternalSession:
    kwargs.setdefault("appearance", core.person_appearance(NAME, "PHÓ CHỦ TỊCH", None))
    return external.start(
        data or sample_pdf(["Quyet dinh so 12/QD-UBND"]), person.chain, field_name="ChuKyNguoiCoThamQuyen", **kwargs
    )


def _through_the_database(session: external.ExternalSession) -> dict:
    """Kept between two HTTP requests: a JSON column (bytes as base64)."""
    return json.loads(json.dumps(session.to_dict()))


def test_start_then_finish_gives_an_intact_trusted_timestamped_signature(person):
    session = _start(person, validation_context=service.validation_context())
    assert session.data_to_sign == session.signed_attrs and session.data_to_sign[:1] == b"\x31"  # a DER SET
    assert len(session.digest_to_sign) == 32 and session.signature_mechanism == "sha256_rsa"

    state = _through_the_database(session)
    assert set(state) >= {"prepared_pdf", "document_digest", "reserved_region_start", "signed_attrs"}
    assert external.ExternalSession.from_dict(state) == session

    signed = external.finish(state, _token_sign(person.key, session.data_to_sign), timestamper=service.timestamper())
    [report] = core.verify_pdf(signed, service.validation_context)
    assert (report.intact, report.valid, report.trusted, report.timestamped) == (True, True, True, True)
    assert report.timestamp_trusted and report.ok, report.problems
    assert report.signer == NAME and report.kind == "person"
    assert signed.startswith(sample_pdf(["Quyet dinh so 12/QD-UBND"]))  # an incremental update


def test_a_token_that_signs_a_prehashed_digest_works_too(person):
    session = _start(person)
    value = person.key.sign(session.digest_to_sign, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    signed = external.finish(session.to_json(), value, timestamper=service.timestamper())
    [report] = core.verify_pdf(signed, service.validation_context)
    assert report.ok and report.timestamped


def test_with_a_validation_context_the_revocation_data_goes_into_the_dss(person):
    session = _start(person, appearance=None)
    signed = external.finish(
        session,
        _token_sign(person.key, session.data_to_sign),
        timestamper=service.timestamper(),
        validation_context=service.validation_context(),
    )
    assert b"/DSS" in signed
    [report] = core.verify_pdf(signed, service.validation_context)
    assert report.ok and report.changes_after in ("NONE", "LTA_UPDATES")


def test_external_signature_after_a_person_signature_keeps_both_valid(person):
    leader_key, leader_cert = service._issue_file_key(
        "person", "external-leader", "Trần Văn Lãnh", "congso", "Chủ tịch"
    )
    first = core.sign_pdf(
        sample_pdf(["Giay phep so 3"]),
        providers.file_signer(leader_key, leader_cert, (person.inter_path,)),
        field_name="ChuKyLanhDao",
        appearance=None,
        timestamper=service.timestamper(),
    )
    session = external.start(first, person.chain, field_name="ChuKyThuHai", appearance=None)
    signed = external.finish(session, _token_sign(person.key, session.data_to_sign), timestamper=service.timestamper())
    reports = core.verify_pdf(signed, service.validation_context)
    assert [r.field for r in reports] == ["ChuKyLanhDao", "ChuKyThuHai"]
    assert all(r.ok for r in reports), [r.problems for r in reports]


@pytest.mark.parametrize("wrong", ["another key", "other bytes", "garbage", "empty"])
def test_a_wrong_signature_value_is_refused_and_produces_nothing(person, wrong):
    session = _start(person, appearance=None)
    other_key = serialization.load_pem_private_key(
        Path(service.pki_dir() / service.ensure_test_pki()["extra"]["expired"]["key"]).read_bytes(), None
    )
    value = {
        "another key": lambda: _token_sign(other_key, session.data_to_sign),
        "other bytes": lambda: _token_sign(person.key, session.data_to_sign + b"\x00"),
        "garbage": lambda: b"\x01" * 256,
        "empty": lambda: b"",
    }[wrong]()
    state = session.to_json()
    with pytest.raises(external.ExternalSignatureInvalid) as caught:
        external.finish(state, value, timestamper=service.timestamper())
    assert caught.value.message == "Chữ ký số gửi về không khớp với tài liệu hoặc chứng thư số."
    assert str(caught.value) == caught.value.message
    # Nothing was kept from the failed attempt: the same session still finishes with the right value.
    signed = external.finish(state, _token_sign(person.key, session.data_to_sign), timestamper=service.timestamper())
    assert core.verify_pdf(signed, service.validation_context)[0].ok


def test_a_session_whose_pdf_changed_meanwhile_is_refused(person):
    session = _start(person, appearance=None)
    state = session.to_dict()
    pdf = bytearray(session.prepared_pdf)
    pdf[20:21] = b"X" if pdf[20:21] != b"X" else b"Y"
    state["prepared_pdf"] = external._b64(bytes(pdf))
    with pytest.raises(external.ExternalSessionInvalid):
        external.finish(state, _token_sign(person.key, session.data_to_sign))
    with pytest.raises(external.ExternalSessionInvalid):
        external.ExternalSession.from_json('{"version": 99}')
    with pytest.raises(external.ExternalSessionInvalid):
        external.ExternalSession.from_json("not json")


def test_start_refuses_a_revoked_certificate_when_given_a_validation_context():
    index = service.ensure_test_pki()
    d = service.pki_dir()
    chain = [(d / index["extra"]["revoked"]["cert"]).read_bytes(), (d / index["intermediate"]["cert"]).read_bytes()]
    with pytest.raises(SigningError, match="could not be validated"):
        external.start(
            sample_pdf(["x"]),
            chain,
            field_name="S",
            appearance=None,
            validation_context=service.validation_context(),
        )
    # Without one, start does not check (the verdict after signing would say revoked).
    assert external.start(sample_pdf(["x"]), chain, field_name="S", appearance=None).data_to_sign


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) is not installed")
def test_poppler_reads_the_external_signature_as_valid(person, tmp_path):
    session = _start(person)
    signed = external.finish(session, _token_sign(person.key, session.data_to_sign), timestamper=service.timestamper())
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout
    assert "Signature Validation: Signature is Valid." in out
    assert "ETSI.CAdES.detached" in out
