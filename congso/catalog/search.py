"""Ranking of procedure search results (pure, ORM-free).

The database narrows the candidates through its index (FTS5 on SQLite, pg_trgm on PostgreSQL);
this module orders them the way a citizen expects: the procedure whose name *is* the query first,
then names that contain the query as a phrase, earlier and shorter names first; and it corrects the
citizen's misspelt words against the vocabulary of the catalog's names.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from congso.core.text import fold_vi, nfc, search_tokens

_LEADING = re.compile(r"^(thu tuc|tthc)\s+")


@lru_cache(maxsize=8192)  # names change a few times a year; folding them is most of the cost of ranking
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


# ---- typo tolerance ------------------------------------------------------------------------------
# Citizens type "dang ki khai sinh", "khai sinhh": when the strict search finds (almost) nothing, or a word before
# the last is no word of the catalog, each such word is replaced by the nearest word that is and the search runs
# again (selectors.find_procedures).
_WORD = re.compile(r"\w+")
# i and y are interchangeable in Vietnamese spelling ("kí"/"ký", "lí"/"lý"): words compare with y read as i.
_VARIANTS = str.maketrans({"y": "i"})


def variant_key(word: str) -> str:
    """The form words are compared in: folded, y read as i (đ is already d)."""
    return word.translate(_VARIANTS)


def max_distance(token: str) -> int:
    """Edits allowed to correct ``token``: one in a short word, two in a longer one."""
    return 1 if len(token) <= 4 else 2


def distance(a: str, b: str) -> int:
    """Damerau–Levenshtein distance of two words, i/y variants counting as the same letter."""
    return DamerauLevenshtein.distance(variant_key(a), variant_key(b))


@dataclass(frozen=True)
class Vocabulary:
    """The folded words of the catalog's procedure names: how often each occurs, which follow which, and how
    each is written."""

    counts: dict[str, int]
    # folded word → its most frequent spelling in the names ("dang" → "đăng")
    spellings: dict[str, str]
    # two folded words that follow each other in a name → their most frequent spelling ("xay dung" → "xây dựng")
    pairs: dict[tuple[str, str], tuple[str, str]]
    # variant key → the most frequent word with that key; keys ordered most frequent first
    by_key: dict[str, str]
    keys: tuple[str, ...]
    # the words in alphabetical order, to tell a word's beginning ("kh" of "khai") from a typo
    ordered: tuple[str, ...]

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    def starts_a_word(self, token: str) -> bool:
        """Whether ``token`` is the beginning of some word (the citizen may still be typing it)."""
        i = bisect_left(self.ordered, token)
        return i < len(self.ordered) and self.ordered[i].startswith(token)

    def __len__(self) -> int:
        return len(self.counts)


def _written_words(name: str, folded: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str]]:
    """(folded word, as written in lower case) for each word of ``name``; ``folded`` memoises the folding."""
    words = []
    for written in _WORD.findall(nfc(name).lower()):
        pairs = folded.get(written)
        if pairs is None:
            tokens = search_tokens(written)
            # "a_b" folds to two words, kept as folded
            pairs = folded[written] = [(tokens[0], written)] if len(tokens) == 1 else [(t, t) for t in tokens]
        words.extend(pairs)
    return words


def _most_frequent(counter: Counter):
    return max(counter, key=lambda item: (counter[item], item))


def build_vocabulary(names: Iterable[str]) -> Vocabulary:
    counts: Counter[str] = Counter()
    spellings: defaultdict[str, Counter[str]] = defaultdict(Counter)
    pairs: defaultdict[tuple[str, str], Counter[tuple[str, str]]] = defaultdict(Counter)
    folded: dict[str, list[tuple[str, str]]] = {}
    for name in names:
        words = _written_words(name, folded)
        for word, written in words:
            counts[word] += 1
            spellings[word][written] += 1
        for (first, first_written), (second, second_written) in zip(words, words[1:], strict=False):
            pairs[(first, second)][(first_written, second_written)] += 1
    by_key: dict[str, str] = {}
    for word in sorted(counts, key=lambda w: (-counts[w], w)):
        by_key.setdefault(variant_key(word), word)
    return Vocabulary(
        counts=dict(counts),
        spellings={word: _most_frequent(c) for word, c in spellings.items()},
        pairs={pair: _most_frequent(c) for pair, c in pairs.items()},
        by_key=by_key,
        keys=tuple(by_key),
        ordered=tuple(sorted(counts)),
    )


def correct_token(token: str, vocabulary: Vocabulary, *, before: str = "", after: str = "") -> str:
    """The vocabulary word ``token`` most likely stands for; ``token`` itself when it is a word or too far off.

    A word of the vocabulary is kept; else its i/y variant; else the nearest word within ``max_distance``
    edits (Damerau–Levenshtein: a swap of two neighbours is one edit); among equally near words, the one
    seen after ``before`` and before ``after`` in the names (both, then either), then the word the catalog
    uses most. Numbers
    (codes) and one-letter tokens are kept as typed.
    """
    if token in vocabulary or len(token) < 2 or not token.isalpha():
        return token
    key = variant_key(token)
    if key in vocabulary.by_key:
        return vocabulary.by_key[key]
    found = process.extract(
        key, vocabulary.keys, scorer=DamerauLevenshtein.distance, score_cutoff=max_distance(token), limit=None
    )
    if not found:
        return token

    def preference(hit: tuple[str, int, int]) -> tuple:
        word = vocabulary.by_key[hit[0]]
        neighbours = ((before, word) in vocabulary.pairs) + ((word, after) in vocabulary.pairs)
        # fewest edits, then a word seen next to its neighbours, then the most frequent (keys are in that order)
        return (hit[1], -neighbours, hit[2])

    return vocabulary.by_key[min(found, key=preference)[0]]


@dataclass(frozen=True)
class Correction:
    """A query with its misspelt words replaced: ``query`` to search (folded), ``display`` to show."""

    query: str
    display: str


def spell(words: list[str], vocabulary: Vocabulary) -> str:
    """Folded words written the way the catalog writes them, each read with its neighbours ("xây dựng", not
    "xây dụng")."""
    spelled = []
    for i, word in enumerate(words):
        before = words[i - 1] if i else None
        after = words[i + 1] if i + 1 < len(words) else None
        if (before, word) in vocabulary.pairs:
            spelled.append(vocabulary.pairs[(before, word)][1])
        elif (word, after) in vocabulary.pairs:
            spelled.append(vocabulary.pairs[(word, after)][0])
        else:
            spelled.append(vocabulary.spellings.get(word, word))
    return " ".join(spelled)


def needs_correction(query: str, vocabulary: Vocabulary) -> bool:
    """Whether a word before the last is no word of the vocabulary ("dang ki khai sinh"): the strict search reads
    it as the beginning of a word ("ki" → "kiểm") and may find the wrong procedures. The last word may be one the
    citizen is still typing."""
    return any(token not in vocabulary and token.isalpha() for token in search_tokens(query)[:-1])


def correct_query(query: str, vocabulary: Vocabulary, *, keep_last_beginning: bool = False) -> Correction | None:
    """The corrected query, or None when every word of ``query`` is already right (or cannot be corrected).

    With ``keep_last_beginning`` the last word is kept when it begins some word (the citizen may still be typing).
    """
    tokens = search_tokens(query)
    corrected: list[str] = []
    for i, token in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if keep_last_beginning and not after and vocabulary.starts_a_word(token):
            corrected.append(token)
            continue
        corrected.append(correct_token(token, vocabulary, before=corrected[-1] if corrected else "", after=after))
    if corrected == tokens:
        return None
    return Correction(query=" ".join(corrected), display=spell(corrected, vocabulary))


__all__ = [
    "Correction",
    "Vocabulary",
    "build_vocabulary",
    "correct_query",
    "correct_token",
    "distance",
    "fold_vi",
    "fts5_query",
    "needs_correction",
    "rank_key",
    "search_tokens",
]
