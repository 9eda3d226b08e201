"""The applicant's side of a dossier on the portal: submit online (a wizard over a server-side draft),
follow it (Hồ sơ của tôi), answer a supplement request, read the officers' messages, download the results,
withdraw.

The draft is the engine's own draft dossier (state ``draft``, channel 2): each step saves into it, so the
applicant can stop on a phone and finish on a computer. Everything works without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from congso.catalog import eforms
from congso.catalog.models import Procedure
from congso.core.cccd import CccdError
from congso.core.cccd import check as check_cccd
from congso.dossiers import actions as A
from congso.dossiers.access import applicant_dossiers, who_for
from congso.dossiers.choices import ApplicantKind, Channel, FileKind, Source, State
from congso.dossiers.models import Dossier, PersonalDocument
from congso.geo.models import Agency

WIZARD_STEPS = (
    ("applicant", gettext_lazy("Người nộp")),
    ("form", gettext_lazy("Tờ khai")),
    ("files", gettext_lazy("Giấy tờ")),
    ("review", gettext_lazy("Xem lại và nộp")),
)
RETURN_METHODS = (
    ("online", gettext_lazy("Nhận bản điện tử trên Cổng dịch vụ công")),
    ("desk", gettext_lazy("Nhận trực tiếp tại Bộ phận Một cửa")),
    ("postal", gettext_lazy("Nhận qua dịch vụ bưu chính công ích (trả phí khi nhận)")),
)
PENDING_KEY = "portal_pending_post"


# ---- access -------------------------------------------------------------------------------------------
def citizen_required(view):
    """Log in first; a POST whose session ran out keeps what was typed and resumes after logging in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.method == "POST":
                typed = {k: request.POST.getlist(k) for k in request.POST if k != "csrfmiddlewaretoken"}
                request.session[PENDING_KEY] = {"path": request.path, "data": typed, "files": bool(request.FILES)}
                messages.warning(
                    request,
                    _("Phiên đăng nhập đã hết hạn. Hãy đăng nhập lại: những gì bạn vừa nhập vẫn được giữ."),
                )
            login = reverse("portal:login")
            return HttpResponseRedirect(f"{login}?next={request.path}")
        if getattr(request.user, "account_type", "") == "staff":
            return render(
                request,
                "portal/message.html",
                {
                    "title": _("Tài khoản cán bộ"),
                    "text": _("Tài khoản cán bộ không nộp hồ sơ trên Cổng; hãy dùng tài khoản công dân."),
                },
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper


def _pending(request):
    """What the applicant typed before the session ran out, if it was for this page (consumed once)."""
    pending = request.session.get(PENDING_KEY)
    if not pending or pending.get("path") != request.path:
        return None
    del request.session[PENDING_KEY]
    if pending.get("files"):
        messages.warning(request, _("Tệp đã chọn trước khi hết phiên chưa được tải lên; vui lòng chọn lại tệp."))
    data = pending.get("data") or {}
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    for key, values in data.items():
        q.setlist(key, values)
    return q


def _who(request):
    return who_for(request.user)


def _my_dossier(request, pk: int) -> Dossier:
    d = (
        applicant_dossiers(_who(request))
        .select_related("procedure__field", "intake_agency", "receiving_agency", "competent_agency")
        .filter(pk=pk, parent__isnull=True)
        .first()
    )
    if d is None:
        raise Http404
    return d


def _draft(request, pk: int) -> Dossier | HttpResponseRedirect:
    d = _my_dossier(request, pk)
    if d.state != State.DRAFT:
        return HttpResponseRedirect(reverse("portal:my-dossier", args=[d.pk]))
    return d


def _enterprises(user) -> list:
    try:
        from congso.accounts.selectors import representations_of
    except ImportError:  # pragma: no cover - the accounts app always provides it
        return []
    return list(representations_of(user))


# ---- step 1: the applicant and where to submit -------------------------------------------------------------
class ApplicantForm(forms.Form):
    on_behalf = forms.ChoiceField(label=gettext_lazy("Nộp hồ sơ cho"), widget=forms.RadioSelect)
    full_name = forms.CharField(label=gettext_lazy("Họ và tên"), max_length=200)
    id_number = forms.CharField(
        label=gettext_lazy("Số định danh cá nhân (CCCD)"),
        max_length=12,
        help_text=gettext_lazy("12 chữ số in trên thẻ căn cước."),
    )
    date_of_birth = forms.DateField(
        label=gettext_lazy("Ngày sinh"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    phone = forms.CharField(label=gettext_lazy("Số điện thoại"), max_length=10)
    email = forms.EmailField(label=gettext_lazy("Thư điện tử"), required=False)
    address = forms.CharField(label=gettext_lazy("Địa chỉ liên hệ"), max_length=500)
    intake = forms.TypedChoiceField(label=gettext_lazy("Nơi nộp hồ sơ"), coerce=int)

    def __init__(self, *args, procedure: Procedure, enterprises: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.procedure = procedure
        self.enterprises = {e.tax_code: e for e in enterprises}
        self.fields["on_behalf"].choices = [("self", _("Bản thân tôi"))] + [
            (e.tax_code, _("%(name)s (mã số thuế %(tax)s)") % {"name": e.enterprise_name, "tax": e.tax_code})
            for e in enterprises
        ]
        self.fields["on_behalf"].initial = "self"
        places = intake_places(procedure)
        self.fields["intake"].choices = [("", _("— Chọn nơi nộp —"))] + [(a.pk, a.name) for a in places]
        if len(places) == 1:
            self.fields["intake"].initial = places[0].pk
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")
        self.fields["id_number"].widget.attrs.update(inputmode="numeric", autocomplete="off")
        self.fields["full_name"].widget.attrs.update(autocomplete="name")
        self.fields["email"].widget.attrs.update(autocomplete="email")
        self.fields["address"].widget.attrs.update(autocomplete="street-address")

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip().replace(" ", "").replace(".", "")
        if not (phone.isdigit() and len(phone) == 10 and phone.startswith("0")):
            raise ValidationError(_("Số điện thoại gồm 10 chữ số, bắt đầu bằng 0."))
        return phone

    def clean(self):
        data = super().clean()
        number = (data.get("id_number") or "").strip()
        if number:
            try:
                check_cccd(number, date_of_birth=data.get("date_of_birth"), today=timezone.localdate())
            except CccdError as exc:
                self.add_error("id_number", exc.message)
        if data.get("on_behalf") and data["on_behalf"] != "self" and data["on_behalf"] not in self.enterprises:
            self.add_error("on_behalf", _("Bạn không còn là người đại diện của doanh nghiệp này."))
        return data

    def applicant(self) -> A.Applicant:
        data = self.cleaned_data
        person = {
            "name": data["full_name"],
            "id_number": data["id_number"],
            "phone": data["phone"],
            "email": data.get("email") or "",
        }
        if data["on_behalf"] == "self":
            return A.Applicant(
                name=data["full_name"],
                id_number=data["id_number"],
                kind=ApplicantKind.CITIZEN,
                address=data["address"],
                phone=data["phone"],
                email=data.get("email") or "",
                date_of_birth=data.get("date_of_birth"),
            )
        enterprise = self.enterprises[data["on_behalf"]]
        return A.Applicant(
            name=enterprise.enterprise_name,
            id_number=enterprise.tax_code,
            kind=ApplicantKind.ENTERPRISE,
            id_type="mst",
            address=data["address"],
            phone=data["phone"],
            email=data.get("email") or "",
            proxy={"representative": person, "role": getattr(enterprise, "role", "")},
        )


def intake_places(procedure: Procedure) -> list[Agency]:
    """Where an online dossier of this procedure is received: the commune public-service centre of the
    commune chosen (commune procedures), or the province's public-administration service centre."""
    qs = Agency.objects.current()
    if procedure.level == "commune" or procedure.agency_kind == "commune_pc":
        return list(qs.filter(kind="commune_one_stop").order_by("name"))
    return list(qs.filter(kind="service_centre").order_by("name"))


def _profile_initial(user, d: Dossier | None) -> dict:
    if d is not None:
        representative = (d.proxy or {}).get("representative") or {}
        enterprise = d.applicant_kind == ApplicantKind.ENTERPRISE
        return {
            "on_behalf": d.applicant_id_number if enterprise else "self",
            "full_name": representative.get("name") if enterprise else d.applicant_name,
            "id_number": representative.get("id_number") if enterprise else d.applicant_id_number,
            "phone": d.applicant_phone,
            "email": d.applicant_email,
            "address": d.applicant_address,
            "intake": d.intake_agency_id,
            "date_of_birth": getattr(user, "date_of_birth", None),
        }
    return {
        "on_behalf": "self",
        "full_name": user.full_name or user.get_full_name(),
        "id_number": getattr(user, "id_number", "") or "",
        "date_of_birth": getattr(user, "date_of_birth", None),
        "phone": user.phone,
        "email": user.email,
        "address": getattr(user, "address", "") or "",
    }


def _engine_errors(form: forms.Form, exc: A.ActionError) -> None:
    mapping = {
        "applicant.name": "full_name",
        "applicant.id_number": "id_number",
        "applicant.phone": "phone",
        "intake_agency": "intake",
    }
    placed = False
    for key, message in (exc.fields or {}).items():
        name = mapping.get(key)
        if name in form.fields:
            form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, str(exc))


def _wizard_context(d: Dossier | None, procedure: Procedure, step: str, **extra) -> dict:
    return {
        "procedure": procedure,
        "draft": d,
        "steps": WIZARD_STEPS,
        "step": step,
        "step_number": [k for k, _label in WIZARD_STEPS].index(step) + 1,
        **extra,
    }


@citizen_required
def start(request, procedure_pk: int):
    """Nộp trực tuyến: the first step opens a draft on the server (or offers to resume an open one)."""
    procedure = Procedure.objects.current().select_related("field").filter(pk=procedure_pk).first()
    if procedure is None:
        raise Http404
    if not procedure.offered_online:
        return render(
            request,
            "portal/message.html",
            {
                "title": procedure.name,
                "text": _("Thủ tục này chưa nhận hồ sơ trực tuyến; vui lòng nộp trực tiếp hoặc qua bưu chính."),
            },
            status=409,
        )
    open_drafts = applicant_dossiers(_who(request)).filter(procedure__key=procedure.key, state=State.DRAFT)
    enterprises = _enterprises(request.user)
    data = request.POST if request.method == "POST" else _pending(request)
    form = ApplicantForm(
        data, procedure=procedure, enterprises=enterprises, initial=_profile_initial(request.user, None)
    )
    # What was typed before the session ran out is shown back to be checked, not acted on.
    if data is not None and form.is_valid() and request.method == "POST":
        intake = Agency.objects.current().filter(pk=form.cleaned_data["intake"]).first()
        try:
            if intake is None or intake not in intake_places(procedure):
                raise A.ActionError(
                    _("Vui lòng chọn nơi nộp hồ sơ trong danh sách."),
                    fields={"intake_agency": _("Không hợp lệ.")},
                    status=422,
                )
            d = A.create_dossier(
                procedure=procedure,
                intake_agency=intake,
                applicant=form.applicant(),
                channel=Channel.ONLINE,
                source=Source.PORTAL,
                who=_who(request),
                form_data=eforms.prefill(_schema(procedure), _prefill_values(form.applicant(), form.cleaned_data)),
                submit=False,
            )
        except A.ActionError as exc:
            _engine_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu bản nháp. Bạn có thể tiếp tục trên thiết bị khác từ «Hồ sơ của tôi»."))
            return HttpResponseRedirect(reverse("portal:wizard-form", args=[d.pk]))
    status = 422 if form.errors else 200
    context = _wizard_context(None, procedure, "applicant", form=form, open_drafts=open_drafts)
    return render(request, "portal/wizard_applicant.html", context, status=status)


@citizen_required
def step_applicant(request, pk: int):
    d = _draft(request, pk)
    if isinstance(d, HttpResponseRedirect):
        return d
    data = request.POST if request.method == "POST" else _pending(request)
    form = ApplicantForm(
        data, procedure=d.procedure, enterprises=_enterprises(request.user), initial=_profile_initial(request.user, d)
    )
    if data is not None and form.is_valid():
        intake = Agency.objects.current().filter(pk=form.cleaned_data["intake"]).first()
        try:
            if intake is None or intake not in intake_places(d.procedure):
                raise A.ActionError(
                    _("Vui lòng chọn nơi nộp hồ sơ trong danh sách."),
                    fields={"intake_agency": _("Không hợp lệ.")},
                    status=422,
                )
            A.update_draft(d, _who(request), applicant=form.applicant(), intake_agency=intake)
        except A.ActionError as exc:
            _engine_errors(form, exc)
        else:
            return HttpResponseRedirect(reverse("portal:wizard-form", args=[d.pk]))
    context = _wizard_context(d, d.procedure, "applicant", form=form)
    return render(request, "portal/wizard_applicant.html", context, status=422 if form.errors else 200)


# ---- step 2: the e-form ------------------------------------------------------------------------------------
def _schema(procedure: Procedure) -> dict:
    return eforms.with_default_prefill(procedure.form_schema or {"type": "object", "properties": {}})


def _prefill_values(applicant: A.Applicant, cleaned: dict) -> dict:
    """The person filling the form: the citizen, or the enterprise's representative."""
    return {
        "name": cleaned.get("full_name") or applicant.name,
        "id_number": cleaned.get("id_number") or applicant.id_number,
        "phone": applicant.phone,
        "email": applicant.email,
        "address": applicant.address,
        "date_of_birth": cleaned["date_of_birth"].isoformat() if cleaned.get("date_of_birth") else "",
    }


def _form_rows(schema: dict, values: dict, errors: dict) -> list[dict]:
    """Fields grouped under their headings, each with its current value and error."""
    groups: list[dict] = []
    for f in eforms.fields_of(schema):
        if not groups or groups[-1]["title"] != f.group:
            groups.append({"title": f.group, "fields": []})
        value = values.get(f.name, (schema["properties"][f.name]).get("default", ""))
        error = errors.get(f.name, "")
        described = [f"f-{f.name}-help"] if f.description else []
        described += [f"f-{f.name}-error"] if error else []
        groups[-1]["fields"].append(
            {"spec": f, "value": "" if value is None else value, "error": error, "describedby": " ".join(described)}
        )
    return groups


@citizen_required
def step_form(request, pk: int):
    d = _draft(request, pk)
    if isinstance(d, HttpResponseRedirect):
        return d
    schema = _schema(d.procedure)
    data = request.POST if request.method == "POST" else _pending(request)
    values, errors = dict(d.form_data or {}), {}
    if data is not None:
        typed, errors = eforms.coerce(schema, data)
        problems = eforms.validate(schema, typed, today=timezone.localdate())
        errors = {**problems, **errors}
        values = {**typed, **{k: data.get(k, "") for k in errors if k}}
        if request.method != "POST":  # typed before the session ran out: shown back to be checked and saved
            errors = {}
        else:
            # Saved even when something is still wrong: nothing typed is lost, on this device or another.
            A.update_draft(d, _who(request), form_data=typed)
        if request.method == "POST" and not errors:
            return HttpResponseRedirect(reverse("portal:wizard-files", args=[d.pk]))
    context = _wizard_context(
        d,
        d.procedure,
        "form",
        groups=_form_rows(schema, values, errors),
        form_error=errors.get("", ""),
        error_count=len(errors),
        schema_title=schema.get("title", ""),
        schema_description=schema.get("description", ""),
    )
    return render(request, "portal/wizard_form.html", context, status=422 if errors else 200)


# ---- step 3: the papers ------------------------------------------------------------------------------------
def component_rows(d: Dossier) -> list[dict]:
    """Each required paper with the files attached for it and how it is provided online."""
    files = list(d.files.filter(kind=FileKind.COMPONENT).select_related("file").order_by("id"))
    rows = []
    for c in d.procedure.components.all():
        attached = [f for f in files if f.component_id == c.pk]
        need = eforms.component_need(c.name, c.template_name)
        rows.append(
            {
                "component": c,
                "files": attached,
                "need": need,
                "missing": c.mandatory and need == "upload" and not attached,
            }
        )
    loose = [f for f in files if f.component_id is None]
    if loose:
        rows.append({"component": None, "files": loose, "need": "upload", "missing": False})
    return rows


def _upload_error(request, exc: A.ActionError | str) -> None:
    messages.error(request, str(exc))


@citizen_required
def step_files(request, pk: int):
    d = _draft(request, pk)
    if isinstance(d, HttpResponseRedirect):
        return d
    status = 200
    if request.method == "POST":
        outcome = _file_post(request, d, FileKind.COMPONENT)
        if outcome is None:
            return HttpResponseRedirect(reverse("portal:wizard-files", args=[d.pk]))
        status = outcome
    else:
        _pending(request)
    context = _wizard_context(
        d,
        d.procedure,
        "files",
        rows=component_rows(d),
        personal=PersonalDocument.objects.filter(owner=request.user).order_by("-created_at")[:50],
        limit_mb=f"{settings.CONGSO_MAX_UPLOAD_BYTES / 1048576:.0f}",
        accepted=", ".join(sorted({t.upper() for t in _accepted_types()})),
    )
    return render(request, "portal/wizard_files.html", context, status=status)


def _accepted_types() -> tuple[str, ...]:
    from congso.dossiers.files import allowed_types

    return allowed_types()


def _file_post(request, d: Dossier, kind: str) -> int | None:
    """Upload, reuse or remove one file; None when done (redirect), else the status of the page with the error."""
    who = _who(request)
    remove = request.POST.get("remove")
    if remove:
        try:
            A.remove_file(d, who, int(remove) if remove.isdigit() else 0)
        except A.ActionError as exc:
            _upload_error(request, exc)
            return exc.status
        messages.success(request, _("Đã gỡ tệp."))
        return None
    component_raw = request.POST.get("component", "")
    component_id = int(component_raw) if component_raw.isdigit() else None
    personal_raw = request.POST.get("personal_document", "")
    upload = request.FILES.get("file")
    if upload is None and not personal_raw.isdigit():
        _upload_error(request, _("Vui lòng chọn tệp để tải lên hoặc một giấy tờ trong kho dữ liệu của bạn."))
        return 422
    if upload is not None and upload.size > settings.CONGSO_MAX_UPLOAD_BYTES:
        limit = settings.CONGSO_MAX_UPLOAD_BYTES / 1048576
        _upload_error(
            request,
            _("Tệp «%(name)s» quá lớn; dung lượng tối đa là %(limit)s MB.")
            % {"name": upload.name, "limit": f"{limit:.0f}"},
        )
        return 422
    try:
        item = A.attach_file(
            d,
            who,
            data=upload.read() if upload is not None else None,
            filename=(upload.name or "")[:255] if upload is not None else "",
            kind=kind,
            component_id=component_id,
            personal_document_id=int(personal_raw) if upload is None else None,
            name=request.POST.get("name", "")[:1000],
            digitised=True,
        )
    except A.ActionError as exc:
        _upload_error(request, exc)
        return exc.status
    messages.success(request, _("Đã tải lên «%(name)s».") % {"name": item.filename or item.name})
    return None


# ---- step 4: review and submit -----------------------------------------------------------------------------
def _answers(schema: dict, values: dict) -> list[dict]:
    groups = []
    for f in eforms.fields_of(schema):
        if f.name not in values:
            continue
        value = values[f.name]
        if f.choices:
            value = dict(f.choices).get(str(value), value)
        elif f.kind == "checkbox":
            value = _("Có") if value else _("Không")
        elif f.kind == "date" and isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value).strftime("%d/%m/%Y")
            except ValueError:
                pass
        if not groups or groups[-1]["title"] != f.group:
            groups.append({"title": f.group, "items": []})
        groups[-1]["items"].append({"title": f.title, "value": value})
    return groups


@citizen_required
def step_review(request, pk: int):
    d = _my_dossier(request, pk)
    if d.state != State.DRAFT:
        # A second click on "Nộp hồ sơ" (or the back button): the dossier is already in, never twice.
        if request.method == "POST":
            messages.info(request, _("Hồ sơ này đã được nộp trước đó."))
        return HttpResponseRedirect(reverse("portal:my-dossier", args=[d.pk]))
    schema = _schema(d.procedure)
    problems = eforms.validate(schema, d.form_data or {}, today=timezone.localdate())
    rows = component_rows(d)
    missing = [r for r in rows if r["missing"]]
    blockers = []
    if problems:
        blockers.append(_("Tờ khai còn %(n)s chỗ chưa đúng hoặc chưa điền.") % {"n": len(problems)})
    if missing:
        blockers.append(
            _("Chưa có giấy tờ bắt buộc: %(names)s.") % {"names": "; ".join(r["component"].name[:120] for r in missing)}
        )
    return_method = request.POST.get("return_method", "") if request.method == "POST" else ""
    status = 200
    if request.method == "POST":
        labels = dict(RETURN_METHODS)
        if return_method not in labels:
            messages.error(request, _("Vui lòng chọn cách nhận kết quả."))
            status = 422
        elif not request.POST.get("confirm"):
            messages.error(request, _("Vui lòng xác nhận lời cam đoan trước khi nộp."))
            status = 422
        elif blockers:
            status = 422
        else:
            who = _who(request)
            try:
                A.update_draft(d, who, return_method=str(labels[return_method]))
                A.submit_dossier(d, who)
            except A.ActionError as exc:
                if exc.status == 409:  # submitted meanwhile (another tab, a double click)
                    return HttpResponseRedirect(reverse("portal:my-dossier", args=[d.pk]))
                messages.error(request, str(exc))
                status = exc.status
            else:
                messages.success(
                    request,
                    _(
                        "Đã nộp hồ sơ. Bộ phận Một cửa sẽ kiểm tra và tiếp nhận; khi tiếp nhận, hồ sơ có mã và "
                        "Giấy tiếp nhận, hẹn trả kết quả (Mẫu 01) ở trang này."
                    ),
                )
                return HttpResponseRedirect(reverse("portal:my-dossier", args=[d.pk]))
    context = _wizard_context(
        d,
        d.procedure,
        "review",
        answers=_answers(schema, d.form_data or {}),
        rows=rows,
        blockers=blockers,
        return_methods=RETURN_METHODS,
        return_method=return_method or _return_key(d.return_method),
        fee_lines=list(d.procedure.fee_lines.all()),
    )
    return render(request, "portal/wizard_review.html", context, status=status)


def _return_key(label: str) -> str:
    for key, text in RETURN_METHODS:
        if str(text) == label:
            return key
    return "online"


# ---- Hồ sơ của tôi -----------------------------------------------------------------------------------------
@citizen_required
def my_dossiers(request):
    state = request.GET.get("state", "")
    qs = (
        applicant_dossiers(_who(request))
        .filter(parent__isnull=True)
        .select_related("procedure", "receiving_agency")
        .order_by("-created_at", "-pk")
    )
    groups = {
        "draft": [State.DRAFT],
        "action": [State.SUPPLEMENT_REQUESTED, State.FINANCIAL_OBLIGATION],
        "open": [State.SUBMITTED, State.ACCEPTED, State.PROCESSING, State.STOPPED, State.FINISHED],
        "done": [State.RETURNED, State.REFUSED, State.WITHDRAWN],
    }
    if state in groups:
        qs = qs.filter(state__in=groups[state])
    from django.core.paginator import Paginator

    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    needs_action = applicant_dossiers(_who(request)).filter(parent__isnull=True, state__in=groups["action"]).count()
    context = {
        "page": page,
        "state": state,
        "filters": [
            ("", _("Tất cả")),
            ("action", _("Cần bạn bổ sung, nộp phí")),
            ("draft", _("Bản nháp")),
            ("open", _("Đang giải quyết")),
            ("done", _("Đã kết thúc")),
        ],
        "needs_action": needs_action,
    }
    return render(request, "portal/my_dossiers.html", context)


PUBLIC_EVENTS = {
    "create_draft": gettext_lazy("Tạo bản nháp trên Cổng dịch vụ công"),
    "submit": gettext_lazy("Đã nộp hồ sơ trực tuyến"),
    "receive": gettext_lazy("Bộ phận Một cửa đã nhận hồ sơ"),
    "accept": gettext_lazy("Hồ sơ được tiếp nhận"),
    "request_supplement": gettext_lazy("Cơ quan yêu cầu bổ sung hồ sơ"),
    "submit_supplement": gettext_lazy("Đã nộp hồ sơ bổ sung"),
    "refuse": gettext_lazy("Hồ sơ bị từ chối"),
    "withdraw": gettext_lazy("Đã rút hồ sơ"),
    "stop": gettext_lazy("Tạm dừng giải quyết"),
    "resume": gettext_lazy("Tiếp tục giải quyết"),
    "require_payment": gettext_lazy("Cần thực hiện nghĩa vụ tài chính"),
    "confirm_payment": gettext_lazy("Đã nộp phí, lệ phí"),
    "extend": gettext_lazy("Cơ quan xin lỗi và hẹn lại ngày trả kết quả"),
    "return_result": gettext_lazy("Đã trả kết quả"),
    "message": gettext_lazy("Tin nhắn từ cơ quan giải quyết"),
}


def timeline(d: Dossier) -> list[dict]:
    """The events an applicant understands, in plain Vietnamese; the steps inside the agencies read as one
    "Đang xử lý" line per stretch, naming the agency."""
    quiet = {"update_draft", "attach_file", "remove_file", "attach_result", "sign", "assign", "reassign"}
    rows: list[dict] = []
    for e in d.events.order_by("seq").select_related("actor"):
        data = e.data or {}
        label = PUBLIC_EVENTS.get(e.action)
        detail = ""
        if e.action == "accept" and data.get("appointment_at"):
            when = _appointment_text(dt.datetime.fromisoformat(data["appointment_at"]))
            detail = _("Hẹn trả kết quả %(when)s.") % {"when": when}
        elif e.action == "request_supplement":
            detail = "; ".join(data.get("items") or []) or data.get("reason", "")
        elif e.action in ("refuse", "stop"):
            detail = data.get("reason") or "; ".join(data.get("reasons") or [])
        elif e.action == "extend" and data.get("appointment_at"):
            when = _appointment_text(dt.datetime.fromisoformat(data["appointment_at"]))
            detail = _("Hẹn trả mới %(when)s.") % {"when": when}
        elif e.action in ("message", "require_payment"):
            detail = data.get("text") or data.get("reason", "")
        if label is None and e.to_state == State.FINISHED and e.from_state != State.FINISHED:
            label = _("Đã có kết quả, chờ trả")
        if label is None:
            if e.action in quiet or (rows and rows[-1]["key"] == "processing"):
                continue
            rows.append({"key": "processing", "label": _("Đang xử lý"), "at": e.at, "detail": "", "by": ""})
            continue
        by = e.actor_label if e.action == "message" else ""
        rows.append({"key": e.action, "label": label, "at": e.at, "detail": detail, "by": by})
    return rows


def _appointment_text(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return _("%(time)s ngày %(date)s") % {"time": local.strftime("%H:%M"), "date": local.strftime("%d/%m/%Y")}


@citizen_required
def my_dossier(request, pk: int):
    d = _my_dossier(request, pk)
    offers = {o.action for o in A.available_actions(d, _who(request))}
    files = list(d.files.select_related("file").order_by("id"))
    supplement_request = None
    if d.state == State.SUPPLEMENT_REQUESTED:
        event = d.events.filter(action="request_supplement").order_by("-seq").first()
        supplement_request = (
            {
                "items": (event.data or {}).get("items") or [],
                "reason": (event.data or {}).get("reason", ""),
                "at": event.at,
                "files": [f for f in files if f.kind == FileKind.SUPPLEMENT and f.uploaded_at >= event.at],
            }
            if event
            else None
        )
    from congso.portal.views import _payment_context

    context = {
        "d": d,
        "state_label": State(d.state).label,
        "appointment": _appointment_text(d.appointment_at) if d.appointment_at else "",
        "timeline": timeline(d),
        "messages_from_officers": [e for e in d.events.filter(action="message").order_by("-seq")],
        "components": [f for f in files if f.kind == FileKind.COMPONENT],
        "results": [f for f in files if f.kind == FileKind.RESULT and d.state in (State.FINISHED, State.RETURNED)],
        "supplement": supplement_request,
        "can_withdraw": "withdraw" in offers,
        "can_supplement": "submit_supplement" in offers,
        "receipt_ready": d.events.filter(action="accept").exists(),
        "limit_mb": f"{settings.CONGSO_MAX_UPLOAD_BYTES / 1048576:.0f}",
        **_payment_context(d),
    }
    return render(request, "portal/my_dossier.html", context)


@citizen_required
def supplement(request, pk: int):
    """Answer a supplement request: upload the missing papers, then send; the clock resumes."""
    d = _my_dossier(request, pk)
    if request.method != "POST":
        return HttpResponseRedirect(reverse("portal:my-dossier", args=[d.pk]))
    if d.state != State.SUPPLEMENT_REQUESTED:
        messages.info(request, _("Hồ sơ không còn chờ bổ sung."))
        return HttpResponseRedirect(reverse("portal:my-dossier", args=[d.pk]))
    if "send" in request.POST:
        event = d.events.filter(action="request_supplement").order_by("-seq").first()
        added = d.files.filter(kind=FileKind.SUPPLEMENT, uploaded_at__gte=event.at).exists() if event else False
        note = request.POST.get("note", "")[:2000]
        if not added and not note.strip():
            messages.error(request, _("Vui lòng tải lên giấy tờ bổ sung (hoặc ghi rõ nội dung bổ sung) trước khi gửi."))
            return HttpResponseRedirect(reverse("portal:my-dossier", args=[d.pk]) + "#bo-sung")
        try:
            A.submit_supplement(d, _who(request), {"note": note})
        except A.ActionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Đã gửi hồ sơ bổ sung; cơ quan tiếp tục giải quyết."))
        return HttpResponseRedirect(reverse("portal:my-dossier", args=[d.pk]))
    _file_post(request, d, FileKind.SUPPLEMENT)
    return HttpResponseRedirect(reverse("portal:my-dossier", args=[d.pk]) + "#bo-sung")


@citizen_required
def withdraw(request, pk: int):
    d = _my_dossier(request, pk)
    if request.method == "POST" and request.POST.get("confirm"):
        try:
            A.withdraw_dossier(d, _who(request), {"reason": request.POST.get("reason", "")[:2000]})
        except A.ActionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Đã rút hồ sơ."))
        return HttpResponseRedirect(reverse("portal:my-dossier", args=[d.pk]))
    status = 200
    if request.method == "POST":
        messages.error(request, _("Vui lòng đánh dấu xác nhận rút hồ sơ."))
        status = 422
    return render(request, "portal/withdraw.html", {"d": d}, status=status)


@citizen_required
def download(request, pk: int, file_id: int):
    from congso.dossiers.files import read_blob

    d = _my_dossier(request, pk)
    item = d.files.select_related("file").filter(pk=file_id, file__isnull=False).first()
    if item is None or (item.kind == FileKind.RESULT and d.state not in (State.FINISHED, State.RETURNED)):
        raise Http404
    from urllib.parse import quote

    response = HttpResponse(read_blob(item.file.sha256), content_type=item.file.content_type)
    filename = item.filename or f"{item.file.sha256[:16]}.{item.file.extension}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@citizen_required
def receipt_form(request, pk: int):
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01), as the desk prints it."""
    from congso.dossiers.printing import FormNotAvailable, render_dossier_form

    d = _my_dossier(request, pk)
    try:
        pdf = render_dossier_form(d, "01")
    except FormNotAvailable:
        raise Http404 from None
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{d.code or d.pk}-mau-01.pdf"'
    return response
