"""Formatting of indicator figures in the dashboard tables.

A province-wide table has hundreds of rows of a dozen rates: each cell is built here in Python (one filter per
row) rather than by template nodes, which took most of the page's time.
"""

from decimal import Decimal

from django import template
from django.utils.formats import get_format
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
