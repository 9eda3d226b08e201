"""Formatting of indicator figures in the dashboard tables.

A province-wide table has hundreds of rows of a dozen rates: the rows of the dashboard's tables (groups, months,
score, headline cards) are built here in Python, one filter per table, rather than by template nodes, which took
most of the page's time. They give the markup the template gave, byte for byte; every text is escaped.
"""

import html
from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.formats import get_format, localize
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _two_places(value) -> str:
    """``floatformat:2`` for a Decimal or a float, with the active language's decimal separator."""
    return f"{Decimal(value):.2f}".replace(".", get_format("DECIMAL_SEPARATOR"))


@register.filter
def kpi_rate(value) -> SafeString:
    """A rate as "97,50 %" (localised), or a dash when there was nothing to count."""
    if value is None:
        return format_html('<span class="na" title="{}">—</span>', _("Không có hồ sơ để tính"))
    return format_html("{}&nbsp;%", _two_places(value))


@register.filter
def kpi_rate_cells(columns) -> SafeString:
    """The ``<td>`` of each rate of a table row: the rate, then numerator/denominator (integers, keys escaped)."""
    separator = get_format("DECIMAL_SEPARATOR")
    dash = kpi_rate(None)
    cells = []
    for c in columns:
        rate = c["rate"]
        shown = dash if rate is None else f"{Decimal(rate):.2f}".replace(".", separator) + "&nbsp;%"
        cells.append(
            f'<td class="num rate-{escape(c["key"])}">{shown}'
            f" <small>{int(c['numerator'])}/{int(c['denominator'])}</small></td>"
        )
    return mark_safe("".join(cells))  # noqa: S308 - built from integers, escaped keys and kpi_rate's safe markup


