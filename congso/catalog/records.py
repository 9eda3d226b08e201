"""The catalog's interchange record: parsing and validating JSON, CSV and XLSX files (pure, ORM-free).

One *record* is one procedure as a plain dict, the same shape as ``data/catalog/procedures.json``.
CSV and XLSX hold one row per procedure; list cells hold one item per line, and the parts of an
item (fee, component) are separated by `` | ``; a fee's exemptions by `` // ``.

A bad file yields a row-level report — (line, field, Vietnamese message) — and nothing is imported.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from congso.core.text import fold_vi, nfc

LEVELS = {"province", "commune"}
AGENCY_KINDS = {"commune_pc", "department", "province_pc", "service_centre", "police", "province_office"}
ONLINE_CLASSES = {"full", "partial", "none"}
DURATION_UNITS = {"working_days", "working_hours", "calendar_days", "immediate"}
FEE_KINDS = {"fee", "charge"}
CHANNELS = {"in_person", "online", "postal"}
NATIONAL_CODE = re.compile(r"^[0-9]\.[0-9]{6}$")
MAX_FILE_BYTES = 20 * 1024 * 1024

COLUMNS = [
    "code",
    "national_code",
    "name",
    "name_en",
    "field",
    "field_code",
    "level",
    "agency_kind",
    "agency_name",
    "online_level",
    "online_class",
    "service_class_2026",
    "duration_value",
    "duration_unit",
    "duration_text",
    "channels",
    "fees",
    "components",
    "results",
    "legal_basis",
    "confirmed",
    "unconfirmed",
    "source",
]
# Exemption texts quote legal references with "/" and ";", so a rarer separator keeps them apart.
EXEMPTION_SEPARATOR = " // "
TRUE_WORDS = {"1", "true", "x", "co", "có", "yes", "đúng", "ban chinh", "bản chính"}
FALSE_WORDS = {"0", "false", "", "khong", "không", "no", "sai", "ban sao", "bản sao"}


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        return f"Dòng {self.line}, trường {self.field or '—'}: {self.message}"


class CatalogFileError(ValueError):
    """The file is bad; ``errors`` says where and why. Nothing was imported."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


# ---- reading files -----------------------------------------------------------------------------
def detect_format(filename: str) -> str:
    lowered = filename.lower()
    for ext in ("json", "csv", "xlsx"):
        if lowered.endswith("." + ext):
            return ext
    raise CatalogFileError([RowError(0, "", "Định dạng tệp không được hỗ trợ: chỉ nhận .json, .csv hoặc .xlsx.")])


def read_records(data: bytes, fmt: str) -> tuple[list[tuple[int, dict]], list[dict]]:
    """(numbered raw records, field definitions) from the bytes of a JSON, CSV or XLSX file."""
    if len(data) > MAX_FILE_BYTES:
        raise CatalogFileError([RowError(0, "", "Tệp quá lớn (tối đa 20 MB).")])
    if fmt == "json":
        return _read_json(data)
    if fmt == "csv":
        return _read_rows(_csv_rows(data)), []
    if fmt == "xlsx":
        return _read_rows(_xlsx_rows(data)), []
    raise CatalogFileError([RowError(0, "", "Định dạng tệp không được hỗ trợ: chỉ nhận .json, .csv hoặc .xlsx.")])


def _read_json(data: bytes) -> tuple[list[tuple[int, dict]], list[dict]]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise CatalogFileError([RowError(0, "", "Tệp không phải văn bản UTF-8.")]) from None
    except json.JSONDecodeError as exc:
        raise CatalogFileError([RowError(exc.lineno, "", f"JSON không hợp lệ: {exc.msg} (cột {exc.colno}).")]) from None
    if isinstance(doc, list):
        procedures, fields = doc, []
    elif isinstance(doc, dict) and isinstance(doc.get("procedures"), list):
        procedures, fields = doc["procedures"], doc.get("fields") or []
    else:
        raise CatalogFileError([RowError(0, "", 'Tệp JSON phải là một danh sách thủ tục hoặc có khóa "procedures".')])
    numbered = []
    for index, item in enumerate(procedures, start=1):
        if not isinstance(item, dict):
            raise CatalogFileError([RowError(index, "", "Mỗi thủ tục phải là một đối tượng JSON.")])
        numbered.append((index, item))
    return numbered, [f for f in fields if isinstance(f, dict)]


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CatalogFileError([RowError(0, "", "Tệp CSV phải được lưu với mã hóa UTF-8.")]) from None
    return [row for row in csv.reader(io.StringIO(text))]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise CatalogFileError(
            [RowError(0, "", "Không đọc được tệp Excel (.xlsx): tệp hỏng hoặc sai định dạng.")]
        ) from None
    sheet = workbook.worksheets[0]
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def _read_rows(rows: list[list[str]]) -> list[tuple[int, dict]]:
    if not rows:
        raise CatalogFileError([RowError(1, "", "Tệp trống: thiếu dòng tiêu đề.")])
    header = [h.strip() for h in rows[0]]
    missing = [c for c in ("name", "field", "level") if c not in header]
    if missing:
        raise CatalogFileError([RowError(1, c, "Thiếu cột bắt buộc trong dòng tiêu đề.") for c in missing])
    out = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        raw = {header[i]: row[i] if i < len(row) else "" for i in range(len(header)) if header[i]}
        out.append((line, _unflatten(raw)))
    return out


