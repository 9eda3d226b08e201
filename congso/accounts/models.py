from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from congso.accounts.choices import AccountType, RepresentationRole, RepresentationSource, Role
from congso.core import cccd, taxcode

phone_validator = RegexValidator(
    r"^0[0-9]{9}$", _("Số điện thoại phải gồm 10 chữ số và bắt đầu bằng 0, ví dụ 0912345678.")
)


def validate_cccd(value: str) -> None:
    """The 12-digit personal identification number (congso/core/cccd.py says what is wrong)."""
    try:
        cccd.parse(value)
    except cccd.CccdError as err:
        raise ValidationError(err.message, code=f"cccd_{err.code}") from None


def validate_tax_code(value: str) -> None:
    """A tax code in its canonical form (congso/core/taxcode.py)."""
    try:
        canonical = taxcode.parse(value)
    except taxcode.TaxCodeError as err:
        raise ValidationError(err.message, code=f"tax_code_{err.code}") from None
    if canonical != value:
        raise ValidationError(_("Mã số thuế phải viết dạng %(canonical)s."), params={"canonical": canonical})


class User(AbstractUser):
    """Người dùng / user: a citizen, a business representative or a member of staff."""

    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=10, blank=True, validators=[phone_validator])
    account_type = models.CharField(
        _("loại tài khoản"), max_length=20, choices=AccountType.choices, default=AccountType.CITIZEN
    )
    # The person's identity: typed by the citizen on their profile, or vouched for by the national identity
    # provider (VNeID), in which case ``identity_verified_at`` is set and the values are locked.
    id_number = models.CharField(
        _("số định danh cá nhân (CCCD)"), max_length=12, blank=True, validators=[validate_cccd]
    )
    date_of_birth = models.DateField(_("ngày sinh"), null=True, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    identity_verified_at = models.DateTimeField(
        _("định danh xác thực lúc"),
        null=True,
        blank=True,
        help_text=_("Thời điểm hệ thống định danh điện tử (VNeID) xác nhận họ tên, số định danh, ngày sinh, địa chỉ."),
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="accounts_user_phone_unique"),
            # One citizen account per person; an officer's staff account is a separate account.
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~Q(id_number="") & ~Q(account_type=AccountType.STAFF),
                name="accounts_user_id_number_unique",
            ),
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


class ExternalIdentity(models.Model):
    """Định danh điện tử liên kết / linked external identity: the subject (``sub``) an OpenID Connect identity
    provider such as VNeID vouches for, tied to one account. Logging in again with it finds the same account."""

    user = models.ForeignKey(
        User, verbose_name=_("tài khoản"), on_delete=models.CASCADE, related_name="external_identities"
    )
    issuer = models.CharField(_("hệ thống định danh (issuer)"), max_length=300)
    subject = models.CharField(_("mã định danh tại hệ thống (sub)"), max_length=255)
    created_at = models.DateTimeField(_("liên kết lúc"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("đăng nhập lần cuối"))

    class Meta:
        verbose_name = _("định danh điện tử liên kết")
        verbose_name_plural = _("định danh điện tử liên kết")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="accounts_external_identity_unique"),
            models.UniqueConstraint(fields=["user", "issuer"], name="accounts_external_identity_one_per_issuer"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.issuer}"


class Representation(models.Model):
    """Đại diện doanh nghiệp / business representation: ``user`` acts for the enterprise with ``tax_code``,
    as the identity provider states at each login; a representation it no longer states is deactivated,
    and with it the access to the enterprise's dossiers."""

    user = models.ForeignKey(
        User, verbose_name=_("người đại diện"), on_delete=models.CASCADE, related_name="representations"
    )
    tax_code = models.CharField(_("mã số thuế"), max_length=14, validators=[validate_tax_code])
    enterprise_name = models.CharField(_("tên doanh nghiệp"), max_length=300)
    role = models.CharField(_("vai trò"), max_length=30, choices=RepresentationRole.choices)
    source = models.CharField(
        _("nguồn xác thực"), max_length=20, choices=RepresentationSource.choices, default=RepresentationSource.OIDC
    )
    verified_at = models.DateTimeField(_("xác thực lúc"))
    active = models.BooleanField(_("đang đại diện"), default=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("đại diện doanh nghiệp")
        verbose_name_plural = _("đại diện doanh nghiệp")
        constraints = [
            models.UniqueConstraint(fields=["user", "tax_code", "source"], name="accounts_representation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.enterprise_name} ({self.tax_code})"