def _escape(value) -> str:
    """``conditional_escape`` without its lazy-string wrapper (which costs more than the escaping itself)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


class _Cells:
    """The formatting of one render (the language's decimal separator and dash, fetched once), for building the
    rows of the dashboard tables in Python: the same markup the template's tags and filters produced."""

    def __init__(self, rate_columns):
        self.separator = get_format("DECIMAL_SEPARATOR")
        self.dash = kpi_rate(None)
        # ``{{ n }}`` of an integer: plain digits unless the project groups thousands.
        self.integer = localize if settings.USE_THOUSAND_SEPARATOR else str
        self.columns = [(key, f'<td class="num rate-{_escape(key)}">') for key, _label in rate_columns]

    def two(self, value) -> str:
        return f"{Decimal(value):.2f}".replace(".", self.separator)

    def rate(self, value) -> str:
        return self.dash if value is None else f"{Decimal(value):.2f}".replace(".", self.separator) + "&nbsp;%"

    def rate_cells(self, rates: dict) -> str:
        """Each rate with its numerator/denominator (the per-group table)."""
        out = []
        for key, opening in self.columns:
            r = rates[key]
            out.append(
                f"{opening}{self.rate(r['rate'])} <small>{int(r['numerator'])}/{int(r['denominator'])}</small></td>"
            )
        return "".join(out)

    def bare_rate_cells(self, rates: dict) -> str:
        """Each rate alone (the month-by-month table)."""
        return "".join([f"{opening}{self.rate(rates[key]['rate'])}</td>" for key, opening in self.columns])


@register.filter
def kpi_group_rows(groups, rate_columns) -> SafeString:
    """The body rows of the dashboard's per-group table (``rate_columns``: the (key, label) of its rate columns):
    a row per group, its link (``url``) to the next level, counters, rates with their fractions, satisfaction
    and Decision 766 score — one pass in Python instead of a dozen template nodes per row."""
    f = _Cells(rate_columns)
    out = []
    for g in groups:
        counters, rates, url = g["counters"], g["rates"], g.get("url")
        key, label, score = _escape(g["key"]), _escape(g["label"]), g.get("score")
        if url:
            href = _escape(url)
            opening, label = f'<tr data-key="{key}" data-href="{href}">', f'<a href="{href}">{label}</a>'
        else:
            opening = f'<tr data-key="{key}">'
        out.append(
            f"\n  {opening}\n"
            f'    <th scope="row">{label}</th>\n'
            f'    <td class="num received">{f.integer(counters["received"])}</td>\n'
            f'    <td class="num ended">{f.integer(counters["ended"])}</td>\n'
            f"    {f.rate_cells(rates)}\n"
            f'    <td class="num satisfaction">{f.rate(rates["satisfaction"]["rate"])}</td>\n'
            f'    <td class="num score">{"—" if score is None else f.two(score)}</td>\n'
            "  </tr>\n  "
        )
    return mark_safe("".join(out))  # noqa: S308 - every text is escaped, numbers are formatted here


@register.filter
def kpi_cards(cards) -> SafeString:
    """The headline cards of the rates (``kpi_views._cards``): label, rate, and numerator/denominator — or, for
    satisfaction, each of its parts."""
    f = _Cells(())
    out = []
    for card in cards:
        parts = card.get("parts")
        if parts:
            fraction = "; ".join(
                f"{_escape(label)} {f.integer(p['numerator'])}/{f.integer(p['denominator'])}" for label, p in parts
            )
            fraction = f'<span class="frac">{fraction}</span>\n    '
        else:
            fraction = (
                f'<span class="frac"><span class="num">{_escape(f.integer(card["numerator"]))}</span>/'
                f'<span class="den">{_escape(f.integer(card["denominator"]))}</span></span>'
            )
        out.append(
            f'\n  <li class="card" id="card-{_escape(card["key"])}"><span class="label">{_escape(card["label"])}</span>\n'
            f'    <span class="value">{f.rate(card["rate"])}</span>\n'
            f"    {fraction}\n  </li>\n  "
        )
    return mark_safe("".join(out))  # noqa: S308 - every text is escaped, numbers are formatted here


@register.filter
def kpi_score_rows(groups) -> SafeString:
    """The rows of the Decision 766 table (``scoring.GroupScore``): rate, threshold, maximum, points earned."""
    f = _Cells(())
    not_applicable = (
        f'<span title="{_escape(_("Không áp dụng: không có hồ sơ để tính"))}">{_escape(_("không áp dụng"))}</span>'
    )
    return mark_safe(  # noqa: S308 - every text is escaped, numbers are formatted here
        "".join(
            f'<tr id="score-{_escape(g.rule.key)}"><th scope="row">{_escape(g.rule.name)}</th>'
            f'<td class="num">{f.rate(g.rate)}</td><td class="num">{f.two(g.rule.threshold)}&nbsp;%</td>'
            f'<td class="num">{f.two(g.rule.maximum)}</td>'
            f'<td class="num points">{not_applicable if g.points is None else f.two(g.points)}</td></tr>'
            for g in groups
        )
    )


@register.filter
def kpi_trend_rows(rows, rate_columns) -> SafeString:
    """The body rows of the month-by-month table: the month (a link to that month), counters, rates."""
    f = _Cells(rate_columns)
    out = []
    for row in rows:
        counters, rates, query = row["counters"], row["rates"], _escape(row["query"])
        out.append(
            f'<tr data-key="{_escape(row["key"])}" data-href="?{query}">'
            f'<th scope="row"><a href="?{query}">{row["month"]:%m/%Y}</a></th>'
            f'<td class="num received">{f.integer(counters["received"])}</td>'
            f'<td class="num ended">{f.integer(counters["ended"])}</td>'
            f"{f.bare_rate_cells(rates)}"
            f'<td class="num satisfaction">{f.rate(rates["satisfaction"]["rate"])}</td></tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every text is escaped, numbers are formatted here


@register.filter
def kpi_two(value) -> str:
    """``floatformat:2`` for the hundreds of figures of a ranking table, without its per-call cost."""
    return "" if value is None else _two_places(value)


@register.filter
def kpi_score_cells(groups) -> SafeString:
    """The ``<td>`` of each Decision 766 group of a ranking row: the points, then the rate; a dash when the group
    does not apply (nothing to count)."""
    separator = get_format("DECIMAL_SEPARATOR")
    dash = format_html('<td class="num"><span class="none" title="{}">—</span></td>', _("Không có hồ sơ để tính"))
    cells = []
    for g in groups:
        if g.points is None:
            cells.append(dash)
            continue
        points = f"{Decimal(g.points):.2f}".replace(".", separator)
        rate = "" if g.rate is None else f"{Decimal(g.rate):.2f}".replace(".", separator) + "%"
        cells.append(f'<td class="num">{points}<small>{rate}</small></td>')
    return mark_safe("".join(cells))  # noqa: S308 - numbers formatted here and format_html's safe markup
