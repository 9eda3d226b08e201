"""Decision 766 ranking and score rules, mounted at ``/mot-cua/chi-so/xep-hang/`` (``backoffice`` namespace)."""

from django.urls import path

from congso.backoffice import score_views as views

urlpatterns = [
    path("", views.ranking_page, name="score-ranking"),
    path("xlsx/", views.ranking_export, name="score-export"),
    path("thang-diem/", views.score_groups_page, name="score-groups"),
]
