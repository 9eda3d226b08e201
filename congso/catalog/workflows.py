"""Workflow definitions as data: parse, validate and resolve budgets (pure, ORM-free).

A workflow is the route a dossier takes *after* the intake check accepts it (domain §2 steps
3–7): a list of steps, each with a role, an agency selector, a budget of working time and the
actions that leave it. The intake check itself (accept / supplement / refuse) and the actions
allowed at any time (withdraw, stop, financial obligation, extension, reassignment) belong to the
dossier lifecycle, not to a workflow.

Spec (JSON)::

    {"key": "commune-standard", "name": "...", "name_en": "...",
     "default_for_level": "commune",          # optional: the default for a procedure level
     "procedures": ["1.001193.000.00.00.H56"], # optional: procedures bound explicitly
     "steps": [
       {"key": "transfer", "name": "...", "name_en": "...", "role": "receiving_officer",
        "agency": "intake", "budget": {"hours": 1},
        "actions": [{"action": "transfer", "to": "assign"}]},
       ...
       {"key": "release", "kind": "release", "role": "receiving_officer", "agency": "intake",
        "budget": {"hours": 0}, "actions": [{"action": "return_result", "to": "@end", "guards": ["paid"]}]}
     ]}

Budgets: ``{"hours": n}`` working hours, ``{"share": x}`` a fraction of the procedure's duration,
or ``"rest"`` (at most one step): whatever the others leave. They must add up to the procedure's
duration exactly (domain §3: each step has its own ledger; the dossier's is the sum).

Liên thông (inter-agency processing, domain §2.5) is a step of kind ``liaison``: it opens one child
dossier per branch, each at the branch's agency with its own workflow and budget, ``in sequence``
or ``in parallel`` (with a lead branch); when the children finish the parent moves on to ``next``.
Cross-level liên thông is a liaison to a higher-level agency followed by a ``release`` step at the
intake point, so the result comes back where the applicant submitted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

END = "@end"

# Agency selectors a step may use (domain §1: keep intake point, receiving and competent apart).
AGENCY_SELECTORS = ("intake", "receiving", "competent", "coordinating")

# Actions that move a dossier from one step to another.
TRANSITION_ACTIONS = {
    "transfer": ("Chuyển hồ sơ", "Transfer"),
    "assign": ("Phân công xử lý", "Assign"),
    "appraise": ("Thẩm định xong", "Appraise"),
    "consult": ("Xin ý kiến", "Consult"),
    "answer_consultation": ("Trả lời xin ý kiến", "Answer consultation"),
    "approve": ("Phê duyệt", "Approve"),
    "send_back": ("Trả lại bước trước", "Send back"),
    "sign": ("Ký duyệt kết quả", "Sign"),
    # Decree 30/2020: the clerk numbers and dates the signed result, then the agency signs it (its seal).
    "issue": ("Vào số, ký số cơ quan (đóng dấu)", "Number and seal (agency signature)"),
    "return_result": ("Trả kết quả", "Return result"),
    "complete": ("Hoàn thành, trả về hồ sơ gốc", "Complete and return to the originating dossier"),
}

# Guards an action may require before it is offered.
GUARDS = {
    "paid": gettext_lazy("Hồ sơ chưa hoàn thành nghĩa vụ tài chính."),
    "signed": gettext_lazy("Kết quả chưa được ký số."),
    "issued": gettext_lazy("Kết quả chưa được vào số và ký số của cơ quan."),
    "result_attached": gettext_lazy("Chưa đính kèm kết quả giải quyết."),
    "digitised": gettext_lazy("Còn thành phần hồ sơ chưa được số hóa."),
    "channel:online": gettext_lazy("Chỉ áp dụng cho hồ sơ nộp trực tuyến."),
    "channel:in_person": gettext_lazy("Chỉ áp dụng cho hồ sơ nộp trực tiếp."),
    "channel:postal": gettext_lazy("Chỉ áp dụng cho hồ sơ nộp qua bưu chính công ích."),
}

STEP_KINDS = ("task", "liaison", "release")
LIAISON_MODES = ("sequence", "parallel")

_MINUTE = Decimal("0.0001")


class WorkflowError(ValueError):
    """A workflow definition is invalid; ``errors`` names each step and problem."""

    def __init__(self, key: str, errors: list[str]):
        self.key = key
        self.errors = errors
        super().__init__(
            _("Quy trình %(key)s không hợp lệ:") % {"key": repr(key)} + "\n" + "\n".join(f"- {e}" for e in errors)
        )


@dataclass(frozen=True)
class ActionSpec:
    action: str
    to: str
    guards: tuple[str, ...] = ()


@dataclass(frozen=True)
class BranchSpec:
    key: str
    name: str
    name_en: str
    agency: str | dict
    workflow: str
    budget: Any
    lead: bool = False


@dataclass(frozen=True)
class StepSpec:
    key: str
    name: str
    name_en: str
    role: str
    agency: str | dict
    budget: Any
    kind: str = "task"
    actions: tuple[ActionSpec, ...] = ()
    mode: str = ""
    branches: tuple[BranchSpec, ...] = ()
    next: str = ""

    @property
    def targets(self) -> list[str]:
        out = [a.to for a in self.actions]
        if self.kind == "liaison" and self.next:
            out.append(self.next)
        return out

    def action(self, name: str) -> ActionSpec | None:
        return next((a for a in self.actions if a.action == name), None)


@dataclass(frozen=True)
class WorkflowSpec:
    key: str
    name: str
    name_en: str
    steps: tuple[StepSpec, ...]
    default_for_level: str = ""
    procedures: tuple[str, ...] = ()
    child: bool = False  # a branch workflow of liên thông: ends with "complete"
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def has_liaison(self) -> bool:
        return any(s.kind == "liaison" for s in self.steps)

    @property
    def first(self) -> StepSpec:
        return self.steps[0]

    def step(self, key: str) -> StepSpec:
        for s in self.steps:
            if s.key == key:
                return s
        raise KeyError(key)

    def sha256(self) -> str:
        return spec_sha256(self.raw)


def spec_sha256(raw: dict) -> str:
    return hashlib.sha256(json.dumps(raw, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_workflow(raw: Any, *, roles: set[str]) -> WorkflowSpec:
    """Parse and validate a definition; raise :class:`WorkflowError` listing every problem."""
    if not isinstance(raw, dict):
        raise WorkflowError("?", [_("Định nghĩa quy trình phải là một đối tượng JSON.")])
    key = _text(raw.get("key")) or "?"
    errors: list[str] = []
    if key == "?":
        errors.append(_("Thiếu khóa quy trình (key)."))
    if not _text(raw.get("name")):
        errors.append(_("Thiếu tên quy trình (name)."))
    raw_steps = raw.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise WorkflowError(key, [*errors, _("Quy trình phải có ít nhất một bước (steps).")])
    steps: list[StepSpec] = []
    seen: set[str] = set()
    for index, item in enumerate(raw_steps, start=1):
        step = _parse_step(item, index, roles, errors)
        if step is None:
            continue
        if step.key in seen:
            errors.append(_("Bước %(step)s: khóa bước bị trùng.") % {"step": repr(step.key)})
        seen.add(step.key)
        steps.append(step)
    level = _text(raw.get("default_for_level"))
    if level and level not in ("commune", "province"):
        errors.append(_("default_for_level %(level)s không hợp lệ (commune hoặc province).") % {"level": repr(level)})
    procedures = raw.get("procedures") or []
    if not isinstance(procedures, list) or not all(isinstance(p, str) for p in procedures):
        errors.append(_("procedures phải là danh sách mã thủ tục."))
        procedures = []
    spec = WorkflowSpec(
        key=key,
        name=_text(raw.get("name")),
        name_en=_text(raw.get("name_en")),
        steps=tuple(steps),
        default_for_level=level,
        procedures=tuple(procedures),
        child=bool(raw.get("child")),
        raw=raw,
    )
    if steps:
        errors.extend(_graph_errors(spec))
        errors.extend(_budget_shape_errors(spec))
    if errors:
        raise WorkflowError(key, errors)
    return spec


def _parse_step(item: Any, index: int, roles: set[str], errors: list[str]) -> StepSpec | None:
    if not isinstance(item, dict):
        errors.append(_("Bước thứ %(index)s: phải là một đối tượng JSON.") % {"index": index})
        return None
    key = _text(item.get("key"))
    label = _("Bước %(key)s") % {"key": repr(key)} if key else _("Bước thứ %(index)s") % {"index": index}
    if not key:
        errors.append(_("%(label)s: thiếu khóa bước (key).") % {"label": label})
        key = f"#{index}"
    elif key == END:
        errors.append(_("%(label)s: khóa %(end)s dành riêng cho điểm kết thúc.") % {"label": label, "end": repr(END)})
    if not _text(item.get("name")):
        errors.append(_("%(label)s: thiếu tên bước (name).") % {"label": label})
    kind = _text(item.get("kind")) or "task"
    if kind not in STEP_KINDS:
        errors.append(
            _("%(label)s: loại bước %(kind)s không hợp lệ (%(kinds)s).")
            % {"label": label, "kind": repr(kind), "kinds": ", ".join(STEP_KINDS)}
        )
    role = _text(item.get("role"))
    if role not in roles:
        errors.append(
            _("%(label)s: vai trò %(role)s không tồn tại (các vai trò: %(roles)s).")
            % {"label": label, "role": repr(role), "roles": ", ".join(sorted(roles))}
        )
    agency = item.get("agency")
    errors.extend(f"{label}: {e}" for e in _agency_errors(agency))
    budget = item.get("budget")
    errors.extend(f"{label}: {e}" for e in _budget_errors(budget))
    actions: list[ActionSpec] = []
    for a_index, a in enumerate(item.get("actions") or [], start=1):
        if not isinstance(a, dict):
            errors.append(
                _("%(label)s: hành động thứ %(index)s phải là một đối tượng JSON.") % {"label": label, "index": a_index}
            )
            continue
        name, to = _text(a.get("action")), _text(a.get("to"))
        if name not in TRANSITION_ACTIONS:
            errors.append(
                _("%(label)s: hành động %(action)s không được hỗ trợ (%(actions)s).")
                % {"label": label, "action": repr(name), "actions": ", ".join(TRANSITION_ACTIONS)}
            )
        if not to:
            errors.append(
                _("%(label)s: hành động %(action)s thiếu bước đích (to).") % {"label": label, "action": repr(name)}
            )
        guards = a.get("guards") or []
        for g in guards:
            if g not in GUARDS:
                errors.append(
                    _("%(label)s: điều kiện %(guard)s của hành động %(action)s không được hỗ trợ (%(guards)s).")
                    % {"label": label, "guard": repr(g), "action": repr(name), "guards": ", ".join(GUARDS)}
                )
        actions.append(ActionSpec(action=name, to=to, guards=tuple(guards)))
    names = [a.action for a in actions]
    for dup in {n for n in names if names.count(n) > 1}:
        errors.append(_("%(label)s: hành động %(action)s khai báo hai lần.") % {"label": label, "action": repr(dup)})
    branches: list[BranchSpec] = []
    mode = _text(item.get("mode"))
    nxt = _text(item.get("next"))
    if kind == "liaison":
        if mode not in LIAISON_MODES:
            errors.append(_("%(label)s: bước liên thông phải có mode 'sequence' hoặc 'parallel'.") % {"label": label})
        if not nxt:
            errors.append(_("%(label)s: bước liên thông thiếu bước tiếp theo (next).") % {"label": label})
        raw_branches = item.get("branches") or []
        if not raw_branches:
            errors.append(_("%(label)s: bước liên thông phải có ít nhất một nhánh (branches).") % {"label": label})
        for b_index, b in enumerate(raw_branches, start=1):
            if not isinstance(b, dict):
                errors.append(
                    _("%(label)s: nhánh thứ %(index)s phải là một đối tượng JSON.") % {"label": label, "index": b_index}
                )
                continue
            b_key = _text(b.get("key")) or f"#{b_index}"
            where = _("%(label)s, nhánh %(branch)s") % {"label": label, "branch": repr(b_key)}
            errors.extend(f"{where}: {e}" for e in _agency_errors(b.get("agency")))
            errors.extend(f"{where}: {e}" for e in _budget_errors(b.get("budget")))
            if not _text(b.get("workflow")):
                errors.append(_("%(where)s: thiếu quy trình của hồ sơ liên thông (workflow).") % {"where": where})
            branches.append(
                BranchSpec(
                    key=b_key,
                    name=_text(b.get("name")) or b_key,
                    name_en=_text(b.get("name_en")),
                    agency=b.get("agency"),
                    workflow=_text(b.get("workflow")),
                    budget=b.get("budget"),
                    lead=bool(b.get("lead")),
                )
            )
        if mode == "parallel" and branches and sum(b.lead for b in branches) != 1:
            errors.append(
                _("%(label)s: liên thông song song phải có đúng một cơ quan chủ trì (lead).") % {"label": label}
            )
        if actions:
            errors.append(
                _("%(label)s: bước liên thông chuyển tiếp tự động; không khai báo actions.") % {"label": label}
            )
    elif nxt or item.get("branches"):
        errors.append(_("%(label)s: chỉ bước liên thông mới có next và branches.") % {"label": label})
    if kind != "liaison" and not actions:
        errors.append(_("%(label)s: bước cụt — không có hành động nào để đi tiếp.") % {"label": label})
    return StepSpec(
        key=key,
        name=_text(item.get("name")),
        name_en=_text(item.get("name_en")),
        role=role,
        agency=agency,
        budget=budget,
        kind=kind,
        actions=tuple(actions),
        mode=mode,
        branches=tuple(branches),
        next=nxt,
    )


def _agency_errors(agency: Any) -> list[str]:
    if isinstance(agency, str) and agency in AGENCY_SELECTORS:
        return []
    if isinstance(agency, dict) and set(agency) == {"named"} and _text(agency.get("named")):
        return []
    return [
        _('cơ quan %(agency)s không hợp lệ: dùng một trong %(selectors)s hoặc {"named": "<khóa cơ quan>"}.')
        % {"agency": repr(agency), "selectors": ", ".join(AGENCY_SELECTORS)}
    ]


def _budget_errors(budget: Any) -> list[str]:
    if budget == "rest":
        return []
    if isinstance(budget, dict) and len(budget) == 1:
        (kind, value), *_others = budget.items()
        if kind in ("hours", "share") and isinstance(value, int | float) and not isinstance(value, bool):
            if value < 0:
                return [_("thời hạn của bước không được âm.")]
            if kind == "share" and value > 1:
                return [_("tỷ lệ thời hạn (share) phải trong khoảng 0–1.")]
            return []
    return [
        _('thời hạn %(budget)s không hợp lệ: dùng {"hours": n}, {"share": x} hoặc "rest".') % {"budget": repr(budget)}
    ]


def _graph_errors(spec: WorkflowSpec) -> list[str]:
    errors: list[str] = []
    keys = {s.key for s in spec.steps}
    for s in spec.steps:
        for target in s.targets:
            if target != END and target not in keys:
                errors.append(
                    _("Bước %(step)s: bước đích %(target)s không tồn tại.")
                    % {"step": repr(s.key), "target": repr(target)}
                )
        for a in s.actions:
            if a.to == END and a.action not in ("return_result", "complete"):
                errors.append(
                    _("Bước %(step)s: chỉ 'return_result' hoặc 'complete' mới kết thúc quy trình.")
                    % {"step": repr(s.key)}
                )
            if a.action == "return_result" and s.kind != "release":
                errors.append(_("Bước %(step)s: trả kết quả chỉ ở bước loại 'release'.") % {"step": repr(s.key)})
            if a.action == "complete" and not spec.child:
                errors.append(
                    _("Bước %(step)s: 'complete' chỉ dùng trong quy trình của hồ sơ liên thông (child).")
                    % {"step": repr(s.key)}
                )
    if spec.child and any(s.kind == "release" for s in spec.steps):
        errors.append(_("Quy trình liên thông (child) không có bước trả kết quả: kết quả quay về hồ sơ gốc."))
    if not spec.child and not any(s.kind == "release" for s in spec.steps):
        errors.append(_("Quy trình phải có một bước trả kết quả (kind 'release')."))
    # Reachability from the first step.
    edges = {s.key: [t for t in s.targets if t in keys or t == END] for s in spec.steps}
    reached: set[str] = set()
    todo = [spec.first.key]
    while todo:
        k = todo.pop()
        if k in reached or k == END:
            continue
        reached.add(k)
        todo.extend(edges.get(k, []))
    for s in spec.steps:
        if s.key not in reached:
            errors.append(
                _("Bước %(step)s: không thể tới được từ bước đầu %(first)s.")
                % {"step": repr(s.key), "first": repr(spec.first.key)}
            )
    # Every step must be able to reach the end.
    can_end: set[str] = set()
    changed = True
    while changed:
        changed = False
        for k, targets in edges.items():
            if k not in can_end and any(t == END or t in can_end for t in targets):
                can_end.add(k)
                changed = True
    for s in spec.steps:
        if s.key not in can_end and (s.actions or s.kind == "liaison"):
            errors.append(_("Bước %(step)s: bước cụt — không có đường tới kết thúc.") % {"step": repr(s.key)})
    return errors


def _budget_shape_errors(spec: WorkflowSpec) -> list[str]:
    rests = [s.key for s in spec.steps if s.budget == "rest"]
    if len(rests) > 1:
        return [
            _("Chỉ một bước được nhận phần thời hạn còn lại ('rest'); đang có: %(steps)s.")
            % {"steps": ", ".join(rests)}
        ]
    errors = []
    for s in spec.steps:
        if s.kind == "liaison" and s.mode == "sequence":
            rest_branches = [b.key for b in s.branches if b.budget == "rest"]
            if len(rest_branches) > 1:
                errors.append(
                    _("Bước %(step)s: chỉ một nhánh được nhận phần thời hạn còn lại.") % {"step": repr(s.key)}
                )
    return errors


def _amount(budget: Any, total: Decimal) -> Decimal | None:
    if budget == "rest":
        return None
    (kind, value), *_others = budget.items()
    value = Decimal(str(value))
    return value if kind == "hours" else (value * total)


def resolve_budgets(spec: WorkflowSpec, duration_hours: Decimal) -> dict[str, Decimal]:
    """Working hours per step for a procedure of ``duration_hours``; raise WorkflowError when they do not add up.

    Budgets are rounded to 1/10,000 of an hour; the 'rest' step takes the exact remainder, so the sum
    equals the duration.
    """
    total = Decimal(duration_hours)
    out: dict[str, Decimal] = {}
    rest: str | None = None
    for s in spec.steps:
        amount = _amount(s.budget, total)
        if amount is None:
            rest = s.key
        else:
            out[s.key] = amount.quantize(_MINUTE, ROUND_HALF_UP)
    fixed = sum(out.values(), Decimal(0))
    errors: list[str] = []
    if rest is not None:
        remainder = total - fixed
        if remainder < 0:
            errors.append(
                _(
                    "Tổng thời hạn các bước (%(fixed)s giờ) vượt thời hạn của thủ tục (%(total)s giờ); "
                    "bước %(step)s không còn thời gian."
                )
                % {"fixed": _fmt(fixed), "total": _fmt(total), "step": repr(rest)}
            )
        out[rest] = max(remainder, Decimal(0))
    elif fixed != total:
        worst = max(out, key=lambda k: out[k]) if out else "?"
        errors.append(
            _(
                "Tổng thời hạn các bước (%(fixed)s giờ) không khớp thời hạn của thủ tục (%(total)s giờ); "
                'hãy điều chỉnh, ví dụ bước %(step)s, hoặc dùng "rest".'
            )
            % {"fixed": _fmt(fixed), "total": _fmt(total), "step": repr(worst)}
        )
    for s in spec.steps:
        if s.kind != "liaison":
            continue
        step_total = out.get(s.key, Decimal(0))
        branch = resolve_branch_budgets(s, step_total)
        if s.mode == "sequence" and sum(branch.values(), Decimal(0)) != step_total:
            errors.append(
                _(
                    "Bước %(step)s: tổng thời hạn các nhánh liên thông tuần tự "
                    "(%(branches)s giờ) phải bằng thời hạn của bước (%(total)s giờ)."
                )
                % {
                    "step": repr(s.key),
                    "branches": _fmt(sum(branch.values(), Decimal(0))),
                    "total": _fmt(step_total),
                }
            )
        if s.mode == "parallel":
            for b_key, hours in branch.items():
                if hours > step_total:
                    errors.append(
                        _(
                            "Bước %(step)s, nhánh %(branch)s: thời hạn (%(hours)s giờ) vượt thời hạn của bước "
                            "(%(total)s giờ)."
                        )
                        % {"step": repr(s.key), "branch": repr(b_key), "hours": _fmt(hours), "total": _fmt(step_total)}
                    )
    if errors:
        raise WorkflowError(spec.key, errors)
    return out


def resolve_branch_budgets(step: StepSpec, step_hours: Decimal) -> dict[str, Decimal]:
    """Working hours per branch: in sequence "rest" is what the others leave; in parallel the whole step."""
    out: dict[str, Decimal] = {}
    rest: str | None = None
    for b in step.branches:
        amount = _amount(b.budget, step_hours)
        if amount is None and step.mode == "parallel":
            out[b.key] = step_hours
        elif amount is None:
            rest = b.key
        else:
            out[b.key] = amount.quantize(_MINUTE, ROUND_HALF_UP)
    if rest is not None:
        out[rest] = max(step_hours - sum(out.values(), Decimal(0)), Decimal(0))
    return out


def _fmt(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",")
