"""Shared test setup: the reference data is loaded once per test database."""

from __future__ import annotations

import os
import shutil

import pytest
from django.core.management import call_command

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), open(os.devnull, "w") as sink:
        call_command("load_demo", "--quiet-logins", verbosity=0, stdout=sink)


def pytest_collection_modifyitems(config, items):
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
