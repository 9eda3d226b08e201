"""Citizens' accounts: register, log in with e-mail or phone (throttled), reset the password by e-mail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
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
        # Back to where the newcomer was going (e.g. "Nộp trực tuyến"), when that is a page of this site.
        target = request.POST.get("next") or request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return HttpResponseRedirect(target if safe else reverse("portal:account"))
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
    """Tài khoản của tôi: who I am, the enterprises I represent, my dossiers (and theirs)."""
    from congso.accounts.selectors import representations_of
    from congso.dossiers.access import applicant_dossiers, who_for

    dossiers = (
        applicant_dossiers(who_for(request.user))
        .filter(parent__isnull=True)
        .select_related("procedure")
        .order_by("-created_at")[:50]
    )
    context = {"dossiers": dossiers, "representations": representations_of(request.user)}
    return render(request, "portal/account.html", context)


@login_required(login_url=reverse_lazy("portal:login"))
def profile(request):
    """Thông tin cá nhân: what the citizen may type; what VNeID vouched for is shown locked."""
    from congso.accounts.forms import ProfileForm

    form = ProfileForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.update_profile(
            request.user,
            full_name=data["full_name"],
            id_number=data["id_number"],
            date_of_birth=data["date_of_birth"],
            address=data["address"],
        )
        messages.success(request, _("Đã lưu thông tin cá nhân."))
        return HttpResponseRedirect(reverse("portal:account"))
    return render(request, "portal/account_profile.html", {"form": form}, status=422 if form.errors else 200)


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
