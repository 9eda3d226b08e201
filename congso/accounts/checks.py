"""``manage.py check --deploy``: the identity-provider settings a production site must get right."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def identity_provider(app_configs=None, **kwargs):
    problems = []
    if settings.CONGSO_OIDC_SIMULATOR:
        problems.append(
            Warning(
                "The VNeID simulator is mounted at /sim/vneid/: anyone can log in as its demo identities.",
                hint="Set CONGSO_OIDC_ISSUER (and the client id and secret) of the real provider, "
                "or CONGSO_OIDC_SIMULATOR=0 to offer no VNeID login.",
                id="accounts.W001",
            )
        )
    elif settings.CONGSO_OIDC_ISSUER and not settings.CONGSO_OIDC_CLIENT_SECRET:
        problems.append(
            Error(
                "CONGSO_OIDC_ISSUER is set but CONGSO_OIDC_CLIENT_SECRET (or _FILE) is not.",
                id="accounts.E001",
            )
        )
    elif settings.CONGSO_OIDC_ISSUER and not settings.CONGSO_OIDC_ISSUER.startswith("https://"):
        problems.append(Error("CONGSO_OIDC_ISSUER must be an https:// URL.", id="accounts.E002"))
    return problems
