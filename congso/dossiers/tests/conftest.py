import datetime as dt

import pytest


class FakeClock:
    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, moment: dt.datetime) -> None:
        self.now = moment

    def advance(self, **kwargs) -> None:
        self.now = self.now + dt.timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch):
    """Statutory time under the test's control: every ``timezone.now()`` reads it."""
    from congso.dossiers.tests.helpers import local

    fake = FakeClock(local(2026, 12, 1, 8, 0))  # a Tuesday, 08:00
    monkeypatch.setattr("django.utils.timezone.now", fake)
    return fake
