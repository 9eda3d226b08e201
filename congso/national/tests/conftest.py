"""Fixtures for the DVCQG specifications: the simulator in-process, and a citizen submitting on it."""

from __future__ import annotations

import pytest

from congso.dossiers.tests.helpers import PDF, agency
from congso.national import testing
from congso.national.simulator import services as sim

MARRIAGE_STATUS = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân: 3 working days, commune level
DESK = "ttpvhcc-xa-14797"  # the one-stop centre of Hạc Thành


@pytest.fixture
def dvcqg(monkeypatch):
    """Every HTTP call between the province and DVCQG goes to the in-process simulator; ``.down`` cuts it."""
    return testing.install(monkeypatch)


def submit_on_dvcqg(procedure_code: str = MARRIAGE_STATUS, *, desk: str = DESK, files=None, **applicant):
    return sim.submit_online_dossier(
        procedure_code=procedure_code,
        agency_identifier=agency(desk).identifier,
        applicant_name=applicant.get("name", "Trần Thị Hoa"),
        id_number=applicant.get("id_number", "038190004321"),
        phone=applicant.get("phone", "0912000111"),
        email=applicant.get("email", "hoa@example.vn"),
        address="Số 12 phố Trần Phú, phường Hạc Thành",
        request_text="Xin cấp giấy xác nhận tình trạng hôn nhân để đăng ký kết hôn",
        files=files if files is not None else [("to-khai.pdf", PDF, "application/pdf")],
    )
