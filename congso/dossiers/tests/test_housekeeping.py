"""The periodic task keeps replay records a week and failed-lookup counters an hour, then drops them."""

import datetime as dt

import pytest

from congso.dossiers.models import IdempotencyRecord, LookupFailure
from congso.dossiers.tasks import check_deadlines_task

pytestmark = pytest.mark.django_db


def test_the_periodic_task_drops_expired_replay_records_and_lookup_counters(clock):
    now = clock.now
    old = IdempotencyRecord.objects.create(scope="user:1", key="old", request_sha256="x", status_code=201, response={})
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=8))
    IdempotencyRecord.objects.create(scope="user:1", key="recent", request_sha256="x", status_code=201, response={})
    LookupFailure.objects.create(client="203.0.113.1", window=now - dt.timedelta(hours=2), count=3)
    LookupFailure.objects.create(client="203.0.113.1", window=now - dt.timedelta(minutes=5), count=1)
    check_deadlines_task.call()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
    assert LookupFailure.objects.count() == 1
