"""Citizens' accounts: register, log in with e-mail or phone (throttled), reset the password by e-mail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _

from congso.accounts import actions
from congso.accounts.forms import RegisterForm, ThrottledLoginForm


def register(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = actions.register_citizen(
            full_name=data["full_name"], email=data["email"], phone=data["phone"], password=data["password1"]
        )
        login(request, user, backend="congso.accounts.backends.UsernameEmailOrPhoneBackend")
        messages.success(request, _("Đã tạo tài khoản. Chào mừng %(name)s!") % {"name": user.full_name})
        return HttpResponseRedirect(reverse("portal:account"))
    return render(request, "portal/account_register.html", {"form": form}, status=422 if form.errors else 200)


class Login(auth_views.LoginView):
    template_name = "portal/account_login.html"
    authentication_form = ThrottledLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("portal:account")

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 429 if form.has_error("__all__", "locked") else 401
        return response


@login_required(login_url=reverse_lazy("portal:login"))
def account(request):
    """Tài khoản của tôi: who I am and my dossiers."""
    from congso.dossiers.models import Dossier

    dossiers = (
        Dossier.objects.filter(applicant_user=request.user, parent__isnull=True)
        .select_related("procedure")
        .order_by("-created_at")[:50]
    )
    return render(request, "portal/account.html", {"dossiers": dossiers})


class PasswordReset(auth_views.PasswordResetView):
    template_name = "portal/password_reset.html"
    email_template_name = "portal/password_reset_email.txt"
    subject_template_name = "portal/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password-reset-done")


class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:login")

    def form_valid(self, form):
        messages.success(self.request, _("Đã đặt mật khẩu mới; hãy đăng nhập."))
        return super().form_valid(form)
