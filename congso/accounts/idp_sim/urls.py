"""Mounted at /sim/vneid/ by congso/urls.py when CONGSO_OIDC_SIMULATOR is on."""

from django.urls import path

from congso.accounts.idp_sim import views

app_name = "vneid-sim"
urlpatterns = [
    path("", views.home, name="home"),
    path(".well-known/openid-configuration", views.discovery, name="discovery"),
    path("jwks", views.jwks, name="jwks"),
    path("authorize", views.authorize, name="authorize"),
    path("token", views.token, name="token"),
    path("userinfo", views.userinfo, name="userinfo"),
]
