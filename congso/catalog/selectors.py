"""Reads of the procedure catalog."""

from __future__ import annotations

import time

from django.db import connection
from django.db.models import Count, Max, Prefetch, QuerySet
from django.db.models.signals import post_save

from congso.catalog.models import Component, FeeLine, Procedure, ResultDocument, WorkflowDefinition, WorkflowStatus
from congso.catalog.search import fts5_query, rank_key, search_tokens

# A province catalog holds a few thousand procedures at most; ranking this many in Python is cheap.
MAX_CANDIDATES = 1000


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


def search_procedures(
    query: str = "",
    *,
    field_id: int | None = None,
    level: str | None = None,
    agency_id: int | None = None,
    online: str | None = None,
) -> QuerySet[Procedure] | list[Procedure]:
    """Current procedures matching ``query`` (folded: diacritics and case do not matter), best first."""
    base = current_procedures()
    if field_id:
        base = base.filter(field_id=field_id)
    if level:
        base = base.filter(level=level)
    if agency_id:
        base = base.filter(agencies__pk=agency_id)
    if online:
        base = base.filter(online_class=online)
    if not search_tokens(query):
        return base.order_by("name") if not query.strip() else base.none()
    candidates = _candidate_ids(query, base)
    candidates.sort(key=lambda item: rank_key(query, item[1]))
    order = [pk for pk, _name in candidates]
    by_id = {p.pk: p for p in base.filter(pk__in=order)}
    return [by_id[pk] for pk in order if pk in by_id]


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