def _lines(cell) -> list[str]:
    if isinstance(cell, list):
        return cell
    return [part.strip() for part in str(cell or "").splitlines() if part.strip()]


def _unflatten(raw: dict) -> dict:
    record: dict = {k: v for k, v in raw.items() if k in COLUMNS}
    record["channels"] = [c.strip() for c in re.split(r"[;,\n]", raw.get("channels", "")) if c.strip()]
    record["unconfirmed"] = [c.strip() for c in re.split(r"[;,\n]", raw.get("unconfirmed", "")) if c.strip()]
    fees = []
    for item in _lines(raw.get("fees", "")):
        parts = [p.strip() for p in item.split("|")]
        parts += [""] * (5 - len(parts))
        fees.append(
            {
                "kind": parts[0],
                "name": parts[1],
                "amount": parts[2],
                "per_copy": parts[3],
                "exemptions": [e.strip() for e in parts[4].split(EXEMPTION_SEPARATOR) if e.strip()],
            }
        )
    record["fees"] = fees
    components = []
    for item in _lines(raw.get("components", "")):
        parts = [p.strip() for p in item.split("|")]
        parts += [""] * (5 - len(parts))
        components.append(
            {
                "name": parts[0],
                "copies": parts[1] or "1",
                "original": parts[2],
                "mandatory": parts[3] or "1",
                "template": parts[4],
            }
        )
    record["components"] = components
    record["results"] = _lines(raw.get("results", ""))
    record["legal_basis"] = _lines(raw.get("legal_basis", ""))
    record["duration"] = {
        "value": raw.get("duration_value", ""),
        "unit": raw.get("duration_unit", "") or "working_days",
        "text": raw.get("duration_text", ""),
    }
    record["confirmed"] = raw.get("confirmed", "")
    return record


# ---- validating --------------------------------------------------------------------------------
def _text(value) -> str:
    if value is None:
        return ""
    return nfc(str(value)).strip()


# Longest value each stored text may take (the database columns' sizes).
LIMITS = {
    "name": 500,
    "name_en": 500,
    "code": 60,
    "field": 200,
    "field_code": 30,
    "source": 500,
    "service_class_2026": 100,
    "duration.text": 500,
    "agency_name": 300,
}


def _length_errors(line: int, record: dict) -> list[RowError]:
    errors = []
    for name, limit in LIMITS.items():
        value = record["duration"]["text"] if name == "duration.text" else record.get(name, "")
        if value and len(value) > limit:
            errors.append(RowError(line, name, f"Giá trị dài quá {limit} ký tự."))
    for index, fee in enumerate(record["fees"], start=1):
        if len(fee["name"]) > 500:
            errors.append(RowError(line, f"fees[{index}].name", "Giá trị dài quá 500 ký tự."))
    for index, comp in enumerate(record["components"], start=1):
        if len(comp["name"]) > 1000 or len(comp["template"]) > 500:
            errors.append(RowError(line, f"components[{index}]", "Tên hoặc mẫu quá dài (tối đa 1000/500 ký tự)."))
    for index, result in enumerate(record["results"], start=1):
        if len(result) > 500:
            errors.append(RowError(line, f"results[{index}]", "Giá trị dài quá 500 ký tự."))
    return errors


def _bool(value, line: int, name: str, errors: list[RowError]) -> bool:
    if isinstance(value, bool):
        return value
    word = nfc(str(value if value is not None else "")).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    errors.append(RowError(line, name, f"Giá trị {value!r} không phải có/không (dùng 1 hoặc 0)."))
    return False


def _int(value, line: int, name: str, errors: list[RowError], *, minimum: int = 0, allow_empty=True) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if not allow_empty:
            errors.append(RowError(line, name, "Trường này là bắt buộc."))
        return None
    try:
        number = Decimal(str(value).strip().replace(" ", ""))
    except InvalidOperation:
        errors.append(RowError(line, name, f"Giá trị {value!r} không phải là số nguyên."))
        return None
    if number != number.to_integral_value():
        errors.append(RowError(line, name, f"Giá trị {value!r} phải là số nguyên."))
        return None
    if number < minimum:
        errors.append(RowError(line, name, f"Giá trị phải lớn hơn hoặc bằng {minimum}."))
        return None
    return int(number)


