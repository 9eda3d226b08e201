from django.db import models
from django.utils.translation import gettext_lazy as _


class Method(models.TextChoices):
    """How a fee is paid (domain §7: cash, transfer, postal operator, online)."""

    PAYPLATFORM = "payplatform", _("Nền tảng thanh toán trực tuyến quốc gia")
    GATEWAY = "gateway", _("Cổng thanh toán ngân hàng / ví điện tử")
    CASH = "cash", _("Tiền mặt tại Bộ phận Một cửa")
    TRANSFER = "transfer", _("Chuyển khoản")
    POSTAL = "postal", _("Qua doanh nghiệp bưu chính")


ONLINE_METHODS = frozenset({Method.PAYPLATFORM, Method.GATEWAY})
DESK_METHODS = frozenset({Method.CASH, Method.TRANSFER, Method.POSTAL})


class ObligationKind(models.TextChoices):
    FEE = "fee", _("Phí, lệ phí của thủ tục")
    FINANCIAL = "financial", _("Nghĩa vụ tài chính")


class ObligationStatus(models.TextChoices):
    OPEN = "open", _("Chờ nộp")
    PAID = "paid", _("Đã nộp")
    CANCELLED = "cancelled", _("Đã hủy")


class State(models.TextChoices):
    """Internal states of one payment attempt; ``PUBLIC`` maps each onto the small public set."""

    NEW = "new", _("Mới tạo")
    INIT_UNKNOWN = "init_unknown", _("Chưa rõ kết quả khởi tạo (hết thời gian chờ)")
    REDIRECTED = "redirected", _("Đã chuyển sang cổng thanh toán")
    RETURNED = "returned", _("Người nộp đã quay lại, chờ xác nhận")
    PENDING = "pending", _("Cổng thanh toán đang xử lý")
    PAID = "paid", _("Thành công")
    DECLINED = "declined", _("Không thành công")
    EXPIRED = "expired", _("Hết hạn")
    CANCELLED = "cancelled", _("Người nộp đã hủy")
    SUPERSEDED = "superseded", _("Đã thay bằng giao dịch khác")
    DUPLICATE = "duplicate", _("Nộp trùng — cần hoàn tiền")
    ERROR = "error", _("Lỗi")


class PublicState(models.TextChoices):
    CREATED = "created", _("Đã tạo")
    STARTED = "started", _("Đang thanh toán")
    SUBMITTED = "submitted", _("Chờ xác nhận")
    SUCCESS = "success", _("Thành công")
    FAILED = "failed", _("Không thành công")
    CANCELLED = "cancelled", _("Đã hủy")
    ERROR = "error", _("Lỗi")


# internal → (public, finished)
PUBLIC = {
    State.NEW: (PublicState.CREATED, False),
    State.INIT_UNKNOWN: (PublicState.ERROR, False),
    State.REDIRECTED: (PublicState.STARTED, False),
    State.RETURNED: (PublicState.SUBMITTED, False),
    State.PENDING: (PublicState.SUBMITTED, False),
    State.PAID: (PublicState.SUCCESS, True),
    State.DECLINED: (PublicState.FAILED, True),
    State.EXPIRED: (PublicState.FAILED, True),
    State.CANCELLED: (PublicState.CANCELLED, True),
    State.SUPERSEDED: (PublicState.CANCELLED, True),
    State.DUPLICATE: (PublicState.ERROR, True),
    State.ERROR: (PublicState.ERROR, True),
}
# Attempts whose outcome is not known yet: polled until they finish or expire.
OPEN_STATES = frozenset(s for s, (_public, finished) in PUBLIC.items() if not finished)


class Verdict(models.TextChoices):
    """What congso made of one message from a provider (notification, return, poll answer)."""

    APPLIED = "applied", _("Đã ghi nhận")
    DUPLICATE = "duplicate", _("Trùng — đã ghi nhận trước đó")
    STALE = "stale", _("Đến muộn — không thay đổi gì")
    BAD_SIGNATURE = "bad_signature", _("Sai chữ ký")
    WRONG_AMOUNT = "wrong_amount", _("Sai số tiền")
    UNKNOWN_REFERENCE = "unknown_reference", _("Không có mã tham chiếu")
    MALFORMED = "malformed", _("Sai định dạng")
    PROVIDER_ERROR = "provider_error", _("Cổng thanh toán báo lỗi hoặc không trả lời")
    INFO = "info", _("Ghi chú")


class Source(models.TextChoices):
    INIT = "init", _("Khởi tạo")
    RETURN = "return", _("Người nộp quay lại")
    IPN = "ipn", _("Thông báo từ cổng (IPN)")
    POLL = "poll", _("Truy vấn trạng thái")
    DESK = "desk", _("Ghi nhận tại quầy")
    SWEEP = "sweep", _("Đối soát / rà soát")


class MatchStatus(models.TextChoices):
    MATCHED = "matched", _("Khớp")
    MISSING_LOCAL = "missing_local", _("Cổng có, congso chưa ghi nhận")
    MISSING_PROVIDER = "missing_provider", _("congso ghi nhận, cổng không có")
    MISMATCHED = "mismatched", _("Lệch số tiền hoặc trạng thái")
