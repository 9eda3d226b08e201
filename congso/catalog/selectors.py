"""Reads of the procedure catalog."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Max, Prefetch, QuerySet
from django.db.models.signals import post_delete, post_save

from congso.catalog.models import Component, FeeLine, Procedure, ResultDocument, WorkflowDefinition, WorkflowStatus
from congso.catalog.search import (
    Vocabulary,
    build_vocabulary,
    correct_query,
    fts5_query,
    needs_correction,
    rank_key,
    search_tokens,
)
from congso.geo.choices import AgencyKind
from congso.geo.models import Agency

# A province catalog holds a few thousand procedures at most; ranking this many in Python is cheap.
MAX_CANDIDATES = 1000
# Fewer strict results than this and the query is checked for misspelt words.
TOO_FEW_RESULTS = 3


def current_procedures() -> QuerySet[Procedure]:
    return Procedure.objects.current().select_related("field")


def _candidate_ids(query: str, base: QuerySet[Procedure]) -> list[tuple[int, str]]:
    tokens = search_tokens(query)
    if not tokens:
        return []
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM catalog_procedure_fts WHERE catalog_procedure_fts MATCH %s "
                "ORDER BY bm25(catalog_procedure_fts) LIMIT %s",
                [fts5_query(query), MAX_CANDIDATES * 4],
            )
            ids = [row[0] for row in cursor.fetchall()]
        qs = base.filter(pk__in=ids)
    else:
        # pg_trgm's GIN index serves these regular expressions: each token must start a word.
        qs = base
        for token in tokens:
            qs = qs.filter(search_text__regex=rf"(^| ){token}")
    return list(qs.values_list("pk", "name")[:MAX_CANDIDATES])


@dataclass
class Search:
    """What a search found, and the corrected query (as the citizen should read it) when one was used."""

    results: QuerySet[Procedure] | Sequence[Procedure]
    corrected: str = ""


def find_procedures(
    query: str = "",
    *,
    field_id: int | None = None,
    level: str | None = None,
    agency_id: int | None = None,
    agency_kind: str | None = None,
    online: str | None = None,
) -> Search:
    """Current procedures matching ``query``, best first; misspelt words are corrected when too little matches.

    Diacritics and case do not matter (the query is folded) and every word must start a word of the
    procedure. When that finds fewer than TOO_FEW_RESULTS, or a word before the last is no word of the
    catalog ("dang ki khai sinh": "ki" also begins "kiểm"), each word that is not in the catalog's vocabulary
    is replaced by its nearest word (``search.correct_token``), the corrected query runs too, and the results
    of both are ranked against the corrected query.
    """
    base = current_procedures()
    if field_id:
        base = base.filter(field_id=field_id)
    if level:
        base = base.filter(level=level)
    if agency_id:
        base = base.filter(agencies__pk=agency_id)
    if agency_kind:
        base = base.filter(agency_kind=agency_kind)
    if online:
        base = base.filter(online_class=online)
    if not search_tokens(query):
        return Search(base.order_by("name") if not query.strip() else base.none())
    candidates = _candidate_ids(query, base)
    corrected = ""
    enough = len(candidates) >= TOO_FEW_RESULTS
    vocabulary = procedure_vocabulary()
    if not enough or needs_correction(query, vocabulary):
        correction = correct_query(query, vocabulary, keep_last_beginning=enough)
        if correction is not None:
            seen = {pk for pk, _name in candidates}
            more = [item for item in _candidate_ids(correction.query, base) if item[0] not in seen]
            if more:
                candidates += more
                query, corrected = correction.query, correction.display
    candidates.sort(key=lambda item: rank_key(query, item[1]))
    return Search(RankedProcedures(base, [pk for pk, _name in candidates]), corrected)


class RankedProcedures(Sequence):
    """Procedures in a ranked order, read from the database only for the part asked for (one page of results):
    a search matching a thousand procedures loads the twenty shown, not a thousand rows with their JSON."""

    def __init__(self, base: QuerySet[Procedure], order: list[int]):
        self._base = base
        self._order = order

    def __len__(self) -> int:
        return len(self._order)

    def _load(self, pks: list[int]) -> list[Procedure]:
        by_id = {p.pk: p for p in self._base.filter(pk__in=pks)} if pks else {}
        return [by_id[pk] for pk in pks if pk in by_id]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._load(self._order[index])
        return self._load([self._order[index]])[0]

    def __iter__(self):
        return iter(self._load(self._order))

    def __repr__(self) -> str:
        return f"<RankedProcedures {self._order[:10]}{'…' if len(self._order) > 10 else ''}>"


def search_procedures(
    query: str = "",
    *,
    field_id: int | None = None,
    level: str | None = None,
    agency_id: int | None = None,
    agency_kind: str | None = None,
    online: str | None = None,
) -> QuerySet[Procedure] | Sequence[Procedure]:
    """Current procedures matching ``query`` (folded: diacritics and case do not matter; typos corrected), best first."""
    return find_procedures(
        query, field_id=field_id, level=level, agency_id=agency_id, agency_kind=agency_kind, online=online
    ).results


# The filter value standing for every commune People's Committee (each carries the same commune procedures).
COMMUNE_AGENCIES = "cap-xa"


def procedure_agencies() -> QuerySet[Agency]:
    """The provincial agencies (departments…) that carry current procedures: the choices of the agency filter.

    The commune People's Committees are offered as one choice, COMMUNE_AGENCIES (procedures of kind commune_pc).
    """
    commune = (AgencyKind.COMMUNE_PC, AgencyKind.COMMUNE_ONE_STOP)
    carrying = Procedure.agencies.through.objects.filter(procedure__valid_to__isnull=True).values("agency_id")
    return (
        Agency.objects.current().exclude(kind__in=commune).filter(pk__in=carrying).only("pk", "name").order_by("name")
    )


# ---- vocabulary of the catalog's names (typo correction) -----------------------------------------------------
_vocabulary: dict[tuple, Vocabulary] = {}
# Checked at most this often per process; a save in this process clears the cache at once.
VOCABULARY_CHECK_SECONDS = 2.0
_vocabulary_checked_at = [0.0]


def forget_vocabulary(**_kwargs) -> None:
    _vocabulary.clear()
    _vocabulary_checked_at[0] = 0.0


post_save.connect(forget_vocabulary, sender=Procedure, dispatch_uid="catalog-forget-vocabulary-save")
post_delete.connect(forget_vocabulary, sender=Procedure, dispatch_uid="catalog-forget-vocabulary-delete")


def procedure_vocabulary() -> Vocabulary:
    """The folded words of the current procedures' names (``search.build_vocabulary``), cached per process.

    A new version of a procedure is a new row and the old one leaves the current set, so (count, last id) of
    the current procedures is a version: one cheap aggregate at most every VOCABULARY_CHECK_SECONDS; a change
    made by another process (an import) is seen within that time.
    """
    now = time.monotonic()
    if _vocabulary and now - _vocabulary_checked_at[0] < VOCABULARY_CHECK_SECONDS:
        return next(iter(_vocabulary.values()))
    current = Procedure.objects.current()
    version = tuple(current.aggregate(n=Count("id"), last=Max("id")).values())
    vocabulary = _vocabulary.get(version)
    if vocabulary is None:
        vocabulary = build_vocabulary(current.values_list("name", flat=True).iterator())
        _vocabulary.clear()
        _vocabulary[version] = vocabulary
    _vocabulary_checked_at[0] = now
    return vocabulary


def procedure_detail(pk: int) -> Procedure:
    return (
        Procedure.objects.select_related("field")
        .prefetch_related(
            Prefetch("fee_lines", FeeLine.objects.order_by("order")),
            Prefetch("components", Component.objects.order_by("order")),
            Prefetch("results", ResultDocument.objects.order_by("order")),
            "agencies",
        )
        .get(pk=pk)
    )


# ---- workflows ---------------------------------------------------------------------------------
_latest: dict[tuple, dict] = {}
# Checked at most this often per process; a publication in this process clears the cache at once.
WORKFLOW_CHECK_SECONDS = 2.0
_checked_at = [0.0]


def forget_workflows(**_kwargs) -> None:
    _latest.clear()
    _checked_at[0] = 0.0


post_save.connect(forget_workflows, sender=WorkflowDefinition, dispatch_uid="catalog-forget-workflows")


def latest_workflows() -> dict[str, WorkflowDefinition]:
    """The latest published version of each workflow key.

    Published versions never change, so the (count, last id, last publication) of the published rows is
    a version: one cheap aggregate, at most every WORKFLOW_CHECK_SECONDS, instead of reading every spec;
    a publication in another process is seen within that time.
    """
    now = time.monotonic()
    if _latest and now - _checked_at[0] < WORKFLOW_CHECK_SECONDS:
        return next(iter(_latest.values()))
    published = WorkflowDefinition.objects.filter(status=WorkflowStatus.PUBLISHED)
    version = tuple(published.aggregate(n=Count("id"), last=Max("id"), at=Max("published_at")).values())
    cached = _latest.get(version)
    if cached is None:
        cached = {}
        for wf in published.order_by("key", "-version"):
            cached.setdefault(wf.key, wf)
        _latest.clear()
        _latest[version] = cached
    _checked_at[0] = now
    return cached


def workflow_for_procedure(procedure: Procedure, workflows: dict | None = None):
    """The workflow a new dossier of ``procedure`` starts on: one bound to it by key, else its level's default."""
    workflows = latest_workflows() if workflows is None else workflows
    for wf in workflows.values():
        if not wf.child and procedure.key in wf.procedure_keys:
            return wf
    for wf in workflows.values():
        if not wf.child and wf.default_for_level == procedure.level:
            return wf
    return None


def procedure_duration_hours(procedure: Procedure, hours_per_day: int = 8):
    """The statutory duration in working hours, the unit step budgets are written in (domain §3)."""
    from decimal import Decimal

    from congso.catalog.choices import DurationUnit

    if procedure.duration_unit == DurationUnit.IMMEDIATE:
        return Decimal(0)
    if procedure.duration_value is None:
        return None
    value = Decimal(procedure.duration_value)
    if procedure.duration_unit == DurationUnit.WORKING_HOURS:
        return value
    # Working days, and calendar days for step budgets (the dossier clock runs in calendar days).
    return value * hours_per_day
