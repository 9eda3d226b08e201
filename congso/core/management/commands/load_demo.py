"""``python manage.py load_demo``: the Thanh Hóa reference data and demo logins (idempotent)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from congso.accounts.actions import assign_role, ensure_user
from congso.accounts.choices import AccountType, Role
from congso.catalog.actions import import_catalog_file, load_eforms, load_workflows
from congso.catalog.records import CatalogFileError
from congso.catalog.workflows import WorkflowError
from congso.geo.actions import GeoDataError, load_agencies, load_units
from congso.geo.models import Agency
from congso.workcalendar.actions import upsert_override
from congso.workcalendar.models import CalendarOverride

DEMO_PASSWORD = "congso-demo"

# (username, full name, agency slug, role, title)
STAFF = [
    ("quantri", "Lê Quản Trị", "ubnd-tinh", Role.PROVINCE_ADMIN, "Quản trị hệ thống cấp tỉnh"),
    ("kiemtra", "Phạm Kiểm Tra", "ubnd-tinh", Role.AUDITOR, "Thanh tra viên"),
    (
        "tiepnhan.tinh",
        "Trần Thị Bình",
        "trung-tam-phuc-vu-hanh-chinh-cong",
        Role.RECEIVING_OFFICER,
        "Công chức tiếp nhận",
    ),
    ("vanthu.tinh", "Đỗ Văn Thư", "van-phong-ubnd-tinh", Role.CLERK, "Văn thư"),
    ("chuyenvien.stp", "Nguyễn Văn Chí", "so-tu-phap", Role.SPECIALIST, "Chuyên viên"),
    ("lanhdao.stp", "Hoàng Văn Dũng", "so-tu-phap", Role.LEADER, "Phó Giám đốc Sở"),
    ("chuyenvien.sxd", "Vũ Thị Hà", "so-xay-dung", Role.SPECIALIST, "Chuyên viên"),
    ("lanhdao.sxd", "Lê Minh Khôi", "so-xay-dung", Role.LEADER, "Phó Giám đốc Sở"),
    ("chuyenvien.snnmt", "Bùi Thị Lan", "so-nong-nghiep-va-moi-truong", Role.SPECIALIST, "Chuyên viên"),
    ("lanhdao.snnmt", "Trịnh Văn Long", "so-nong-nghiep-va-moi-truong", Role.LEADER, "Phó Giám đốc Sở"),
    ("vanthu.stp", "Lương Thị Thủy", "so-tu-phap", Role.CLERK, "Văn thư"),
    ("vanthu.sxd", "Tạ Văn Đức", "so-xay-dung", Role.CLERK, "Văn thư"),
    ("vanthu.snnmt", "Hà Thị Ngọc", "so-nong-nghiep-va-moi-truong", Role.CLERK, "Văn thư"),
]
COMMUNES = [("14797", "hacthanh"), ("16531", "samson"), ("15499", "thoxuan")]
COMMUNE_STAFF = [
    ("tiepnhan", "ttpvhcc-xa-{code}", Role.RECEIVING_OFFICER, "Công chức tiếp nhận"),
    ("chuyenvien", "ubnd-xa-{code}", Role.SPECIALIST, "Công chức Tư pháp - Hộ tịch"),
    ("lanhdao", "ubnd-xa-{code}", Role.LEADER, "Phó Chủ tịch UBND"),
    ("quantri", "ubnd-xa-{code}", Role.AGENCY_ADMIN, "Quản trị cơ quan"),
    ("vanthu", "ubnd-xa-{code}", Role.CLERK, "Văn thư"),
]
COMMUNE_NAMES = {
    "14797": ("Nguyễn Thị Mai", "Lê Văn Nam", "Trần Văn Hùng", "Phạm Thị Oanh", "Đinh Thị Vân"),
    "16531": ("Hoàng Thị Thu", "Đặng Văn Phúc", "Ngô Văn Quang", "Lý Thị Hằng", "Mai Văn Sơn"),
    "15499": ("Vũ Thị Sen", "Trịnh Văn Tâm", "Lê Văn Thắng", "Nguyễn Thị Yến", "Cao Thị Hạnh"),
}


class Command(BaseCommand):
    help = "Nạp dữ liệu tham chiếu Thanh Hóa và tài khoản dùng thử (chạy lại không thay đổi gì)."

    def add_arguments(self, parser):
        parser.add_argument("--no-users", action="store_true", help="Không tạo tài khoản dùng thử")
        parser.add_argument("--quiet-logins", action="store_true", help="Không in danh sách tài khoản")

    def handle(self, *args, **options):
        data = settings.DATA_DIR
        try:
            units = load_units(data / "geo" / "units.json")
            agencies = load_agencies(data / "geo" / "agencies.json")
        except GeoDataError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Đơn vị hành chính: {units}")
        self.stdout.write(f"Cơ quan: {agencies}")
        path = data / "catalog" / "procedures.json"
        try:
            report = import_catalog_file(path.read_bytes(), path.name)
        except CatalogFileError as exc:
            raise CommandError("Danh mục thủ tục lỗi:\n" + "\n".join(str(e) for e in exc.errors[:50])) from None
        self.stdout.write(f"Thủ tục hành chính: {report.summary()}")
        self.stdout.write(f"Tờ khai điện tử: {load_eforms(data / 'eforms')} cập nhật")
        from congso.kpi.reference import ensure_reference

        self.stdout.write(f"Nhóm chỉ tiêu chấm điểm, chỉ tiêu kinh tế số: {ensure_reference()} bổ sung")
        self._calendar()
        try:
            files, new = load_workflows(data / "workflows")
        except WorkflowError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Quy trình xử lý: {files} quy trình, {new} phiên bản mới")
        provisional = self._provisional_identifiers()
        if provisional:
            self.stdout.write(
                self.style.WARNING(
                    f"Đã gán {provisional} mã định danh TẠM (nhóm 99, chưa đối chiếu) cho cơ quan chưa có mã; "
                    "thay bằng mã chính thức trong trang quản trị trước khi vận hành thật."
                )
            )
        if not options["no_users"]:
            created = self._users()
            self.stdout.write(f"Tài khoản dùng thử: {created} tài khoản mới")
            if not options["quiet_logins"]:
                self._print_logins()

    def _calendar(self):
        # Vietnam Culture Day (24 Nov) from 2026: announced, awaiting the implementing text (domain §3).
        if not CalendarOverride.objects.filter(date=dt.date(2026, 11, 24)).exists():
            upsert_override(
                date=dt.date(2026, 11, 24),
                kind="holiday",
                name="Ngày Văn hóa Việt Nam",
                source_document="Nghị quyết 80-NQ/TW (chờ văn bản hướng dẫn thi hành)",
                status="estimated",
            )

    def _provisional_identifiers(self) -> int:
        """Demo only: dossier codes need the receiving agency's identifier (domain §5).

        Thanh Hóa's list of identifiers could not be confirmed (data/geo/AGENCIES.md), so agencies
        without one get a *provisional* identifier whose second group is ``99`` (``NNN.99.00.H56``),
        marked unconfirmed. Real identifiers, once entered, are never overwritten.
        """
        level1 = settings.CONGSO_PROVINCE_AGENCY_ID.rsplit(".", 1)[-1]
        taken = set(Agency.objects.exclude(identifier=None).values_list("identifier", flat=True))
        count = 0
        number = 0
        for agency in Agency.objects.current().filter(identifier=None).order_by("kind", "slug"):
            while True:
                number += 1
                candidate = (
                    f"{number:03d}.99.00.{level1}"
                    if number < 1000
                    else f"{number % 1000:03d}.99.{number // 1000:02d}.{level1}"
                )
                if candidate not in taken:
                    break
            Agency.objects.filter(pk=agency.pk).update(identifier=candidate, identifier_confirmed=False)
            taken.add(candidate)
            count += 1
        return count

    def _users(self) -> int:
        agencies = {a.slug: a for a in Agency.objects.all()}
        created = 0
        for username, name, slug, role, title in STAFF:
            user, new = ensure_user(
                username,
                password=DEMO_PASSWORD,
                full_name=name,
                account_type=AccountType.STAFF,
                is_staff=True,
                is_superuser=role == Role.PROVINCE_ADMIN,
            )
            created += new
            assign_role(user, agencies[slug], role, title)
        for code, short in COMMUNES:
            for (prefix, slug, role, title), name in zip(COMMUNE_STAFF, COMMUNE_NAMES[code], strict=True):
                user, new = ensure_user(
                    f"{prefix}.{short}",
                    password=DEMO_PASSWORD,
                    full_name=name,
                    account_type=AccountType.STAFF,
                    is_staff=True,
                )
                created += new
                assign_role(user, agencies[slug.format(code=code)], role, title)
        _user, new = ensure_user(
            "congdan.an",
            password=DEMO_PASSWORD,
            full_name="Nguyễn Văn An",
            account_type=AccountType.CITIZEN,
            email="an.nguyen@example.vn",
            phone="0912345678",
        )
        return created + new

    def _print_logins(self):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Tài khoản dùng thử (mật khẩu chung: {DEMO_PASSWORD}):"))
        for username, name, slug, role, _title in STAFF:
            self.stdout.write(f"  {username:<20} {name:<18} {Role(role).label} — {slug}")
        for _code, short in COMMUNES:
            for prefix, slug, role, _title in COMMUNE_STAFF:
                self.stdout.write(f"  {prefix + '.' + short:<20} {Role(role).label} — {slug.format(code=_code)}")
        self.stdout.write("  congdan.an           Nguyễn Văn An      Công dân")
