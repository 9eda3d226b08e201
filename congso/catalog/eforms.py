"""The applicant's e-form (tờ khai điện tử): a procedure's JSON Schema as form fields, and its validation.

Pure code, no ORM. The schema is standard JSON Schema (draft 2020-12) over a flat object; congso reads a
few annotations of its own, all prefixed ``x-``:

- ``x-group``: the heading a field is shown under (e.g. "Người được khai sinh");
- ``x-prefill``: where the value comes from when the wizard opens: ``applicant.name``, ``applicant.id_number``,
  ``applicant.phone``, ``applicant.email``, ``applicant.address``, ``applicant.date_of_birth``;
- ``x-widget``: ``textarea`` for long text;
- ``x-error``: the Vietnamese message shown when the ``pattern`` does not match;
- ``x-not-after``: ``today`` for dates that cannot be in the future (a date of birth).

Validation uses the reference ``jsonschema`` implementation; its messages are replaced by Vietnamese ones,
one per field, so the wizard can show each beside its field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from congso.core.text import nfc

PREFILL_SOURCES = (
    "applicant.name",
    "applicant.id_number",
    "applicant.phone",
    "applicant.email",
    "applicant.address",
    "applicant.date_of_birth",
)
SUPPORTED_TYPES = ("string", "integer", "number", "boolean")


class SchemaProblem(ValueError):
    """The schema itself is unusable as an e-form (caught when a procedure's form is saved)."""


@dataclass(frozen=True)
class FormField:
    name: str
    title: str
    kind: str  # text, textarea, email, tel, date, integer, number, select, checkbox
    required: bool
    description: str = ""
    group: str = ""
    prefill: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str = ""


def check_schema(schema: Mapping) -> None:
    """Raise SchemaProblem (Vietnamese) unless ``schema`` is a valid, flat e-form congso can render."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise SchemaProblem(_("Biểu mẫu không đúng chuẩn JSON Schema: %(error)s") % {"error": exc.message}) from None
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), Mapping):
        raise SchemaProblem(_("Biểu mẫu phải là một đối tượng (type: object) có danh sách trường (properties)."))
    for name, prop in schema["properties"].items():
        kind = prop.get("type")
        if kind not in SUPPORTED_TYPES:
            raise SchemaProblem(
                _("Trường «%(name)s»: chỉ hỗ trợ kiểu string, integer, number, boolean.") % {"name": name}
            )
        prefill = prop.get("x-prefill")
        if prefill and prefill not in PREFILL_SOURCES:
            raise SchemaProblem(
                _("Trường «%(name)s»: nguồn điền sẵn «%(source)s» không được hỗ trợ.")
                % {"name": name, "source": prefill}
            )
    unknown = [r for r in schema.get("required", []) if r not in schema["properties"]]
    if unknown:
        raise SchemaProblem(_("Trường bắt buộc không có trong biểu mẫu: %(names)s") % {"names": ", ".join(unknown)})


def fields_of(schema: Mapping) -> list[FormField]:
    """The fields to render, in the schema's order."""
    required = set(schema.get("required", []))
    out = []
    for name, prop in (schema.get("properties") or {}).items():
        kind = prop.get("type", "string")
        fmt = prop.get("format", "")
        if "enum" in prop:
            widget = "select"
        elif kind == "boolean":
            widget = "checkbox"
        elif kind in ("integer", "number"):
            widget = kind
        elif fmt in ("email", "date"):
            widget = fmt
        elif prop.get("x-widget") == "textarea" or (prop.get("maxLength") or 0) > 300:
            widget = "textarea"
        elif "phone" in name or "dien_thoai" in name:
            widget = "tel"
        else:
            widget = "text"
        labels = prop.get("x-enum-labels") or prop.get("enum") or []
        out.append(
            FormField(
                name=name,
                title=prop.get("title") or name,
                kind=widget,
                required=name in required,
                description=prop.get("description", ""),
                group=prop.get("x-group", ""),
                prefill=prop.get("x-prefill", ""),
                choices=tuple((str(v), str(label)) for v, label in zip(prop.get("enum") or [], labels, strict=False)),
                max_length=prop.get("maxLength"),
                minimum=prop.get("minimum"),
                maximum=prop.get("maximum"),
                pattern=prop.get("pattern", ""),
            )
        )
    return out


def coerce(schema: Mapping, raw: Mapping[str, str]) -> tuple[dict, dict[str, str]]:
    """Typed values from an HTML form's strings; empty answers are left out (so ``required`` catches them).

    Returns the data and the fields whose text could not be read as their type.
    """
    data: dict = {}
    errors: dict[str, str] = {}
    for name, prop in (schema.get("properties") or {}).items():
        kind = prop.get("type", "string")
        if kind == "boolean":
            if str(raw.get(name, "")).lower() in ("on", "true", "1", "yes"):
                data[name] = True
            elif name in raw:
                data[name] = False
            continue
        text = nfc(str(raw.get(name, ""))).strip()
        if not text:
            continue
        if kind == "integer":
            try:
                data[name] = int(text.replace(".", "").replace(" ", ""))
            except ValueError:
                errors[name] = _("Vui lòng nhập một số nguyên.")
        elif kind == "number":
            try:
                data[name] = float(Decimal(text.replace(" ", "").replace(",", ".")))
            except (InvalidOperation, ValueError):
                errors[name] = _("Vui lòng nhập một số.")
        else:
            data[name] = text
    return data, errors


def _message(error, schema: Mapping) -> tuple[str, str]:
    """(field, Vietnamese message) for one jsonschema error."""
    props = schema.get("properties") or {}
    name = str(error.path[0]) if error.path else ""
    prop = props.get(name) or {}
    v, limit = error.validator, error.validator_value
    if v == "maxLength":
        return name, _("Dài tối đa %(n)s ký tự.") % {"n": limit}
    if v == "minLength":
        return name, _("Cần ít nhất %(n)s ký tự.") % {"n": limit}
    if v == "pattern":
        return name, prop.get("x-error") or _("Không đúng định dạng yêu cầu.")
    if v == "format" and limit == "email":
        return name, _("Địa chỉ thư điện tử không hợp lệ.")
    if v == "format" and limit == "date":
        return name, _("Ngày không hợp lệ.")
    if v == "enum":
        return name, _("Vui lòng chọn một giá trị trong danh sách.")
    if v in ("minimum", "exclusiveMinimum"):
        return name, _("Giá trị nhỏ nhất là %(n)s.") % {"n": limit}
    if v in ("maximum", "exclusiveMaximum"):
        return name, _("Giá trị lớn nhất là %(n)s.") % {"n": limit}
    if v == "type":
        return name, _("Giá trị không đúng kiểu dữ liệu.")
    if v == "additionalProperties":
        return "", _("Tờ khai có trường không thuộc biểu mẫu.")
    return name, _("Giá trị không hợp lệ.")


def validate(schema: Mapping, data: Mapping, *, today: dt.date) -> dict[str, str]:
    """Each problem of ``data`` against ``schema``: field name → message ('' for the whole form)."""
    errors: dict[str, str] = {}
    props = schema.get("properties") or {}
    for name in schema.get("required", []):
        if name not in data:
            prop = props.get(name) or {}
            title = prop.get("title") or name
            title = title[:1].lower() + title[1:]
            chosen = "enum" in prop or prop.get("type") == "boolean"
            errors[name] = (_("Vui lòng chọn %(title)s.") if chosen else _("Vui lòng nhập %(title)s.")) % {
                "title": title
            }
    validator = Draft202012Validator(schema, format_checker=FormatChecker(formats=("email", "date")))
    for error in sorted(validator.iter_errors(dict(data)), key=lambda e: list(e.path)):
        if error.validator == "required" and not error.path:
            continue  # reported above, one message per missing field
        name, message = _message(error, schema)
        errors.setdefault(name, message)
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("x-not-after") == "today" and name not in errors and isinstance(data.get(name), str):
            try:
                if dt.date.fromisoformat(data[name]) > today:
                    errors[name] = _("Ngày không được sau hôm nay.")
            except ValueError:
                errors[name] = _("Ngày không hợp lệ.")
    return errors


def prefill(schema: Mapping, applicant: Mapping[str, str]) -> dict:
    """Initial answers taken from the applicant (``x-prefill``), for the fields that declare a source."""
    out = {}
    for name, prop in (schema.get("properties") or {}).items():
        source = prop.get("x-prefill", "")
        if source.startswith("applicant.") and applicant.get(source.split(".", 1)[1]):
            out[name] = applicant[source.split(".", 1)[1]]
    return out


DEFAULT_PREFILL = {
    "applicant_name": "applicant.name",
    "id_number": "applicant.id_number",
    "phone": "applicant.phone",
    "email": "applicant.email",
    "address": "applicant.address",
}


def with_default_prefill(schema: Mapping) -> dict:
    """The catalog's default form names its applicant fields plainly; read them as prefilled from the applicant."""
    out = dict(schema)
    props = {}
    for name, prop in (schema.get("properties") or {}).items():
        props[name] = (
            {**prop, "x-prefill": DEFAULT_PREFILL[name]}
            if name in DEFAULT_PREFILL and "x-prefill" not in prop
            else prop
        )
    out["properties"] = props
    return out


def component_need(name: str, template_name: str = "") -> str:
    """How a required paper is provided online (Decree 45/2020 Art. 9: the e-form replaces the paper form).

    ``eform``: a declaration form (*tờ khai*, *đơn*) the online e-form replaces; ``present``: a paper only
    shown at the desk (*xuất trình*), e.g. an ID card the identity provider already verified; ``upload``:
    anything else, scanned or reused from the personal data store.
    """
    from congso.core.text import fold_vi

    folded = fold_vi(name)
    if "xuat trinh" in folded:
        return "present"
    lead = fold_vi(template_name or name)
    if lead.startswith(("to khai", "don de nghi", "don xin", "phieu yeu cau", "mau to khai")):
        return "eform"
    return "upload"
