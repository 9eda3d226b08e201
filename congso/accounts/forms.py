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
    full_name = forms.CharField(label=gettext_lazy("Họ và tên"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("Thư điện tử"), required=False)
    phone = forms.CharField(
        label=gettext_lazy("Số điện thoại"), max_length=10, required=False, validators=[phone_validator]
    )
    password1 = forms.CharField(label=gettext_lazy("Mật khẩu"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=gettext_lazy("Nhập lại mật khẩu"), widget=forms.PasswordInput, strip=False)

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
