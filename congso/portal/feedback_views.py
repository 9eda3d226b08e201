"""Satisfaction ratings (from the dossier lookup) and feedback and complaints (phản ánh, kiến nghị)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from congso.dossiers.actions import ActionError
from congso.feedback import actions
from congso.feedback.models import Complaint
from congso.geo.models import Agency


@require_POST
def rate(request):
    from congso.dossiers.lookup import lookup

    code = request.POST.get("code", "").strip()[:60]
    last4 = request.POST.get("id_last4", "").strip()[:4]
    back = reverse("portal:dossier-lookup") + "?" + urlencode({"code": code, "id_last4": last4})
    result = lookup(request.META.get("REMOTE_ADDR", ""), code, last4)
    if result.dossier is None:
        messages.error(request, _("Không tìm thấy hồ sơ để đánh giá."))
        return HttpResponseRedirect(back)
    try:
        actions.rate(result.dossier, score=request.POST.get("score"), comment=request.POST.get("comment", ""))
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Cảm ơn Ông/Bà đã đánh giá."))
    return HttpResponseRedirect(back)


class ComplaintForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Loại"),
        choices=[("feedback", gettext_lazy("Phản ánh")), ("proposal", gettext_lazy("Kiến nghị"))],
        widget=forms.RadioSelect,
        initial="feedback",
    )
    agency = forms.ModelChoiceField(label=gettext_lazy("Cơ quan"), queryset=Agency.objects.none())
    dossier_code = forms.CharField(label=gettext_lazy("Mã hồ sơ liên quan (nếu có)"), max_length=60, required=False)
    subject = forms.CharField(label=gettext_lazy("Tiêu đề"), max_length=300)
    content = forms.CharField(label=gettext_lazy("Nội dung"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    # autocomplete: WCAG 2.1 SC 1.3.5 (identify input purpose); the phone keypad on phones.
    name = forms.CharField(
        label=gettext_lazy("Họ và tên"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=gettext_lazy("Thư điện tử"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.RegexField(
        label=gettext_lazy("Số điện thoại"),
        regex=r"^0[0-9]{9}$",
        required=False,
        error_messages={"invalid": gettext_lazy("Số điện thoại gồm 10 chữ số, bắt đầu bằng 0.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.current().order_by("name")

    def clean(self):
        data = super().clean()
        if (
            not data.get("email")
            and not data.get("phone")
            and "email" not in self.errors
            and "phone" not in self.errors
        ):
            self.add_error(None, _("Nhập thư điện tử hoặc số điện thoại để nhận trả lời."))
        code = (data.get("dossier_code") or "").strip()
        data["dossier"] = None
        if code:
            from congso.dossiers.models import Dossier

            data["dossier"] = Dossier.objects.filter(code=code.upper()).first()
            if data["dossier"] is None:
                self.add_error("dossier_code", _("Không có hồ sơ với mã này; để trống nếu không rõ."))
        return data


def complaint(request):
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        c = actions.submit_complaint(
            kind=d["kind"],
            name=d["name"],
            email=d["email"],
            phone=d["phone"],
            agency=d["agency"],
            subject=d["subject"],
            content=d["content"],
            dossier=d["dossier"],
        )
        return render(request, "portal/complaint_done.html", {"c": c}, status=201)
    return render(request, "portal/complaint.html", {"form": form}, status=422 if form.errors else 200)


def complaint_status(request):
    """Follow a complaint by its reference and the e-mail or phone it was sent with."""
    reference = request.GET.get("ma", "").strip().upper()[:20]
    contact = request.GET.get("lien-he", "").strip().lower()[:200]
    c, error = None, ""
    if reference and contact:
        c = Complaint.objects.filter(reference=reference).first()
        if c is None or contact not in (c.email.lower(), c.phone):
            c, error = None, _("Không tìm thấy phản ánh với mã và thông tin liên hệ đã nhập.")
    return render(
        request,
        "portal/complaint_status.html",
        {"c": c, "error": error, "ma": reference, "lien_he": contact},
        status=404 if error else 200,
    )
