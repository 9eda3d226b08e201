"""Log in through the national identity provider (OIDC): filled in by the OIDC work."""

urlpatterns: list = []
