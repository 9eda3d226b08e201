from django import template

from congso.payments.money import format_vnd

register = template.Library()


@register.filter
def vnd(amount) -> str:
    """10000 → "10.000" (amounts in đồng as Vietnamese readers write them)."""
    try:
        return format_vnd(int(amount))
    except (TypeError, ValueError):
        return ""
