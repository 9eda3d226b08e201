"""The one-stop back office (Bộ phận Một cửa điện tử): queues, walk-in intake, the dossier workspace.

Server-rendered pages over the dossier engine's actions (DESIGN §4.1: views never save domain models);
every page works without JavaScript. Objects come only through ``dossiers.access`` (a foreign dossier is
a 404).
"""

from __future__ import annotations

import datetime as dt
import io
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from congso.accounts.choices import Role
from congso.backoffice import queues
from congso.backoffice.forms import IntakeForm
from congso.catalog.models import Procedure
from congso.dossiers import actions as A
from congso.dossiers.access import access_dossier, request_who
from congso.dossiers.choices import FileKind, State
from congso.dossiers.models import DossierEvent, InternalNote
from congso.dossiers.selectors import clock_view, step_views, why_late

PAGE_SIZE = 25
MAX_EXPORT = 5000
LIST_FIELDS = ("items", "reasons")
INT_FIELDS = ("assignee_id", "agency_id", "amount", "result_copies")


def _who(request):
    who = request_who(request)
    if not who.is_staff_member:
        raise Http404
    return who


def _int(raw) -> int | None:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**62 else None


# ---- queues ---------------------------------------------------------------------------------------------------
@login_required
def queue_view(request, name: str = "desk"):
    if name not in queues.QUEUES:
        raise Http404
    who = _who(request)
    params = _queue_params(request)
    qs = queues.search(queues.queue(who, name), q=params["q"], state=params["state"], procedure_id=params["procedure"])
    qs = qs.select_related("procedure", "workflow", "current_agency", "assignee").order_by(
        *queues.SORTS[params["sort"]]
    )
    if name in ("mine", "due"):  # refined per row (step and role; working time left): paginate the rows
        page = Paginator(queues.rows(qs[:1000], who, name), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
    else:
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = queues.rows(page.object_list, who, name)
    context = {
        "queue": name,
        "queues": queues.QUEUES,
        "title": queues.QUEUES[name],
        "rows": rows,
        "page": page,
        "params": params,
        "states": State.choices,
        "sorts": _sort_labels(),
        "bulk": _bulk_actions(name, rows),
        "assignees": _bulk_assignees(who) if name == "mine" else [],
        "querystring": request.GET.urlencode(),
    }
    return render(request, "backoffice/queue.html", context)


def _bulk_actions(name: str, rows) -> list[tuple[str, str]]:
    if not any(r.selectable for r in rows):
        return []
    if name == "desk":
        return [("accept", _("Tiếp nhận các hồ sơ đã chọn"))]
    if name == "mine":
        return [("assign", _("Phân công các hồ sơ đã chọn"))]
    return []


def _bulk_assignees(who):
    """Specialists of the agencies where the caller leads (bulk assignment)."""
    from congso.accounts.models import User

    led = [a for a, roles in who.roles.items() if Role.LEADER in roles]
    if not led:
        return []
    return list(
        User.objects.filter(
            staff_assignments__agency_id__in=led,
            staff_assignments__role=Role.SPECIALIST,
            staff_assignments__active=True,
        )
        .distinct()
        .order_by("full_name", "username")
    )


def _queue_params(request) -> dict:
    sort = request.GET.get("sort", "due")
    return {
        "q": request.GET.get("q", "").strip()[:100],
        "state": request.GET.get("state", "") if request.GET.get("state", "") in State.values else "",
        "procedure": _int(request.GET.get("procedure")),
        "sort": sort if sort in queues.SORTS else "due",
    }


def _sort_labels():
    return [
        ("due", _("Hạn xử lý gần nhất")),
        ("-due", _("Hạn xử lý xa nhất")),
        ("new", _("Mới nhất")),
        ("old", _("Cũ nhất")),
        ("code", _("Mã hồ sơ")),
    ]


@login_required
def queue_export(request, name: str):
    """Every row of the queue as filtered, to XLSX (officials live in Excel)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    if name not in queues.QUEUES:
        raise Http404
    who = _who(request)
    params = _queue_params(request)
    qs = queues.search(queues.queue(who, name), q=params["q"], state=params["state"], procedure_id=params["procedure"])
    qs = qs.select_related("procedure", "workflow", "current_agency", "assignee").order_by(
        *queues.SORTS[params["sort"]]
    )
    wb = Workbook()
    ws = wb.active
    ws.title = str(queues.QUEUES[name])[:31]
    ws.append(
        [
            _("Mã hồ sơ"),
            _("Thủ tục"),
            _("Người nộp"),
            _("Tình trạng"),
            _("Bước hiện tại"),
            _("Cơ quan đang xử lý"),
            _("Ngày tiếp nhận"),
            _("Hạn xử lý"),
            _("Thời gian còn lại"),
        ]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in queues.rows(qs[:MAX_EXPORT], who, name):
        d = row.dossier
        ws.append(
            [
                d.code or "",
                d.procedure.name,
                d.applicant_name,
                str(State(d.state).label),
                row.step,
                d.current_agency.name if d.current_agency else "",
                timezone.localtime(d.accepted_at).replace(tzinfo=None) if d.accepted_at else None,
                timezone.localtime(d.due_at).replace(tzinfo=None) if d.due_at else None,
                row.clock,
            ]
        )
    for column, width in zip("ABCDEFGHI", (30, 60, 28, 22, 30, 40, 18, 18, 20), strict=True):
        ws.column_dimensions[column].width = width
    for cells in ws.iter_rows(min_row=2, min_col=7, max_col=8):
        for cell in cells:
            cell.number_format = "hh:mm dd/mm/yyyy"
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="ho-so-{name}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@login_required
@require_POST
def bulk(request):
    """Accept (or assign) several dossiers at once; each one succeeds or fails on its own."""
    who = _who(request)
    action = request.POST.get("action", "")
    if action not in ("accept", "assign"):
        raise Http404
    ids = [i for i in (_int(x) for x in request.POST.getlist("ids")) if i][:100]
    payload = {"assignee_id": request.POST.get("assignee_id")} if action == "assign" else {}
    done, failed = [], []
    for pk in ids:
        try:
            d = access_dossier(who, pk)
            d = A.perform(d, who, action, payload)
            done.append(d.code or str(d.pk))
        except Http404:
            failed.append(f"#{pk}: " + _("không tìm thấy"))
        except A.ActionError as exc:
            failed.append(f"#{pk}: {exc}")
    if done:
        messages.success(
            request, _("Đã thực hiện với %(n)s hồ sơ: %(codes)s") % {"n": len(done), "codes": ", ".join(done)}
        )
    for line in failed:
        messages.error(request, line)
    if not ids:
        messages.error(request, _("Chưa chọn hồ sơ nào."))
    return HttpResponseRedirect(request.POST.get("next") or reverse("backoffice:queue"))


# ---- the dossier workspace --------------------------------------------------------------------------------------
@login_required
def dossier_view(request, pk: int, *, error: A.ActionError | None = None, typed: dict | None = None, status=200):
    who = _who(request)
    d = access_dossier(who, pk)
    now = timezone.now()
    steps = step_views(d, now)
    offers = A.available_actions(d, who)
    files = list(d.files.select_related("file").order_by("id"))
    events = list(DossierEvent.objects.filter(dossier=d).select_related("actor").order_by("seq"))
    for e in events:
        e.label = _label(e.action)
    context = {
        "d": d,
        "clock": clock_view(d, now),
        "steps": steps,
        "why_late": why_late(d, now, steps),
        "offers": offers,
        "assignees": _assignees(d, offers),
        "files": files,
        "components": [f for f in files if f.kind == FileKind.COMPONENT],
        "results": [f for f in files if f.kind == FileKind.RESULT],
        "events": events,
        "notes": InternalNote.objects.filter(dossier=d).select_related("author"),
        "forms": _printable(events),
        "error": error,
        "typed": typed or {},
        "obligation": _obligation(d),
        "read_only": not any(roles - {Role.AUDITOR} for roles in who.roles.values()),
        "file_kinds": [(FileKind.RESULT, FileKind.RESULT.label), (FileKind.COMPONENT, FileKind.COMPONENT.label)],
    }
    return render(request, "backoffice/dossier.html", context, status=status)


def _printable(events) -> list[tuple[str, str]]:
    labels = {
        "01": _("Mẫu 01 — Giấy tiếp nhận và hẹn trả kết quả"),
        "02": _("Mẫu 02 — Phiếu yêu cầu bổ sung"),
        "03": _("Mẫu 03 — Phiếu từ chối"),
        "04": _("Mẫu 04 — Phiếu xin lỗi và hẹn lại"),
        "05": _("Mẫu 05 — Phiếu kiểm soát quá trình giải quyết"),
    }
    done = {e.action for e in events}
    out = [
        (n, labels[n])
        for n, action in (("01", "accept"), ("02", "request_supplement"), ("03", "refuse"), ("04", "extend"))
        if action in done
    ]
    if "accept" in done:
        out.append(("05", labels["05"]))
    return out


def _assignees(d, offers):
    """The staff who may take the next step (assign) or the current one (reassign)."""
    from congso.accounts.models import User

    wanted = {o.action for o in offers if not o.blocked} & {"assign", "reassign"}
    if not wanted or not d.current_step:
        return []
    spec = A.spec_of(d.workflow)
    step = spec.step(d.current_step)
    if "assign" in wanted and step.action("assign") is not None:
        target = spec.step(step.action("assign").to)
        role, agency = target.role, A._agency_for_step(d, target.agency)
    else:
        role, agency = step.role, d.current_agency
    return list(
        User.objects.filter(
            staff_assignments__agency=agency, staff_assignments__role=role, staff_assignments__active=True
        )
        .distinct()
        .order_by("full_name", "username")
    )


def _obligation(d):
    from congso.payments.selectors import open_obligation_of

    return open_obligation_of(d)


def _payload(post) -> dict:
    payload: dict = {}
    for key, value in post.items():
        if key in ("csrfmiddlewaretoken", "seen"):
            continue
        if key in LIST_FIELDS:
            payload[key] = [line.strip() for line in value.splitlines() if line.strip()]
        elif key in INT_FIELDS:
            payload[key] = value.strip() or None
        elif key == "new_appointment_at" and value:
            try:
                payload[key] = timezone.make_aware(dt.datetime.fromisoformat(value)).isoformat()
            except ValueError:
                payload[key] = value
        elif value != "":
            payload[key] = value
    return payload


@login_required
@require_POST
def act(request, pk: int, action: str):
    """Perform one offered action; a dossier that moved on since the page was read is not touched."""
    who = _who(request)
    d = access_dossier(who, pk)
    seen = _int(request.POST.get("seen"))
    if seen is not None and seen != d.event_count:
        error = A.ActionError(
            _(
                "Hồ sơ vừa được cán bộ khác cập nhật sau khi bạn mở trang (%(action)s). Vui lòng xem lại tình trạng "
                "mới rồi thao tác lại; chưa có gì thay đổi."
            )
            % {"action": _last_action(d)},
            status=409,
        )
        return dossier_view(request, pk, error=error, typed={**request.POST.dict(), "action": action}, status=409)
    try:
        d = A.perform(d, who, action, _payload(request.POST))
    except A.ActionError as exc:
        exc.action = action
        return dossier_view(request, pk, error=exc, typed={**request.POST.dict(), "action": action}, status=exc.status)
    messages.success(request, _("Đã thực hiện: %(action)s.") % {"action": _label(action)})
    return HttpResponseRedirect(reverse("backoffice:dossier", args=[d.pk]))


EVENT_LABELS = {
    "message": gettext_lazy("Nhắn người nộp"),
    "update_draft": gettext_lazy("Người nộp sửa bản nháp"),
    "remove_file": gettext_lazy("Người nộp gỡ tệp"),
    "receive": gettext_lazy("Nhận hồ sơ"),
    "create_draft": gettext_lazy("Tạo bản nháp"),
    "attach_result": gettext_lazy("Đính kèm kết quả"),
    "attach_file": gettext_lazy("Đính kèm giấy tờ"),
    "complete": gettext_lazy("Hoàn thành xử lý"),
    "due_soon": gettext_lazy("Cảnh báo sắp đến hạn"),
    "overdue": gettext_lazy("Quá hạn xử lý"),
    "external_signature": gettext_lazy("Ký số bằng thiết bị của người ký"),
    "open_liaison": gettext_lazy("Chuyển liên thông"),
    "liaison_done": gettext_lazy("Liên thông hoàn tất"),
}


def _label(action: str) -> str:
    if action in EVENT_LABELS:
        return str(EVENT_LABELS[action])
    if action in A.LIFECYCLE:
        return str(A.LIFECYCLE[action][0])
    return str(A.TRANSITION_ACTIONS.get(action, (action,))[0])


def _last_action(d) -> str:
    event = DossierEvent.objects.filter(dossier=d).select_related("actor").order_by("-seq").first()
    if event is None:
        return ""
    who = event.actor.full_name if event.actor else _("hệ thống")
    return f"{_label(event.action)} — {who}"


@login_required
@require_POST
def note(request, pk: int):
    from congso.dossiers.notes import add_note

    who = _who(request)
    d = access_dossier(who, pk)
    try:
        add_note(d, who, request.POST.get("text", ""))
    except A.ActionError as exc:
        return dossier_view(request, pk, error=exc, typed=request.POST.dict(), status=exc.status)
    messages.success(request, _("Đã lưu ghi chú."))
    return HttpResponseRedirect(reverse("backoffice:dossier", args=[pk]) + "#ghi-chu")


@login_required
@require_POST
def message(request, pk: int):
    """Write to the applicant: shown on their dossier page and sent by e-mail/SMS."""
    who = _who(request)
    d = access_dossier(who, pk)
    try:
        A.message_applicant(d, who, request.POST.get("message", ""))
    except A.ActionError as exc:
        return dossier_view(request, pk, error=exc, typed=request.POST.dict(), status=exc.status)
    messages.success(request, _("Đã gửi tin nhắn cho người nộp hồ sơ."))
    return HttpResponseRedirect(reverse("backoffice:dossier", args=[pk]) + "#nhan-tin")


@login_required
@require_POST
def upload(request, pk: int):
    from django.conf import settings

    who = _who(request)
    d = access_dossier(who, pk)
    f = request.FILES.get("file")
    try:
        if f is None:
            raise A.ActionError(_("Vui lòng chọn tệp để tải lên."), fields={"file": _("Chưa chọn tệp.")}, status=422)
        if f.size > settings.CONGSO_MAX_UPLOAD_BYTES:
            raise A.ActionError(
                _("Tệp quá lớn; dung lượng tối đa là %(limit)s MB.")
                % {"limit": f"{settings.CONGSO_MAX_UPLOAD_BYTES / 1048576:.0f}"},
                status=422,
            )
        kind = request.POST.get("kind", FileKind.RESULT)
        A.attach_file(
            d,
            who,
            data=f.read(),
            filename=(f.name or "")[:255],
            name=request.POST.get("name", "")[:1000],
            kind=kind if kind in FileKind.values else FileKind.RESULT,
            component_id=None,
            personal_document_id=None,
            digitised=True,
        )
    except A.ActionError as exc:
        return dossier_view(request, pk, error=exc, typed=request.POST.dict(), status=exc.status)
    messages.success(request, _("Đã tải lên tệp."))
    return HttpResponseRedirect(reverse("backoffice:dossier", args=[pk]))


@login_required
@require_POST
def desk_payment(request, pk: int):
    """Cash (or transfer) taken at the desk for the dossier's open obligation: receipted at once."""
    from congso.payments import actions as pay
    from congso.payments.selectors import open_obligation_of

    who = _who(request)
    d = access_dossier(who, pk)
    ob = open_obligation_of(d)
    if ob is None:
        messages.error(request, _("Hồ sơ không có khoản nào đang chờ nộp."))
        return HttpResponseRedirect(reverse("backoffice:dossier", args=[pk]))
    try:
        pay.record_desk_payment(
            ob,
            who,
            method=request.POST.get("method", "cash"),
            amount=request.POST.get("amount"),
            payer_name=request.POST.get("payer_name", ""),
            note=request.POST.get("note", ""),
            idempotency_key=request.POST.get("attempt", "")[:64],
        )
    except pay.PaymentError as exc:
        error = A.ActionError(exc.message, fields=exc.fields, status=exc.status)
        return dossier_view(request, pk, error=error, typed=request.POST.dict(), status=exc.status)
    messages.success(request, _("Đã ghi nhận tiền nộp và lập biên lai điện tử."))
    return HttpResponseRedirect(reverse("backoffice:dossier", args=[pk]))


# ---- walk-in intake ----------------------------------------------------------------------------------------------
@login_required
def intake(request):
    """Tiếp nhận trực tiếp: pick the procedure, capture the applicant, tick the components, then accept,
    ask for a supplement or refuse — with Form 01/02/03 printed on the spot."""
    who = _who(request)
    desks = sorted(queues.receiving_agencies(who))
    if not desks:
        raise Http404
    procedure = None
    procedure_id = _int(request.POST.get("procedure") or request.GET.get("procedure"))
    if procedure_id:
        procedure = Procedure.objects.current().filter(pk=procedure_id).prefetch_related("components").first()
    form = IntakeForm(request.POST or None, request.FILES or None, procedure=procedure, desks=desks)
    found = []
    term = request.GET.get("tim", "").strip()[:100]
    if term:
        from congso.catalog.selectors import search_procedures

        found = list(search_procedures(term)[:15])
    attempt = request.POST.get("attempt", "")[:64]
    done = request.session.get("intake_attempts", {})
    if request.method == "POST" and attempt in done:  # a second click on "Hoàn tất": the same dossier
        return HttpResponseRedirect(reverse("backoffice:dossier", args=[done[attempt]]))
    if request.method == "POST" and procedure is not None and form.is_valid():
        try:
            d = form.create(who, procedure)
        except A.ActionError as exc:
            created = getattr(exc, "dossier", None)
            if created is not None:  # the dossier exists (nothing typed is lost): finish the check there
                if attempt:
                    request.session["intake_attempts"] = {**done, attempt: created.pk}
                messages.error(request, str(exc))
                return HttpResponseRedirect(reverse("backoffice:dossier", args=[created.pk]))
            form.add_action_error(exc)
        else:
            if attempt:
                request.session["intake_attempts"] = {**dict(list(done.items())[-20:]), attempt: d.pk}
            decision = form.cleaned_data["decision"]
            messages.success(request, form.decision_message(d))
            url = reverse("backoffice:dossier", args=[d.pk])
            number = {"accept": "01", "request_supplement": "02", "refuse": "03"}[decision]
            return HttpResponseRedirect(f"{url}?in={number}")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "backoffice/intake.html",
        {"form": form, "procedure": procedure, "found": found, "term": term, "attempt": attempt or str(uuid.uuid4())},
        status=status,
    )


