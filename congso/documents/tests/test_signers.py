"""Signers: the file key (development and tests) and a PKCS#11 token (an HSM; SoftHSM2 here), each loaded
once per process; signing with a revoked, expired or untrusted certificate is refused."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from pyhanko.sign.general import SigningError

from congso.documents.signing import core, providers, service, softhsm
from congso.national.simulator.services import sample_pdf

needs_softhsm = pytest.mark.skipif(
    shutil.which("softhsm2-util") is None or softhsm.module_path() is None,
    reason="Debian's softhsm2 is not installed: PKCS#11 tests skipped (apt-get install softhsm2)",
)


def _pki():
    index = service.ensure_test_pki()
    return index, service.pki_dir()


def _intermediate() -> str:
    index, d = _pki()
    return str(d / index["intermediate"]["cert"])


def _sign(signer, *, lines=("Quyet dinh so 01",), ltv=False, field_name="ChuKy") -> bytes:
    return core.sign_pdf(
        sample_pdf(list(lines)),
        signer,
        field_name=field_name,
        appearance=None,
        timestamper=service.timestamper(),
        validation_context=service.validation_context() if ltv else None,
    )


def _assert_good(data: bytes, signer_name: str) -> None:
    [report] = core.verify_pdf(data, service.validation_context)
    assert (report.intact, report.valid, report.trusted, report.timestamped) == (True, True, True, True)
    assert report.ok, report.problems
    assert report.signer == signer_name


# ---- file keys ----------------------------------------------------------------------------------------
def test_file_signer_is_loaded_once():
    key, cert = service._issue_file_key("person", "signers-once", "Nguyễn Văn Một", "congso", "Chuyên viên")
    first = providers.file_signer(key, cert, (_intermediate(),))
    assert providers.file_signer(key, cert, (_intermediate(),)) is first
    _assert_good(_sign(first), "Nguyễn Văn Một")


@pytest.mark.parametrize("which", ["revoked", "expired", "untrusted"])
def test_file_signer_refuses_a_bad_certificate_when_embedding_validation_info(which):
    index, d = _pki()
    extra = index["extra"][which]
    chain = (str(d / index["extra"]["untrusted_root"]["cert"]),) if which == "untrusted" else (_intermediate(),)
    signer = providers.file_signer(str(d / extra["key"]), str(d / extra["cert"]), chain)
    with pytest.raises(SigningError, match="could not be validated"):
        _sign(signer, ltv=True)


def test_without_validation_info_a_revoked_certificate_still_signs_but_the_verdict_says_revoked():
    """pyHanko checks the certificate only when validation info is embedded: results.py always embeds it."""
    index, d = _pki()
    extra = index["extra"]["revoked"]
    signer = providers.file_signer(str(d / extra["key"]), str(d / extra["cert"]), (_intermediate(),))
    [report] = core.verify_pdf(_sign(signer), service.validation_context)
    assert report.intact and report.valid and report.revoked and not report.ok


# ---- PKCS#11 on SoftHSM2 --------------------------------------------------------------------------------
AGENCY = SimpleNamespace(slug="so-thu-nghiem-hsm", name="Sở Thử nghiệm HSM")


@pytest.fixture(scope="session")
def hsm(tmp_path_factory, _test_pki_dir):
    """A SoftHSM2 token for the session holding an organisation key (label ``org-hsm``) and the agency's
    key under service.py's convention (label ``agency-<slug>``, certificate ``<cert_dir>/agency-<slug>.crt.pem``)."""
    if not softhsm.available():
        pytest.skip("Debian's softhsm2 is not installed: PKCS#11 tests skipped (apt-get install softhsm2)")
    old_conf = os.environ.get("SOFTHSM2_CONF")
    base = tmp_path_factory.mktemp("softhsm")
    org_key, org_cert = service._issue_file_key("org", "hsm", "Văn phòng HSM", "Văn phòng HSM")
    agency_key, agency_cert = service._issue_file_key("org", AGENCY.slug, AGENCY.name, AGENCY.name)
    cert_dir = base / "certs"
    cert_dir.mkdir()
    shutil.copy(agency_cert, cert_dir / f"agency-{AGENCY.slug}.crt.pem")
    module, token, pin = softhsm.setup(
        base / "hsm", {"org-hsm": org_key, f"agency-{AGENCY.slug}": agency_key}, label="congso-test", pin="2468"
    )
    yield SimpleNamespace(module=module, token=token, pin=pin, org_cert=org_cert, cert_dir=cert_dir)
    providers.forget_pkcs11()
    if old_conf is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = old_conf


