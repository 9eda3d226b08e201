"""Staff administration: who administers which agency, and the named actions that change staff roles.

An agency administrator (``AGENCY_ADMIN``) manages the staff of the agencies where they hold that role;
the province administrator (``PROVINCE_ADMIN``) manages every agency. An agency administrator never
grants or touches the province-wide roles (``PROVINCE_ADMIN``, ``AUDITOR``), never acts on another
agency (a 404: its existence is not disclosed, DESIGN §4.3) and never removes their own last
administrator role (nobody would be left to give it back).

``who`` is the caller as ``congso.dossiers.access.who_for`` builds it (``user``, ``roles`` by agency id,
``scope_agency_id``); this module only reads those attributes, so it does not import an app above it.
"""

from __future__ import annotations

import logging
import re
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from congso.accounts.choices import AccountType, Role
from congso.accounts.models import StaffAssignment, User
from congso.geo.models import Agency

log = logging.getLogger(__name__)

# Roles an agency administrator may grant, withdraw and restore at their own agency.
AGENCY_GRANTABLE = (Role.RECEIVING_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK, Role.AGENCY_ADMIN)
# Roles whose own last active assignment a user may not withdraw from themselves.
ADMIN_ROLES = frozenset({Role.AGENCY_ADMIN, Role.PROVINCE_ADMIN})

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,149}$")
# No look-alike characters (0/O, 1/l/I): the password is read off a screen and typed once.
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = 16


class StaffError(Exception):
    """A staff change is refused; ``message`` is Vietnamese, ``fields`` names the bad inputs."""

    def __init__(self, message: str, fields: dict[str, str] | None = None, status: int = 422):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.status = status


# ---- access (the only way administration views obtain agencies and assignments) ----------------------------------
def is_province_admin(who) -> bool:
    if who.scope_agency_id is not None:
        return False
    return any(Role.PROVINCE_ADMIN in roles for roles in who.roles.values())


def administered_agency_ids(who) -> set[int] | None:
    """Ids of the agencies ``who`` administers; ``None`` means every agency (the province administrator)."""
    if is_province_admin(who):
        return None
    return {agency_id for agency_id, roles in who.roles.items() if Role.AGENCY_ADMIN in roles}


def is_administrator(who) -> bool:
    ids = administered_agency_ids(who)
    return ids is None or bool(ids)


def administered_agencies(who) -> QuerySet[Agency]:
    """The agencies ``who`` may administer, in a stable order (current ones only for the province administrator)."""
    ids = administered_agency_ids(who)
    if ids is None:
        return Agency.objects.current().order_by("kind", "name")
    return Agency.objects.filter(pk__in=ids).order_by("kind", "name")


def may_administer(who, agency_id: int | None) -> bool:
    if agency_id is None:
        return False
    ids = administered_agency_ids(who)
    return ids is None or agency_id in ids


