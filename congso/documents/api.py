"""/api/v1/signatures — public verification of signed PDFs (exchange.md §2), and the helpers the portal's
verification page (``/xac-thuc/``) shares with it.

Anyone may upload a PDF and read, per signature: who signed, whether the document is intact, whether the
certificate chain is trusted (not revoked, valid at signing time), when it was signed and what changed after
it. The QR code printed on an issued result names a :class:`~congso.documents.models.VerificationLink`: the
same report for the document congso issued, read from the file store.

Uploads are bounded by ``CONGSO_VERIFY_MAX_BYTES``: a request announcing a larger body is refused before it
is read, and an upload handler stops reading a file at the limit. Nothing a client sends becomes a 500: an
unreadable file is a 422, a damaged signature an ``invalid`` verdict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from congso.api.v1.errors import problem
from congso.documents.models import VerificationLink
from congso.documents.signing import core, service
from congso.dossiers import files as file_store
from congso.dossiers.api import ProblemOut

router = Router(tags=["Xác thực chữ ký số (signature verification)"])

VN = core.VN
# Multipart framing around the file (boundaries, part headers, other small fields) allowed on top of the limit.
MULTIPART_SLACK = 64 * 1024
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


# ---- shared with the portal page ---------------------------------------------------------------------------
class VerifyRejected(Exception):
    """The upload cannot be verified; ``message`` is Vietnamese and says why (shown next to the file field)."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


def limit_text() -> str:
    """The limit as people read it: "30 MB", "0,5 MB"."""
    mb = round(settings.CONGSO_VERIFY_MAX_BYTES / 1048576, 2)
    return f"{mb:g}".replace(".", ",")


def _too_large() -> VerifyRejected:
    return VerifyRejected(413, _("Tệp quá lớn"), _("Tệp quá lớn: tối đa %(limit)s MB.") % {"limit": limit_text()})


def _not_a_pdf() -> VerifyRejected:
    return VerifyRejected(422, _("Không phải tệp PDF"), _("Tệp không phải là tài liệu PDF."))


class _StopAtLimit(FileUploadHandler):
    """First upload handler: passes chunks on, and stops reading a file once it exceeds the limit."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)  # the rest of the (bounded) body is discarded unread
        return raw_data

    def file_complete(self, file_size):
        return None


def prepare_upload(request: HttpRequest) -> _StopAtLimit:
    """Refuse a body announced larger than the limit, and stop reading a file at the limit. Must run before
    anything touches ``request.POST``/``request.FILES``. Raises :class:`VerifyRejected` (413)."""
    limit = settings.CONGSO_VERIFY_MAX_BYTES
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if announced > limit + MULTIPART_SLACK:
        raise _too_large()
    guard = _StopAtLimit(request, limit)
    try:
        request.upload_handlers.insert(0, guard)
    except AttributeError:  # the body was parsed already: only the size checks after reading apply
        pass
    return guard


def take_upload(request: HttpRequest, guard: _StopAtLimit, field: str = "file") -> bytes:
    """The bytes of the uploaded ``field`` (after :func:`prepare_upload`). Raises :class:`VerifyRejected`."""
    limit = settings.CONGSO_VERIFY_MAX_BYTES
    try:
        upload = request.FILES.get(field)
    except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        raise VerifyRejected(
            400, _("Yêu cầu không hợp lệ"), _("Không đọc được tệp gửi lên; vui lòng chọn lại tệp PDF.")
        ) from None
    if guard.exceeded:
        raise _too_large()
    if upload is None:
        raise VerifyRejected(422, _("Chưa chọn tệp"), _("Vui lòng chọn tệp PDF cần xác thực."))
    if upload.size is not None and upload.size > limit:
        raise _too_large()
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large()
    if not data:
        raise _not_a_pdf()
    return data


def read_upload(request: HttpRequest, field: str = "file") -> bytes:
    """The bytes of the uploaded ``field``, read only up to the limit. Raises :class:`VerifyRejected`."""
    return take_upload(request, prepare_upload(request), field)


@dataclass(frozen=True)
class Issued:
    link: VerificationLink
    data: bytes


class IssuedUnavailable(Exception):
    def __init__(self, status: int, title: str, message: str):
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


def issued_document(token: str) -> Issued:
    """The issued document behind a verification token, from the file store. Raises
    :class:`IssuedUnavailable` (404 unknown token or file not stored; 409 the stored file was altered)."""
    link = VerificationLink.objects.filter(token=token).first() if TOKEN_RE.match(token or "") else None
    if link is None:
        raise IssuedUnavailable(404, _("Không tìm thấy"), _("Không tìm thấy văn bản với mã xác thực này."))
    sha = link.document_sha256
    if not re.fullmatch(r"[0-9a-f]{64}", sha or ""):
        raise IssuedUnavailable(404, _("Không tìm thấy"), _("Văn bản này chưa có bản điện tử để xác thực."))
    try:
        data = file_store.read_blob(sha)
    except FileNotFoundError:
        raise IssuedUnavailable(404, _("Không tìm thấy"), _("Văn bản này chưa có bản điện tử để xác thực.")) from None
    except OSError:
        raise IssuedUnavailable(
            409,
            _("Tệp lưu trữ không khớp"),
            _("Bản lưu trữ của văn bản không khớp với bản đã ban hành; vui lòng liên hệ cơ quan ban hành."),
        ) from None
    return Issued(link, data)


def signature_verdict(r: core.SignatureReport) -> str:
    return "valid" if r.ok else "invalid"


UNTRUSTED_PROBLEM = "Chứng thư số không thuộc tổ chức cung cấp dịch vụ chứng thực được tin cậy."


def chain_checked(r: core.SignatureReport) -> bool:
    """Whether ``trusted`` means anything: pyHanko's ``trusted`` is False for any signature that no longer matches
    the document (not intact) or whose signature value is wrong, whatever the certificate chain."""
    return r.intact and r.valid


def problems_of(r: core.SignatureReport) -> list[str]:
    """The report's problems, without claiming an untrusted chain when the chain could not be checked."""
    if chain_checked(r) or r.revoked or not (r.signer or r.kind):
        return list(r.problems)
    problems = [p for p in r.problems if p != UNTRUSTED_PROBLEM]
    return [*problems, _("Không kiểm tra được chứng thư số vì chữ ký không còn khớp với tài liệu.")]


