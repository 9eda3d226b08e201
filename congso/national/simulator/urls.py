from django.urls import path

from congso.national.simulator import views

app_name = "dvcqg_sim"

urlpatterns = [
    path("", views.index, name="index"),
    path("api", views.api, name="api"),
    path("files/<str:token>", views.file_download, name="file"),
    path("dieu-khien/", views.control, name="control"),
    path("nop/", views.submit, name="submit"),
    path("ho-so/<str:code>/", views.dossier_detail, name="dossier"),
    path("ho-so/<str:code>/tep/<int:pk>/", views.file_view, name="file-view"),
    path("ho-so/<str:code>/thanh-toan/", views.mark_paid, name="mark-paid"),
    path("ho-so/<str:code>/gui-lai/", views.resend_webhook, name="resend"),
]