def access_agency_for_admin(who, agency_id) -> Agency:
    """The agency if ``who`` administers it; otherwise 404."""
    try:
        agency_id = int(agency_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < agency_id < 2**62:
        raise Http404
    if not may_administer(who, agency_id):
        raise Http404
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise Http404
    return agency


def access_assignment_for_admin(who, assignment_id) -> StaffAssignment:
    """The assignment if ``who`` administers its agency; otherwise 404."""
    try:
        assignment_id = int(assignment_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < assignment_id < 2**62:
        raise Http404
    assignment = StaffAssignment.objects.select_related("user", "agency").filter(pk=assignment_id).first()
    if assignment is None:
        raise Http404
    if not may_administer(who, assignment.agency_id):
        raise Http404
    return assignment


def grantable_roles(who) -> list[Role]:
    """The roles ``who`` may grant (at an agency they administer)."""
    if is_province_admin(who):
        return list(Role)
    return list(AGENCY_GRANTABLE)


def may_manage_role(who, role: str) -> bool:
    return role in {r.value for r in grantable_roles(who)}


def agency_staff(agency: Agency) -> QuerySet[StaffAssignment]:
    """Every assignment at ``agency``, active first, by person."""
    return (
        StaffAssignment.objects.filter(agency=agency)
        .select_related("user")
        .only(
            "id", "role", "title", "active", "agency_id", "user__id", "user__username", "user__full_name", "user__email"
        )
        .order_by("-active", "user__full_name", "user__username", "role")
    )


# ---- actions ------------------------------------------------------------------------------------------------------
def _require_agency(who, agency: Agency) -> None:
    if not may_administer(who, agency.pk):
        raise Http404
    if agency.valid_to is not None:
        raise StaffError(
            _("Cơ quan %(agency)s đã hết hiệu lực; không thể phân công cán bộ.") % {"agency": agency.name}, status=409
        )


def _require_role(who, role: str) -> None:
    if role not in Role.values:
        raise StaffError(_("Vai trò không hợp lệ."), fields={"role": _("Vui lòng chọn một vai trò trong danh sách.")})
    if not may_manage_role(who, role):
        message = _(
            "Quản trị cơ quan không được cấp hoặc thay đổi vai trò “%(role)s”; chỉ quản trị cấp tỉnh được làm."
        ) % {"role": Role(role).label}
        raise StaffError(message, fields={"role": message}, status=403)


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if len(title) > 120:
        raise StaffError(_("Chức vụ quá dài."), fields={"title": _("Chức vụ tối đa 120 ký tự.")})
    return title


def _lock_user(user_id: int) -> User:
    """Lock the person's row: every change of one person's roles runs one after another."""
    return User.objects.select_for_update().get(pk=user_id)


def _grant(user: User, agency: Agency, role: str, title: str) -> StaffAssignment:
    existing = StaffAssignment.objects.select_for_update().filter(user=user, agency=agency, role=role).first()
    if existing is not None and existing.active:
        raise StaffError(
            _("%(user)s đã có vai trò “%(role)s” tại %(agency)s.")
            % {"user": user.full_name or user.username, "role": Role(role).label, "agency": agency.name},
            fields={"role": _("Vai trò này đang có hiệu lực.")},
            status=409,
        )
    if existing is not None:  # restore it rather than keep two rows for one role
        existing.active = True
        fields = ["active"]
        if title:
            existing.title = title
            fields.append("title")
        existing.save(update_fields=fields)
        return existing
    return StaffAssignment.objects.create(user=user, agency=agency, role=role, title=title)


def grant_role(who, *, agency: Agency, username: str, role: str, title: str = "") -> StaffAssignment:
    """Give an existing staff account ``role`` at ``agency`` (restoring a withdrawn assignment if there is one)."""
    _require_agency(who, agency)
    _require_role(who, role)
    title = _clean_title(title)
    username = (username or "").strip()
    if not username:
        raise StaffError(_("Vui lòng nhập tên đăng nhập."), fields={"username": _("Chưa nhập tên đăng nhập.")})
    with transaction.atomic():
        found = User.objects.filter(username__iexact=username).values_list("pk", flat=True).first()
        if found is None:
            raise StaffError(
                _("Không có tài khoản “%(username)s”. Hãy kiểm tra lại, hoặc tạo tài khoản mới.")
                % {"username": username},
                fields={"username": _("Không tìm thấy tài khoản.")},
            )
        user = _lock_user(found)
        if user.account_type != AccountType.STAFF or not user.is_active:
            raise StaffError(
                _("Tài khoản “%(username)s” không phải tài khoản cán bộ đang hoạt động; không thể phân công.")
                % {"username": user.username},
                fields={"username": _("Không phải tài khoản cán bộ.")},
            )
        assignment = _grant(user, agency, role, title)
    log.info("staff: %s granted %s at %s to %s", who.user.username, role, agency.slug, user.username)
    return assignment


def new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(PASSWORD_LENGTH))


def create_staff_account(
    who, *, agency: Agency, username: str, full_name: str, email: str, role: str, title: str = ""
) -> tuple[StaffAssignment, str]:
    """Create a staff account with ``role`` at ``agency``; return the assignment and the initial password.

    The password is random and returned once, to be handed to the person; only its hash is stored.
    """
    _require_agency(who, agency)
    _require_role(who, role)
    title = _clean_title(title)
    username = (username or "").strip().lower()
    full_name = " ".join((full_name or "").split())
    email = (email or "").strip()
    fields: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        fields["username"] = _(
            "Tên đăng nhập gồm 3–150 ký tự: chữ không dấu, chữ số và các dấu . _ -, bắt đầu bằng chữ hoặc số."
        )
    elif User.objects.filter(username__iexact=username).exists():
        fields["username"] = _("Tên đăng nhập “%(username)s” đã được dùng.") % {"username": username}
    if not full_name:
        fields["full_name"] = _("Vui lòng nhập họ và tên.")
    elif len(full_name) > 200:
        fields["full_name"] = _("Họ và tên tối đa 200 ký tự.")
    if not email:
        fields["email"] = _("Vui lòng nhập thư điện tử.")
    else:
        try:
            validate_email(email)
        except ValidationError:
            fields["email"] = _("Thư điện tử không hợp lệ, ví dụ: ten.canbo@thanhhoa.gov.vn.")
        else:
            if User.objects.filter(email__iexact=email).exists():
                fields["email"] = _("Thư điện tử này đã được dùng cho một tài khoản khác.")
    if fields:
        raise StaffError(_("Vui lòng sửa các mục được đánh dấu; những gì đã nhập vẫn được giữ nguyên."), fields=fields)
    password = new_password()
    try:
        with transaction.atomic():
            user = User(username=username, full_name=full_name, email=email, account_type=AccountType.STAFF)
            user.set_password(password)
            user.save()
            assignment = StaffAssignment.objects.create(user=user, agency=agency, role=role, title=title)
    except IntegrityError:  # the same name, taken a moment ago by another administrator
        message = _("Tên đăng nhập “%(username)s” đã được dùng.") % {"username": username}
        raise StaffError(message, fields={"username": message}, status=409) from None
    log.info("staff: %s created %s with %s at %s", who.user.username, username, role, agency.slug)
    return assignment, password


def withdraw_role(who, assignment: StaffAssignment) -> StaffAssignment:
    """Deactivate an assignment (kept for history: dossiers and events still name the person)."""
    return _set_active(who, assignment, False)


def restore_role(who, assignment: StaffAssignment) -> StaffAssignment:
    """Reactivate a withdrawn assignment."""
    return _set_active(who, assignment, True)


def _set_active(who, assignment: StaffAssignment, active: bool) -> StaffAssignment:
    if not may_administer(who, assignment.agency_id):
        raise Http404
    _require_role(who, assignment.role)
    with transaction.atomic():
        _lock_user(assignment.user_id)
        current = StaffAssignment.objects.select_for_update().select_related("user", "agency").get(pk=assignment.pk)
        if current.active == active:
            raise StaffError(
                _("Vai trò này đã được khôi phục trước đó.") if active else _("Vai trò này đã được thu hồi trước đó."),
                status=409,
            )
        if active and current.agency.valid_to is not None:
            raise StaffError(
                _("Cơ quan %(agency)s đã hết hiệu lực; không thể phân công cán bộ.") % {"agency": current.agency.name},
                status=409,
            )
        if not active and current.user_id == who.user.pk and current.role in ADMIN_ROLES:
            others = (
                StaffAssignment.objects.filter(user_id=current.user_id, role=current.role, active=True)
                .exclude(pk=current.pk)
                .exists()
            )
            if not others:
                raise StaffError(
                    _(
                        "Bạn không thể tự thu hồi vai trò “%(role)s” cuối cùng của mình: sẽ không còn ai trao lại được. "
                        "Hãy nhờ một quản trị khác thực hiện."
                    )
                    % {"role": Role(current.role).label},
                    status=409,
                )
        current.active = active
        current.save(update_fields=["active"])
    log.info(
        "staff: %s %s %s at %s of %s",
        who.user.username,
        "restored" if active else "withdrew",
        current.role,
        current.agency.slug,
        current.user.username,
    )
    return current
