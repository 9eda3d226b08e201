"""What the back office's header needs on every page."""

from congso.accounts.choices import Role
from congso.dossiers.access import request_who

ADMIN_ROLES = frozenset({Role.AGENCY_ADMIN, Role.PROVINCE_ADMIN})


def office(request) -> dict:
    """``office_admin``: the caller administers an agency or the province (shows the Quản trị link). The caller's
    roles are the ones the view already read (``request_who``): no query of its own."""
    if not request.path.startswith("/mot-cua/") or not getattr(request.user, "is_authenticated", False):
        return {}
    who = request_who(request)
    return {"office_admin": any(roles & ADMIN_ROLES for roles in who.roles.values())}
