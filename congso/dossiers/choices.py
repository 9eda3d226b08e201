from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    """Internal dossier states; each maps onto exactly one national status (domain §6)."""

    DRAFT = "draft", _("Bản nháp")
    SUBMITTED = "submitted", _("Chờ tiếp nhận")
    ACCEPTED = "accepted", _("Đã tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Chờ bổ sung hồ sơ")
    FINANCIAL_OBLIGATION = "financial_obligation", _("Chờ thực hiện nghĩa vụ tài chính")
    STOPPED = "stopped", _("Dừng xử lý")
    REFUSED = "refused", _("Từ chối tiếp nhận")
    WITHDRAWN = "withdrawn", _("Công dân rút hồ sơ")
    FINISHED = "finished", _("Đã có kết quả, chờ trả")
    RETURNED = "returned", _("Đã trả kết quả")


class NationalStatus(models.IntegerChoices):
    """TrangThaiHoSo as DVCQG knows it (domain §6)."""

    RECEIVING = 1, _("Mới đăng ký")
    NEW = 2, _("Được tiếp nhận")
    DENIED = 3, _("Không được tiếp nhận")
    PROCESSING = 4, _("Đang xử lý")
    WAITING = 5, _("Yêu cầu bổ sung giấy tờ")
    PAYING = 6, _("Yêu cầu thực hiện nghĩa vụ tài chính")
    CANCELLED = 7, _("Công dân yêu cầu rút hồ sơ")
    UNRESOLVED = 8, _("Dừng xử lý")
    RELEASING = 9, _("Đã xử lý xong")
    DONE = 10, _("Đã trả kết quả")


NATIONAL_STATUS = {
    State.DRAFT: NationalStatus.RECEIVING,
    State.SUBMITTED: NationalStatus.RECEIVING,
    State.ACCEPTED: NationalStatus.NEW,
    State.REFUSED: NationalStatus.DENIED,
    State.PROCESSING: NationalStatus.PROCESSING,
    State.SUPPLEMENT_REQUESTED: NationalStatus.WAITING,
    State.FINANCIAL_OBLIGATION: NationalStatus.PAYING,
    State.WITHDRAWN: NationalStatus.CANCELLED,
    State.STOPPED: NationalStatus.UNRESOLVED,
    State.FINISHED: NationalStatus.RELEASING,
    State.RETURNED: NationalStatus.DONE,
}

# The DVCQG strings of the national statuses (domain §6).
DVCQG_STATUS = {
    NationalStatus.RECEIVING: "receiving",
    NationalStatus.NEW: "new",
    NationalStatus.DENIED: "denied",
    NationalStatus.PROCESSING: "processing",
    NationalStatus.WAITING: "waiting",
    NationalStatus.PAYING: "paying",
    NationalStatus.CANCELLED: "cancelled",
    NationalStatus.UNRESOLVED: "unresolved",
    NationalStatus.RELEASING: "releasing",
    NationalStatus.DONE: "done",
}

# States in which the clock is paused (domain §3).
PAUSED_STATES = frozenset({State.SUPPLEMENT_REQUESTED, State.FINANCIAL_OBLIGATION, State.STOPPED})
# States after which nothing happens any more.
TERMINAL_STATES = frozenset({State.REFUSED, State.WITHDRAWN, State.RETURNED})
# States in which processing has ended (KPIs: end = status 9 or 10, refused, stopped or withdrawn).
ENDED_STATES = frozenset({State.REFUSED, State.WITHDRAWN, State.STOPPED, State.FINISHED, State.RETURNED})


class Channel(models.IntegerChoices):
    """KenhThucHien (domain §2.1)."""

    IN_PERSON = 1, _("Trực tiếp")
    ONLINE = 2, _("Trực tuyến")
    POSTAL = 3, _("Dịch vụ bưu chính công ích")


class Source(models.TextChoices):
    DESK = "desk", _("Bộ phận Một cửa")
    PORTAL = "portal", _("Cổng dịch vụ công của tỉnh")
    DVCQG = "dvcqg", _("Cổng Dịch vụ công quốc gia")
    POSTAL = "postal", _("Bưu chính công ích")
    LIAISON = "liaison", _("Hồ sơ liên thông")


class ApplicantKind(models.IntegerChoices):
    """LoaiDoiTuong (domain §6)."""

    CITIZEN = 1, _("Công dân")
    ENTERPRISE = 2, _("Doanh nghiệp")
    STATE_BODY = 3, _("Cơ quan nhà nước")
    OTHER = 4, _("Tổ chức khác")


class Outcome(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class PaymentStatus(models.TextChoices):
    NONE = "none", _("Không phải nộp")
    UNPAID = "unpaid", _("Chưa nộp")
    PAID = "paid", _("Đã nộp")


class FileKind(models.TextChoices):
    COMPONENT = "component", _("Thành phần hồ sơ")
    RESULT = "result", _("Kết quả giải quyết")
    SUPPLEMENT = "supplement", _("Hồ sơ bổ sung")
