"""``/mot-cua/chi-so/``: the governance dashboards (namespace ``backoffice``)."""

from django.urls import path

from congso.backoffice import kpi_views

urlpatterns = [
    path("", kpi_views.index, name="kpi"),
    path("xlsx/", kpi_views.export, name="kpi-xlsx"),
    path("ho-so/", kpi_views.dossiers, name="kpi-dossiers"),
    path("ho-so/xlsx/", kpi_views.dossiers_export, name="kpi-dossiers-xlsx"),
    path("bao-cao/<str:month>.pdf", kpi_views.report, name="kpi-report"),
]
