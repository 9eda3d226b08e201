"""Reads of accounts."""

from __future__ import annotations

from congso.accounts.choices import AccountType
from congso.accounts.models import Representation, User


def representations_of(user) -> list[Representation]:
    """The enterprises ``user`` currently represents (active only), by enterprise name."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Representation.objects.filter(user_id=user.pk, active=True).order_by("enterprise_name", "tax_code"))


def is_staff_account(user: User) -> bool:
    """An officer's or administrator's account: never logged in through the citizens' identity provider."""
    return (
        user.account_type == AccountType.STAFF or user.is_staff or user.is_superuser or user.staff_assignments.exists()
    )
