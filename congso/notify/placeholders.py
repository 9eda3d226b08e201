"""Message templates: ``{placeholder}`` fields, checked when a template is saved (pure code)."""

from __future__ import annotations

import string

# name → what it stands for (shown to the administrator who edits a template)
PLACEHOLDERS = {
    "ho_ten": "họ tên người nộp",
    "ma_ho_so": "mã hồ sơ",
    "thu_tuc": "tên thủ tục",
    "tinh_trang": "tình trạng hồ sơ",
    "hen_tra": "thời điểm hẹn trả (HH:MM ngày DD/MM/YYYY)",
    "co_quan": "cơ quan tiếp nhận",
    "tra_cuu": "địa chỉ tra cứu hồ sơ",
    "giay_to": "các giấy tờ cần bổ sung",
    "ly_do": "lý do",
    "so_tien": "số tiền phải nộp (đồng)",
    "thanh_toan": "địa chỉ thanh toán trực tuyến",
    "noi_dung": "nội dung tin nhắn của cán bộ",
    "xem_ho_so": "địa chỉ trang hồ sơ trên Cổng (cần đăng nhập)",
}
# The templates of a complaint's status changes (events "complaint_<status>") fill these instead.
COMPLAINT_EVENT_PREFIX = "complaint_"
COMPLAINT_PLACEHOLDERS = {
    "ho_ten": "họ tên người gửi phản ánh",
    "ma_phan_anh": "mã phản ánh",
    "tieu_de": "tiêu đề phản ánh",
    "co_quan": "cơ quan được phản ánh",
    "tinh_trang": "tình trạng phản ánh",
    "tra_loi": "nội dung trả lời của cơ quan",
    "tra_cuu": "địa chỉ theo dõi phản ánh",
}


def placeholders_for(event: str) -> dict[str, str]:
    """The placeholders a template of ``event`` may use: a complaint's, or a dossier's."""
    return COMPLAINT_PLACEHOLDERS if event.startswith(COMPLAINT_EVENT_PREFIX) else PLACEHOLDERS


class TemplateError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def fields_of(text: str) -> list[str]:
    """The placeholder names used in ``text``; TemplateError for a malformed one."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise TemplateError(
            "Mẫu có dấu ngoặc nhọn không khớp; dùng {ten_truong} cho trường thay thế, {{ hoặc }} cho dấu ngoặc."
        ) from None
    names = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name or spec or conversion:
            raise TemplateError(f"Trường thay thế «{{{name}}}» không hợp lệ: chỉ dùng {{ten_truong}}, không định dạng.")
        names.append(name)
    return names


def check(text: str, allowed: dict[str, str] | None = None) -> None:
    """TemplateError unless ``text`` uses only the ``allowed`` placeholders (a dossier's by default)."""
    allowed = PLACEHOLDERS if allowed is None else allowed
    unknown = sorted({n for n in fields_of(text) if n not in allowed})
    if unknown:
        raise TemplateError(
            "Trường thay thế không có: "
            + ", ".join("{" + n + "}" for n in unknown)
            + ". Các trường dùng được: "
            + ", ".join("{" + n + "}" for n in allowed)
            + "."
        )


def render(text: str, values: dict, allowed: dict[str, str] | None = None) -> str:
    """Fill the placeholders; a value the dossier (or complaint) lacks becomes an empty string."""
    allowed = PLACEHOLDERS if allowed is None else allowed
    check(text, allowed)
    return text.format(**{name: str(values.get(name) or "") for name in allowed})
