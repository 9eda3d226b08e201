"""What the back office's header needs on every page."""

from congso.accounts.choices import Role


def office(request) -> dict:
    """``office_admin``: the caller administers an agency or the province (shows the Quản trị link)."""
    if not request.path.startswith("/mot-cua/") or not getattr(request.user, "is_authenticated", False):
        return {}
    admin = request.user.staff_assignments.filter(
        active=True, role__in=(Role.AGENCY_ADMIN, Role.PROVINCE_ADMIN)
    ).exists()
    return {"office_admin": admin}