# ---- the logbook (Form 06) ---------------------------------------------------------------------------------------
@login_required
def logbook(request):
    """Sổ theo dõi hồ sơ (Mẫu 06) per desk, month and field: the PDF comes from the API."""
    from congso.catalog.models import Field
    from congso.geo.models import Agency

    who = _who(request)
    desks = sorted(queues.receiving_agencies(who)) or sorted(who.agency_ids)
    agencies = list(Agency.objects.filter(pk__in=desks).order_by("name"))
    fields = list(Field.objects.order_by("name"))
    month = request.GET.get("month") or f"{timezone.localdate():%Y-%m}"
    agency_id = _int(request.GET.get("agency")) or (agencies[0].pk if agencies else None)
    field_id = _int(request.GET.get("field"))
    error = ""
    url = ""
    if request.GET.get("month"):
        try:
            dt.date.fromisoformat(month + "-01")
        except ValueError:
            error = _("Tháng không hợp lệ; chọn tháng và năm.")
        else:
            url = f"/api/v1/dossiers/logbook.pdf?agency_id={agency_id}&month={month}"
            if field_id:
                url += f"&field_id={field_id}"
    return render(
        request,
        "backoffice/logbook.html",
        {
            "agencies": agencies,
            "fields": fields,
            "month": month,
            "agency_id": agency_id,
            "field_id": field_id,
            "url": url,
            "error": error,
        },
        status=422 if error else 200,
    )


PREVIEWABLE = ("application/pdf", "image/jpeg", "image/png")


@login_required
def preview(request, pk: int, file_id: int):
    """A dossier file shown inline (PDF and images only), for the workspace's preview."""
    from congso.dossiers.files import read_blob

    who = _who(request)
    d = access_dossier(who, pk)
    item = d.files.select_related("file").filter(pk=file_id).first()
    if item is None or item.file.content_type not in PREVIEWABLE:
        raise Http404
    response = HttpResponse(read_blob(item.file.sha256), content_type=item.file.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, max-age=300"
    return response
