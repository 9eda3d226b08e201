"""POST /api/v1/calendar/due."""

import pytest

pytestmark = pytest.mark.django_db


def test_it_computes_a_due_instant(client):
    response = client.post(
        "/api/v1/calendar/due", {"start": "2026-02-13T16:30", "days": 3}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["due"] == "2026-02-25T16:30:00+07:00"
    assert {"date": "2026-02-17", "reason": "Tết Nguyên Đán"} in body["skipped"]


@pytest.mark.parametrize(
    "payload",
    [{"start": "không phải ngày", "days": 1}, {"start": "2026-02-13T16:30", "days": -1}, {"start": "2026-02-13T16:30"}],
)
def test_bad_input_is_problem_json_in_vietnamese(client, payload):
    response = client.post("/api/v1/calendar/due", payload, content_type="application/json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    text = str(body)
    assert any(word in text for word in ("không hợp lệ", "Cần chỉ rõ", "ngoài khoảng"))
