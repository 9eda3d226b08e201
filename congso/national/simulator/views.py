"""The simulated DVCQG over HTTP: its JSON API and file downloads (for the province) and its web pages (for people).

The pages need no login: the simulator is a development tool, mounted only when
``settings.CONGSO_DVCQG_SIMULATOR`` is on. Their POSTs are CSRF-protected; the API is not (it authenticates
with the bearer token, as DVCQG does).
"""

from __future__ import annotations

import hmac
import json
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from congso.core.text import nfc
from congso.dossiers.files import FileRejected, sniff
from congso.geo.models import Agency
from congso.national import protocol
from congso.national.simulator import catalog, services
from congso.national.simulator.models import SimControl, SimDossier, SimFile, status_label

PAGE_SIZE = 50
MAX_FILES = 10


# ---- API -----------------------------------------------------------------------------------------------


def _json(answer: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(answer, status=status, json_dumps_params={"ensure_ascii": False})


def _authorized(request) -> bool:
    expected = f"Bearer {settings.CONGSO_DVCQG_TOKEN}"
    return hmac.compare_digest(request.headers.get("Authorization", "").encode(), expected.encode())


def _gate(request) -> JsonResponse | None:
    """The answer when the call cannot be served (DVCQG down, or not authenticated), else None."""
    if SimControl.get().down:
        return _json({"error_code": "503", "message": _("Cổng DVCQG đang bảo trì, vui lòng thử lại sau.")}, 503)
    if not _authorized(request):
        return _json({"error_code": "401", "message": _("Thiếu hoặc sai mã xác thực (Bearer token).")}, 401)
    return None


@csrf_exempt
@require_POST
def api(request):
    with translation.override("vi"):  # DVCQG answers in Vietnamese whatever the caller's language
        refused = _gate(request)
        if refused is not None:
            return refused
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return _json(
                {"error_code": services.MALFORMED, "message": _("Nội dung yêu cầu không phải JSON hợp lệ.")}, 400
            )
        status, answer = services.handle_api(body)
        return _json(answer, status)


@csrf_exempt
@require_GET
def file_download(request, token: str):
    with translation.override("vi"):
        refused = _gate(request)
        if refused is not None:
            return refused
        sim_file = SimFile.objects.filter(token=token).first()
        if sim_file is None:
            return _json({"error_code": services.NOT_FOUND, "message": _("Không tìm thấy tệp.")}, 404)
        response = HttpResponse(bytes(sim_file.data), content_type=sim_file.content_type or "application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(True, sim_file.name)
        return response


# ---- forms ---------------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


ID_RE = re.compile(r"^\d{12}$")
PHONE_RE = re.compile(r"^\d{9,12}$")


def procedure_choices() -> list[tuple[str, str]]:
    return [(p["MaTTHC"], f"{p['MaTTHC']} — {p['TenTTHC']}") for p in catalog.summaries()]


def agency_choices() -> list[tuple[str, str]]:
    # Shortcut: the real DVCQG keeps its own register of receiving agencies; the simulator offers the
    # province's current agencies that have an electronic identifier (the identifier is MaDonVi).
    agencies = Agency.objects.current().exclude(identifier=None).exclude(identifier="").order_by("kind", "name")
    return [(a.identifier, f"{a.name} ({a.identifier})") for a in agencies]


class SubmitForm(forms.Form):
    procedure = forms.ChoiceField(label=gettext_lazy("Thủ tục hành chính"))
    agency = forms.ChoiceField(label=gettext_lazy("Cơ quan tiếp nhận"))
    applicant_name = forms.CharField(label=gettext_lazy("Họ và tên người nộp"), max_length=200)
    id_number = forms.CharField(
        label=gettext_lazy("Số CCCD (12 chữ số)"),
        max_length=12,
        min_length=1,
        widget=forms.TextInput({"inputmode": "numeric"}),
    )
    phone = forms.CharField(label=gettext_lazy("Số điện thoại"), max_length=12, required=False)
    email = forms.EmailField(label=gettext_lazy("Thư điện tử"), required=False)
    address = forms.CharField(label=gettext_lazy("Địa chỉ"), max_length=300, required=False)
    request_text = forms.CharField(
        label=gettext_lazy("Nội dung yêu cầu"), max_length=2000, required=False, widget=forms.Textarea({"rows": 3})
    )
    files = MultipleFileField(
        label=gettext_lazy("Tệp đính kèm"),
        required=False,
        help_text=gettext_lazy("Không bắt buộc; nếu không chọn tệp, một tờ khai PDF mẫu được đính kèm."),
    )
    paid = forms.BooleanField(label=gettext_lazy("Đã thanh toán trực tuyến phí, lệ phí"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].choices = [("", _("— Chọn thủ tục —")), *procedure_choices()]
        self.fields["agency"].choices = [("", _("— Chọn cơ quan —")), *agency_choices()]
        for field in self.fields.values():
            field.error_messages["required"] = _("Vui lòng nhập thông tin này.")
            if isinstance(field, forms.ChoiceField):
                field.error_messages["required"] = _("Vui lòng chọn một mục.")
                field.error_messages["invalid_choice"] = _("Lựa chọn không hợp lệ.")
        self.fields["email"].error_messages["invalid"] = _("Địa chỉ thư điện tử không hợp lệ.")

    def clean_applicant_name(self):
        name = nfc(self.cleaned_data["applicant_name"]).strip()
        if not name:
            raise forms.ValidationError(_("Vui lòng nhập họ và tên."))
        return name

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip()
        if not ID_RE.match(value):
            raise forms.ValidationError(_("Số CCCD phải gồm đúng 12 chữ số."))
        return value

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        if value and not PHONE_RE.match(value):
            raise forms.ValidationError(_("Số điện thoại chỉ gồm 9–12 chữ số."))
        return value

    def clean_address(self):
        return nfc(self.cleaned_data["address"]).strip()

    def clean_request_text(self):
        return nfc(self.cleaned_data["request_text"]).strip()

    def clean_files(self):
        uploads = self.cleaned_data["files"] or []
        if len(uploads) > MAX_FILES:
            raise forms.ValidationError(_("Chỉ được đính kèm tối đa %(max)s tệp.") % {"max": MAX_FILES})
        files = []
        for upload in uploads:
            data = upload.read()
            try:
                kind = sniff(data)
            except FileRejected as exc:
                raise forms.ValidationError(f"{upload.name}: {exc}") from exc
            files.append((nfc(upload.name), data, kind.content_type))
        return files


class RefuseForm(forms.Form):
    refuse_code = forms.RegexField(
        label=gettext_lazy("Mã lỗi"),
        regex=r"^\d{2}$",
        max_length=2,
        required=False,
        error_messages={"invalid": gettext_lazy("Mã lỗi gồm 2 chữ số, ví dụ 99.")},
    )

    def clean_refuse_code(self):
        code = self.cleaned_data["refuse_code"]
        if code == protocol.SUCCESS:
            raise forms.ValidationError(_("Mã 00 là mã thành công, không dùng để từ chối."))
        return code


class PaymentForm(forms.Form):
    amount = forms.IntegerField(label=gettext_lazy("Số tiền (đồng)"), min_value=0, max_value=10**12)


# ---- pages ---------------------------------------------------------------------------------------------


@require_GET
def index(request):
    page = Paginator(SimDossier.objects.order_by("-seq"), PAGE_SIZE).get_page(request.GET.get("page"))
    dossiers = list(page.object_list)
    counts = services.message_counts(dossiers)
    for dossier in dossiers:
        dossier.message_count = counts.get(dossier.pk, 0)
    control = SimControl.get()
    return render(
        request,
        "dvcqg_sim/index.html",
        {
            "control": control,
            "refuse_form": RefuseForm(initial={"refuse_code": control.refuse_code}),
            "page": page,
            "dossiers": dossiers,
            "api_url": settings.CONGSO_DVCQG_URL.rstrip("/") + "/api",
        },
    )


@require_POST
def control(request):
    action = request.POST.get("action")
    if action == "down":
        services.set_down(True)
        messages.warning(request, _("Cổng DVCQG (giả lập) đã ngừng hoạt động: API trả HTTP 503."))
    elif action == "up":
        services.set_down(False)
        messages.success(request, _("Cổng DVCQG (giả lập) đã hoạt động trở lại."))
    elif action == "refuse":
        form = RefuseForm(request.POST)
        if form.is_valid():
            code = form.cleaned_data["refuse_code"]
            services.set_refuse(code)
            if code:
                messages.warning(request, _("Mọi gói tin đồng bộ sẽ bị từ chối với mã lỗi %(code)s.") % {"code": code})
            else:
                messages.success(request, _("Cổng DVCQG (giả lập) nhận gói tin đồng bộ bình thường."))
        else:
            for error in form.errors.get("refuse_code", []):
                messages.error(request, error)
    else:
        messages.error(request, _("Thao tác không hợp lệ."))
    return redirect("dvcqg_sim:index")


@require_http_methods(["GET", "POST"])
def submit(request):
    if request.method == "POST":
        form = SubmitForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            procedure_code = data["procedure"]
            paid = data["paid"]
            dossier = services.submit_online_dossier(
                procedure_code=procedure_code,
                agency_identifier=data["agency"],
                applicant_name=data["applicant_name"],
                id_number=data["id_number"],
                phone=data["phone"],
                email=data["email"],
                address=data["address"],
                request_text=data["request_text"],
                files=data["files"] or None,
                paid=paid,
                amount=catalog.fee_total(procedure_code) if paid else 0,
            )
            messages.success(
                request,
                _("Đã nộp hồ sơ trực tuyến %(code)s; hệ thống của tỉnh sẽ được thông báo.") % {"code": dossier.code},
            )
            return redirect("dvcqg_sim:dossier", code=dossier.code)
    else:
        form = SubmitForm()
    return render(request, "dvcqg_sim/submit.html", {"form": form})


def _timeline(dossier: SimDossier) -> list[dict]:
    rows = []
    for message in services.messages_for(dossier):
        records = message.records
        if message.service == protocol.SYNC_DOSSIER:
            details = [status_label(_int(r.get("TrangThaiHoSo"))) for r in records if isinstance(r, dict)]
        else:
            details = [
                f"{r.get('TrangThai', '')}: {r.get('NoiDungXuLy', '')} ({r.get('NguoiXuLy', '')}, {r.get('ThoiDiemXuLy', '')})"
                for r in records
                if isinstance(r, dict)
            ]
        rows.append({"message": message, "details": details})
    return rows


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_GET
def dossier_detail(request, code: str):
    dossier = get_object_or_404(SimDossier, code=code)
    procedure = catalog.procedure(dossier.procedure_code)
    return render(
        request,
        "dvcqg_sim/dossier.html",
        {
            "dossier": dossier,
            "procedure": procedure,
            "files": dossier.files.defer("data"),
            "procedure_code": dossier.procedure_code,
            "record_json": json.dumps(dossier.record, ensure_ascii=False, indent=2),
            "synced_json": json.dumps(dossier.synced_record, ensure_ascii=False, indent=2),
            "timeline": _timeline(dossier),
            "payment_form": PaymentForm(
                initial={"amount": dossier.amount or catalog.fee_total(dossier.procedure_code)}
            ),
        },
    )


@require_POST
def mark_paid(request, code: str):
    dossier = get_object_or_404(SimDossier, code=code)
    form = PaymentForm(request.POST)
    if form.is_valid():
        services.mark_paid(dossier.code, form.cleaned_data["amount"])
        messages.success(request, _("Đã ghi nhận công dân thanh toán trực tuyến."))
    else:
        for error in form.errors.get("amount", []):
            messages.error(request, error)
    return redirect("dvcqg_sim:dossier", code=dossier.code)


@require_POST
def resend_webhook(request, code: str):
    dossier = get_object_or_404(SimDossier, code=code)
    if not dossier.from_citizen:
        messages.error(request, _("Hồ sơ này do tỉnh báo cáo, không có thông báo hồ sơ mới để gửi."))
    else:
        services.enqueue_webhook(dossier.pk, force=True)
        messages.success(request, _("Đã xếp lịch gửi lại thông báo hồ sơ mới cho hệ thống của tỉnh."))
    return redirect("dvcqg_sim:dossier", code=dossier.code)


@require_GET
def file_view(request, code: str, pk: int):
    """A file of a dossier, for the person looking at the simulator page (the province uses ``files/<token>``)."""
    sim_file = get_object_or_404(SimFile, dossier__code=code, pk=pk)
    response = HttpResponse(bytes(sim_file.data), content_type=sim_file.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(False, sim_file.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
