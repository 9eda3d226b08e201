"""``GET /api/v1/kpi/ranking`` and ``GET/PUT /api/v1/kpi/score-groups`` through HTTP (problem+json errors)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from congso.dossiers.tests.helpers import Api, agency
from congso.kpi.models import ScoreGroup
from congso.kpi.tests.test_ranking import november  # noqa: F401 — the hand-worked November of cells

pytestmark = pytest.mark.django_db


def put(api: Api, body):
    return api.client.put("/api/v1/kpi/score-groups", json.dumps(body), content_type="application/json", **api.headers)


def groups(**changes) -> dict:
    out = []
    for g in ScoreGroup.objects.all():
        item = {"key": g.key, "maximum": float(g.maximum), "threshold": float(g.threshold), "active": g.active}
        item |= changes.get(g.key, {})
        out.append(item)
    return {"groups": out}


def test_the_ranking_of_agencies_and_communes(november):  # noqa: F811
    hac, sam, _tho = november
    api = Api("tiepnhan.hacthanh")
    body = api.get("/kpi/ranking", period="2026-11").json()
    assert body["level"] == "agency" and body["rollup"] is True and body["period"]["label"] == "11/2026"
    top = body["entries"][:3]
    assert [(e["place"], e["score"]["total"]) for e in top] == [(1, 100.0), (2, 91.11), (3, 74.97)]
    a = top[2]
    assert a["key"] == agency("so-tu-phap").pk and a["received"] == 106
    online = next(g for g in a["score"]["groups"] if g["key"] == "online_service")
    assert online == {
        "key": "online_service",
        "name": "Dịch vụ công trực tuyến",
        "indicator": "online",
        "rate": 25.0,
        "maximum": 12.0,
        "threshold": 50.0,
        "points": 6.0,
    }
    assert a["rates"]["on_time"] == 90.0 and body["entries"][-1]["place"] == 0
    assert body["province"]["received"] == 130 and body["province"]["key"] is None

    communes = api.get("/kpi/ranking", period="2026-11", level="commune").json()
    assert len(communes["entries"]) == 166
    assert {e["key"] for e in communes["entries"][:2]} == {sam.pk, _tho.pk}
    assert communes["entries"][2]["key"] == hac.pk and communes["entries"][2]["score"]["total"] == 70.56
    old = api.get("/kpi/ranking", period="2024-11", level="commune", rollup="false").json()
    assert old["rollup"] is False and all(not e["current"] for e in old["entries"])


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"period": "2026-13"}, "period", "Kỳ báo cáo không hợp lệ"),
        ({"period": "2026-11", "level": "district"}, "level", "Cấp xếp hạng: agency (cơ quan) hoặc commune"),
        ({"level": "agency"}, "period", "Trường này là bắt buộc."),
        ({"period": "2026-11", "rollup": "có"}, "rollup", "Giá trị không hợp lệ."),
    ],
)
def test_a_bad_ranking_request_is_a_422_in_vietnamese(params, field, message):
    response = Api("quantri").get("/kpi/ranking", **params)
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors[field].startswith(message), errors


def test_only_officers_read_the_ranking_and_the_rules():
    for path in ("/kpi/ranking", "/kpi/score-groups"):
        assert Api().get(path, period="2026-11").status_code == 401
        citizen = Api("congdan.an").get(path, period="2026-11")
        assert citizen.status_code == 403 and citizen["Content-Type"] == "application/problem+json"


def test_every_officer_reads_the_score_groups():
    body = Api("chuyenvien.stp").get("/kpi/score-groups").json()
    assert [g["key"] for g in body] == [
        "transparency",
        "progress",
        "online_service",
        "online_payment",
        "satisfaction",
        "digitisation",
    ]
    assert sum(g["maximum"] for g in body if g["active"]) == 100
    assert body[2] | {"position": 0} == {
        "key": "online_service",
        "name": "Dịch vụ công trực tuyến",
        "indicator": "online",
        "maximum": 12.0,
        "threshold": 50.0,
        "active": True,
        "position": 0,
    }


def test_the_province_administrator_puts_the_score_groups():
    api = Api("quantri")
    body = groups(progress={"maximum": 30}, online_payment={"active": False})
    response = put(api, body)
    assert response.status_code == 200, response.content
    assert {g["key"]: (g["maximum"], g["active"]) for g in response.json()}["progress"] == (30.0, True)
    assert ScoreGroup.objects.get(key="online_payment").active is False
    assert ScoreGroup.objects.get(key="progress").maximum == Decimal(30)


def test_only_the_province_administrator_puts_the_score_groups():
    response = put(Api("lanhdao.stp"), groups(progress={"maximum": 30}, online_payment={"active": False}))
    assert response.status_code == 403
    assert response.json()["detail"] == "Chỉ Quản trị hệ thống cấp tỉnh được sửa thang điểm."
    assert ScoreGroup.objects.get(key="progress").maximum == Decimal(20)


@pytest.mark.parametrize(
    "body, field, message",
    [
        (lambda: groups(progress={"threshold": 0}), "groups.1.threshold", "Ngưỡng là tỷ lệ phần trăm"),
        (lambda: groups(progress={"maximum": -1}), "groups.1.maximum", "Điểm tối đa không được âm."),
        (
            lambda: groups(progress={"maximum": 21}),
            "groups",
            "Tổng điểm tối đa của các nhóm đang áp dụng phải bằng 100",
        ),
        (lambda: {"groups": groups()["groups"][:5]}, "groups", "Thiếu nhóm chỉ tiêu “Số hóa hồ sơ, kết quả”."),
        (
            lambda: {"groups": [*groups()["groups"], {"key": "speed", "maximum": 0, "threshold": 50}]},
            "groups",
            "Không có nhóm chỉ tiêu: speed.",
        ),
        (lambda: {"groups": [*groups()["groups"], groups()["groups"][0]]}, "groups.6.key", "Nhóm chỉ tiêu bị lặp."),
        (lambda: groups(progress={"maximum": "hai"}), "groups.1.maximum", "Giá trị phải là một số."),
    ],
)
def test_bad_score_groups_are_a_422_and_nothing_is_saved(body, field, message):
    before = list(ScoreGroup.objects.values_list("key", "maximum", "threshold", "active"))
    response = put(Api("quantri"), body())
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors[field].startswith(message), errors
    assert list(ScoreGroup.objects.values_list("key", "maximum", "threshold", "active")) == before
