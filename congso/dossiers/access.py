"""Who may see which dossier: the only way views and API handlers obtain dossiers (DESIGN §4.3).

A foreign dossier is a 404, never a 403: its existence is not disclosed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BigIntegerField, Exists, OuterRef, Q, QuerySet, Value
from django.http import Http404

from congso.accounts.choices import Role
from congso.accounts.models import Representation, StaffAssignment
from congso.dossiers.choices import ApplicantKind
from congso.dossiers.models import Dossier, StepRun
from congso.geo.selectors import cached_agency

PROVINCE_WIDE_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.AUDITOR})


@dataclass(frozen=True)
class Who:
    """A caller: the user, their active roles per agency, the agency an API token is limited to, and the tax
    codes of the enterprises the user actively represents (their dossiers are the user's too)."""

    user: object
    roles: dict[int, frozenset[str]] = field(default_factory=dict)
    scope_agency_id: int | None = None
    represented_tax_codes: frozenset[str] = frozenset()

    @property
    def is_staff_member(self) -> bool:
        return bool(self.roles)

    @property
    def province_wide(self) -> bool:
        if self.scope_agency_id is not None:
            return False
        return any(r & PROVINCE_WIDE_ROLES for r in self.roles.values())

    @property
    def agency_ids(self) -> set[int]:
        return set(self.roles)

    def has(self, agency_id: int | None, *roles: str) -> bool:
        """True when the caller holds one of ``roles`` at ``agency_id``."""
        if agency_id is None:
            return False
        return bool(self.roles.get(agency_id, frozenset()) & set(roles))

    def is_applicant_of(self, dossier: Dossier) -> bool:
        if self.scope_agency_id is not None or getattr(self.user, "pk", None) is None:
            return False
        if dossier.applicant_user_id == self.user.pk:
            return True
        # A representative acts for the enterprise: its dossiers are theirs while the representation is active.
        return (
            dossier.applicant_kind == ApplicantKind.ENTERPRISE
            and dossier.applicant_id_number in self.represented_tax_codes
        )


def who_for(user, scope_agency_id: int | None = None) -> Who:
    """The caller, in one query: active staff roles and, unless limited to an agency, represented enterprises."""
    roles: dict[int, set[str]] = {}
    tax_codes: set[str] = set()
    if getattr(user, "is_authenticated", False):
        rows = StaffAssignment.objects.filter(user_id=user.pk, active=True).values_list("agency_id", "role")
        if scope_agency_id is None:
            # (NULL, tax code) rows for the representations: the same round trip as the roles.
            represented = Representation.objects.filter(user_id=user.pk, active=True).values_list(
                Value(None, output_field=BigIntegerField()), "tax_code"
            )
            rows = rows.union(represented, all=True)
        for agency_id, value in rows:
            if agency_id is None:
                tax_codes.add(value)
                continue
            if scope_agency_id is not None and agency_id != scope_agency_id:
                continue
            roles.setdefault(agency_id, set()).add(value)
    return Who(
        user=user,
        roles={k: frozenset(v) for k, v in roles.items()},
        scope_agency_id=scope_agency_id,
        represented_tax_codes=frozenset(tax_codes),
    )


def request_who(request) -> Who:
    """``who_for(request.user)``, worked out once per request: the view and the back office's header
    (``backoffice.context.office``) share it instead of asking the database twice."""
    who = getattr(request, "_congso_who", None)
    if who is None or who.user is not request.user:
        who = who_for(request.user)
        request._congso_who = who
    return who


def officer_dossiers(who: Who) -> QuerySet[Dossier]:
    """Dossiers an officer may see: province-wide roles see all; others those touching their agencies."""
    qs = Dossier.objects.all()
    if who.province_wide:
        return qs
    agencies = who.agency_ids
    if not agencies:
        return qs.none()
    touched = StepRun.objects.filter(dossier=OuterRef("pk"), agency_id__in=agencies)
    return qs.filter(
        Q(intake_agency_id__in=agencies)
        | Q(receiving_agency_id__in=agencies)
        | Q(competent_agency_id__in=agencies)
        | Q(current_agency_id__in=agencies)
        | Q(coordinating_agency_id__in=agencies)
        | Exists(touched)
    )


def applicant_dossiers(who: Who) -> QuerySet[Dossier]:
    if who.scope_agency_id is not None or not getattr(who.user, "is_authenticated", False):
        return Dossier.objects.none()
    mine = Q(applicant_user_id=who.user.pk)
    if who.represented_tax_codes:
        mine |= Q(applicant_kind=ApplicantKind.ENTERPRISE, applicant_id_number__in=sorted(who.represented_tax_codes))
    return Dossier.objects.filter(mine)


def visible_dossiers(who: Who) -> QuerySet[Dossier]:
    if who.is_staff_member:
        return officer_dossiers(who)
    return applicant_dossiers(who)


def access_dossier(
    who: Who, dossier_id: int, relations: tuple[str, ...] | None = None, *, lock: bool = False
) -> Dossier:
    """The dossier if the caller may see it; otherwise 404. ``relations``: what to load with it.

    ``lock`` (inside a transaction): read it FOR UPDATE, so the action that follows need not read it again.
    """
    try:
        dossier_id = int(dossier_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < dossier_id < 2**62:
        raise Http404
    try:
        queryset = detail_queryset(DETAIL_RELATIONS if relations is None else relations)
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        dossier = queryset.get(pk=dossier_id)
        # Remember which transaction holds the lock (its outermost atomic block).
        dossier._locked_by = connection.atomic_blocks[0] if lock and connection.atomic_blocks else None
        attach_agencies(dossier)
    except Dossier.DoesNotExist:
        raise Http404 from None
    if who.is_applicant_of(dossier):
        return dossier
    if who.is_staff_member and (who.province_wide or _touches(dossier, who.agency_ids)):
        return dossier
    raise Http404


# Loaded with a dossier; its agencies come from the per-process agency cache (attach_agencies).
DETAIL_RELATIONS = ("procedure", "workflow", "assignee")
AGENCY_RELATIONS = ("intake_agency", "receiving_agency", "competent_agency", "current_agency", "coordinating_agency")
# Large columns of the related rows that a dossier page or action does not need (loaded on access if ever).
DEFERRED = (
    "workflow__spec",
    "procedure__form_schema",
    "procedure__legal_basis",
    "procedure__unconfirmed",
    "procedure__search_text",
    "procedure__source",
    "procedure__channels",
    "assignee__password",
)


def detail_queryset(relations: tuple[str, ...] = DETAIL_RELATIONS):
    deferred = [f for f in DEFERRED if f.split("__")[0] in relations]
    return Dossier.objects.select_related(*relations).defer(*deferred)


def attach_agencies(dossier: Dossier) -> Dossier:
    """Fill the dossier's agency relations from the per-process cache (no query once warm)."""
    for relation in AGENCY_RELATIONS:
        field = Dossier._meta.get_field(relation)
        pk = getattr(dossier, field.attname)
        if pk is not None and not field.is_cached(dossier):
            agency = cached_agency(pk)
            if agency is not None:
                field.set_cached_value(dossier, agency)
    return dossier


def _touches(dossier: Dossier, agencies: set[int]) -> bool:
    """The same rule as officer_dossiers(), for one loaded dossier: its own fields first, then its step runs."""
    own = {
        dossier.intake_agency_id,
        dossier.receiving_agency_id,
        dossier.competent_agency_id,
        dossier.current_agency_id,
        dossier.coordinating_agency_id,
    }
    if own & agencies:
        return True
    return StepRun.objects.filter(dossier=dossier, agency_id__in=agencies).exists()
