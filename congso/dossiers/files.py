"""Content-addressed file store (DESIGN §5): SHA-256 names, write-once, type decided by content."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import filetype
from django.conf import settings
from django.utils.translation import gettext as _

# Extension -> (MIME type, human name) of the types we can accept.
KNOWN_TYPES = {
    "pdf": ("application/pdf", "PDF"),
    "jpg": ("image/jpeg", "JPEG"),
    "png": ("image/png", "PNG"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word (DOCX)"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (XLSX)"),
}


class FileRejected(ValueError):
    """The upload is refused; the message is for the user."""


@dataclass(frozen=True)
class Sniffed:
    extension: str
    content_type: str


def allowed_types() -> tuple[str, ...]:
    return tuple(t.strip() for t in settings.CONGSO_ALLOWED_FILE_TYPES if t.strip() in KNOWN_TYPES)


def sniff(data: bytes) -> Sniffed:
    """Decide the type from the bytes, never from the file name."""
    allowed = allowed_types()
    names = ", ".join(KNOWN_TYPES[t][1] for t in allowed)
    if not data:
        raise FileRejected(_("Tệp rỗng (0 byte). Vui lòng chọn lại tệp."))
    limit = settings.CONGSO_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise FileRejected(
            _("Tệp quá lớn (%(size)s MB); dung lượng tối đa là %(limit)s MB.")
            % {"size": f"{len(data) / 1048576:.1f}", "limit": f"{limit / 1048576:.0f}"}
        )
    kind = filetype.guess(data)
    ext = kind.extension if kind else ""
    ext = {"jpeg": "jpg"}.get(ext, ext)
    if ext not in allowed:
        if kind:
            message = _("Loại tệp không được chấp nhận (nội dung là %(mime)s). Chỉ nhận các loại: %(names)s.") % {
                "mime": kind.mime,
                "names": names,
            }
        else:
            message = _("Loại tệp không được chấp nhận. Chỉ nhận các loại: %(names)s.") % {"names": names}
        raise FileRejected(message)
    return Sniffed(extension=ext, content_type=KNOWN_TYPES[ext][0])


def path_for(sha256: str) -> Path:
    return Path(settings.CONGSO_FILES_DIR) / sha256[:2] / sha256[2:4] / sha256


def write_blob(data: bytes) -> str:
    """Store ``data`` under its SHA-256 (atomic rename; an existing blob is never rewritten)."""
    digest = hashlib.sha256(data).hexdigest()
    target = path_for(digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


def read_blob(sha256: str) -> bytes:
    data = path_for(sha256).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise OSError(f"Tệp {sha256} trong kho đã bị thay đổi.")
    return data
