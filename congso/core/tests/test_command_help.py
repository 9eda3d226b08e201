"""Every management command of the project prints its ``--help`` (a lazy translated help once made it crash)."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import pytest
from django.core.management import get_commands, load_command_class


@pytest.mark.parametrize("name", sorted(n for n, app in get_commands().items() if app.startswith("congso")))
def test_help_is_printed(name):
    command = load_command_class(get_commands()[name], name)
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit) as done:
        command.run_from_argv(["manage.py", name, "--help"])
    assert done.value.code == 0
    assert name in out.getvalue()
