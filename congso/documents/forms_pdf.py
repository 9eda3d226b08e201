"""The one-stop-shop forms 01–06 as PDF (Circular 03/2025/TT-VPCP numbering).

Circular 03/2025/TT-VPCP, Appendix (forms under Decree 118/2025/NĐ-CP):
  01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả       (receipt and appointment)
  02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ       (supplement request)
  03 Phiếu từ chối tiếp nhận giải quyết hồ sơ      (refusal)
  04 Phiếu xin lỗi và hẹn lại ngày trả kết quả     (apology and new date)
  05 Phiếu kiểm soát quá trình giải quyết hồ sơ    (control sheet)
  06 Sổ theo dõi hồ sơ                             (logbook, A4 landscape)

Forms 01–05 print on A5 portrait, the logbook on A4 landscape, all with the national heading and a QR
code to the public lookup page. Text is typeset only with the vendored Liberation Serif files
(``fonts/``), so the output never depends on the fonts installed on the server. Every text input is
normalised to NFC; datetimes must be aware and print in Asia/Ho_Chi_Minh.

The context is a plain dict (no ORM objects), so callers build it from whatever they hold; the keys
are documented in ``render_form_html``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.request import url2pathname
from zoneinfo import ZoneInfo

import segno
from django.template.loader import render_to_string

from congso.core.text import nfc

FORM_NUMBERS = ("01", "02", "03", "04", "05", "06")

FORM_TITLES = {
    "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "04": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "05": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
    "06": "Sổ theo dõi hồ sơ",
}

# Paper forms leave a dotted line where a value is not filled in.
DOTS = "......"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_PLACE = "Thanh Hóa"

# Form 05: the result of each hand-over, as printed.
OUTCOME_LABELS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn", None: ""}

PACKAGE_DIR = Path(__file__).resolve().parent
FONT_DIR = PACKAGE_DIR / "fonts"
FONT_FILES = {
    "regular": "LiberationSerif-Regular.ttf",
    "bold": "LiberationSerif-Bold.ttf",
    "italic": "LiberationSerif-Italic.ttf",
    "bold_italic": "LiberationSerif-BoldItalic.ttf",
}
TEMPLATE_DIR = "documents/forms"

# WeasyPrint logs every layout step and fontTools every subset table at INFO: with the root logger at INFO
# one render would add some forty lines to the log. Quieten them unless LOGGING configures them itself.
for _name in ("weasyprint.progress", "fontTools"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.WARNING)


# --- formatting helpers (pure) ---------------------------------------------------------------------


def _local(value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"Giá trị thời gian không hợp lệ: {value!r} (cần kiểu datetime).")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"Thời gian {value.isoformat()} thiếu múi giờ: chỉ nhận datetime có múi giờ (aware).")
    return value.astimezone(LOCAL_TZ)


def format_vn_datetime(value: datetime | None) -> str:
    """An aware datetime as printed on the forms, in Asia/Ho_Chi_Minh: "08:15, ngày 25/11/2026".

    ``None`` prints as the dotted line of an unfilled paper form.
    """
    if value is None:
        return DOTS
    local = _local(value)
    return f"{local:%H:%M}, ngày {local:%d/%m/%Y}"


def format_vn_date_line(value: datetime) -> str:
    """The date under the national heading: "ngày 25 tháng 11 năm 2026".

    Decree 30/2020/NĐ-CP Appendix I: days below 10 and the months 1 and 2 take a leading zero
    ("ngày 05 tháng 02", but "tháng 3").
    """
    local = _local(value)
    month = f"{local.month:02d}" if local.month < 3 else str(local.month)
    return f"ngày {local.day:02d} tháng {month} năm {local.year}"


def _normalise(value: Any) -> Any:
    """NFC every string inside ``value`` (dicts, lists and tuples are walked)."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, Mapping):
        return {key: _normalise(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(item) for item in value]
    return value


def _text(value: Any) -> str:
    """A printable value: missing or blank → the dotted line."""
    if value is None:
        return DOTS
    text = nfc(str(value)).strip()
    return text or DOTS


def _count(value: Any) -> str:
    """A count as printed on paper forms: 1 → "01"."""
    if value is None or value == "":
        return DOTS
    if isinstance(value, bool) or not isinstance(value, int):
        return _text(value)
    return f"{value:02d}"


def _texts(values: Any) -> list[str]:
    return [_text(v) for v in values or [] if v is not None and str(v).strip()]


def _person(value: Any, keys: tuple[str, ...]) -> dict[str, str]:
    data = value if isinstance(value, Mapping) else {}
    return {key: _text(data.get(key)) for key in keys}


QR_SCALE = 4  # pixels per module; printed at 22 mm without interpolation, so the modules stay sharp
QR_BORDER = 2  # quiet zone, in modules


def qr_data_uri(url: str) -> str:
    """The QR code for ``url`` as a PNG data URI (error correction M)."""
    return segno.make(nfc(url), error="m", micro=False).png_data_uri(scale=QR_SCALE, border=QR_BORDER)


# --- per-form context ------------------------------------------------------------------------------


def _form_01(ctx: Mapping[str, Any]) -> dict[str, Any]:
    components = []
    for item in ctx.get("components") or []:
        original = item.get("original")
        components.append(
            {
                "name": _text(item.get("name")),
                "kind": DOTS if original is None else ("Bản chính" if original else "Bản sao"),
                "copies": _count(item.get("copies")),
                "digitised": bool(item.get("digitised")),
            }
        )
    return {
        "components": components,
        "sets": _count(ctx.get("sets")),
        "duration_text": _text(ctx.get("duration_text")),
        "received_at": format_vn_datetime(ctx.get("received_at")),
        "appointment_at": format_vn_datetime(ctx.get("appointment_at")),
        "return_place": _text(ctx.get("return_place")),
        "logbook_entry": _text(ctx.get("logbook_entry")),
    }


def _form_02(ctx: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "missing_items": _texts(ctx.get("missing_items")),
        "reason": _text(ctx.get("reason")),
        "contact_officer": _person(ctx.get("contact_officer"), ("name", "phone")),
    }


def _form_03(ctx: Mapping[str, Any]) -> dict[str, Any]:
    return {"reasons": _texts(ctx.get("reasons"))}


def _form_04(ctx: Mapping[str, Any]) -> dict[str, Any]:
    head = ctx.get("head_of_agency") if isinstance(ctx.get("head_of_agency"), Mapping) else {}
    title = nfc(str(head.get("title") or "")).strip()
    return {
        "received_at": format_vn_datetime(ctx.get("received_at")),
        "original_appointment_at": format_vn_datetime(ctx.get("original_appointment_at")),
        "reason": _text(ctx.get("reason")),
        "new_appointment_at": format_vn_datetime(ctx.get("new_appointment_at")),
        # An unnamed signatory signs as the head of the agency, as the blank paper form reads.
        "head_of_agency": {"name": _text(head.get("name")), "title": (title or "Thủ trưởng cơ quan").upper()},
    }


def _outcome(value: Any) -> str:
    if value not in OUTCOME_LABELS:
        allowed = ", ".join(repr(k) for k in OUTCOME_LABELS)
        raise ValueError(f"Kết quả giải quyết không hợp lệ: {value!r} (chỉ nhận {allowed}).")
    return OUTCOME_LABELS[value]


def _form_05(ctx: Mapping[str, Any]) -> dict[str, Any]:
    handovers = [
        {
            "unit": _text(item.get("unit")),
            "at": format_vn_datetime(item.get("at")),
            "from_name": _text(item.get("from_name")),
            "to_name": _text(item.get("to_name")),
            "outcome": _outcome(item.get("outcome")),
            "note": nfc(str(item.get("note") or "")).strip(),
        }
        for item in ctx.get("handovers") or []
    ]
    coordinating = _texts(ctx.get("coordinating_agencies"))
    return {
        "lead_agency": _text(ctx.get("lead_agency")),
        "coordinating_agencies": "; ".join(coordinating) if coordinating else DOTS,
        "received_at": format_vn_datetime(ctx.get("received_at")),
        "appointment_at": format_vn_datetime(ctx.get("appointment_at")),
        "handovers": handovers,
    }


def _form_06(ctx: Mapping[str, Any]) -> dict[str, Any]:
    rows = [
        {
            "no": _text(item.get("no")),
            "dossier_code": _text(item.get("dossier_code")),
            "procedure_name": _text(item.get("procedure_name")),
            "applicant_name": _text(item.get("applicant_name")),
            "address_phone": _text(item.get("address_phone")),
            "lead_agency": _text(item.get("lead_agency")),
            "received_at": format_vn_datetime(item.get("received_at")),
            "appointment_at": format_vn_datetime(item.get("appointment_at")),
            "returned_at": format_vn_datetime(item.get("returned_at")),
            "delivery": _text(item.get("delivery")),
        }
        for item in ctx.get("rows") or []
    ]
    return {"period": _text(ctx.get("period")), "rows": rows}


_FORM_CONTEXT: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "01": _form_01,
    "02": _form_02,
    "03": _form_03,
    "04": _form_04,
    "05": _form_05,
    "06": _form_06,
}


