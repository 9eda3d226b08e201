"""Dossier codes (domain §5): ``<receiving agency id>-YYMMDD-NNNN``, a daily counter per agency.

Allocation is one statement, ``INSERT … ON CONFLICT DO UPDATE … RETURNING``, inside the transaction
that accepts the dossier: the counter row is locked until that transaction ends, so concurrent
intakes at one agency queue on it (collision-free), and a rolled-back intake rolls its number back
too (gap-free). SQLite (≥ 3.35) and PostgreSQL run the same SQL.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection

CODE_RE = re.compile(r"^(?P<agency>[0-9A-Z.]{1,35})-(?P<day>\d{6})-(?P<n>\d{4,})$")


def format_code(agency_identifier: str, day: dt.date, number: int) -> str:
    return f"{agency_identifier}-{day:%y%m%d}-{number:04d}"


def parse_code(code: str) -> tuple[str, dt.date, int] | None:
    match = CODE_RE.match(code or "")
    if not match:
        return None
    try:
        day = dt.datetime.strptime(match["day"], "%y%m%d").date()
    except ValueError:
        return None
    return match["agency"], day, int(match["n"])


def next_number(agency_id: int, day: dt.date) -> int:
    """Take the next number of ``day`` at the agency (call inside the accepting transaction)."""
    from congso.dossiers.models import CodeCounter

    table = CodeCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (agency_id, day, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (agency_id, day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [agency_id, day],
        )
        return cursor.fetchone()[0]
