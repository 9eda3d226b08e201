"""Log in through the national identity provider (OIDC), under /tai-khoan/vneid/ (names in the portal namespace)."""

from django.urls import path

from congso.portal import oidc_views

urlpatterns = [
    path("dang-nhap/", oidc_views.start, name="vneid-start"),
    path("callback/", oidc_views.callback, name="vneid-callback"),
]
