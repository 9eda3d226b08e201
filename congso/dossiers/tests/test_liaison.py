"""Liên thông: cross-level (commune → province → back to the commune desk), and same-level in parallel or in sequence."""

import pytest

from congso.catalog.actions import publish_workflow
from congso.documents.signing import core, service
from congso.dossiers.files import read_blob
from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import Api, create_at_desk, procedure, user

pytestmark = pytest.mark.django_db

LAND = "1.012753"  # first land registration: commune-level, 20 working days, cross-level with the department
TREES = (
    "1.002798"  # traffic organisation plan before opening an expressway: Department of Construction, 15 working days
)


def test_cross_level_land_registration_goes_to_the_department_and_comes_back_to_the_commune_desk(clock):
    clerk, commune_officer, commune_leader = (
        Api("tiepnhan.hacthanh"),
        Api("chuyenvien.hacthanh"),
        Api("lanhdao.hacthanh"),
    )
    dept_officer, dept_leader = Api("chuyenvien.snnmt"), Api("lanhdao.snnmt")
    d = create_at_desk(clerk, LAND, "ttpvhcc-xa-14797", id_number="038170002222", name="Lê Văn Bình")
    d = clerk.act(d["id"], "accept")
    assert d["workflow"] == "land-registration-cross-level"
    clerk.act(d["id"], "transfer")
    commune_leader.act(d["id"], "assign", {"assignee_id": user("chuyenvien.hacthanh").pk})
    clock.advance(days=1)
    d = commune_officer.act(d["id"], "appraise", {"note": "Xác nhận đất sử dụng ổn định, không tranh chấp"})
    assert d["current_step"] == "province" and len(d["children"]) == 1

    child_id = d["children"][0]
    child = dept_leader.get(f"/dossiers/{child_id}").json()
    assert child["code"] == f"{d['code']}-LT01" and child["parent_id"] == d["id"]
    assert child["competent_agency"]["name"] == "Sở Nông nghiệp và Môi trường tỉnh Thanh Hóa"
    # 20 days × 8 h = 160 h; the liaison step gets what the commune steps leave: 160 − 8 − 8 − 32 = 112 h.
    assert child["clock"]["budget_hours"] == 112.0
    assert dept_leader.actions(child_id) == ["stop", "require_payment", "extend", "assign"]
    assert clerk.actions(child_id) == []  # the child is withdrawn only through its origin

    dept_leader.act(child_id, "assign", {"assignee_id": user("chuyenvien.snnmt").pk})
    assert dept_officer.upload(child_id, kind="result", name="Giấy chứng nhận quyền sử dụng đất").status_code == 201
    dept_officer.act(child_id, "appraise")
    dept_leader.act(child_id, "approve")
    dept_leader.act(child_id, "sign")
    Api("vanthu.snnmt").act(child_id, "issue")  # the department's clerk numbers it, the department seals it
    child = Api("vanthu.snnmt").act(child_id, "complete")
    assert child["state"] == "returned" and child["outcome"] in ("early", "on_time")

    # The result came back to the intake point: the commune desk returns it.
    d = clerk.get(f"/dossiers/{d['id']}").json()
    assert d["state"] == "finished" and d["current_step"] == "release"
    assert [f["name"] for f in d["files"] if f["kind"] == "result"] == ["Giấy chứng nhận quyền sử dụng đất"]
    d = clerk.act(d["id"], "return_result")
    assert d["state"] == "returned"
    # The citizen's result is the department's, signed by its leader and sealed by the department.
    result = next(f for f in d["files"] if f["kind"] == "result")
    reports = core.verify_pdf(read_blob(result["sha256"]), service.validation_context)
    assert [r.ok for r in reports] == [True, True]
    assert reports[1].signer == "Sở Nông nghiệp và Môi trường tỉnh Thanh Hóa"
    assert result["document_number"] == "01/SNNMT"
    # Counted once: the child is a liên thông child, never a dossier of its own for KPIs or sync.
    assert Dossier.objects.filter(parent__isnull=True, code=d["code"]).count() == 1
    assert Dossier.objects.get(pk=child_id).is_liaison_child