def _check_number(number: str) -> str:
    if number not in FORM_NUMBERS:
        raise ValueError(f"Không có biểu mẫu số {number!r}: chỉ có các mẫu số {', '.join(FORM_NUMBERS)}.")
    return number


def _required_text(ctx: Mapping[str, Any], key: str, label: str) -> str:
    value = ctx.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"Thiếu thông tin bắt buộc: {label} ({key}).")
    return value.strip()


def _font_urls() -> dict[str, str]:
    return {key: (FONT_DIR / name).as_uri() for key, name in FONT_FILES.items()}


def _template_context(number: str, context: Mapping[str, Any]) -> dict[str, Any]:
    ctx = _normalise(dict(context))
    lookup_url = _required_text(ctx, "lookup_url", "địa chỉ tra cứu hồ sơ")
    agency_name = _required_text(ctx, "agency_name", "tên cơ quan")
    if ctx.get("issued_at") is None:
        raise ValueError("Thiếu thông tin bắt buộc: ngày lập phiếu (issued_at).")
    issued_at = ctx["issued_at"]
    dossier_code = _text(ctx.get("dossier_code"))
    title = FORM_TITLES[number]
    pdf_title = f"Mẫu số {number}. {title}"
    # The logbook covers a period, every other form one dossier.
    suffix = _text(ctx.get("period")) if number == "06" else dossier_code
    if suffix != DOTS:
        pdf_title += f" – {suffix}"
    proxy = ctx.get("proxy")
    parent = nfc(str(ctx.get("parent_agency_name") or "")).strip()
    view = {
        "number": number,
        "title": title,
        "title_upper": title.upper(),
        "pdf_title": pdf_title,
        "fonts": _font_urls(),
        "lookup_url": lookup_url,
        "qr_data_uri": qr_data_uri(lookup_url),
        "dossier_code": dossier_code,
        "parent_agency_name": parent.upper(),
        "agency_name": agency_name.upper(),
        "agency_name_plain": agency_name,
        "office_name": _text(ctx.get("office_name")),
        "place": nfc(str(ctx.get("place") or "")).strip() or DEFAULT_PLACE,
        "issued_date_line": format_vn_date_line(issued_at),
        "issued_at": format_vn_datetime(issued_at),
        "applicant": _person(ctx.get("applicant"), ("name", "id_number", "address", "phone", "email")),
        "proxy": _person(proxy, ("name", "id_number", "authorisation")),
        "has_proxy": isinstance(proxy, Mapping) and any(proxy.values()),
        "procedure_name": _text(ctx.get("procedure_name")),
        "request": _text(ctx.get("request")),
        "officer_name": _text(ctx.get("officer_name")),
        "DOTS": DOTS,
    }
    view.update(_FORM_CONTEXT[number](ctx))
    return view


