"""The province's Decision 766 score configuration (``ScoreGroup``): validation and the one action that changes it.

Decision 766/QĐ-TTg scores every unit out of 100 points: the maxima of the groups in force must sum to exactly
100. A group earns its maximum at or above its threshold (a percentage in (0, 100]) and ``rate × maximum ÷
threshold`` below it (domain §8). Only the province administrator changes the rules; every change is written to
the administration log (``django.contrib.admin.LogEntry``: who, when, old → new values) and applied to all rows
in one transaction, or to none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from congso.accounts import staff
from congso.kpi import ranking, scoring, selectors
from congso.kpi.models import ScoreGroup

TOTAL = Decimal(100)  # Decision 766/QĐ-TTg: the index is scored out of 100 points
CENT = Decimal("0.01")
FIELDS = ("maximum", "threshold", "active")


class ScoreConfigError(Exception):
    """Bad rules: ``errors[(key, field)]`` beside each field, ``general`` for the whole table (the sum)."""

    def __init__(self, errors: dict[tuple[str, str], str], general: list[str]):
        super().__init__("; ".join([*general, *errors.values()]))
        self.errors = errors
        self.general = general


@dataclass(frozen=True)
class Rule:
    key: str
    maximum: Decimal
    threshold: Decimal
    active: bool


def groups() -> list[ScoreGroup]:
    """The configured groups in order; the domain's defaults (unsaved) when the table is empty."""
    rows = list(ScoreGroup.objects.order_by("position", "key"))
    if rows:
        return rows
    return [
        ScoreGroup(
            key=r.key,
            name=r.name,
            indicator=r.indicator,
            maximum=r.maximum,
            threshold=r.threshold,
            position=position,
            active=True,
        )
        for position, r in enumerate(scoring.DEFAULT_RULES, start=1)
    ]


def _number(raw, what: str) -> tuple[Decimal | None, str]:
    """A decimal typed with a point or a Vietnamese comma; at most two decimals."""
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    if not text:
        return None, _("Nhập %(what)s.") % {"what": what}
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("%(what)s phải là một số, ví dụ 18 hoặc 12,5.") % {"what": what.capitalize()}
    if not value.is_finite():
        return None, _("%(what)s phải là một số, ví dụ 18 hoặc 12,5.") % {"what": what.capitalize()}
    if abs(value) <= 1000 and value != value.quantize(CENT):
        return None, _("Chỉ dùng tối đa hai chữ số thập phân.")
    return value, ""


def _plain(value: Decimal) -> str:
    """18, 12,5 — as a Vietnamese reader writes a number (decimal comma, no trailing zeros)."""
    return f"{value.normalize():f}".replace(".", ",")


