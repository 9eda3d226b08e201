"""State changes of accounts."""

from __future__ import annotations

from django.db import transaction

from congso.accounts.choices import AccountType
from congso.accounts.models import ApiToken, StaffAssignment, User


@transaction.atomic
def ensure_user(username: str, *, password: str, full_name: str, account_type: str, **extra) -> tuple[User, bool]:
    """Create ``username`` if missing; an existing user is left exactly as it is (idempotent demo load)."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    user = User(username=username, full_name=full_name, account_type=account_type, **extra)
    user.set_password(password)
    user.save()
    return user, True


@transaction.atomic
def assign_role(user: User, agency, role: str, title: str = "") -> StaffAssignment:
    assignment, _created = StaffAssignment.objects.get_or_create(
        user=user, agency=agency, role=role, defaults={"title": title}
    )
    return assignment


def create_api_token(user, agency, name: str) -> tuple[ApiToken, str]:
    """Create a token acting as ``user`` within ``agency``; return it and the secret (shown once)."""
    import hashlib
    import secrets

    secret = "cs_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name,
        user=user,
        agency=agency,
        prefix=secret[:10],
        secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
    )
    return token, secret


def register_citizen(*, full_name: str, email: str, phone: str, password: str) -> User:
    """A citizen's own account: the e-mail (or, without one, the phone) is the username."""
    from django.db import transaction

    from congso.core.text import nfc

    with transaction.atomic():
        user = User(
            username=email or phone,
            email=email,
            phone=phone,
            full_name=nfc(full_name).strip(),
            account_type=AccountType.CITIZEN,
        )
        user.set_password(password)
        user.save()
    return user
