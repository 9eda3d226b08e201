"""Signers: where the private key lives. Each is loaded once and reused (``functools.cache``).

* ``file``: a PEM key and certificate on disk — development and tests only.
* ``pkcs11``: a key in a PKCS#11 token (an HSM on the server; SoftHSM2 in tests), one session per process.
* ``external``: nobody here holds the key — the digest goes out to a USB token or a remote-signing
  service and the signature value comes back (:mod:`.external`).
"""

from __future__ import annotations

import os
import threading
from functools import cache
from pathlib import Path

from asn1crypto import cms, pem
from asn1crypto import core as asn1_core
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.sign import signers
from pyhanko.sign.general import as_signing_certificate, get_pyca_cryptography_hash, simple_cms_attribute
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore


def load_cert(path: Path) -> asn1_x509.Certificate:
    data = Path(path).read_bytes()
    if pem.detect(data):
        _type, _headers, data = pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


def load_key(path: Path) -> asn1_keys.PrivateKeyInfo:
    data = Path(path).read_bytes()
    if pem.detect(data):
        _type, _headers, data = pem.unarmor(data)
    return asn1_keys.PrivateKeyInfo.load(data)


class LoadedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses (and re-validates) the private key for every signature; this keeps
    the parsed key, so a key is loaded once per process, not once per signature."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._loaded = serialization.load_der_private_key(self.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        name = mechanism["algorithm"].native
        algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._loaded, rsa.RSAPrivateKey) and name in ("rsassa_pkcs1v15", f"{digest_algorithm}_rsa"):
            return self._loaded.sign(data, padding.PKCS1v15(), algorithm)
        if isinstance(self._loaded, ec.EllipticCurvePrivateKey) and "ecdsa" in name:
            return self._loaded.sign(data, ec.ECDSA(algorithm))
        return super().sign_raw(data, digest_algorithm)


class LoadedKeyTimeStamper(DummyTimeStamper):
    """The test PKI's timestamp authority, answering in-process, with its key parsed once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._loaded = serialization.load_der_private_key(self.tsa_key.dump(), password=None)

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, at):
        # RFC 3161 / RFC 5652: the token's signed attributes cover the TSTInfo through its digest.
        algorithm = get_pyca_cryptography_hash(md_algorithm)
        digest = hashes.Hash(algorithm)
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": asn1_core.UTCTime(at)})),
                simple_cms_attribute("signing_certificate", as_signing_certificate(self.tsa_cert)),
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        return self._loaded.sign(signed_attrs.dump(), padding.PKCS1v15(), algorithm), signed_attrs


@cache
def file_signer(key_path: str, cert_path: str, chain: tuple[str, ...]) -> signers.SimpleSigner:
    """A signer over a PEM key file, loaded once per process."""
    return LoadedKeySigner(
        signing_key=load_key(Path(key_path)),
        signing_cert=load_cert(Path(cert_path)),
        cert_registry=SimpleCertificateStore.from_certs([load_cert(Path(p)) for p in chain]),
    )


@cache
def in_process_timestamper(cert_path: str, key_path: str, chain: tuple[str, ...]) -> DummyTimeStamper:
    """The test PKI's timestamp authority, answering in-process (RFC 3161 tokens signed by its TSA key)."""
    return LoadedKeyTimeStamper(
        tsa_cert=load_cert(Path(cert_path)),
        tsa_key=load_key(Path(key_path)),
        certs_to_embed=SimpleCertificateStore.from_certs([load_cert(Path(p)) for p in chain]),
    )


# ---- PKCS#11 (an HSM on the server; SoftHSM2 in tests) ---------------------------------------------
# One session per token per process, opened on first use and kept; each key is looked up once. The module
# is initialised without locking callbacks (python-pkcs11 passes NULL to C_Initialize), so every call into
# it is serialised by this lock. After a fork (a pre-forking server) the child starts afresh.
_pkcs11_lock = threading.RLock()
_pkcs11_sessions: dict[tuple[str, str], object] = {}
_pkcs11_signers: dict[tuple, signers.Signer] = {}
_pkcs11_pid = os.getpid()


