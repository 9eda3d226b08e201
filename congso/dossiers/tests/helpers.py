"""Personas and HTTP helpers for the dossier specifications."""

from __future__ import annotations

import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

from django.test import Client

from congso.accounts.models import User
from congso.catalog.models import Procedure
from congso.core.pdf import simple_pdf
from congso.geo.models import Agency

VN = ZoneInfo("Asia/Ho_Chi_Minh")


# A tiny but real PDF (pypdf and pyHanko open it: it has a cross-reference table), for uploads.
PDF = simple_pdf()

# A complete birth-registration e-form (data/eforms/1.001193.000.00.00.H56.json), for online dossiers.
BIRTH_FORM = {
    "nguoi_yeu_cau": "Nguyễn Văn An",
    "giay_to_nguoi_yeu_cau": "038090001234",
    "quan_he": "cha",
    "ho_ten": "Nguyễn Minh Khôi",
    "gioi_tinh": "nam",
    "ngay_sinh": "2025-12-20",
    "noi_sinh": "Trạm y tế phường Hạc Thành",
    "dan_toc": "Kinh",
    "quoc_tich": "Việt Nam",
    "ho_ten_me": "Lê Thị Hoa",
    "nam_sinh_me": 1992,
    "noi_cu_tru_me": "Phường Hạc Thành",
}


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN)


def procedure(national_code: str) -> Procedure:
    return Procedure.objects.current().get(national_code=national_code)


def agency(slug: str) -> Agency:
    return Agency.objects.get(slug=slug)


def user(username: str) -> User:
    return User.objects.get(username=username)


class Api:
    """A logged-in caller speaking JSON to /api/v1."""

    def __init__(self, username: str | None = None, *, token: str | None = None):
        self.client = Client()
        self.headers = {}
        if username:
            self.client.force_login(user(username))
        if token:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, **self.headers)

    def post(self, path: str, body: dict | None = None, **headers):
        return self.client.post(
            f"/api/v1{path}", json.dumps(body or {}), content_type="application/json", **self.headers, **headers
        )

    def act(self, dossier_id: int, action: str, body: dict | None = None, expect: int = 200):
        response = self.post(f"/dossiers/{dossier_id}/actions/{action}", body)
        assert response.status_code == expect, (action, response.status_code, response.content.decode()[:500])
        return response.json()

    def actions(self, dossier_id: int) -> list[str]:
        response = self.get(f"/dossiers/{dossier_id}/actions")
        assert response.status_code == 200, response.content
        return [a["action"] for a in response.json() if not a["blocked"]]

    def upload(self, dossier_id: int, data: bytes = PDF, filename: str = "giay-to.pdf", **fields):
        fh = io.BytesIO(data)
        fh.name = filename
        return self.client.post(f"/api/v1/dossiers/{dossier_id}/files", {"file": fh, **fields}, **self.headers)


def create_at_desk(
    officer: Api, national_code: str, intake_slug: str, *, id_number="038190001234", name="Nguyễn Thị Ánh"
):
    body = {
        "procedure_id": procedure(national_code).pk,
        "intake_agency_id": agency(intake_slug).pk,
        "channel": 1,
        "applicant": {
            "name": name,
            "id_number": id_number,
            "address": "Số 5 phố Lê Lợi, phường Hạc Thành",
            "phone": "0912345678",
        },
    }
    response = officer.post("/dossiers/", body)
    assert response.status_code == 201, response.content.decode()
    return response.json()
