"""Online dossiers handed over by DVCQG: received by webhook or polling, stored first, then mapped.

Every inbound dossier is stored as received (``InboundDossier``), de-duplicated by ``MaHoSo``, before
anything can fail. Mapping then creates a dossier with channel 2 and source DVCQG, its files fetched and
stored content-addressed. A problem with the data (unknown procedure or agency, malformed fields, a file
of a forbidden type) sends it to the review queue with the reason; a network problem retries later.
Nothing is ever dropped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from congso.catalog.models import Procedure
from congso.dossiers import actions as A
from congso.dossiers import files as dossier_files
from congso.dossiers.choices import Channel, Source
from congso.geo.models import Agency
from congso.national import protocol
from congso.national.models import InboundDossier, InboundStatus, PollCursor
from congso.national.transport import FileTooLarge, TransportError, get_transport

log = logging.getLogger(__name__)

ID_TYPES = {"CCCD": "cccd", "CMND": "cmnd", "HOCHIEU": "passport", "MASOTHUE": "tax_code"}
POLL_CURSOR = "dvcqg-new-dossiers"


class Review(Exception):
    """The inbound dossier cannot become a dossier without a person looking at it."""


def _fallback_code(record) -> str:
    raw = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str).encode()
    return "INVALID-" + hashlib.sha256(raw).hexdigest()[:40]


def receive(record, *, via: str, seq: int | None = None, now: dt.datetime | None = None) -> tuple[InboundDossier, bool]:
    """Store an inbound dossier as received; (row, created). A second copy only counts the repeat."""
    now = now or timezone.now()
    code = record.get("MaHoSo") if isinstance(record, dict) else None
    valid_code = isinstance(code, str) and 0 < len(code.strip()) <= 60
    national_code = code.strip() if valid_code else _fallback_code(record)
    existing = InboundDossier.objects.filter(national_code=national_code).first()
    if existing is not None:
        InboundDossier.objects.filter(pk=existing.pk).update(times_received=F("times_received") + 1)
        return existing, False
    try:
        with transaction.atomic():
            row = InboundDossier.objects.create(
                national_code=national_code,
                national_seq=seq,
                record=record if isinstance(record, dict) else {"raw": record},
                via=via,
                received_at=now,
                status=InboundStatus.RECEIVED if valid_code else InboundStatus.REVIEW,
                reason="" if valid_code else _("Hồ sơ không có mã hồ sơ (MaHoSo) hợp lệ."),
                next_attempt_at=now,
            )
    except IntegrityError:  # the same dossier arrived by webhook and by polling at the same moment
        return InboundDossier.objects.get(national_code=national_code), False
    return row, True


def _procedure_for(record: dict, agency: Agency) -> Procedure:
    code = str(record.get("MaTTHC") or "").strip()
    candidates = list(Procedure.objects.current().filter(Q(national_code=code) | Q(code=code)).select_related("field"))
    if not candidates:
        raise Review(
            _("Thủ tục %(code)s chưa có trong danh mục thủ tục của tỉnh (cần đồng bộ danh mục hoặc ánh xạ thủ tục).")
            % {"code": code}
        )
    level = "commune" if agency.kind in ("commune_pc", "commune_one_stop") else "province"
    same_level = [p for p in candidates if p.level == level]
    return (same_level or candidates)[0]


def _agency_for(record: dict) -> Agency:
    identifier = str(record.get("MaDonVi") or "").strip()
    agency = Agency.objects.current().filter(identifier=identifier).first()
    if agency is None:
        raise Review(_("Không tìm thấy cơ quan tiếp nhận có mã định danh %(id)s.") % {"id": identifier})
    return agency


def _applicant(record: dict) -> A.Applicant:
    ids = record.get("DinhDanhCHS") or [{}]
    first = ids[0]
    kind = record.get("LoaiDoiTuong", 1)
    try:
        kind = int(kind)
    except (TypeError, ValueError):
        raise Review(_("LoaiDoiTuong phải từ 1 đến 4.")) from None
    return A.Applicant(
        name=str(record.get("ChuHoSo") or ""),
        id_number=str(first.get("SoDinhDanh") or ""),
        id_type=ID_TYPES.get(str(first.get("LoaiDinhDanh") or "CCCD").upper(), "cccd"),
        kind=kind,
        address=str(record.get("DiaChi") or "")[:500],
        phone=str(record.get("SoDienThoai") or "").strip(),
        email=str(record.get("Email") or "").strip()[:254],
    )


def _fetch_files(record: dict, transport) -> list[A.Attachment]:
    out = []
    for item in record.get("TaiLieuNop") or []:
        url = str(item["DuongDanTaiTepTin"])
        if not url.startswith(settings.CONGSO_DVCQG_URL.rstrip("/") + "/"):
            raise Review(_("Đường dẫn tệp %(url)s không thuộc Cổng DVCQG; không tải về.") % {"url": url[:200]})
        try:
            data = transport.fetch_file(url, max_bytes=settings.CONGSO_MAX_UPLOAD_BYTES)
        except FileTooLarge as exc:
            raise Review(str(exc)) from None
        try:
            stored = A.store_file(data)
        except dossier_files.FileRejected as exc:
            raise Review(
                _("Tệp %(name)s: %(error)s") % {"name": item.get("TenTepDinhKem") or url[-60:], "error": exc}
            ) from None
        name = str(item.get("TenTepDinhKem") or "")
        out.append(
            A.Attachment(stored=stored, filename=name[:255], name=name, digitised=bool(item.get("DuocSoHoa", 1)))
        )
    return out


def process(inbound: InboundDossier, *, transport=None, now: dt.datetime | None = None) -> InboundDossier:
    """Map one stored inbound dossier onto a dossier (or the review queue, or a later retry)."""
    transport = transport or get_transport()
    now = now or timezone.now()
    if inbound.status not in (InboundStatus.RECEIVED, InboundStatus.RETRY):
        return inbound
    record = inbound.record
    InboundDossier.objects.filter(pk=inbound.pk).update(attempts=F("attempts") + 1)
    inbound.attempts += 1
    try:
        errors = protocol.inbound_record_errors(record)
        if errors:
            raise Review(" ".join(errors))
        agency = _agency_for(record)
        procedure = _procedure_for(record, agency)
        applicant = _applicant(record)
        submitted = min(protocol.parse_date(record["NgayNopHoSo"]), now)
        attachments = _fetch_files(record, transport)
        with transaction.atomic():
            fresh = InboundDossier.objects.select_for_update().get(pk=inbound.pk)
            if fresh.dossier_id:  # another worker finished it meanwhile
                return fresh
            d = A.create_dossier(
                procedure=procedure,
                intake_agency=agency,
                applicant=applicant,
                channel=Channel.ONLINE,
                source=Source.DVCQG,
                who=None,
                request_text=str(record.get("NoiDungYeuCau") or "")[:2000],
                form_data={"dvcqg": {"MaHoSo": inbound.national_code}},
                submit=True,
                attachments=attachments,
                now=submitted,
            )
            fresh.dossier = d
            fresh.status = InboundStatus.CREATED
            fresh.reason = ""
            fresh.next_attempt_at = None
            fresh.save(update_fields=["dossier", "status", "reason", "next_attempt_at"])
            return fresh
    except Review as exc:
        return _to_review(inbound, str(exc))
    except A.ActionError as exc:
        detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        return _to_review(inbound, f"{exc.message} {detail}".strip())
    except TransportError as exc:
        wait = dt.timedelta(seconds=min(3600, 30 * 2 ** min(inbound.attempts, 7)))
        InboundDossier.objects.filter(pk=inbound.pk).update(
            status=InboundStatus.RETRY, reason=exc.message[:2000], next_attempt_at=now + wait
        )
        inbound.refresh_from_db()
        return inbound


def _to_review(inbound: InboundDossier, reason: str) -> InboundDossier:
    log.warning("DVCQG dossier %s sent to review: %s", inbound.national_code, reason)
    InboundDossier.objects.filter(pk=inbound.pk).update(
        status=InboundStatus.REVIEW, reason=reason[:4000], next_attempt_at=None
    )
    inbound.refresh_from_db()
    return inbound


def process_pending(*, transport=None, limit: int = 50, time_budget: float = 20.0) -> int:
    """Map what is waiting (received, or due for a retry)."""
    transport = transport or get_transport()
    deadline = time.monotonic() + time_budget
    now = timezone.now()
    done = 0
    pending = InboundDossier.objects.filter(
        Q(status=InboundStatus.RECEIVED) | Q(status=InboundStatus.RETRY, next_attempt_at__lte=now)
    ).order_by("received_at", "pk")[:limit]
    for inbound in pending:
        if time.monotonic() > deadline:
            break
        process(inbound, transport=transport)
        done += 1
    return done


def poll(*, transport=None, page_size: int = 50, max_pages: int = 20) -> int:
    """Ask DVCQG for the online dossiers after our cursor; store each one, then move the cursor."""
    transport = transport or get_transport()
    cursor, _created = PollCursor.objects.get_or_create(name=POLL_CURSOR)
    received = 0
    for _page in range(max_pages):
        try:
            answer = transport.call(protocol.LIST_NEW_DOSSIERS, {"TuSoThuTu": cursor.position, "SoLuong": page_size})
        except TransportError as exc:
            PollCursor.objects.filter(pk=cursor.pk).update(last_error=exc.message[:2000], polled_at=timezone.now())
            return received
        items = answer.get("result") or []
        if not isinstance(items, list):
            items = []
        for item in items:
            if not isinstance(item, dict):
                continue
            try:
                seq = int(item.get("SoThuTu"))
            except (TypeError, ValueError):
                seq = None
            _row, created = receive(item.get("HoSo"), via="poll", seq=seq)
            received += int(created)
            if seq is not None and seq > cursor.position:
                cursor.position = seq
                PollCursor.objects.filter(pk=cursor.pk).update(position=seq)
        PollCursor.objects.filter(pk=cursor.pk).update(polled_at=timezone.now(), last_error="")
        if len(items) < page_size:
            break
    return received


def retry_review(inbound: InboundDossier, *, user=None, transport=None) -> InboundDossier:
    """After the cause is fixed (catalog synced, agency identifier entered), map it again."""
    if inbound.status not in (InboundStatus.REVIEW, InboundStatus.RETRY):
        return inbound
    InboundDossier.objects.filter(pk=inbound.pk).update(status=InboundStatus.RETRY, decided_by=user)
    inbound.refresh_from_db()
    return process(inbound, transport=transport)


def dismiss(inbound: InboundDossier, *, user, reason: str) -> InboundDossier:
    """Set aside an inbound dossier that will never be processed here (kept, with who and why)."""
    if inbound.status == InboundStatus.CREATED:
        return inbound
    InboundDossier.objects.filter(pk=inbound.pk).update(
        status=InboundStatus.DISMISSED, reason=reason[:4000], decided_by=user, next_attempt_at=None
    )
    inbound.refresh_from_db()
    return inbound
