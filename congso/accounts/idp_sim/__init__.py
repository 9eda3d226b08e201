"""A local identity provider in the manner of VNeID, for tests and ``make run`` (mounted at /sim/vneid/).

OpenID Connect with the authorization-code flow, PKCE (S256 only), RS256 ID tokens and a userinfo
endpoint; the person picks one of the demo identities (:mod:`.identities`) on a Vietnamese page, or cancels.
Its signing key is generated once per installation (:mod:`.keys`, under ``var/``, never committed).
It is never mounted unless ``CONGSO_OIDC_SIMULATOR`` is on (the default only while no real provider is set).
"""
