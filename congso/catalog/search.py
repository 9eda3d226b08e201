"""Ranking of procedure search results (pure, ORM-free).

The database narrows the candidates through its index (FTS5 on SQLite, pg_trgm on PostgreSQL);
this module orders them the way a citizen expects: the procedure whose name *is* the query first,
then names that contain the query as a phrase, earlier and shorter names first.
"""

from __future__ import annotations

import re

from congso.core.text import fold_vi, search_tokens

_LEADING = re.compile(r"^(thu tuc|tthc)\s+")


def _core_name(name: str) -> str:
    return _LEADING.sub("", " ".join(search_tokens(name)))


def rank_key(query: str, name: str) -> tuple:
    """Sort key (ascending = better) of a candidate ``name`` for ``query``."""
    q = " ".join(search_tokens(query))
    n = _core_name(name)
    padded = f" {n} "
    phrase_at = padded.find(f" {q} ") if q else -1
    tokens = q.split()
    name_words = set(n.split())
    all_in_name = all(any(w.startswith(t) for w in name_words) for t in tokens)
    return (
        n != q,
        phrase_at < 0,
        not all_in_name,
        phrase_at if phrase_at >= 0 else 10_000,
        len(n),
        n,
    )


def fts5_query(query: str) -> str:
    """An FTS5 MATCH expression: every folded token as a prefix, all required."""
    return " AND ".join(f'"{token}"*' for token in search_tokens(query))


__all__ = ["fold_vi", "fts5_query", "rank_key", "search_tokens"]
