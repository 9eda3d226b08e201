"""Shared test setup: the reference data is loaded once per test database."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest
from django.core.management import call_command

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session", autouse=True)
def _test_pki_dir(tmp_path_factory):
    """A test PKI of the session's own (generated on first use), never the developer's var/pki."""
    from django.conf import settings

    settings.CONGSO_PKI_DIR = tmp_path_factory.mktemp("pki")
    yield settings.CONGSO_PKI_DIR


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), open(os.devnull, "w") as sink:
        call_command("load_demo", "--quiet-logins", verbosity=0, stdout=sink)


def pytest_collection_modifyitems(config, items):
    # Browser tests (and other transactional tests) use a flushed database: run them last, after the tests
    # that share the reference data loaded once in django_db_setup.
    items.sort(key=lambda item: "browser" in item.keywords or "flushes_db" in item.keywords)
    if shutil.which("chromium") or os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(
        reason="Debian's chromium is not installed: browser tests skipped (apt-get install chromium)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "chromium" in str(r.longrepr)]
    if skipped:
        terminalreporter.write_line(
            f"NOTE: {len(skipped)} browser test(s) SKIPPED because /usr/bin/chromium is missing "
            "(install Debian's chromium package; .ci/run does this).",
            yellow=True,
        )


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


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """Each test sees the calendar of its own database state (the cache outlives rolled-back transactions)."""
    from congso.api.v1.auth import forget_tokens
    from congso.catalog.selectors import forget_vocabulary, forget_workflows
    from congso.geo.selectors import forget_agencies
    from congso.kpi.selectors import forget_labels, forget_score_rules
    from congso.national.messages import forget_field_codes
    from congso.notify.actions import forget_templates
    from congso.payments.selectors import forget_fee_schedules
    from congso.workcalendar.selectors import forget_calendar

    caches = (
        forget_calendar,
        forget_tokens,
        forget_agencies,
        forget_workflows,
        forget_vocabulary,
        forget_field_codes,
        forget_fee_schedules,
        forget_templates,
        forget_labels,
        forget_score_rules,
    )
    for forget in caches:
        forget()
    yield
    for forget in caches:
        forget()
