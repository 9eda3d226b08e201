"""The simulator's demo identities: a citizen and a business representative, all in Thanh Hóa.

The CCCD numbers are valid per congso/core/cccd.py (province 038, century/sex digit, year of birth) and the
tax codes per congso/core/taxcode.py (block 28, check digit); none belongs to a real person or company.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoIdentity:
    key: str
    full_name: str
    id_number: str
    birthdate: dt.date
    gender: str  # OIDC "male" / "female"
    address: str
    phone: str  # E.164, as OIDC's phone_number claim
    description: str  # shown on the simulator's page
    enterprises: tuple[dict, ...] = field(default=())

    @property
    def subject(self) -> str:
        """An opaque, stable subject identifier (the same on every installation)."""
        return hashlib.sha256(f"congso-vneid-sim|{self.key}".encode()).hexdigest()[:32]

    def claims(self) -> dict:
        """Every claim the simulator releases about this person (userinfo; the ID token carries a subset)."""
        claims = {
            "sub": self.subject,
            "name": self.full_name,
            "id_number": self.id_number,
            "birthdate": self.birthdate.isoformat(),
            "gender": self.gender,
            "address": {"formatted": self.address, "region": "Thanh Hóa", "country": "VN"},
            "phone_number": self.phone,
            "phone_number_verified": True,
            "enterprises": [dict(e) for e in self.enterprises],
        }
        return claims


IDENTITIES: tuple[DemoIdentity, ...] = (
    DemoIdentity(
        key="congdan",
        full_name="Lê Văn Minh",
        id_number="038085012345",  # 038 Thanh Hóa · 0 = male, 1900s · 85
        birthdate=dt.date(1985, 3, 14),
        gender="male",
        address="Số 15 phố Lê Hoàn, phường Hạc Thành, tỉnh Thanh Hóa",
        phone="+84912000111",
        description="Công dân (định danh mức 2)",
    ),
    DemoIdentity(
        key="doanhnghiep",
        full_name="Trần Thị Hoa",
        id_number="038190005678",  # 038 Thanh Hóa · 1 = female, 1900s · 90
        birthdate=dt.date(1990, 7, 2),
        gender="female",
        address="Số 8 đường Nguyễn Trãi, phường Hàm Rồng, tỉnh Thanh Hóa",
        phone="+84912000222",
        description="Người đại diện doanh nghiệp",
        enterprises=(
            {
                "tax_code": "2801234564",
                "name": "Công ty TNHH Thương mại và Dịch vụ Sông Mã",
                "role": "legal_representative",
            },
            {
                "tax_code": "2807654325",
                "name": "Công ty Cổ phần Nông sản Hàm Rồng",
                "role": "authorized",
            },
        ),
    ),
)


def by_key(key: str) -> DemoIdentity | None:
    return next((i for i in IDENTITIES if i.key == key), None)


def by_subject(subject: str) -> DemoIdentity | None:
    return next((i for i in IDENTITIES if i.subject == subject), None)
