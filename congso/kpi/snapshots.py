"""Reading :class:`kpi.facts.Snapshot` s from the database: one query for one dossier, two for a chunk.

1. the dossiers, with their procedure's attributes, the intake commune, whether they were paid online,
   acknowledged by DVCQG, complained about, rated, when they were stopped, and their stored DossierFact;
2. their files, counted per dossier (components, digitised, reused, results, signatures): for one dossier
   as subqueries of the same query, for a chunk with one GROUP BY over its primary-key range.

Definitions are reused from the apps that own them: fee-bearing procedures
(``payments.selectors.fee_bearing_procedure_ids``), paid online (``payments.choices.ONLINE_METHODS`` on the
attempt that settled an obligation), offered online (``catalog.Procedure.offered_online``), acknowledged
(``national.SyncState.acknowledged_at``).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from django.db.models import Count, Exists, F, JSONField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from congso.catalog.models import Procedure
from congso.dossiers.choices import FileKind, State
from congso.dossiers.models import Dossier, DossierEvent, DossierFile
from congso.feedback.models import Complaint, Rating
from congso.kpi import facts
from congso.kpi.models import DossierFact
from congso.national.models import SyncState
from congso.payments.choices import ONLINE_METHODS, ObligationStatus
from congso.payments.models import Obligation
from congso.payments.selectors import fee_bearing_procedure_ids

COMPONENT_KINDS = (FileKind.COMPONENT, FileKind.SUPPLEMENT)

FIELDS = (
    "pk",
    "parent_id",
    "state",
    "channel",
    "competent_agency_id",
    "procedure_id",
    "submitted_at",
    "accepted_at",
    "ended_at",
    "outcome",
    "supplement_count",
    "budget_seconds",
    "consumed_seconds",
)


@dataclass(frozen=True)
class Loaded:
    snapshot: facts.Snapshot
    raw: list | None  # the DossierFact's cells as stored (None: no row)

    @property
    def stored(self) -> facts.Contribution | None:
        return None if self.raw is None else facts.decode(self.raw)


def _file_count(**filters):
    files = DossierFile.objects.filter(dossier_id=OuterRef("pk"), **filters).order_by().values("dossier_id")
    return Coalesce(Subquery(files.annotate(n=Count("pk")).values("n")[:1]), 0)


# The same counts for one dossier, as correlated subqueries (one round trip for a refresh).
_FILE_SUBQUERIES = {
    "components": {"kind__in": COMPONENT_KINDS},
    "components_digitised": {"kind__in": COMPONENT_KINDS, "digitised": True},
    "reused": {"kind__in": COMPONENT_KINDS, "reused": True},
    "results": {"kind": FileKind.RESULT},
    "results_digitised": {"kind": FileKind.RESULT, "digitised": True},
    "results_electronic": {"kind": FileKind.RESULT, "file__isnull": False},
    "person_signed": {"kind": FileKind.RESULT, "signed_at__isnull": False},
    "agency_signed": {"kind": FileKind.RESULT, "agency_signed_at__isnull": False},
}


def annotated(qs: QuerySet[Dossier], *, with_files: bool = False) -> QuerySet:
    """The snapshot columns; ``with_files`` adds the file counts as subqueries (for one dossier; a chunk
    counts its files with one GROUP BY instead)."""
    pk = OuterRef("pk")
    files = {f"kpi_files_{n}": _file_count(**filters) for n, filters in _FILE_SUBQUERIES.items()} if with_files else {}
    qs = qs.annotate(**files)
    return qs.annotate(
        kpi_unit_id=F("intake_agency__unit_id"),
        kpi_online_class=F("procedure__online_class"),
        kpi_online_level=F("procedure__online_level"),
        kpi_channels=F("procedure__channels"),
        kpi_fee_bearing=Exists(fee_bearing_procedure_ids().filter(procedure_id=OuterRef("procedure_id"))),
        kpi_paid_online=Exists(
            Obligation.objects.filter(
                dossier_id=pk, status=ObligationStatus.PAID, paid_payment__method__in=list(ONLINE_METHODS)
            )
        ),
        kpi_synced=Exists(SyncState.objects.filter(dossier_id=pk, acknowledged_at__isnull=False)),
        # Two lookups rather than one with OR, so that each uses its index (complaint.dossier, dossier.parent).
        kpi_complained=Exists(Complaint.objects.filter(dossier_id=pk)),
        # The children first (dossier.parent index), then their complaints: written as a join, SQLite's planner
        # scanned every complaint for every dossier (at 10 M dossiers the rebuild never finished its first chunk).
        kpi_child_complained=Exists(
            Complaint.objects.filter(
                dossier_id__in=Dossier.objects.filter(parent_id=OuterRef(OuterRef("pk"))).order_by().values("pk")
            )
        ),
        kpi_rating=Subquery(Rating.objects.filter(dossier_id=pk).values("score")[:1]),
        kpi_stopped_at=Subquery(
            DossierEvent.objects.filter(dossier_id=pk, action="stop").order_by("-seq").values("at")[:1]
        ),
        kpi_fact=Subquery(DossierFact.objects.filter(dossier_id=pk).values("cells")[:1], output_field=JSONField()),
    ).values(
        *FIELDS,
        "kpi_unit_id",
        "kpi_online_class",
        "kpi_online_level",
        "kpi_channels",
        "kpi_fee_bearing",
        "kpi_paid_online",
        "kpi_synced",
        "kpi_complained",
        "kpi_child_complained",
        "kpi_rating",
        "kpi_stopped_at",
        "kpi_fact",
        *files,
    )


_FILE_COUNTS = {
    "components": Count("pk", filter=Q(kind__in=COMPONENT_KINDS)),
    "components_digitised": Count("pk", filter=Q(kind__in=COMPONENT_KINDS, digitised=True)),
    "reused": Count("pk", filter=Q(kind__in=COMPONENT_KINDS, reused=True)),
    "results": Count("pk", filter=Q(kind=FileKind.RESULT)),
    "results_digitised": Count("pk", filter=Q(kind=FileKind.RESULT, digitised=True)),
    "results_electronic": Count("pk", filter=Q(kind=FileKind.RESULT, file__isnull=False)),
    "person_signed": Count("pk", filter=Q(kind=FileKind.RESULT, signed_at__isnull=False)),
    "agency_signed": Count("pk", filter=Q(kind=FileKind.RESULT, agency_signed_at__isnull=False)),
}


def file_counts(files: QuerySet[DossierFile]) -> dict[int, dict[str, int]]:
    rows = files.order_by().values("dossier_id").annotate(**_FILE_COUNTS)
    return {r.pop("dossier_id"): r for r in rows}


def _offered_online(online_class: str, online_level: int | None, channels: list | None) -> bool:
    """``catalog.Procedure.offered_online`` from the annotated columns (class, level, ways of submission);
    memoised per combination (a model instance per dossier was a quarter of a rebuild's time)."""
    key = (online_class, online_level, tuple(channels or ()))
    try:
        known = _OFFERED.get(key)
    except TypeError:  # unhashable ways of submission: compute it
        return Procedure(online_class=online_class, online_level=online_level, channels=channels or []).offered_online
    if known is None:
        known = Procedure(online_class=online_class, online_level=online_level, channels=list(key[2])).offered_online
        if len(_OFFERED) < 10_000:
            _OFFERED[key] = known
    return known


_OFFERED: dict[tuple, bool] = {}


def _snapshot(row: dict, files: dict[str, int] | None) -> facts.Snapshot:
    return facts.Snapshot(
        dossier_id=row["pk"],
        parent_id=row["parent_id"],
        state=row["state"],
        channel=row["channel"],
        competent_agency_id=row["competent_agency_id"],
        unit_id=row["kpi_unit_id"],
        procedure_id=row["procedure_id"],
        submitted_at=row["submitted_at"],
        accepted_at=row["accepted_at"],
        ended_at=row["ended_at"],
        stopped_at=row["kpi_stopped_at"] if row["state"] == State.STOPPED else None,
        outcome=row["outcome"] or "",
        supplement_count=row["supplement_count"],
        budget_seconds=row["budget_seconds"],
        consumed_seconds=row["consumed_seconds"],
        offered_online=_offered_online(row["kpi_online_class"], row["kpi_online_level"], row["kpi_channels"]),
        fee_bearing=bool(row["kpi_fee_bearing"]),
        paid_online=bool(row["kpi_paid_online"]),
        synced=bool(row["kpi_synced"]),
        complained=bool(row["kpi_complained"] or row["kpi_child_complained"]),
        rating=row["kpi_rating"],
        **(files or {}),
    )


def _counted(row: dict) -> bool:
    """Whether the files matter: the dossier is a root that was received (otherwise it contributes nothing)."""
    if row["parent_id"] is not None:
        return False
    return (row["submitted_at"] if row["channel"] == facts.ONLINE else row["accepted_at"]) is not None


_SENTINEL = -7_919_191_919  # never a primary key: marks where the dossier id goes in the cached statement
_statements: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per connection (per thread)


def _one_statement(connection):
    """The single-dossier snapshot query, compiled once per connection: compiling this many subqueries costs
    several milliseconds of Python, running it well under one (the refresh sits in every action)."""
    cached = _statements.get(connection)
    if cached is None:
        qs = annotated(Dossier.objects.filter(pk=_SENTINEL).order_by(), with_files=True)
        compiler = qs.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slot = [i for i, p in enumerate(params) if p == _SENTINEL]
        assert len(slot) == 1, "the dossier id must appear once in the snapshot query"
        converters = compiler.get_converters([col[0] for col in compiler.select])
        names = [col[2] for col in compiler.select]
        cached = _statements[connection] = (sql, list(params), slot[0], compiler, converters, names)
    return cached


def load_one(dossier_id: int) -> Loaded | None:
    """One dossier, in one query; None when the dossier does not exist."""
    from django.db import DEFAULT_DB_ALIAS, connections

    connection = connections[DEFAULT_DB_ALIAS]  # this thread's connection (the proxy is not hashable)
    sql, params, slot, compiler, converters, names = _one_statement(connection)
    params = list(params)
    params[slot] = dossier_id
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchone()
    if raw is None:
        return None
    (values,) = compiler.apply_converters([list(raw)], converters) if converters else [raw]
    row = dict(zip(names, values, strict=True))
    files = {name: row[f"kpi_files_{name}"] for name in _FILE_SUBQUERIES}
    return Loaded(_snapshot(row, files if _counted(row) else None), row["kpi_fact"])


def load_chunk(after_pk: int, size: int, until_pk: int | None = None) -> list[Loaded]:
    """The next ``size`` dossiers (roots and children) after ``after_pk`` (up to ``until_pk``), in primary-key
    order: two queries."""
    qs = Dossier.objects.filter(pk__gt=after_pk)
    if until_pk is not None:
        qs = qs.filter(pk__lte=until_pk)
    rows = list(annotated(qs.order_by("pk"))[:size])
    if not rows:
        return []
    lo, hi = rows[0]["pk"], rows[-1]["pk"]
    files = file_counts(DossierFile.objects.filter(dossier_id__gte=lo, dossier_id__lte=hi))
    return [Loaded(_snapshot(r, files.get(r["pk"]) if _counted(r) else None), r["kpi_fact"]) for r in rows]