def _active(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    return str(raw or "").strip().lower() in ("1", "true", "on", "yes", "co", "có")


def validate(typed: Mapping[str, Mapping[str, object]], rows: list[ScoreGroup] | None = None) -> list[Rule]:
    """Check the values typed for every group (``{key: {"maximum", "threshold", "active"}}``).

    Every configured group must be there; raises :class:`ScoreConfigError` with every problem at once.
    """
    rows = groups() if rows is None else rows
    errors: dict[tuple[str, str], str] = {}
    general: list[str] = []
    known = {g.key for g in rows}
    unknown = sorted(set(typed) - known)
    if unknown:
        general.append(_("Không có nhóm chỉ tiêu: %(keys)s.") % {"keys": ", ".join(unknown)})
    rules: list[Rule] = []
    for g in rows:
        values = typed.get(g.key)
        if values is None:
            general.append(_("Thiếu nhóm chỉ tiêu “%(name)s”.") % {"name": g.name})
            continue
        maximum, problem = _number(values.get("maximum"), _("điểm tối đa"))
        if problem:
            errors[(g.key, "maximum")] = problem
        elif maximum < 0:
            errors[(g.key, "maximum")] = _("Điểm tối đa không được âm.")
        elif maximum > TOTAL:
            errors[(g.key, "maximum")] = _("Điểm tối đa không vượt quá 100.")
        threshold, problem = _number(values.get("threshold"), _("ngưỡng"))
        if problem:
            errors[(g.key, "threshold")] = problem
        elif not 0 < threshold <= 100:
            errors[(g.key, "threshold")] = _("Ngưỡng là tỷ lệ phần trăm: lớn hơn 0 và không quá 100.")
        if (g.key, "maximum") not in errors and (g.key, "threshold") not in errors:
            rules.append(Rule(g.key, maximum, threshold, _active(values.get("active"))))
    if not errors and not general:
        active = [r for r in rules if r.active]
        total = sum((r.maximum for r in active), Decimal(0))
        if not active:
            general.append(_("Phải áp dụng ít nhất một nhóm chỉ tiêu."))
        elif total != TOTAL:
            general.append(
                _(
                    "Tổng điểm tối đa của các nhóm đang áp dụng phải bằng 100 (Bộ chỉ số theo Quyết định 766/QĐ-TTg "
                    "chấm trên thang 100 điểm); hiện là %(total)s."
                )
                % {"total": _plain(total)}
            )
    if errors or general:
        raise ScoreConfigError(errors, general)
    return rules


def update_score_groups(who, typed: Mapping[str, Mapping[str, object]]) -> list[ScoreGroup]:
    """The province administrator sets each group's maximum, threshold and active flag: all rows or none.

    Returns the groups that changed; each change is logged with its author and the old and new values.
    """
    if not staff.is_province_admin(who):
        raise PermissionDenied
    with transaction.atomic():
        rows = list(ScoreGroup.objects.select_for_update().order_by("position", "key"))
        if not rows:  # a database created without the seeding migration's data: start from the defaults
            for position, r in enumerate(scoring.DEFAULT_RULES, start=1):
                ScoreGroup.objects.create(
                    key=r.key,
                    name=r.name,
                    indicator=r.indicator,
                    maximum=r.maximum,
                    threshold=r.threshold,
                    position=position,
                )
            rows = list(ScoreGroup.objects.select_for_update().order_by("position", "key"))
        rules = {r.key: r for r in validate(typed, rows)}
        changed = []
        content_type = ContentType.objects.get_for_model(ScoreGroup)
        for g in rows:
            rule = rules[g.key]
            diff = []
            if g.maximum != rule.maximum:
                diff.append(
                    _("điểm tối đa %(old)s → %(new)s") % {"old": _plain(g.maximum), "new": _plain(rule.maximum)}
                )
            if g.threshold != rule.threshold:
                diff.append(
                    _("ngưỡng %(old)s%% → %(new)s%%") % {"old": _plain(g.threshold), "new": _plain(rule.threshold)}
                )
            if g.active != rule.active:
                diff.append(_("áp dụng") if rule.active else _("thôi áp dụng"))
            if not diff:
                continue
            g.maximum, g.threshold, g.active = rule.maximum, rule.threshold, rule.active
            g.save(update_fields=["maximum", "threshold", "active", "updated_at"])
            if getattr(who.user, "pk", None) is not None:
                LogEntry.objects.create(
                    user_id=who.user.pk,
                    content_type=content_type,
                    object_id=str(g.pk),
                    object_repr=str(g)[:200],
                    action_flag=CHANGE,
                    change_message=f"{g.name}: " + "; ".join(diff),
                )
            changed.append(g)
        if changed:
            transaction.on_commit(ranking.forget_public_rankings)
            transaction.on_commit(selectors.forget_score_rules)  # again after the commit: no reader refilled it early
    return changed


def history(limit: int = 20):
    """The latest changes of the score rules, newest first (who, when, what)."""
    content_type = ContentType.objects.get_for_model(ScoreGroup)
    return LogEntry.objects.filter(content_type=content_type).select_related("user").order_by("-action_time")[:limit]
