from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountType(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    BUSINESS = "business", _("Người đại diện doanh nghiệp")
    STAFF = "staff", _("Cán bộ, công chức")


class Role(models.TextChoices):
    """Roles of staff at an agency (a staff member may hold several, at several agencies)."""

    RECEIVING_OFFICER = "receiving_officer", _("Cán bộ tiếp nhận (Một cửa)")
    SPECIALIST = "specialist", _("Chuyên viên")
    LEADER = "leader", _("Lãnh đạo")
    CLERK = "clerk", _("Văn thư")
    AGENCY_ADMIN = "agency_admin", _("Quản trị cơ quan")
    PROVINCE_ADMIN = "province_admin", _("Quản trị cấp tỉnh")
    AUDITOR = "auditor", _("Kiểm tra, giám sát (chỉ xem)")


# Roles that may read but never change a dossier.
READ_ONLY_ROLES = frozenset({Role.AUDITOR})


class RepresentationRole(models.TextChoices):
    """How a person represents an enterprise (as the identity provider states it)."""

    LEGAL_REPRESENTATIVE = "legal_representative", _("Người đại diện theo pháp luật")
    AUTHORIZED = "authorized", _("Người được ủy quyền")
    OTHER = "other", _("Vai trò khác")


class RepresentationSource(models.TextChoices):
    """Who vouched for a representation."""

    OIDC = "oidc", _("Hệ thống định danh điện tử (VNeID)")