def validate(
    numbered: list[tuple[int, dict]], *, province_suffix: str, known_fields: set[str] | None = None
) -> list[dict]:
    """Clean records, or raise CatalogFileError listing every problem found."""
    errors: list[RowError] = []
    clean: list[dict] = []
    seen: dict[str, int] = {}
    if not numbered:
        raise CatalogFileError([RowError(0, "", "Tệp không có thủ tục nào.")])
    for line, raw in numbered:
        rec, row_errors = _validate_one(line, raw, province_suffix)
        errors.extend(row_errors)
        if rec is None:
            continue
        if rec["key"] in seen:
            errors.append(
                RowError(line, "code", f"Thủ tục trùng với dòng {seen[rec['key']]} (cùng mã hoặc cùng tên và cấp).")
            )
        seen.setdefault(rec["key"], line)
        clean.append(rec)
    if errors:
        raise CatalogFileError(errors)
    return clean


def _validate_one(line: int, raw: dict, suffix: str) -> tuple[dict | None, list[RowError]]:
    errors: list[RowError] = []
    name = _text(raw.get("name"))
    if not name:
        errors.append(RowError(line, "name", "Thiếu tên thủ tục."))
    national = _text(raw.get("national_code"))
    if national and not NATIONAL_CODE.match(national):
        errors.append(
            RowError(line, "national_code", f"Mã thủ tục quốc gia {national!r} sai dạng (ví dụ đúng: 1.001193).")
        )
    code = _text(raw.get("code"))
    if not code and national:
        code = f"{national}.{suffix}"
    if code and national and not code.startswith(national + "."):
        errors.append(RowError(line, "code", f"Mã thủ tục {code!r} không bắt đầu bằng mã quốc gia {national!r}."))
    field = _text(raw.get("field"))
    if not field:
        errors.append(RowError(line, "field", "Thiếu lĩnh vực."))
    level = _text(raw.get("level"))
    if level not in LEVELS:
        errors.append(
            RowError(line, "level", f"Cấp thực hiện {level!r} không hợp lệ: dùng province (tỉnh) hoặc commune (xã).")
        )
    agency_kind = _text(raw.get("agency_kind")) or ("commune_pc" if level == "commune" else "department")
    if agency_kind not in AGENCY_KINDS:
        errors.append(RowError(line, "agency_kind", f"Loại cơ quan thực hiện {agency_kind!r} không hợp lệ."))
    online_level = _int(raw.get("online_level"), line, "online_level", errors, minimum=1)
    if online_level is not None and online_level > 4:
        errors.append(RowError(line, "online_level", "Mức độ dịch vụ công chỉ từ 1 đến 4."))
    online_class = _text(raw.get("online_class"))
    if online_class and online_class not in ONLINE_CLASSES:
        errors.append(RowError(line, "online_class", f"{online_class!r} không hợp lệ: dùng full, partial hoặc none."))
    duration = raw.get("duration") or {}
    if not isinstance(duration, dict):
        duration = {}
        errors.append(RowError(line, "duration", "Thời hạn giải quyết phải là một đối tượng {value, unit, text}."))
    unit = _text(duration.get("unit")) or "working_days"
    if unit not in DURATION_UNITS:
        errors.append(RowError(line, "duration_unit", f"Đơn vị thời hạn {unit!r} không hợp lệ."))
    value = duration.get("value")
    duration_value: str | None = None
    if value not in (None, ""):
        try:
            number = Decimal(str(value).replace(",", "."))
            if not number.is_finite() or number < 0 or number > 9999:
                raise InvalidOperation
            duration_value = str(number.normalize()) if number != number.to_integral() else str(int(number))
        except InvalidOperation:
            errors.append(RowError(line, "duration_value", f"Thời hạn {value!r} phải là số không âm."))
    channels = [_text(c) for c in (raw.get("channels") or [])]
    for channel in channels:
        if channel not in CHANNELS:
            errors.append(RowError(line, "channels", f"Cách thức {channel!r} không hợp lệ: in_person, online, postal."))
    fees = []
    for index, fee in enumerate(raw.get("fees") or [], start=1):
        if not isinstance(fee, dict):
            errors.append(RowError(line, f"fees[{index}]", "Khoản phí, lệ phí phải là một đối tượng."))
            continue
        kind = _text(fee.get("kind"))
        if kind not in FEE_KINDS:
            errors.append(
                RowError(line, f"fees[{index}].kind", f"Loại {kind!r} không hợp lệ: fee (phí) hoặc charge (lệ phí).")
            )
        fee_name = _text(fee.get("name"))
        if not fee_name:
            errors.append(RowError(line, f"fees[{index}].name", "Thiếu tên khoản phí, lệ phí."))
        amount = _int(fee.get("amount"), line, f"fees[{index}].amount", errors)
        fees.append(
            {
                "kind": kind,
                "name": fee_name,
                "amount": amount,
                "per_copy": _bool(fee.get("per_copy", False), line, f"fees[{index}].per_copy", errors),
                "exemptions": [_text(e) for e in (fee.get("exemptions") or []) if _text(e)],
            }
        )
    components = []
    for index, comp in enumerate(raw.get("components") or [], start=1):
        if not isinstance(comp, dict):
            errors.append(RowError(line, f"components[{index}]", "Thành phần hồ sơ phải là một đối tượng."))
            continue
        comp_name = _text(comp.get("name"))
        if not comp_name:
            errors.append(RowError(line, f"components[{index}].name", "Thiếu tên thành phần hồ sơ."))
        copies = _int(comp.get("copies", 1), line, f"components[{index}].copies", errors, minimum=1)
        components.append(
            {
                "name": comp_name,
                "copies": copies or 1,
                "original": _bool(comp.get("original", False), line, f"components[{index}].original", errors),
                "mandatory": _bool(comp.get("mandatory", True), line, f"components[{index}].mandatory", errors),
                "template": _text(comp.get("template")),
            }
        )
    if not components:
        errors.append(RowError(line, "components", "Thủ tục phải có ít nhất một thành phần hồ sơ."))
    results = [_text(r) for r in (raw.get("results") or []) if _text(r)]
    if not results:
        errors.append(RowError(line, "results", "Thủ tục phải có ít nhất một kết quả thực hiện."))
    record = {
        "key": code or local_key(level, name),
        "code": code,
        "national_code": national,
        "name": name,
        "name_en": _text(raw.get("name_en")),
        "field": field,
        "field_code": _text(raw.get("field_code")),
        "level": level,
        "agency_kind": agency_kind,
        "agency_name": _text(raw.get("agency_name")),
        "online_level": online_level,
        "online_class": online_class,
        "service_class_2026": _text(raw.get("service_class_2026")),
        "duration": {"value": duration_value, "unit": unit, "text": _text(duration.get("text"))},
        "channels": channels,
        "fees": fees,
        "components": components,
        "results": results,
        "legal_basis": [_text(b) for b in (raw.get("legal_basis") or []) if _text(b)],
        "confirmed": _bool(raw.get("confirmed", False), line, "confirmed", errors),
        "unconfirmed": [_text(u) for u in (raw.get("unconfirmed") or []) if _text(u)],
        "source": _text(raw.get("source")),
    }
    errors.extend(_length_errors(line, record))
    return (record if not errors else None), errors


