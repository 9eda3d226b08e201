"""The simulator's RSA signing key: generated on first use into ``CONGSO_OIDC_SIMULATOR_KEY_FILE`` (under
``var/``, never committed), then read from there by every process; its key id is its RFC 7638 thumbprint."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from joserfc.jwk import KeySet, RSAKey

_loaded: dict[str, RSAKey] = {}


def signing_key() -> RSAKey:
    path = Path(settings.CONGSO_OIDC_SIMULATOR_KEY_FILE)
    key = _loaded.get(str(path))
    if key is None:
        if not path.exists():
            _generate(path)
        pem = path.read_bytes()
        thumbprint = RSAKey.import_key(pem).thumbprint()
        key = RSAKey.import_key(pem, parameters={"kid": thumbprint, "use": "sig", "alg": "RS256"})
        _loaded[str(path)] = key
    return key


def public_jwks() -> dict:
    return KeySet([signing_key()]).as_dict(private=False)


def _generate(path: Path) -> None:
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    pem = RSAKey.generate_key(2048, private=True).as_pem(private=True)
    # Written aside, then linked into place: two workers starting at once keep the first key, and no
    # process ever reads a half-written file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
