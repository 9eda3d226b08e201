"""Catalog sync: the administrator sees the differences with DVCQG and decides; workflows are never touched."""

from __future__ import annotations

import pytest
from django.test import Client

from congso.catalog.models import Procedure, WorkflowDefinition
from congso.catalog.selectors import forget_workflows, workflow_for_procedure
from congso.national import catalog_sync
from congso.national.models import CatalogChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.filter(is_superuser=True).first()


def test_pulling_the_national_catalog_lists_the_differences_and_changes_nothing(dvcqg):
    before = {p.pk: p.version for p in Procedure.objects.current()}
    counts = catalog_sync.pull()
    assert counts == {"new": 1, "changed": 2, "missing": 1, "kept": 0}
    changes = {c.kind: c for c in CatalogChange.objects.order_by("kind")}
    assert changes["new"].national_code == "9.999999"
    changed = CatalogChange.objects.filter(kind="changed")
    fields = sorted(tuple(sorted(c.differences)) for c in changed)
    assert fields == [("duration",), ("legal_basis", "name")]
    assert {p.pk: p.version for p in Procedure.objects.current()} == before  # nothing applied by itself
    assert catalog_sync.pull() == {"new": 0, "changed": 0, "missing": 0, "kept": 4}  # idempotent


def test_accepting_a_change_versions_the_procedure_and_keeps_its_workflow(dvcqg, admin):
    catalog_sync.pull()
    change = CatalogChange.objects.get(kind="changed", differences__has_key="duration")
    old = Procedure.objects.current().get(key=change.procedure_key)
    workflow_before = workflow_for_procedure(old)
    workflows_before = list(WorkflowDefinition.objects.values_list("pk", "spec_sha256"))
    catalog_sync.accept(change, user=admin)
    new = Procedure.objects.current().get(key=change.procedure_key)
    assert new.version == old.version + 1
    assert str(new.duration_value.normalize()) == change.differences["duration"]["national"]["value"]
    forget_workflows()
    assert workflow_for_procedure(new).key == workflow_before.key
    assert list(WorkflowDefinition.objects.values_list("pk", "spec_sha256")) == workflows_before
    with pytest.raises(catalog_sync.CatalogSyncError):
        catalog_sync.accept(change, user=admin)  # decided once
    catalog_sync.pull()  # the local procedure now says what DVCQG says: no difference left
    assert not CatalogChange.objects.filter(procedure_key=change.procedure_key, status="pending").exists()


def test_a_rejected_difference_stays_rejected(dvcqg, admin):
    catalog_sync.pull()
    change = CatalogChange.objects.get(kind="changed", differences__has_key="name")
    local_name = Procedure.objects.current().get(key=change.procedure_key).name
    catalog_sync.reject(change, user=admin, note="Tên địa phương đúng theo Quyết định công bố của tỉnh")
    assert catalog_sync.pull()["changed"] == 0
    assert Procedure.objects.current().get(key=change.procedure_key).name == local_name
    assert not CatalogChange.objects.filter(procedure_key=change.procedure_key, status="pending").exists()


def test_the_administrator_decides_in_the_admin(dvcqg, admin):
    catalog_sync.pull()
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/national/catalogchange/")
    assert page.status_code == 200 and "9.999999" in page.content.decode()
    new = CatalogChange.objects.get(kind="new")
    response = client.post(
        "/admin/national/catalogchange/", {"action": "accept", "_selected_action": [new.pk]}, follow=True
    )
    assert response.status_code == 200
    new.refresh_from_db()
    assert new.status == "accepted" and new.decided_by == admin
    assert Procedure.objects.current().filter(national_code="9.999999").exists()