@needs_softhsm
def test_pkcs11_signer_signs_with_the_key_in_the_token_and_is_loaded_once(hsm):
    chain = (_intermediate(),)
    signer = providers.pkcs11_signer(hsm.module, hsm.token, hsm.pin, "org-hsm", hsm.org_cert, chain)
    assert providers.pkcs11_signer(hsm.module, hsm.token, hsm.pin, "org-hsm", hsm.org_cert, chain) is signer
    _assert_good(_sign(signer), "Văn phòng HSM")
    _assert_good(_sign(signer, ltv=True), "Văn phòng HSM")  # B-LT: validation info in the DSS


@needs_softhsm
def test_pkcs11_signer_shares_one_session_between_threads(hsm):
    signer = providers.pkcs11_signer(hsm.module, hsm.token, hsm.pin, "org-hsm", hsm.org_cert, (_intermediate(),))
    with ThreadPoolExecutor(max_workers=2) as pool:
        signed = list(pool.map(lambda n: _sign(signer, lines=(f"Van ban {n}",)), range(4)))
    for data in signed:
        _assert_good(data, "Văn phòng HSM")
    assert list(providers._pkcs11_sessions) == [(hsm.module, hsm.token)]  # one session for the token
    assert signer.pkcs11_session is providers._pkcs11_sessions[(hsm.module, hsm.token)]


@needs_softhsm
def test_pkcs11_signer_with_a_key_not_in_the_token_fails_at_once_and_is_not_kept(hsm):
    from pkcs11.exceptions import PKCS11Error

    with pytest.raises(PKCS11Error, match="Could not find private key"):
        providers.pkcs11_signer(hsm.module, hsm.token, hsm.pin, "no-such-key", hsm.org_cert, ())
    assert not [i for i in providers._pkcs11_signers if i[2] == "no-such-key"]


@needs_softhsm
def test_agency_signer_from_settings_uses_the_hsm(hsm, settings):
    settings.CONGSO_AGENCY_SIGNER = "pkcs11"
    settings.CONGSO_PKCS11 = {"module": hsm.module, "token": hsm.token, "pin": hsm.pin, "cert_dir": str(hsm.cert_dir)}
    settings.CONGSO_SIGNING_INTERMEDIATES = [_intermediate()]
    signer = service.agency_signer(AGENCY)
    assert service.agency_signer(AGENCY) is signer
    assert signer.__class__.__name__ == "SharedSessionPKCS11Signer"
    assert signer.pkcs11_session is providers._pkcs11_sessions[(hsm.module, hsm.token)]  # same session, other key
    appearance = core.agency_appearance(AGENCY.name, core.dt.datetime.now(core.dt.UTC), None, number="Số: 01/QĐ")
    data = core.sign_pdf(
        sample_pdf(["Quyet dinh so 01/QD"]),
        signer,
        field_name="ChuKyCoQuan",
        appearance=appearance,
        timestamper=service.timestamper(),
        validation_context=service.validation_context(),
    )
    [report] = core.verify_pdf(data, service.validation_context)
    assert report.ok and report.kind == "organisation" and report.signer == AGENCY.name
    if shutil.which("pdfsig"):  # poppler agrees the signature is intact (it does not know our test root)
        import subprocess

        path = Path(hsm.cert_dir) / "signed.pdf"
        path.write_bytes(data)
        out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout
        assert "Signature is Valid" in out
