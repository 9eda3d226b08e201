"""``makemessages`` without fuzzy matching: a new string gets an empty English translation to fill in,
never a guess borrowed from a similar string (which would ship wrong English marked only as "fuzzy")."""

from django.core.management.commands.makemessages import Command as BaseCommand


class Command(BaseCommand):
    msgmerge_options = [*BaseCommand.msgmerge_options, "--no-fuzzy-matching"]