# --- public API ------------------------------------------------------------------------------------


def render_form_html(number: str, context: dict) -> str:
    """The HTML of form ``number`` ("01"–"06"), as handed to WeasyPrint.

    Common keys: ``lookup_url``, ``agency_name`` and ``issued_at`` (aware datetime) are required;
    ``dossier_code``, ``parent_agency_name``, ``office_name``, ``place`` (default "Thanh Hóa"),
    ``applicant`` (name, id_number, address, phone, email), ``proxy`` (name, id_number,
    authorisation) or None, ``procedure_name``, ``request``, ``officer_name`` are optional.
    Per form: 01 ``components`` (name, copies, original, digitised), ``sets``, ``duration_text``,
    ``received_at``, ``appointment_at``, ``return_place``, ``logbook_entry``; 02 ``missing_items``,
    ``reason``, ``contact_officer`` (name, phone); 03 ``reasons``; 04 ``received_at``,
    ``original_appointment_at``, ``reason``, ``new_appointment_at``, ``head_of_agency`` (name, title);
    05 ``lead_agency``, ``coordinating_agencies``, ``received_at``, ``appointment_at``, ``handovers``
    (unit, at, from_name, to_name, outcome early/on_time/late/None, note); 06 ``period``, ``rows``
    (no, dossier_code, procedure_name, applicant_name, address_phone, lead_agency, received_at,
    appointment_at, returned_at, delivery).

    Raises ``ValueError`` (Vietnamese message) for an unknown form, a missing required key or a naive
    datetime.
    """
    number = _check_number(number)
    return nfc(render_to_string(f"{TEMPLATE_DIR}/form_{number}.html", _template_context(number, context)))


def _local_only_fetcher():
    """A WeasyPrint URL fetcher reading only ``data:`` URIs and this app's files: a form never touches the network."""
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
                if not path.is_relative_to(PACKAGE_DIR):
                    raise ValueError(f"Refusing to read {url} while rendering a form")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols={"data", "file"})


def render_form(number: str, context: dict) -> bytes:
    """Form ``number`` ("01"–"06") as PDF bytes; see ``render_form_html`` for the context keys."""
    from weasyprint import HTML  # imported here: loading Pango costs time the rest of the app never pays

    html = render_form_html(number, context)
    document = HTML(string=html, base_url=FONT_DIR.as_uri() + "/", url_fetcher=_local_only_fetcher())
    return document.write_pdf()
