"""Login (throttled, for officers and citizens alike) and citizen registration."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from congso.accounts import throttle
from congso.accounts.models import User, phone_validator


class ThrottledLoginForm(AuthenticationForm):
    """Username, e-mail or phone and password; locked for a while after repeated failures."""

    error_messages = {
        "invalid_login": gettext_lazy("Tên đăng nhập (thư điện tử, số điện thoại) hoặc mật khẩu không đúng."),
        "inactive": gettext_lazy("Tài khoản này đã bị khóa."),
    }

    def clean(self):
        identifier = (self.cleaned_data.get("username") or "").strip()
        client = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        wait = throttle.locked_for(identifier, client)
        if wait:
            raise ValidationError(
                _("Đăng nhập sai quá nhiều lần; vui lòng thử lại sau %(minutes)s phút hoặc đặt lại mật khẩu.")
                % {"minutes": max(1, (wait + 59) // 60)},
                code="locked",
            )
        try:
            data = super().clean()
        except ValidationError:
            throttle.failed(identifier, client)
            raise
        throttle.succeeded(identifier)
        return data


class RegisterForm(forms.Form):
    full_name = forms.CharField(
        label=gettext_lazy("Họ và tên"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=gettext_lazy("Thư điện tử"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=gettext_lazy("Số điện thoại"),
        max_length=10,
        required=False,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Mật khẩu"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "aria-describedby": "register-hint"}),
        strip=False,
    )
    password2 = forms.CharField(
        label=gettext_lazy("Nhập lại mật khẩu"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def clean_email(self):
        email = (self.cleaned_data.get("email") or "").strip().lower()
        if email and User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("Thư điện tử này đã có tài khoản; hãy đăng nhập hoặc đặt lại mật khẩu."))
        return email

    def clean_phone(self):
        phone = (self.cleaned_data.get("phone") or "").strip()
        if phone and User.objects.filter(phone=phone).exists():
            raise ValidationError(_("Số điện thoại này đã có tài khoản; hãy đăng nhập."))
        return phone

    def clean(self):
        data = super().clean()
        if (
            not data.get("email")
            and not data.get("phone")
            and not self.errors.get("email")
            and not self.errors.get("phone")
        ):
            raise ValidationError(_("Nhập thư điện tử hoặc số điện thoại để đăng nhập."))
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("Hai mật khẩu không giống nhau."))
        elif p1:
            probe = User(username=data.get("email") or data.get("phone") or "", full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class ProfileForm(forms.Form):
    """The person's identity details; fields the identity provider vouched for are shown but locked."""

    full_name = forms.CharField(label=gettext_lazy("Họ và tên"), max_length=200)
    id_number = forms.CharField(
        label=gettext_lazy("Số định danh cá nhân (CCCD)"),
        max_length=12,
        required=False,
        help_text=gettext_lazy("12 chữ số in trên thẻ căn cước."),
    )
    date_of_birth = forms.DateField(
        label=gettext_lazy("Ngày sinh"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": gettext_lazy("Ngày sinh không hợp lệ (ví dụ 14/03/1985).")},
    )
    address = forms.CharField(label=gettext_lazy("Địa chỉ"), max_length=500, required=False)

    def __init__(self, *args, user: User, **kwargs):
        from congso.accounts.actions import locked_identity_fields

        self.user = user
        kwargs.setdefault("initial", {name: getattr(user, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)
        self.locked = locked_identity_fields(user)
        for name in self.locked:
            self.fields[name].disabled = True  # the posted value is ignored; the verified one is kept
        self.fields["id_number"].widget.attrs.update(inputmode="numeric", autocomplete="off")
        self.fields["full_name"].widget.attrs.update(autocomplete="name")

    @property
    def editable(self) -> bool:
        return len(self.locked) < len(self.fields)

    def clean_full_name(self):
        from congso.core.text import nfc

        return nfc(self.cleaned_data["full_name"]).strip()

    def clean_date_of_birth(self):
        import datetime as dt

        born = self.cleaned_data.get("date_of_birth")
        if born is not None and not dt.date(1900, 1, 1) <= born <= dt.date.today():
            raise ValidationError(_("Ngày sinh phải từ năm 1900 đến hôm nay."))
        return born

    def clean(self):
        from congso.accounts.choices import AccountType
        from congso.core import cccd

        data = super().clean()
        number = (data.get("id_number") or "").strip()
        if not number or "id_number" in self.locked:
            return data
        try:
            cccd.check(number, date_of_birth=data.get("date_of_birth"))
        except cccd.CccdError as err:
            self.add_error("id_number", err.message)
            return data
        taken = User.objects.filter(id_number=number).exclude(pk=self.user.pk).exclude(account_type=AccountType.STAFF)
        if taken.exists():
            self.add_error("id_number", _("Số định danh này đã gắn với một tài khoản khác; hãy đăng nhập bằng VNeID."))
        data["id_number"] = number
        return data
