"""The score groups and economy metrics come back when missing, and the province's edits are kept."""

from decimal import Decimal

import pytest

from congso.kpi.models import EconomyMetric, ScoreGroup
from congso.kpi.reference import ensure_reference

pytestmark = pytest.mark.django_db


def test_missing_reference_rows_are_restored_and_edited_ones_kept():
    assert ensure_reference() == 0  # seeded by the migrations
    ScoreGroup.objects.filter(key="progress").update(maximum=Decimal(25))
    ScoreGroup.objects.exclude(key="progress").delete()
    EconomyMetric.objects.filter(key="e-invoice").delete()
    assert ensure_reference() == 5 + 1
    assert ScoreGroup.objects.count() == 6 and EconomyMetric.objects.count() == 4
    assert ScoreGroup.objects.get(key="progress").maximum == Decimal(25)  # the province's weight stays
    assert ensure_reference() == 0