def verify_bytes(data: bytes) -> tuple[str, str, list[core.SignatureReport]]:
    """(document SHA-256, overall verdict, a report per signature). Raises :class:`VerifyRejected` (422)."""
    try:
        reports = core.verify_pdf(data, service.validation_context)
    except core.NotAPdf:
        raise _not_a_pdf() from None
    if not reports:
        verdict = "unsigned"
    else:
        verdict = "valid" if all(r.ok for r in reports) else "invalid"
    return hashlib.sha256(data).hexdigest(), verdict, reports


def _vn(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(VN) if moment is not None else None


def report_json(sha256: str, verdict: str, reports: list[core.SignatureReport]) -> dict:
    return {
        "document_sha256": sha256,
        "verdict": verdict,
        "signatures": [
            {
                "field": r.field,
                "signer": r.signer,
                "organisation": r.organisation,
                "kind": r.kind,
                "intact": r.intact,
                "valid": r.valid,
                "trusted": r.trusted,
                "revoked": r.revoked,
                "expired_at_signing": r.expired_at_signing,
                "signing_time": _vn(r.signing_time),
                "timestamped": r.timestamped,
                "timestamp_trusted": r.timestamp_trusted,
                "coverage": r.coverage,
                "changes_after": r.changes_after,
                "problems": problems_of(r),
                "verdict": signature_verdict(r),
            }
            for r in reports
        ],
    }


# ---- API -----------------------------------------------------------------------------------------------------
class SignatureOut(Schema):
    field: str = Field(description="Tên trường chữ ký trong tệp PDF")
    signer: str = Field(description="Tên người ký hoặc cơ quan trên chứng thư số (CN)")
    organisation: str = Field(description="Tổ chức trên chứng thư số (O)")
    kind: Literal["person", "organisation", ""] = Field(
        description="person: chứng thư số cá nhân; organisation: chứng thư số của cơ quan, tổ chức; rỗng: không đọc được"
    )
    intact: bool = Field(description="Phần tài liệu được ký còn nguyên vẹn (không bị sửa sau khi ký)")
    valid: bool = Field(description="Chữ ký đúng về mật mã")
    trusted: bool = Field(
        description="Chuỗi chứng thư dẫn tới một tổ chức chứng thực được tin cậy (chỉ có nghĩa khi intact và valid)"
    )
    revoked: bool = Field(description="Chứng thư số của người ký đã bị thu hồi")
    expired_at_signing: bool = Field(description="Chứng thư số hết hạn hoặc chưa có hiệu lực tại thời điểm ký")
    signing_time: dt.datetime | None = Field(
        description="Thời điểm ký (giờ Việt Nam): theo dấu thời gian nếu có, nếu không theo người ký khai"
    )
    timestamped: bool = Field(description="Chữ ký có dấu thời gian (RFC 3161)")
    timestamp_trusted: bool = Field(description="Dấu thời gian do tổ chức được tin cậy cấp")
    coverage: str = Field(
        description="Phạm vi được ký: ENTIRE_FILE, ENTIRE_REVISION, CONTIGUOUS_BLOCK_FROM_START, UNKNOWN"
    )
    changes_after: str = Field(
        description="Thay đổi sau khi ký (mức của pyHanko): NONE, LTA_UPDATES, FORM_FILLING, ANNOTATIONS, OTHER, UNKNOWN"
    )
    problems: list[str] = Field(description="Các vấn đề phát hiện được, bằng tiếng Việt")
    verdict: Literal["valid", "invalid"] = Field(description="Kết luận về chữ ký này")


class VerifyOut(Schema):
    document_sha256: str = Field(description="SHA-256 của tệp đã kiểm tra (hex)")
    verdict: Literal["valid", "invalid", "unsigned"] = Field(
        description="valid: mọi chữ ký hợp lệ; invalid: có chữ ký không hợp lệ; unsigned: không có chữ ký số"
    )
    signatures: list[SignatureOut] = Field(description="Các chữ ký theo thứ tự ký")


class IssuedVerifyOut(VerifyOut):
    token: str = Field(description="Mã xác thực in trên văn bản (mã QR)")
    label: str = Field(description="Tên văn bản")
    number: str = Field(description="Số, ký hiệu văn bản")
    issuer: str = Field(description="Cơ quan ban hành")
    download_url: str = Field(description="Đường dẫn tải bản điện tử đã xác thực (PDF)")


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "Tệp PDF cần xác thực (tối đa CONGSO_VERIFY_MAX_BYTES, mặc định 30 MB)",
                        }
                    },
                }
            }
        },
    }
}


