from django.contrib.auth import views as auth_views
from django.urls import include, path

from congso.portal import account_views, feedback_views, payment_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedure_list, name="procedure-list"),
    path("thu-tuc/<int:pk>/", views.procedure_detail_view, name="procedure-detail"),
    path("tra-cuu/", views.dossier_lookup, name="dossier-lookup"),
    path("xac-thuc/", views.verify, name="verify"),
    path("xac-thuc/<str:token>/", views.verify_issued, name="verify-issued"),
    path("xac-thuc/<str:token>/tai-ve/", views.verify_download, name="verify-download"),
    path("thanh-toan/ket-qua/<str:method>/", payment_views.pay_return, name="pay-return"),
    path("thanh-toan/<str:token>/", payment_views.pay, name="pay"),
    path("bien-lai/<str:token>/", payment_views.receipt_download, name="receipt"),
    path("tra-cuu/danh-gia/", feedback_views.rate, name="rate"),
    path("phan-anh/", feedback_views.complaint, name="complaint"),
    path("phan-anh/tra-cuu/", feedback_views.complaint_status, name="complaint-status"),
    path("minh-bach/", include("congso.portal.transparency_urls")),
    path("tai-khoan/", account_views.account, name="account"),
    path("tai-khoan/ho-so/", account_views.profile, name="profile"),
    path("tai-khoan/vneid/", include("congso.portal.oidc_urls")),
    path("", include("congso.portal.dossier_urls")),
    path("tai-khoan/dang-ky/", account_views.register, name="register"),
    path("tai-khoan/dang-nhap/", account_views.Login.as_view(), name="login"),
    path("tai-khoan/dang-xuat/", auth_views.LogoutView.as_view(next_page="portal:home"), name="logout"),
    path("tai-khoan/quen-mat-khau/", account_views.PasswordReset.as_view(), name="password-reset"),
    path("tai-khoan/quen-mat-khau/da-gui/", account_views.PasswordResetDone.as_view(), name="password-reset-done"),
    path(
        "tai-khoan/dat-lai/<uidb64>/<token>/",
        account_views.PasswordResetConfirm.as_view(),
        name="password-reset-confirm",
    ),
]
