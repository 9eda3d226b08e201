"""Chuyển đổi số: DX plans and their coverage, annual targets, digital-economy figures (``dx_views``)."""

from django.urls import path

from congso.backoffice import dx_views

urlpatterns = [
    path("", dx_views.index, name="dx"),
    path("bao-phu.xlsx", dx_views.coverage_export, name="dx-coverage-export"),
    path("ke-hoach/", dx_views.plan, name="dx-plan"),
    path("ke-hoach/<int:pk>/van-ban.pdf", dx_views.plan_document, name="dx-plan-document"),
    path("chi-tieu/", dx_views.targets, name="dx-targets"),
    path("chi-tieu/giao/", dx_views.target_assign, name="dx-target-assign"),
    path("chi-tieu/giao-hang-loat/", dx_views.target_bulk, name="dx-target-bulk"),
    path("chi-tieu/<int:pk>/xoa/", dx_views.target_delete, name="dx-target-delete"),
    path("chi-tieu.xlsx", dx_views.targets_export, name="dx-targets-export"),
    path("kinh-te-so/", dx_views.economy, name="dx-economy"),
    path("kinh-te-so/nhap/", dx_views.economy_enter, name="dx-economy-enter"),
    path("kinh-te-so/nhap-tep/", dx_views.economy_import, name="dx-economy-import"),
    path("kinh-te-so/mau.xlsx", dx_views.economy_template, name="dx-economy-template"),
]
