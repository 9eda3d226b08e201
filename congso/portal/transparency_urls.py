"""The public transparency page, mounted at ``/minh-bach/`` (``portal`` namespace)."""

from django.urls import path

from congso.portal import transparency_views as views

urlpatterns = [
    path("", views.transparency, name="transparency"),
    path("xlsx/", views.transparency_export, name="transparency-export"),
]
