"""The administrative units and agencies loaded from data/geo (the real official lists)."""

import datetime as dt

import pytest

from congso.geo.models import AdministrativeUnit, Agency

pytestmark = pytest.mark.django_db


def test_there_are_34_provinces_today():
    assert AdministrativeUnit.objects.current().filter(level="province").count() == 34


def test_thanh_hoa_has_166_communes_147_xa_and_19_phuong_today():
    communes = AdministrativeUnit.objects.current().filter(level="commune", parent__code="38")
    assert communes.count() == 166
    assert communes.filter(kind="xã").count() == 147
    assert communes.filter(kind="phường").count() == 19
    assert communes.get(code="14797").name == "Phường Hạc Thành"


def test_the_pre_reform_hierarchy_is_kept_with_its_dates():
    on_eve = AdministrativeUnit.objects.valid_on(dt.date(2025, 6, 30))
    assert on_eve.filter(level="district").count() == 26
    assert on_eve.filter(level="commune").count() == 547
    in_2023 = AdministrativeUnit.objects.valid_on(dt.date(2023, 6, 1))
    assert in_2023.filter(level="district").count() == 27
    assert in_2023.filter(level="commune").count() == 559
    assert not in_2023.filter(key__endswith="@2025-07-01").exists()


def test_every_old_commune_leads_to_a_new_one():
    old = AdministrativeUnit.objects.valid_on(dt.date(2025, 6, 30)).filter(level="commune")
    assert not old.filter(successors__isnull=True).exists()
    dong_tho = AdministrativeUnit.objects.get(key="14758~2025-06-30")
    assert dong_tho.successors.filter(valid_from=dt.date(2025, 7, 1)).exists()


def test_agencies_include_the_provincial_committee_and_its_departments():
    pc = Agency.objects.get(identifier="000.00.00.H56")
    assert pc.name == "Ủy ban nhân dân tỉnh Thanh Hóa"
    assert Agency.objects.filter(kind="department").count() >= 17
    assert Agency.objects.current().filter(kind="commune_pc").count() == 166
    assert Agency.objects.current().filter(kind="commune_one_stop").count() == 166
    old = Agency.objects.get(slug="so-ke-hoach-va-dau-tu")
    assert old.valid_to == dt.date(2025, 2, 28)
    assert list(old.successors.values_list("slug", flat=True)) == ["so-tai-chinh"]


def test_loading_twice_changes_nothing():
    from django.conf import settings

    from congso.geo.actions import load_agencies, load_units

    assert load_units(settings.DATA_DIR / "geo" / "units.json") == {
        "created": 0,
        "updated": 0,
        "successor_sets_changed": 0,
    }
    assert load_agencies(settings.DATA_DIR / "geo" / "agencies.json") == {"created": 0, "updated": 0}
