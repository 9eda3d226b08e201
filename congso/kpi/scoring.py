"""Decision 766/QĐ-TTg scoring (domain §8): six groups of points from the indicators, and a ranking.

Pure code over the rates of :mod:`congso.kpi.formulas`. Each group has a maximum and a threshold: a rate at or
above the threshold earns the maximum, below it earns ``rate × maximum ÷ threshold`` (domain §8). A group whose
indicator has no denominator (say, a commune with no fee-bearing dossier for the online-payment group) is
*not applicable*: it is left out and the total is scaled back to 100 over the applicable groups, so a unit is
neither rewarded nor punished for what it had no case of. Weights and thresholds are configurable
(``kpi.ScoreGroup``, edited by the province administrator at ``/mot-cua/chi-so/xep-hang/thang-diem/`` or
``PUT /api/v1/kpi/score-groups``; read through ``kpi.selectors.score_rules``); the defaults below are the
estimates of domain §8 and seed that table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from congso.kpi import formulas

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class GroupRule:
    key: str
    name: str
    indicator: str  # a key of formulas.RATES, or "satisfaction"
    maximum: Decimal
    threshold: Decimal  # percent


# Group weights, estimated (domain §8): transparency 18, progress 20, online service 12, online payment 10,
# satisfaction 18, digitisation 22. Thresholds: online ≥ 50 %, satisfaction ≥ 90 %, digitisation ≥ 80 % are in
# the domain; the others take the whole scale (100 %) until the province sets its own.
DEFAULT_RULES: tuple[GroupRule, ...] = (
    GroupRule("transparency", "Công khai, minh bạch", "synced", Decimal(18), HUNDRED),
    GroupRule("progress", "Tiến độ giải quyết", "on_time", Decimal(20), HUNDRED),
    GroupRule("online_service", "Dịch vụ công trực tuyến", "online", Decimal(12), Decimal(50)),
    GroupRule("online_payment", "Thanh toán trực tuyến", "online_payment", Decimal(10), HUNDRED),
    GroupRule("satisfaction", "Mức độ hài lòng", "satisfaction", Decimal(18), Decimal(90)),
    GroupRule("digitisation", "Số hóa hồ sơ, kết quả", "digitisation", Decimal(22), Decimal(80)),
)


def points(rate: Decimal | None, maximum: Decimal, threshold: Decimal) -> Decimal | None:
    """The points a rate earns: the maximum at or above the threshold, proportionally below it."""
    if rate is None:
        return None
    if threshold <= 0 or rate >= threshold:
        return maximum.quantize(CENT)
    return max(Decimal(0), rate * maximum / threshold).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class GroupScore:
    rule: GroupRule
    rate: Decimal | None
    points: Decimal | None

    def as_dict(self) -> dict:
        return {
            "key": self.rule.key,
            "name": self.rule.name,
            "indicator": self.rule.indicator,
            "rate": self.rate,
            "maximum": self.rule.maximum,
            "threshold": self.rule.threshold,
            "points": self.points,
        }


@dataclass(frozen=True)
class Score:
    groups: tuple[GroupScore, ...]

    @property
    def earned(self) -> Decimal:
        return sum((g.points for g in self.groups if g.points is not None), Decimal(0))

    @property
    def applicable(self) -> Decimal:
        return sum((g.rule.maximum for g in self.groups if g.points is not None), Decimal(0))

    @property
    def total(self) -> Decimal | None:
        """Out of 100: the points earned over the applicable groups' maxima (None when nothing applies)."""
        if not self.applicable:
            return None
        return (self.earned * HUNDRED / self.applicable).quantize(CENT, rounding=ROUND_HALF_UP)

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "earned": self.earned,
            "applicable": self.applicable,
            "groups": [g.as_dict() for g in self.groups],
        }


def indicator_rate(counters: Mapping[str, int], indicator: str) -> Decimal | None:
    if indicator == "satisfaction":
        return formulas.satisfaction(counters).rate
    return formulas.RATES[indicator](counters).rate


def score(counters: Mapping[str, int], rules: Sequence[GroupRule] = DEFAULT_RULES) -> Score:
    groups = []
    for rule in rules:
        rate = indicator_rate(counters, rule.indicator)
        groups.append(GroupScore(rule, rate, points(rate, rule.maximum, rule.threshold)))
    return Score(tuple(groups))


def rank(scores: Mapping[object, Score]) -> list[tuple[int, object, Score]]:
    """Units by total, best first, with competition ranking (1, 2, 2, 4); units with no total come last, unranked (0)."""
    scored = sorted(
        ((key, s) for key, s in scores.items() if s.total is not None), key=lambda item: (-item[1].total, str(item[0]))
    )
    out: list[tuple[int, object, Score]] = []
    for position, (key, s) in enumerate(scored, start=1):
        place = out[-1][0] if out and out[-1][2].total == s.total else position
        out.append((place, key, s))
    out += [(0, key, s) for key, s in scores.items() if s.total is None]
    return out