def _publish_trees_workflow(mode: str) -> None:
    branch = lambda key, slug, lead=False: {  # noqa: E731
        "key": key,
        "name": f"Ý kiến {key}",
        "agency": {"named": slug},
        "workflow": "liaison-branch",
        "budget": {"share": 0.5} if mode == "sequence" else "rest",
        "lead": lead,
    }
    publish_workflow(
        {
            "key": f"trees-{mode}",
            "name": f"Liên thông cùng cấp ({mode})",
            "procedures": [procedure(TREES).key],
            "steps": [
                {
                    "key": "transfer",
                    "name": "Chuyển",
                    "role": "receiving_officer",
                    "agency": "intake",
                    "budget": {"hours": 4},
                    "actions": [{"action": "transfer", "to": "assign"}],
                },
                {
                    "key": "assign",
                    "name": "Phân công",
                    "role": "leader",
                    "agency": "competent",
                    "budget": {"hours": 4},
                    "actions": [{"action": "assign", "to": "appraise"}],
                },
                {
                    "key": "appraise",
                    "name": "Thẩm định",
                    "role": "specialist",
                    "agency": "competent",
                    "budget": {"hours": 16},
                    "actions": [{"action": "appraise", "to": "liaison"}],
                },
                {
                    "key": "liaison",
                    "kind": "liaison",
                    "mode": mode,
                    "name": "Lấy ý kiến các sở",
                    "role": "specialist",
                    "agency": "competent",
                    "budget": "rest",
                    "next": "sign",
                    "branches": [
                        branch("tu-phap", "so-tu-phap", lead=True),
                        branch("nn-mt", "so-nong-nghiep-va-moi-truong"),
                    ],
                },
                {
                    "key": "sign",
                    "name": "Ký",
                    "role": "leader",
                    "agency": "competent",
                    "budget": {"hours": 8},
                    "actions": [{"action": "sign", "to": "release", "guards": ["result_attached"]}],
                },
                {
                    "key": "release",
                    "kind": "release",
                    "name": "Trả kết quả",
                    "role": "receiving_officer",
                    "agency": "intake",
                    "budget": {"hours": 0},
                    "actions": [{"action": "return_result", "to": "@end"}],
                },
            ],
        }
    )


def _finish_child(child_id: int, specialist: str, leader: str) -> None:
    Api(leader).act(child_id, "assign", {"assignee_id": user(specialist).pk})
    assert Api(specialist).upload(child_id, kind="result", name=f"Ý kiến của {leader}").status_code == 201
    Api(specialist).act(child_id, "appraise")
    Api(leader).act(child_id, "approve")
    Api(leader).act(child_id, "sign")
    clerk = Api(leader.replace("lanhdao.", "vanthu."))
    clerk.act(child_id, "issue")
    clerk.act(child_id, "complete")


def _to_liaison(clock) -> dict:
    clerk = Api("tiepnhan.tinh")
    d = create_at_desk(clerk, TREES, "trung-tam-phuc-vu-hanh-chinh-cong", id_number="038170003333")
    clerk.act(d["id"], "accept")
    clerk.act(d["id"], "transfer")
    Api("lanhdao.sxd").act(d["id"], "assign", {"assignee_id": user("chuyenvien.sxd").pk})
    return Api("chuyenvien.sxd").act(d["id"], "appraise")


@pytest.mark.parametrize("mode", ["parallel", "sequence"])
def test_same_level_liaison_opens_branches_in_parallel_or_one_after_another(clock, mode):
    _publish_trees_workflow(mode)
    d = _to_liaison(clock)
    assert d["workflow"] == f"trees-{mode}"
    children = Dossier.objects.filter(parent_id=d["id"]).order_by("pk")
    assert [c.competent_agency.slug for c in children] == (
        ["so-tu-phap", "so-nong-nghiep-va-moi-truong"] if mode == "parallel" else ["so-tu-phap"]
    )
    # 15 days = 120 h; the liaison step has 120 − 4 − 4 − 16 − 8 = 88 h: parallel branches get all of it, sequential halves.
    assert {c.budget_seconds // 3600 for c in children} == ({88} if mode == "parallel" else {44})
    _finish_child(children[0].pk, "chuyenvien.stp", "lanhdao.stp")
    d = Api("lanhdao.sxd").get(f"/dossiers/{d['id']}").json()
    assert d["current_step"] == "liaison"  # still waiting for the other branch
    second = Dossier.objects.filter(parent_id=d["id"]).order_by("pk").last()
    assert second.competent_agency.slug == "so-nong-nghiep-va-moi-truong"
    _finish_child(second.pk, "chuyenvien.snnmt", "lanhdao.snnmt")
    d = Api("lanhdao.sxd").get(f"/dossiers/{d['id']}").json()
    assert d["current_step"] == "sign" and d["state"] == "processing"
    assert len([f for f in d["files"] if f["kind"] == "result"]) == 2
    d = Api("lanhdao.sxd").act(d["id"], "sign")
    assert d["state"] == "finished"
