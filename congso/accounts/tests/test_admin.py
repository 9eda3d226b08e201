"""The Django admin covers every model, in Vietnamese."""

import pytest
from django.contrib import admin
from django.urls import reverse

from congso.accounts.choices import Role
from congso.accounts.models import StaffAssignment, User

pytestmark = pytest.mark.django_db

CONGSO_APPS = {"geo", "workcalendar", "accounts", "catalog", "dossiers", "documents"}


def test_every_congso_model_is_in_the_admin():
    from django.apps import apps

    models = [m for m in apps.get_models() if m._meta.app_label in CONGSO_APPS]
    missing = [m.__name__ for m in models if m not in admin.site._registry]
    assert not missing


def test_every_changelist_and_add_page_opens_in_vietnamese(client):
    client.force_login(User.objects.get(username="quantri"))
    for model in admin.site._registry:
        if model._meta.app_label not in CONGSO_APPS:
            continue
        info = (model._meta.app_label, model._meta.model_name)
        response = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status_code == 200, info
        assert 'lang="vi"' in response.content.decode()
        if admin.site._registry[model].has_add_permission(response.wsgi_request):
            assert client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200, info


def test_the_admin_lists_166_current_thanh_hoa_communes(client):
    client.force_login(User.objects.get(username="quantri"))
    url = reverse("admin:geo_administrativeunit_changelist")
    html = client.get(url, {"current": "yes", "level__exact": "commune"}).content.decode()
    assert "166 đơn vị hành chính" in html


def test_all_nine_roles_exist_and_staff_are_assigned_to_agencies():
    assert {r.value for r in Role} >= {
        "receiving_officer",
        "specialist",
        "leader",
        "clerk",
        "agency_admin",
        "province_admin",
        "auditor",
    }
    from congso.accounts.choices import AccountType

    assert {a.value for a in AccountType} == {"citizen", "business", "staff"}
    binh = StaffAssignment.objects.get(user__username="tiepnhan.tinh")
    assert binh.role == Role.RECEIVING_OFFICER
    assert binh.agency.kind == "service_centre"
    communes = StaffAssignment.objects.filter(agency__kind__in=["commune_pc", "commune_one_stop"])
    assert communes.values("agency__unit").distinct().count() == 3
    departments = StaffAssignment.objects.filter(agency__kind="department")
    assert departments.values("agency").distinct().count() == 3
