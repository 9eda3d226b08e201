import pytest
from django.core.exceptions import ValidationError

from congso.geo.identifiers import agency_identifier_errors, is_valid_agency_identifier


@pytest.mark.parametrize("value", ["000.00.00.H56", "000.00.53.H48", "000.17.22.H56", "G22.00.00.H56"])
def test_valid_identifiers(value):
    assert is_valid_agency_identifier(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "không được để trống"),
        ("000.00.00.h56", "chữ in hoa"),
        ("000.00.00.H5", "một chữ cái và hai chữ số"),
        ("000.00.00.556", "một chữ cái và hai chữ số"),
        ("00.00.00.H56", "Nhóm thứ 1"),
        ("000.0.00.H56", "Nhóm thứ 2"),
        ("000.00.00", "4 nhóm"),
        ("000-00-00-H56", "chỉ được gồm"),
        ("000.00.00.H56 ", "khoảng trắng"),
        ("Ủy ban", "chỉ được gồm"),
        ("0" * 36, "tối đa 35"),
    ],
)
def test_malformed_identifiers_get_a_vietnamese_message(value, message):
    errors = agency_identifier_errors(value)
    assert errors
    assert any(message in e for e in errors), errors


@pytest.mark.django_db
def test_the_model_refuses_a_malformed_identifier():
    from congso.geo.models import AdministrativeUnit, Agency

    agency = Agency(
        slug="thu",
        name="Thử",
        kind="department",
        identifier="000.00.00.h56",
        unit=AdministrativeUnit.objects.get(key="38"),
    )
    with pytest.raises(ValidationError) as info:
        agency.full_clean()
    assert "chữ in hoa" in str(info.value)
