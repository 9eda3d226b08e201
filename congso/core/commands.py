"""A base for the project's management commands."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    """``BaseCommand`` whose ``help`` may be a lazy translation: argparse needs a plain string for ``--help``
    (a lazy one made ``manage.py <command> --help`` fail with a TypeError)."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        if self.help is not None:
            self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)
