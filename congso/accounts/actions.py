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


# ---- identities vouched for by the national identity provider (congso/accounts/oidc.py) ---------------------
IDENTITY_FIELDS = ("full_name", "id_number", "date_of_birth", "address")


def locked_identity_fields(user: User) -> set[str]:
    """The identity fields the identity provider vouched for: shown, never edited by the person."""
    if user.identity_verified_at is None:
        return set()
    return {name for name in IDENTITY_FIELDS if getattr(user, name) not in (None, "")}


def sign_in_with_identity(identity, *, current_user=None, now=None) -> User:
    """The account for a verified identity (``oidc.VerifiedIdentity``), created or linked, its identity and
    representations brought up to date; raises ``oidc.OidcError`` (and changes nothing) when it may not log in.

    Found by the provider's subject; else the citizen account holding the same CCCD, linked when that CCCD was
    verified before or the account is ``current_user`` (logged in in the browser doing this login: it proves
    the account is this person's); else ``current_user`` when its CCCD is still empty; else created. A CCCD
    merely typed on another account is refused, never linked: whoever typed it would otherwise own the verified
    person's account. A staff account is never logged in this way.
    """
    from django.db import IntegrityError
    from django.utils import timezone

    now = now or timezone.now()
    current_id = current_user.pk if getattr(current_user, "is_authenticated", False) else None
    try:
        return _sign_in_with_identity(identity, now, current_id)
    except IntegrityError:
        # Two first logins of the same person at once: the other one linked the account; take it.
        return _sign_in_with_identity(identity, now, current_id)


@transaction.atomic
def _sign_in_with_identity(identity, now, current_id) -> User:
    import hashlib

    from congso.accounts.models import ExternalIdentity
    from congso.accounts.oidc import OidcError
    from congso.accounts.selectors import is_staff_account

    link = (
        ExternalIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=identity.issuer, subject=identity.subject)
        .first()
    )
    if link is not None:
        user = link.user
    else:
        holder = (
            User.objects.select_for_update()
            .filter(id_number=identity.id_number)
            .exclude(account_type=AccountType.STAFF)
            .first()
        )
        if holder is None and current_id is not None:
            # The person logged in here, whose account has no CCCD yet, verifies that account.
            me = User.objects.select_for_update().filter(pk=current_id, id_number="").first()
            if (
                me is not None
                and not is_staff_account(me)
                and not ExternalIdentity.objects.filter(user=me, issuer=identity.issuer).exists()
            ):
                holder = me
        if holder is not None:
            if is_staff_account(holder):
                raise OidcError("staff", f"user {holder.pk} holds the id number")
            if ExternalIdentity.objects.filter(user=holder, issuer=identity.issuer).exists():
                # The account is already this provider's other subject: the provider changed its mind about
                # whose CCCD this is. A person must look at it.
                raise OidcError("conflict", f"user {holder.pk} is linked to another subject")
            if holder.identity_verified_at is None and holder.pk != current_id:
                raise OidcError("claimed", f"user {holder.pk} typed the id number; not logged in here")
            user = holder
        else:
            digest = hashlib.sha256(f"{identity.issuer}|{identity.subject}".encode()).hexdigest()
            user = User(username=f"vneid-{digest[:20]}", account_type=AccountType.CITIZEN)
            user.set_unusable_password()
            user.save()
        link = ExternalIdentity(user=user, issuer=identity.issuer, subject=identity.subject, last_login_at=now)
        link.save()
    if is_staff_account(user):
        raise OidcError("staff", f"user {user.pk}")
    if not user.is_active:
        raise OidcError("inactive", f"user {user.pk}")
    if (
        identity.id_number != user.id_number
        and User.objects.filter(id_number=identity.id_number)
        .exclude(pk=user.pk)
        .exclude(account_type=AccountType.STAFF)
        .exists()
    ):
        raise OidcError("conflict", f"id number of user {user.pk} is held by another account")

    user.full_name = identity.full_name
    user.id_number = identity.id_number
    user.date_of_birth = identity.date_of_birth or user.date_of_birth
    user.address = identity.address or user.address
    user.identity_verified_at = now
    fields = ["full_name", "id_number", "date_of_birth", "address", "identity_verified_at", "account_type"]
    if not user.phone and identity.phone and not User.objects.filter(phone=identity.phone).exists():
        user.phone = identity.phone
        fields.append("phone")
    if not user.email and identity.email and not User.objects.filter(email__iexact=identity.email).exists():
        user.email = identity.email
        fields.append("email")
    user.account_type = AccountType.BUSINESS if identity.enterprises else AccountType.CITIZEN
    user.save(update_fields=fields)
    if link.last_login_at != now:
        link.last_login_at = now
        link.save(update_fields=["last_login_at"])
    sync_representations(user, identity.enterprises, now=now)
    return user


@transaction.atomic
def sync_representations(user: User, enterprises, *, now, source: str = "oidc") -> None:
    """Make ``user``'s representations from ``source`` what the provider states now: the claimed ones active
    (added or updated), every other one inactive."""
    from congso.accounts.models import Representation

    existing = {r.tax_code: r for r in Representation.objects.select_for_update().filter(user=user, source=source)}
    for claim in enterprises:
        rep = existing.pop(claim.tax_code, None)
        if rep is None:
            Representation.objects.create(
                user=user,
                tax_code=claim.tax_code,
                enterprise_name=claim.name,
                role=claim.role,
                source=source,
                verified_at=now,
                active=True,
            )
            continue
        rep.enterprise_name, rep.role, rep.verified_at, rep.active = claim.name, claim.role, now, True
        rep.save(update_fields=["enterprise_name", "role", "verified_at", "active", "updated_at"])
    for rep in existing.values():
        if rep.active:
            rep.active = False
            rep.save(update_fields=["active", "updated_at"])


@transaction.atomic
def update_profile(user: User, *, full_name: str, id_number: str, date_of_birth, address: str) -> User:
    """The person's own identity details; values the identity provider vouched for stay as they are."""
    from congso.core.text import nfc

    user = User.objects.select_for_update().get(pk=user.pk)
    locked = locked_identity_fields(user)
    wanted = {
        "full_name": nfc(full_name or "").strip(),
        "id_number": (id_number or "").strip(),
        "date_of_birth": date_of_birth,
        "address": nfc(address or "").strip(),
    }
    changed = [name for name, value in wanted.items() if name not in locked and getattr(user, name) != value]
    for name in changed:
        setattr(user, name, wanted[name])
    if changed:
        user.save(update_fields=changed)
    return user