class _LockedKey:
    """A key handle whose ``sign`` is serialised with every other call into the PKCS#11 module."""

    def __init__(self, key):
        self._key = key

    def sign(self, data, **kwargs):
        with _pkcs11_lock:
            return self._key.sign(data, **kwargs)

    def __getattr__(self, name):
        return getattr(self._key, name)


def _pkcs11_signer_class():
    from pkcs11 import exceptions as p11_errors
    from pyhanko.sign.pkcs11 import PKCS11Signer

    lost = (
        p11_errors.SessionHandleInvalid,
        p11_errors.SessionClosed,
        p11_errors.DeviceRemoved,
        p11_errors.DeviceError,
        p11_errors.TokenNotPresent,
        p11_errors.UserNotLoggedIn,
    )

    class SharedSessionPKCS11Signer(PKCS11Signer):
        """pyHanko's PKCS#11 signer over the process's shared session; a lost session is forgotten so
        the next :func:`pkcs11_signer` call opens a new one."""

        ident: tuple = ()

        def _load_objects(self):
            with _pkcs11_lock:
                super()._load_objects()
                if self._key_handle is not None and not isinstance(self._key_handle, _LockedKey):
                    self._key_handle = _LockedKey(self._key_handle)

        async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
            try:
                return await super().async_sign_raw(data, digest_algorithm, dry_run=dry_run)
            except lost:
                forget_pkcs11(self.ident[:2])
                raise

    return SharedSessionPKCS11Signer


def _pkcs11_after_fork() -> None:
    """In a forked child the parent's sessions are unusable: drop them and initialise the modules again."""
    global _pkcs11_pid
    if os.getpid() == _pkcs11_pid:
        return
    _pkcs11_pid = os.getpid()
    modules = {module for module, _token in _pkcs11_sessions}
    _pkcs11_sessions.clear()
    _pkcs11_signers.clear()
    import pkcs11

    for module in modules:
        try:
            pkcs11.lib(module).reinitialize()
        except pkcs11.PKCS11Error:
            pkcs11.unload(module)


def pkcs11_signer(
    module: str, token_label: str, pin: str, key_label: str, cert_path: str, chain: tuple[str, ...]
) -> signers.Signer:
    """A signer over the key ``key_label`` in the PKCS#11 token ``token_label``, with the certificate and
    chain from files. The session is opened once per process and token and kept; the key is looked up once
    (the same signer object is returned for the same arguments)."""
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import open_pkcs11_session

    ident = (module, token_label, key_label, str(cert_path), tuple(str(p) for p in chain))
    with _pkcs11_lock:
        _pkcs11_after_fork()
        signer = _pkcs11_signers.get(ident)
        if signer is not None:
            return signer
        session = _pkcs11_sessions.get((module, token_label))
        if session is None:
            session = open_pkcs11_session(module, token_criteria=TokenCriteria(label=token_label), user_pin=pin)
            _pkcs11_sessions[(module, token_label)] = session
        signer = _pkcs11_signer_class()(
            session,
            key_label=key_label,
            signing_cert=load_cert(Path(cert_path)),
            other_certs_to_pull=(),
            ca_chain=[load_cert(Path(p)) for p in chain],
        )
        signer.ident = ident
        signer._load_objects()  # the key handle now, once (raises here if the key is not in the token)
        _pkcs11_signers[ident] = signer
        return signer


def forget_pkcs11(token: tuple[str, str] | None = None) -> None:
    """Close the kept session of ``(module, token_label)`` (all of them with ``None``) and drop its signers."""
    with _pkcs11_lock:
        for key in [k for k in _pkcs11_sessions if token is None or k == token]:
            session = _pkcs11_sessions.pop(key)
            try:
                session.close()
            except Exception:  # already gone with the device: nothing left to close
                pass
        for ident in [i for i in _pkcs11_signers if token is None or i[:2] == token]:
            del _pkcs11_signers[ident]
