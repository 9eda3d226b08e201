from django.urls import path

from congso.documents import views

app_name = "pki"
urlpatterns = [
    path("ocsp", views.ocsp_responder, name="ocsp"),
    path("crl", views.crl, name="crl"),
    path("root.pem", views.root, name="root"),
]
