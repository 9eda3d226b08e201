from django.urls import path

from congso.portal import payment_views, views

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
]
