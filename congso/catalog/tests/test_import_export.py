"""Import and export of the catalog as JSON, CSV and XLSX: all or nothing, row-level errors."""

import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command

from congso.catalog.actions import export_all, import_catalog_file, import_records
from congso.catalog.models import Procedure
from congso.catalog.records import CatalogFileError, flatten, to_csv, to_json, to_xlsx

pytestmark = pytest.mark.django_db

RECORD = {
    "national_code": "9.999001",
    "name": "Thủ tục thử nghiệm cấp giấy xác nhận",
    "name_en": "Test certificate",
    "field": "Lĩnh vực thử nghiệm",
    "level": "commune",
    "agency_kind": "commune_pc",
    "online_level": 4,
    "online_class": "full",
    "duration": {"value": 3, "unit": "working_days", "text": "03 ngày làm việc"},
    "channels": ["in_person", "online"],
    "fees": [
        {
            "kind": "charge",
            "name": "Lệ phí cấp giấy",
            "amount": 8000,
            "per_copy": True,
            "exemptions": ["Miễn cho hộ nghèo"],
        }
    ],
    "components": [
        {"name": "Tờ khai theo mẫu", "copies": 1, "original": True, "mandatory": True, "template": "Mẫu TK-01"}
    ],
    "results": ["Giấy xác nhận"],
    "legal_basis": ["Luật Thử nghiệm 2026"],
    "confirmed": False,
    "unconfirmed": ["fees"],
    "source": "tệp thử",
}


def json_file(*records) -> bytes:
    return json.dumps({"procedures": list(records)}, ensure_ascii=False).encode()


def test_it_imports_a_json_file_with_the_province_suffix():
    report = import_catalog_file(json_file(RECORD), "catalog.json")
    assert len(report.created) == 1
    procedure = Procedure.objects.current().get(national_code="9.999001")
    assert procedure.code == "9.999001.000.00.00.H56"
    assert procedure.fee_lines.get().amount == 8000
    assert procedure.agencies.filter(kind="commune_pc").count() == 166


def test_reimporting_the_same_file_changes_nothing():
    import_catalog_file(json_file(RECORD), "catalog.json")
    report = import_catalog_file(json_file(RECORD), "catalog.json")
    assert report.unchanged == ["9.999001.000.00.00.H56"] and not report.created and not report.new_versions


def test_a_change_makes_a_new_version_and_keeps_the_old_one():
    import_catalog_file(json_file(RECORD), "catalog.json")
    changed = copy.deepcopy(RECORD)
    changed["duration"]["value"] = 5
    report = import_catalog_file(json_file(changed), "catalog.json")
    assert report.new_versions == ["9.999001.000.00.00.H56"]
    versions = Procedure.objects.filter(key="9.999001.000.00.00.H56").order_by("version")
    assert [(v.version, v.valid_to is None, int(v.duration_value)) for v in versions] == [(1, False, 3), (2, True, 5)]


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_export_then_import_round_trips(fmt):
    records, fields = export_all()
    assert len(records) > 50
    data = {"json": lambda: to_json(records, fields), "csv": lambda: to_csv(records), "xlsx": lambda: to_xlsx(records)}[
        fmt
    ]()
    before = Procedure.objects.count()
    report = import_catalog_file(data, f"danh-muc.{fmt}")
    assert not report.created and not report.new_versions
    assert len(report.unchanged) == len(records)
    assert Procedure.objects.count() == before


def test_a_csv_row_lists_fees_and_components_readably():
    row = flatten(
        {
            **RECORD,
            "key": "k",
            "code": "c",
            "national_code": "9.999001",
            "field_code": "",
            "agency_name": "",
            "service_class_2026": "",
            "duration": {"value": "3", "unit": "working_days", "text": ""},
        }
    )
    assert row["fees"] == "charge | Lệ phí cấp giấy | 8000 | 1 | Miễn cho hộ nghèo"
    assert row["components"] == "Tờ khai theo mẫu | 1 | 1 | 1 | Mẫu TK-01"


def bad_csv() -> bytes:
    good = flatten({**RECORD, "key": "", "code": "", "field_code": "", "agency_name": "", "service_class_2026": ""})
    header = list(good)
    out = io.StringIO()
    import csv

    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerow(good)
    writer.writerow({**good, "national_code": "9.999002", "level": "huyện", "duration_value": "ba ngày"})
    writer.writerow({**good, "national_code": "ABC", "components": "", "fees": "phí lạ | | -5 | có lẽ"})
    return out.getvalue().encode()


def test_a_bad_csv_gets_a_row_level_report_and_imports_nothing():
    before = Procedure.objects.count()
    with pytest.raises(CatalogFileError) as info:
        import_catalog_file(bad_csv(), "bad.csv")
    errors = {(e.line, e.field) for e in info.value.errors}
    assert (3, "level") in errors
    assert (3, "duration_value") in errors
    assert (4, "national_code") in errors
    assert (4, "components") in errors
    assert (4, "fees[1].kind") in errors and (4, "fees[1].amount") in errors and (4, "fees[1].per_copy") in errors
    assert all(e.message and e.message[0].isupper() for e in info.value.errors)
    assert "không hợp lệ" in str(info.value) or "sai dạng" in str(info.value)
    assert Procedure.objects.count() == before  # the good row 2 was not imported either


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"{not json", "x.json", "JSON không hợp lệ"),
        (b"\xff\xfe\x00", "x.csv", "UTF-8"),
        (b"PK\x03\x04broken", "x.xlsx", "Không đọc được tệp Excel"),
        (b"name,level\n", "x.csv", "Thiếu cột bắt buộc"),
        (b'{"procedures": []}', "x.json", "không có thủ tục nào"),
        (b"a", "x.pdf", "chỉ nhận .json, .csv hoặc .xlsx"),
    ],
)
def test_broken_files_are_refused_clearly(data, name, message):
    with pytest.raises(CatalogFileError) as info:
        import_catalog_file(data, name)
    assert message in str(info.value)


def test_duplicate_rows_in_one_file_are_reported():
    with pytest.raises(CatalogFileError) as info:
        import_catalog_file(json_file(RECORD, RECORD), "dup.json")
    assert info.value.errors[0].line == 2 and "trùng" in info.value.errors[0].message


def test_the_import_command_exits_non_zero_and_lists_errors(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(bad_csv())
    before = Procedure.objects.count()
    with pytest.raises(CommandError, match="không nhập thủ tục nào"):
        call_command("import_catalog", str(path))
    assert "Dòng 3, trường level" in capsys.readouterr().err
    assert Procedure.objects.count() == before


def test_the_export_command_and_api_give_every_format(tmp_path, client):
    for fmt in ("json", "csv", "xlsx"):
        call_command("export_catalog", str(tmp_path / f"out.{fmt}"), stdout=io.StringIO())
        assert (tmp_path / f"out.{fmt}").stat().st_size > 1000
        response = client.get("/api/v1/procedures/export", {"format": fmt})
        assert response.status_code == 200
    assert client.get("/api/v1/procedures/export", {"format": "pdf"}).status_code == 400


def test_records_survive_unicode_normalisation():
    nfd = copy.deepcopy(RECORD)
    import unicodedata

    nfd["name"] = unicodedata.normalize("NFD", RECORD["name"])
    import_records(
        __import__("congso.catalog.records", fromlist=["validate"]).validate(
            [(1, nfd)], province_suffix="000.00.00.H56"
        )
    )
    assert Procedure.objects.current().get(national_code="9.999001").name == RECORD["name"]
