from django.contrib.auth import views as auth_views
from django.urls import include, path

from congso.accounts.forms import ThrottledLoginForm
from congso.backoffice import complaint_views, views

app_name = "backoffice"
urlpatterns = [
    path("", views.queue_view, name="queue"),
    path(
        "dang-nhap/",
        auth_views.LoginView.as_view(template_name="backoffice/login.html", authentication_form=ThrottledLoginForm),
        name="login",
    ),
    path("dang-xuat/", auth_views.LogoutView.as_view(next_page="backoffice:login"), name="logout"),
    path("hang-doi/<str:name>/", views.queue_view, name="queue-named"),
    path("hang-doi/<str:name>/xlsx/", views.queue_export, name="queue-export"),
    path("hang-loat/", views.bulk, name="bulk"),
    path("tiep-nhan/", views.intake, name="intake"),
    path("so-theo-doi/", views.logbook, name="logbook"),
    path("phan-anh/", complaint_views.complaints, name="complaints"),
    path("phan-anh/<int:pk>/", complaint_views.complaint, name="complaint"),
    path("phan-anh/<int:pk>/<str:what>/", complaint_views.complaint_act, name="complaint-act"),
    path("chi-so/chuyen-doi-so/", include("congso.backoffice.dx_urls")),
    path("chi-so/xep-hang/", include("congso.backoffice.score_urls")),
    path("chi-so/", include("congso.backoffice.kpi_urls")),
    path("ho-so/<int:pk>/", views.dossier_view, name="dossier"),
    path("ho-so/<int:pk>/thao-tac/<str:action>/", views.act, name="act"),
    path("ho-so/<int:pk>/ghi-chu/", views.note, name="note"),
    path("ho-so/<int:pk>/nhan-tin/", views.message, name="message"),
    path("ho-so/<int:pk>/tep/", views.upload, name="upload"),
    path("ho-so/<int:pk>/tep/<int:file_id>/xem/", views.preview, name="preview"),
    path("ho-so/<int:pk>/thu-tien/", views.desk_payment, name="desk-payment"),
]
