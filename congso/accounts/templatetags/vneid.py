"""``{% vneid_enabled as on %}``: whether the portal offers login through the national identity provider."""

from django import template

from congso.accounts import oidc

register = template.Library()


@register.simple_tag
def vneid_enabled() -> bool:
    return oidc.is_configured()
