"""Walk-in intake at the one-stop desk."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from congso.dossiers import actions as A
from congso.dossiers.choices import FileKind
from congso.geo.models import Agency

DECISIONS = [
    ("accept", gettext_lazy("Tiếp nhận (in Mẫu 01)")),
    ("request_supplement", gettext_lazy("Yêu cầu bổ sung (in Mẫu 02)")),
    ("refuse", gettext_lazy("Từ chối tiếp nhận (in Mẫu 03)")),
]


class IntakeForm(forms.Form):
    desk = forms.TypedChoiceField(label=gettext_lazy("Nơi tiếp nhận"), coerce=int)
    applicant_name = forms.CharField(label=gettext_lazy("Họ và tên người nộp"), max_length=300)
    id_number = forms.CharField(
        label=gettext_lazy("Số CCCD (12 chữ số)"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    date_of_birth = forms.DateField(
        label=gettext_lazy("Ngày sinh"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    address = forms.CharField(label=gettext_lazy("Địa chỉ"), max_length=500, required=False)
    phone = forms.CharField(label=gettext_lazy("Số điện thoại"), max_length=20, required=False)
    email = forms.EmailField(label=gettext_lazy("Thư điện tử"), required=False)
    request_text = forms.CharField(
        label=gettext_lazy("Nội dung yêu cầu"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    components = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Thành phần hồ sơ đã nhận"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    decision = forms.ChoiceField(label=gettext_lazy("Kết quả kiểm tra"), choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=gettext_lazy("Lý do (bổ sung, từ chối) hoặc giấy tờ cần bổ sung thêm, mỗi dòng một ý"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, procedure=None, desks=(), **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(Agency.objects.filter(pk__in=desks).values_list("pk", "name"))
        self.fields["desk"].choices = [(pk, names.get(pk, pk)) for pk in desks]
        self.procedure = procedure
        self.component_list = list(procedure.components.all()) if procedure else []
        self.fields["components"].choices = [(c.pk, c.name) for c in self.component_list]
        self.uploads = self.files.getlist("scans") if self.files else []

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip()
        if not value.isdigit() or len(value) != 12:
            raise forms.ValidationError(_("Số CCCD phải gồm đúng 12 chữ số."))
        return value

    def clean(self):
        data = super().clean()
        number, born = data.get("id_number"), data.get("date_of_birth")
        if number:
            try:
                from congso.core import cccd
            except ImportError:  # pragma: no cover
                cccd = None
            if cccd is not None:
                try:
                    cccd.check(number, date_of_birth=born, today=timezone.localdate())
                except cccd.CccdError as exc:
                    self.add_error("id_number", exc.message)
        if born and born > timezone.localdate():
            self.add_error("date_of_birth", _("Ngày sinh không thể sau hôm nay."))
        decision = data.get("decision")
        lines = [x.strip() for x in (data.get("reason") or "").splitlines() if x.strip()]
        missing = [c.name for c in self.component_list if c.mandatory and c.pk not in (data.get("components") or [])]
        if decision == "accept" and missing:
            self.add_error(
                "components",
                _("Còn thiếu giấy tờ bắt buộc: %(items)s. Hãy yêu cầu bổ sung thay vì tiếp nhận.")
                % {"items": "; ".join(missing)},
            )
        if decision == "request_supplement" and not (missing or lines):
            self.add_error("reason", _("Ghi rõ giấy tờ cần bổ sung."))
        if decision == "refuse" and not lines:
            self.add_error("reason", _("Ghi rõ lý do từ chối tiếp nhận."))
        for f in self.uploads:
            if f.size > settings.CONGSO_MAX_UPLOAD_BYTES:
                self.add_error(None, _("Tệp «%(name)s» quá lớn.") % {"name": f.name})
        data["lines"], data["missing"] = lines, missing
        return data

    def create(self, who, procedure):
        """Create the dossier (nothing is created if this fails), attach the scans, then decide."""
        data = self.cleaned_data
        from congso.catalog.selectors import latest_workflows, workflow_for_procedure

        intake = Agency.objects.get(pk=data["desk"])
        d = A.create_dossier(
            procedure=procedure,
            intake_agency=intake,
            applicant=A.Applicant(
                name=data["applicant_name"],
                id_number=data["id_number"],
                address=data["address"],
                phone=data["phone"],
                email=data["email"],
            ),
            channel=1,
            source="desk",
            who=who,
            request_text=data["request_text"],
            form_data={"date_of_birth": data["date_of_birth"].isoformat()} if data.get("date_of_birth") else {},
            workflow=workflow_for_procedure(procedure, latest_workflows()),
            competent_agency=A.competent_agency_for(procedure, intake),
        )
        self.created = d
        ticked = {c.pk: c for c in self.component_list if c.pk in (data.get("components") or [])}
        try:
            for upload in self.uploads:
                A.attach_file(d, who, data=upload.read(), filename=upload.name[:255], kind=FileKind.COMPONENT)
            decision = data["decision"]
            if decision == "accept":
                d = A.accept_dossier(
                    d, who, {"note": _("Đã nhận: %(items)s") % {"items": "; ".join(c.name for c in ticked.values())}}
                )
            elif decision == "request_supplement":
                d = A.request_supplement(
                    d, who, {"items": data["missing"] + data["lines"], "reason": _("Hồ sơ chưa đầy đủ")}
                )
            else:
                d = A.refuse_dossier(d, who, {"reasons": data["lines"]})
        except A.ActionError as exc:
            exc.dossier = d
            raise
        return d

    def add_action_error(self, exc: A.ActionError) -> None:
        for field, message in (exc.fields or {}).items():
            name = field.replace("applicant.", "")
            name = {"name": "applicant_name"}.get(name, name)
            self.add_error(name if name in self.fields else None, str(message))
        if not exc.fields:
            self.add_error(None, str(exc))

    def decision_message(self, d) -> str:
        return {
            "accept": _("Đã tiếp nhận hồ sơ %(code)s; in Giấy tiếp nhận và hẹn trả (Mẫu 01)."),
            "request_supplement": _("Đã lập Phiếu yêu cầu bổ sung (Mẫu 02) cho hồ sơ."),
            "refuse": _("Đã lập Phiếu từ chối tiếp nhận (Mẫu 03)."),
        }[self.cleaned_data["decision"]] % {"code": d.code or ""}
