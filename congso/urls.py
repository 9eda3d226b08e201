from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from congso.accounts.forms import ThrottledLoginForm
from congso.api.v1.api import api as api_v1
from congso.core.env import env_bool

admin.site.site_header = _("congso — Quản trị hệ thống")
admin.site.login_form = ThrottledLoginForm  # the same lockout as every other login
admin.site.site_title = _("congso")
admin.site.index_title = _("Quản trị")

urlpatterns = [
    path("api/v1/", api_v1.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("mot-cua/quan-tri/", include("congso.backoffice.admin_urls")),
    path("mot-cua/", include("congso.backoffice.urls")),
    *([path("sim/dvcqg/", include("congso.national.simulator.urls"))] if settings.CONGSO_DVCQG_SIMULATOR else []),
    *(
        [
            path("sim/payplatform/", include("congso.payments.providers.payplatform.simulator")),
            path("sim/gateway/", include("congso.payments.providers.gateway.simulator")),
        ]
        if settings.CONGSO_PAYMENT_SIMULATORS
        else []
    ),
    *([path("sim/vneid/", include("congso.accounts.idp_sim.urls"))] if settings.CONGSO_OIDC_SIMULATOR else []),
    # The generated test PKI's OCSP responder, CRL and root, only while no real trust roots are configured.
    *([path("pki/", include("congso.documents.urls"))] if not settings.CONGSO_SIGNING_TRUST_ROOTS else []),
    path("", include("congso.portal.urls")),
]

if env_bool("CONGSO_BENCH_VIEWS"):  # bench/bench_dossiers.py only: never set in production
    from congso.core.bench_views import insert_one

    urlpatterns.insert(0, path("_bench/insert", insert_one))
