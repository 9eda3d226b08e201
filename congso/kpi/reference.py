"""The KPI's reference rows — the Decision 766 score groups and the digital-economy metrics — seeded by the
migrations that create their tables, and restored by ``load_demo`` when missing (a database flushed by tests,
or rows deleted by hand). Idempotent: existing rows, as the province edited them, are left alone."""

from __future__ import annotations

import importlib

from congso.kpi.models import EconomyMetric, ScoreGroup
from congso.kpi.scoring import DEFAULT_RULES


def ensure_reference() -> int:
    """Create the missing score groups and economy metrics; return how many were created."""
    created = 0
    for position, rule in enumerate(DEFAULT_RULES, start=1):
        _row, new = ScoreGroup.objects.get_or_create(
            key=rule.key,
            defaults={
                "name": rule.name,
                "indicator": rule.indicator,
                "maximum": rule.maximum,
                "threshold": rule.threshold,
                "position": position,
            },
        )
        created += new
    # The metric definitions live in the migration that seeds them (a migration must not import app code).
    metrics = importlib.import_module("congso.kpi.migrations.0003_dx_governance").METRICS
    for position, row in enumerate(metrics, start=1):
        values = {k: v for k, v in row.items() if k != "key"}
        _row, new = EconomyMetric.objects.get_or_create(key=row["key"], defaults={**values, "position": position})
        created += new
    return created
