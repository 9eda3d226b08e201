"""Administration of the one-stop back office, mounted at ``/mot-cua/quan-tri/``."""

from django.urls import path

from congso.backoffice import admin_views as views

app_name = "backoffice_admin"
urlpatterns = [
    path("", views.index, name="index"),
    path("can-bo/", views.staff_home, name="staff-home"),
    path("co-quan/<int:agency_id>/can-bo/", views.staff_page, name="staff"),
    path("co-quan/<int:agency_id>/can-bo/cap-vai-tro/", views.grant, name="grant"),
    path("co-quan/<int:agency_id>/can-bo/tao-tai-khoan/", views.create_account, name="create-account"),
    path("phan-cong/<int:pk>/thu-hoi/", views.withdraw, name="withdraw"),
    path("phan-cong/<int:pk>/khoi-phuc/", views.restore, name="restore"),
    path("thu-tuc/", views.procedures_home, name="procedures-home"),
    path("co-quan/<int:agency_id>/thu-tuc/", views.procedures_page, name="procedures"),
    path("lich-lam-viec/", views.calendar_page, name="calendar"),
    path("quy-trinh/", views.workflows_page, name="workflows"),
    path("quy-trinh/<int:pk>/ban-hanh/", views.publish, name="publish"),
]
