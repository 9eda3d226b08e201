"""The indicators of Decision 766/QĐ-TTg as pure functions over summed counters (domain §8).

Each rate is a :class:`Rate`: numerator, denominator and the percentage (``Decimal``, two places, half up),
``None`` when the denominator is 0 — "no dossier" is not "0 %". Counters are those of ``kpi.facts``,
summed over any set of cells (a month, a quarter, an agency, a field…); the definitions are in docs/kpi.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def percent(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    if numerator >= 0 and denominator > 0:
        # Integer arithmetic, exact: round(10000·n/d) half up, then two places (a dashboard computes thousands).
        return Decimal((20000 * numerator + denominator) // (2 * denominator)).scaleb(-2)
    return (HUNDRED * numerator / denominator).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def rate(self) -> Decimal | None:
        return percent(self.numerator, self.denominator)

    def as_dict(self) -> dict:
        return {"numerator": self.numerator, "denominator": self.denominator, "rate": self.rate}


def _c(counters: Mapping[str, int], name: str) -> int:
    return int(counters.get(name, 0) or 0)


def on_time(c: Mapping[str, int]) -> Rate:
    """Ended on or before the appointment (paused time excluded; > 1 supplement request is late) ÷ ended."""
    return Rate(_c(c, "on_time"), _c(c, "ended"))


def late(c: Mapping[str, int]) -> Rate:
    return Rate(_c(c, "late"), _c(c, "ended"))


def online(c: Mapping[str, int]) -> Rate:
    """Channel 2 with an electronic result ÷ dossiers of procedures offered online (full score at ≥ 50 %)."""
    return Rate(_c(c, "online_e_result"), _c(c, "online_offered"))


def online_share(c: Mapping[str, int]) -> Rate:
    """Dossiers submitted online ÷ dossiers received (the share of channel 2, shown beside the online rate)."""
    return Rate(_c(c, "received_online"), _c(c, "received"))


def online_payment(c: Mapping[str, int]) -> Rate:
    """Dossiers paid online (DuocThanhToanTrucTuyen 1 or 2) ÷ dossiers of fee-bearing procedures."""
    return Rate(_c(c, "paid_online"), _c(c, "fee_bearing"))


def digitisation(c: Mapping[str, int]) -> Rate:
    """Dossiers whose components and result are digitised ÷ dossiers received (full score at ≥ 80 %)."""
    return Rate(_c(c, "digitised"), _c(c, "received"))


def reuse(c: Mapping[str, int]) -> Rate:
    """Dossiers reusing at least one digitised paper ÷ dossiers received (counted apart from digitisation)."""
    return Rate(_c(c, "reused"), _c(c, "received"))


def person_signature(c: Mapping[str, int]) -> Rate:
    """Results carrying a person signature ÷ results issued."""
    return Rate(_c(c, "person_signed"), _c(c, "results"))


def agency_signature(c: Mapping[str, int]) -> Rate:
    """Results carrying the agency signature ÷ results issued."""
    return Rate(_c(c, "agency_signed"), _c(c, "results"))


def synced(c: Mapping[str, int]) -> Rate:
    """Dossiers DVCQG acknowledged ÷ dossiers received."""
    return Rate(_c(c, "synced"), _c(c, "received"))


def complaints(c: Mapping[str, int]) -> Rate:
    return Rate(_c(c, "complaints"), _c(c, "received"))


def dissatisfied(c: Mapping[str, int]) -> Rate:
    return Rate(_c(c, "dissatisfied"), _c(c, "rated"))


@dataclass(frozen=True)
class Satisfaction:
    """100 % − (late % + complaint % + dissatisfied-rating %), floored at 0 (full score at ≥ 90 %).

    A share whose denominator is 0 adds nothing; the whole is ``None`` when all three are empty.
    """

    late: Rate
    complaints: Rate
    dissatisfied: Rate

    @property
    def rate(self) -> Decimal | None:
        parts = (self.late, self.complaints, self.dissatisfied)
        if not any(p.denominator for p in parts):
            return None
        lost = sum((HUNDRED * p.numerator / p.denominator for p in parts if p.denominator), Decimal(0))
        return max(Decimal(0), HUNDRED - lost).quantize(CENT, rounding=ROUND_HALF_UP)

    def as_dict(self) -> dict:
        return {
            "rate": self.rate,
            "late": self.late.as_dict(),
            "complaints": self.complaints.as_dict(),
            "dissatisfied": self.dissatisfied.as_dict(),
        }


def satisfaction(c: Mapping[str, int]) -> Satisfaction:
    return Satisfaction(late(c), complaints(c), dissatisfied(c))


def average_rating(c: Mapping[str, int]) -> Decimal | None:
    """Mean of the 1–5 ratings, two places."""
    n = _c(c, "rated")
    return (Decimal(_c(c, "rating_sum")) / n).quantize(CENT, rounding=ROUND_HALF_UP) if n else None


RATES = {
    "on_time": on_time,
    "online": online,
    "online_share": online_share,
    "online_payment": online_payment,
    "digitisation": digitisation,
    "reuse": reuse,
    "person_signature": person_signature,
    "agency_signature": agency_signature,
    "synced": synced,
}


def indicators(c: Mapping[str, int]) -> dict:
    """Every rate of one group of summed counters, as plain dicts (for the API and the dashboards)."""
    out: dict = {name: fn(c).as_dict() for name, fn in RATES.items()}
    out["satisfaction"] = satisfaction(c).as_dict()
    out["average_rating"] = average_rating(c)
    return out
