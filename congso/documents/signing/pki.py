"""A generated test PKI: root, government-like intermediate, person and organisation certificates, a CRL,
an OCSP responder and a timestamp authority — every subject says "TEST — NOT A REAL CA".

``build(directory)`` writes PEM files (keys unencrypted: development and tests only; ``var/`` is never
committed) and a ``pki.json`` index. Nothing here is a real key or a real CA. The certificates follow the
shape of Vietnam's specialised government CA (a root, an intermediate for state bodies, end-entity
certificates for people and organisations), not its real names or policies.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TEST_MARK = "TEST — NOT A REAL CA"
KEY_BITS = 2048
WITH_URLS = False


def _name(cn: str, org: str, *, title: str = "", locality: str = "Thanh Hóa") -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, locality),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org[:64]),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TEST_MARK),
    ]
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, title[:64]))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn[:64]))
    return x509.Name(attrs)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


@dataclass
class Issued:
    name: str
    cert: x509.Certificate
    key: rsa.RSAPrivateKey


def _issue(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: Issued | None,
    *,
    ca: bool = False,
    path_length: int | None = None,
    not_before: dt.datetime,
    not_after: dt.datetime,
    eku: list | None = None,
    crl_url: str = "",
    ocsp_url: str = "",
    email: str = "",
) -> x509.Certificate:
    issuer_name = issuer.cert.subject if issuer else subject
    signing_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    if ca:
        usage = dict(key_cert_sign=True, crl_sign=True, digital_signature=True, content_commitment=False)
    else:
        usage = dict(key_cert_sign=False, crl_sign=False, digital_signature=True, content_commitment=not eku)
    builder = builder.add_extension(
        x509.KeyUsage(
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            encipher_only=False,
            decipher_only=False,
            **usage,
        ),
        critical=True,
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    if crl_url:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
            ),
            critical=False,
        )
    if ocsp_url:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        x509.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
                    )
                ]
            ),
            critical=False,
        )
    if email:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def _write(directory: Path, name: str, cert: x509.Certificate, key=None) -> dict:
    (directory / f"{name}.crt.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out = {"cert": f"{name}.crt.pem"}
    if key is not None:
        path = directory / f"{name}.key.pem"
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        path.chmod(0o600)
        out["key"] = f"{name}.key.pem"
    return out


def build(
    directory: Path,
    *,
    base_url: str,
    now: dt.datetime | None = None,
    people: list[dict] | None = None,
    organisations: list[dict] | None = None,
) -> dict:
    """Generate the whole test PKI into ``directory``; returns (and writes) the ``pki.json`` index.

    ``people``: [{"key": username, "name": full name, "title": position}]; ``organisations``:
    [{"key": agency slug, "name": agency name}]. Besides them: a revoked person, an expired person, and a
    certificate under an untrusted root, for the failure tests.
    """
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    directory.mkdir(parents=True, exist_ok=True)
    base = base_url.rstrip("/")
    crl_url, ocsp_url = f"{base}/pki/crl", f"{base}/pki/ocsp"
    long_ago, far = now - dt.timedelta(days=30), now + dt.timedelta(days=3650)
    index: dict = {"generated_at": now.isoformat(), "people": {}, "organisations": {}, "extra": {}}

    root_key = _key()
    root = Issued("root", None, root_key)  # type: ignore[arg-type]
    root.cert = _issue(
        _name("congso Root CA", "congso"), root_key, None, ca=True, path_length=1, not_before=long_ago, not_after=far
    )
    inter_key = _key()
    inter = Issued(
        "intermediate",
        _issue(
            _name("CA phục vụ các cơ quan nhà nước (mô phỏng)", "Cục Chứng thực số (mô phỏng)"),
            inter_key,
            root,
            ca=True,
            path_length=0,
            not_before=long_ago,
            not_after=far,
        ),
        inter_key,
    )
    index["root"] = _write(directory, "root", root.cert)
    index["intermediate"] = _write(directory, "intermediate", inter.cert, inter.key)

    def end_entity(name, subject, *, eku=None, not_before=long_ago, not_after=None, email=""):
        key = _key()
        cert = _issue(
            subject,
            key,
            inter,
            not_before=not_before,
            not_after=not_after or now + dt.timedelta(days=730),
            eku=eku,
            crl_url=crl_url if not eku else "",
            ocsp_url=ocsp_url if not eku else "",
            email=email,
        )
        return Issued(name, cert, key)

    tsa = end_entity(
        "tsa", _name("Dịch vụ cấp dấu thời gian (mô phỏng)", "congso"), eku=[ExtendedKeyUsageOID.TIME_STAMPING]
    )
    ocsp = end_entity("ocsp", _name("OCSP responder (mô phỏng)", "congso"), eku=[ExtendedKeyUsageOID.OCSP_SIGNING])
    index["tsa"] = _write(directory, "tsa", tsa.cert, tsa.key)
    index["ocsp"] = _write(directory, "ocsp", ocsp.cert, ocsp.key)

    for person in people or []:
        issued = end_entity(
            f"person-{person['key']}", _name(person["name"], person.get("org", "congso"), title=person.get("title", ""))
        )
        index["people"][person["key"]] = _write(directory, issued.name, issued.cert, issued.key)
    for org in organisations or []:
        issued = end_entity(f"org-{org['key']}", _name(org["name"], org["name"]))
        index["organisations"][org["key"]] = _write(directory, issued.name, issued.cert, issued.key)

    revoked = end_entity("person-revoked", _name("Người ký bị thu hồi chứng thư", "congso", title="Chuyên viên"))
    expired = end_entity(
        "person-expired",
        _name("Người ký chứng thư hết hạn", "congso", title="Chuyên viên"),
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=1),
    )
    index["extra"]["revoked"] = _write(directory, revoked.name, revoked.cert, revoked.key)
    index["extra"]["expired"] = _write(directory, expired.name, expired.cert, expired.key)

    rogue_key = _key()
    rogue_root = Issued("rogue-root", None, rogue_key)  # type: ignore[arg-type]
    rogue_root.cert = _issue(
        _name("Untrusted Root CA", "Rogue"), rogue_key, None, ca=True, not_before=long_ago, not_after=far
    )
    rogue_key2 = _key()
    rogue = _issue(
        _name("Người ký không được tin cậy", "Rogue"), rogue_key2, rogue_root, not_before=long_ago, not_after=far
    )
    index["extra"]["untrusted_root"] = _write(directory, "rogue-root", rogue_root.cert)
    index["extra"]["untrusted"] = _write(directory, "person-untrusted", rogue, rogue_key2)

    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(inter.cert.subject)
        .last_update(now - dt.timedelta(minutes=5))
        .next_update(now + dt.timedelta(days=7))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(revoked.cert.serial_number)
            .revocation_date(now - dt.timedelta(days=1))
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(inter.key.public_key()), critical=False)
        .sign(inter.key, hashes.SHA256())
    )
    (directory / "intermediate.crl.pem").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    index["crl"] = "intermediate.crl.pem"
    index["revoked_serials"] = [revoked.cert.serial_number]
    index["urls"] = {"crl": crl_url, "ocsp": ocsp_url}
    (directory / "pki.json").write_text(json.dumps(index, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return index