def local_key(level: str, name: str) -> str:
    """Key of a procedure whose national code is not confirmed: stable over case and diacritics."""
    digest = hashlib.sha256(fold_vi(name).encode("utf-8")).hexdigest()[:20]
    return f"local:{level}:{digest}"


# ---- writing files -----------------------------------------------------------------------------
def flatten(record: dict) -> dict:
    """One CSV/XLSX row of ``record``."""

    def yes(value: bool) -> str:
        return "1" if value else "0"

    return {
        "code": record["code"],
        "national_code": record["national_code"],
        "name": record["name"],
        "name_en": record["name_en"],
        "field": record["field"],
        "field_code": record.get("field_code", ""),
        "level": record["level"],
        "agency_kind": record["agency_kind"],
        "agency_name": record["agency_name"],
        "online_level": "" if record["online_level"] is None else str(record["online_level"]),
        "online_class": record["online_class"],
        "service_class_2026": record["service_class_2026"],
        "duration_value": record["duration"]["value"] or "",
        "duration_unit": record["duration"]["unit"],
        "duration_text": record["duration"]["text"],
        "channels": ";".join(record["channels"]),
        "fees": "\n".join(
            " | ".join(
                [
                    f["kind"],
                    f["name"],
                    "" if f["amount"] is None else str(f["amount"]),
                    yes(f["per_copy"]),
                    EXEMPTION_SEPARATOR.join(f["exemptions"]),
                ]
            )
            for f in record["fees"]
        ),
        "components": "\n".join(
            " | ".join([c["name"], str(c["copies"]), yes(c["original"]), yes(c["mandatory"]), c["template"]])
            for c in record["components"]
        ),
        "results": "\n".join(record["results"]),
        "legal_basis": "\n".join(record["legal_basis"]),
        "confirmed": yes(record["confirmed"]),
        "unconfirmed": ";".join(record["unconfirmed"]),
        "source": record["source"],
    }


def to_json(records: list[dict], fields: list[dict]) -> bytes:
    body = {"fields": fields, "procedures": [{k: v for k, v in r.items() if k != "key"} for r in records]}
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")


def to_csv(records: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for record in records:
        writer.writerow(flatten(record))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly


def to_xlsx(records: list[dict]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "procedures"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in records:
        sheet.append([flatten(record)[c] for c in COLUMNS])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