def _problem(exc, field: str = "") -> object:
    errors = [{"field": field, "message": exc.message}] if field else None
    return problem(exc.status, exc.title, exc.message, errors)


@router.post(
    "/verify",
    auth=None,
    response={200: VerifyOut, 400: ProblemOut, 413: ProblemOut, 422: ProblemOut},
    summary="Xác thực chữ ký số trên một tệp PDF tải lên",
    openapi_extra=UPLOAD_BODY,
)
def verify_upload(request):
    """Mỗi chữ ký được báo: người ký, tài liệu còn nguyên vẹn, chứng thư số được tin cậy (không bị thu hồi,
    còn hiệu lực tại thời điểm ký), thời điểm ký (theo dấu thời gian nếu có) và thay đổi sau khi ký.
    Tệp lớn hơn giới hạn: 413; không phải PDF (hoặc rỗng, hoặc hỏng tới mức không đọc được): 422."""
    try:
        data = read_upload(request)
        return Status(200, report_json(*verify_bytes(data)))
    except VerifyRejected as exc:
        return _problem(exc, "file")


@router.get(
    "/{token}",
    auth=None,
    response={200: IssuedVerifyOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut},
    summary="Xác thực văn bản điện tử đã ban hành theo mã xác thực (mã QR in trên văn bản)",
)
def verify_issued(request, token: str):
    """Báo cáo xác thực của bản điện tử do congso ban hành (đọc từ kho lưu trữ), kèm tên, số ký hiệu và cơ quan
    ban hành. Mã không tồn tại hoặc văn bản chưa có bản điện tử: 404."""
    try:
        issued = issued_document(token)
        body = report_json(*verify_bytes(issued.data))
    except (IssuedUnavailable, VerifyRejected) as exc:
        return _problem(exc)
    link = issued.link
    body |= {
        "token": link.token,
        "label": link.label,
        "number": link.number,
        "issuer": link.issuer,
        "download_url": settings.CONGSO_PUBLIC_URL.rstrip("/") + reverse("portal:verify-download", args=[link.token]),
    }
    return Status(200, body)
