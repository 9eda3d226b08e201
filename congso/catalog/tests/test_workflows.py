"""Workflows are data: validated on load with errors naming the step; published versions never change."""

import json
from decimal import Decimal

import pytest
from django.conf import settings

from congso.accounts.choices import Role
from congso.catalog.actions import publish_workflow
from congso.catalog.models import Procedure, WorkflowDefinition, WorkflowImmutableError
from congso.catalog.selectors import latest_workflows, procedure_duration_hours, workflow_for_procedure
from congso.catalog.workflows import WorkflowError, parse_workflow, resolve_budgets

ROLES = set(Role.values)


def base() -> dict:
    return json.loads((settings.DATA_DIR / "workflows" / "commune-standard.json").read_text(encoding="utf-8"))


def errors_of(raw: dict) -> list[str]:
    with pytest.raises(WorkflowError) as caught:
        parse_workflow(raw, roles=ROLES)
    return caught.value.errors


def test_it_names_an_unreachable_step_and_a_dead_end():
    raw = base()
    raw["steps"].insert(
        2,
        {
            "key": "orphan",
            "name": "Bước thừa",
            "role": "specialist",
            "agency": "competent",
            "budget": {"hours": 0},
            "actions": [{"action": "appraise", "to": "approve"}],
        },
    )
    raw["steps"].insert(
        3,
        {
            "key": "loop",
            "name": "Vòng lặp",
            "role": "specialist",
            "agency": "competent",
            "budget": {"hours": 0},
            "actions": [{"action": "send_back", "to": "loop"}],
        },
    )
    raw["steps"][1]["actions"].append({"action": "send_back", "to": "loop"})
    assert errors_of(raw) == [
        "Bước 'orphan': không thể tới được từ bước đầu 'transfer'.",
        "Bước 'loop': bước cụt — không có đường tới kết thúc.",
    ]


def test_it_names_unknown_roles_targets_actions_and_guards():
    raw = base()
    raw["steps"][1]["role"] = "mayor"
    raw["steps"][2]["actions"][0] = {"action": "bless", "to": "nowhere", "guards": ["lucky"]}
    errs = errors_of(raw)
    assert errs[0].startswith("Bước 'assign': vai trò 'mayor' không tồn tại")
    assert errs[1].startswith("Bước 'appraise': hành động 'bless' không được hỗ trợ")
    assert errs[2].startswith("Bước 'appraise': điều kiện 'lucky' của hành động 'bless' không được hỗ trợ")
    assert "Bước 'appraise': bước đích 'nowhere' không tồn tại." in errs


def test_budgets_must_add_up_to_the_procedure_duration():
    raw = base()
    raw["steps"][2]["budget"] = {"hours": 30}  # no "rest" any more: 30 h + 45 % of 24 h (the other steps)
    spec = parse_workflow(raw, roles=ROLES)
    with pytest.raises(WorkflowError) as caught:
        resolve_budgets(spec, Decimal(24))
    assert caught.value.errors == [
        "Tổng thời hạn các bước (40,8 giờ) không khớp thời hạn của thủ tục (24 giờ); "
        "hãy điều chỉnh, ví dụ bước 'appraise', hoặc dùng \"rest\"."
    ]
    raw["steps"][2]["budget"] = "rest"
    raw["steps"][1]["budget"] = {"hours": 40}
    with pytest.raises(WorkflowError, match="vượt thời hạn của thủ tục"):
        resolve_budgets(parse_workflow(raw, roles=ROLES), Decimal(24))
    assert sum(resolve_budgets(parse_workflow(base(), roles=ROLES), Decimal(24)).values()) == 24


@pytest.mark.django_db
def test_every_catalog_procedure_gets_a_published_workflow_whose_budgets_fit_its_duration():
    workflows = latest_workflows()
    problems = []
    for procedure in Procedure.objects.current():
        wf = workflow_for_procedure(procedure, workflows)
        if wf is None:
            problems.append(f"{procedure.key}: không có quy trình")
            continue
        spec = parse_workflow(wf.spec, roles=ROLES)
        hours = procedure_duration_hours(procedure)
        # Procedures without a single duration in the catalog get one from the officer at acceptance.
        resolve_budgets(spec, hours if hours is not None else Decimal(40))
    assert problems == []
    assert {wf.key for wf in workflows.values()} >= {
        "commune-standard",
        "province-standard",
        "land-registration-cross-level",
        "liaison-branch",
    }


@pytest.mark.django_db
def test_a_published_version_is_immutable_and_a_change_is_a_new_version():
    raw = base()
    current = latest_workflows()["commune-standard"]
    with pytest.raises(WorkflowImmutableError):
        current.name = "Sửa trộm"
        current.save()
    same, created = publish_workflow(raw)
    assert not created and same.pk == current.pk
    raw["steps"][0]["name"] = "Chuyển hồ sơ điện tử ngay"
    newer, created = publish_workflow(raw)
    assert created and newer.version == current.version + 1
    assert WorkflowDefinition.objects.get(pk=current.pk).spec["steps"][0]["name"] != "Chuyển hồ sơ điện tử ngay"
