"""SoftHSM2 — a software PKCS#11 token — for the tests and a developer's machine (never production keys).

An agency's key lives in an HSM reached through PKCS#11 (exchange.md §2); SoftHSM2 (Debian's ``softhsm2``)
plays that HSM here so the same code path (:func:`.providers.pkcs11_signer`) is exercised::

    token = softhsm.init_token(Path("var/softhsm"), label="congso", pin="1234")
    softhsm.import_key(token, "var/pki/org-so-tu-phap.key.pem", key_label="agency-so-tu-phap", key_id="01")

or from a shell (prints the settings to export)::

    python -m congso.documents.signing.softhsm var/softhsm --key var/pki/org-x.key.pem:agency-x

SoftHSM reads ``SOFTHSM2_CONF`` when the module is initialised (``C_Initialize``), i.e. when this process
first opens a PKCS#11 session: set the token up *before* that, or the process does not see it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)
UTIL = "softhsm2-util"


class SoftHSMError(RuntimeError):
    pass


@dataclass(frozen=True)
class SoftHSMToken:
    module: str
    label: str
    pin: str
    conf: str


def available() -> bool:
    """Whether SoftHSM2 (``softhsm2-util`` and its PKCS#11 module) is installed."""
    return shutil.which(UTIL) is not None and module_path() is not None


def module_path() -> str | None:
    return next((m for m in MODULE_CANDIDATES if Path(m).exists()), None)


def _run(*args: str) -> str:
    util = shutil.which(UTIL)
    if util is None:
        raise SoftHSMError("softhsm2-util is not installed (apt-get install softhsm2)")
    result = subprocess.run([util, *args], capture_output=True, text=True, env=os.environ.copy(), check=False)
    if result.returncode != 0:
        raise SoftHSMError(f"softhsm2-util {args[0]} failed: {(result.stderr or result.stdout).strip()}")
    return result.stdout


def write_conf(directory: Path) -> Path:
    """``<directory>/softhsm2.conf`` with its token store in ``<directory>/tokens``; sets ``SOFTHSM2_CONF``."""
    directory = Path(directory).resolve()
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
        encoding="utf-8",
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    return conf


def token_labels() -> list[str]:
    """Labels of the initialised tokens under the current ``SOFTHSM2_CONF``."""
    labels = []
    for line in _run("--show-slots").splitlines():
        key, _sep, value = line.strip().partition(":")
        if key == "Label" and value.strip():
            labels.append(value.strip())
    return labels


def init_token(directory: Path, *, label: str = "congso", pin: str = "1234", so_pin: str = "12345678") -> SoftHSMToken:
    """A SoftHSM2 token ``label`` in ``directory`` (created once; kept if it is already there)."""
    module = module_path()
    if module is None:
        raise SoftHSMError("the SoftHSM2 PKCS#11 module is not installed (apt-get install softhsm2)")
    conf = write_conf(directory)
    if label not in token_labels():
        _run("--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", so_pin)
        done = conf.with_name("imported.txt")
        if done.exists():  # a new token holds no key yet, whatever an earlier one held
            kept = [line for line in done.read_text(encoding="utf-8").splitlines() if not line.startswith(label + "\t")]
            done.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    return SoftHSMToken(module=module, label=label, pin=pin, conf=str(conf))


def import_key(token: SoftHSMToken, key_path: str | Path, *, key_label: str, key_id: str = "01") -> None:
    """Import a PKCS#8 PEM private key (unencrypted) into the token as ``key_label`` / ``key_id`` (hex).

    Once per token and label (a second object with the same label would make the key ambiguous): the
    imported labels are listed next to the configuration, in ``imported.txt``.
    """
    os.environ["SOFTHSM2_CONF"] = token.conf
    done = Path(token.conf).with_name("imported.txt")
    entry = f"{token.label}\t{key_label}"
    if done.exists() and entry in done.read_text(encoding="utf-8").splitlines():
        return
    _run(
        "--import",
        str(key_path),
        "--token",
        token.label,
        "--label",
        key_label,
        "--id",
        key_id,
        "--pin",
        token.pin,
    )
    with done.open("a", encoding="utf-8") as f:
        f.write(entry + "\n")


def setup(
    directory: Path,
    keys: dict[str, str | Path],
    *,
    label: str = "congso",
    pin: str = "1234",
    so_pin: str = "12345678",
) -> tuple[str, str, str]:
    """A token in ``directory`` holding ``keys`` (key label → PKCS#8 PEM path); returns (module, token, pin)."""
    token = init_token(directory, label=label, pin=pin, so_pin=so_pin)
    for number, (key_label, key_path) in enumerate(sorted(keys.items()), start=1):
        import_key(token, key_path, key_label=key_label, key_id=format(number, "02x"))
    return token.module, token.label, token.pin


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A SoftHSM2 token for development (never production keys).")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--label", default="congso")
    parser.add_argument("--pin", default="1234")
    parser.add_argument("--so-pin", default="12345678")
    parser.add_argument("--key", action="append", default=[], help="KEY.pem:KEY_LABEL (repeatable)")
    args = parser.parse_args(argv)
    keys = {}
    for item in args.key:
        path, _sep, key_label = item.rpartition(":")
        keys[key_label] = path
    module, label, pin = setup(args.directory, keys, label=args.label, pin=args.pin, so_pin=args.so_pin)
    print(f"export SOFTHSM2_CONF={os.environ['SOFTHSM2_CONF']}")
    print("export CONGSO_AGENCY_SIGNER=pkcs11")
    print(f"export CONGSO_PKCS11_MODULE={module} CONGSO_PKCS11_TOKEN={label} CONGSO_PKCS11_PIN={pin}")


if __name__ == "__main__":
    main()
