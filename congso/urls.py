from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from congso.api.v1.api import api as api_v1

admin.site.site_header = _("congso — Quản trị hệ thống")
admin.site.site_title = _("congso")
admin.site.index_title = _("Quản trị")

urlpatterns = [
    path("api/v1/", api_v1.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("congso.portal.urls")),
]
