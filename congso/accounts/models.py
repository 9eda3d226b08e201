from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from congso.accounts.choices import AccountType, Role

phone_validator = RegexValidator(
    r"^0[0-9]{9}$", _("Số điện thoại phải gồm 10 chữ số và bắt đầu bằng 0, ví dụ 0912345678.")
)


class User(AbstractUser):
    """Người dùng / user: a citizen, a business representative or a member of staff."""

    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=10, blank=True, validators=[phone_validator])
    account_type = models.CharField(
        _("loại tài khoản"), max_length=20, choices=AccountType.choices, default=AccountType.CITIZEN
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="accounts_user_phone_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def roles_at(self, agency) -> set[str]:
        return {a.role for a in self.staff_assignments.all() if a.agency_id == agency.pk and a.active}


class StaffAssignment(models.Model):
    """Phân công cán bộ / staff assignment: a user holds a role at an agency."""

    user = models.ForeignKey(User, verbose_name=_("cán bộ"), on_delete=models.CASCADE, related_name="staff_assignments")
    agency = models.ForeignKey(
        "geo.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="staff_assignments"
    )
    role = models.CharField(_("vai trò"), max_length=30, choices=Role.choices)
    title = models.CharField(_("chức vụ"), max_length=120, blank=True, help_text=_("Ví dụ: Phó Giám đốc Sở"))
    active = models.BooleanField(_("đang hiệu lực"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("phân công cán bộ")
        verbose_name_plural = _("phân công cán bộ")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="accounts_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.agency}"


class ApiToken(models.Model):
    """Khóa API / an integrator's API token: acts as ``user``, limited to one agency.

    Only the SHA-256 of the secret is stored; the secret is shown once, when the token is created.
    """

    name = models.CharField(_("tên"), max_length=200)
    user = models.ForeignKey(User, verbose_name=_("tài khoản"), on_delete=models.CASCADE, related_name="api_tokens")
    agency = models.ForeignKey(
        "geo.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="api_tokens"
    )
    prefix = models.CharField(_("tiền tố"), max_length=12, db_index=True)
    secret_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("khóa API")
        verbose_name_plural = _("khóa API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginThrottle(models.Model):
    """Đăng nhập sai / failed logins for one identifier or one client address, in the current window."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("đăng nhập sai")
        verbose_name_plural = _("đăng nhập sai")

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"
