"""Who may see and do what with a commune dossier, at every stage, through HTTP (DESIGN §4.3).

One dossier of procedure 1.004873 (commune level), received at the Hạc Thành one-stop desk, is walked
through the commune workflow; a second one through the paused states; a third is withdrawn while a
payment is due. At every stage, every persona tries every action name the engine knows
(LIFECYCLE ∪ TRANSITION_ACTIONS), each with a valid body:

- an officer of another commune, or of a province department, does not learn the dossier exists: 404
  on the detail, on the offer list and on every action;
- the auditor (and the province administrator) reads it but is offered nothing and can change nothing:
  the auditor's every action is refused with 403 (read-only role), the administrator's with 409 like
  any action not offered;
- an anonymous caller gets 401;
- a Hạc Thành officer is offered exactly what the table below says; each unblocked offer succeeds, every
  other action, blocked offers included, is refused with 409 and leaves the dossier as it was.

Every POST runs in a savepoint that is rolled back afterwards, so each cell meets the dossier exactly at
its stage (even after a wrongly allowed action) and the walk goes on with the dossier untouched.

The tables are the specification: read them as "at this stage, this person may do this".
"""

from __future__ import annotations

import logging

import pytest
from django.db import connection, transaction

from congso.catalog.workflows import TRANSITION_ACTIONS
from congso.dossiers.actions import LIFECYCLE
from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import Api, agency, create_at_desk, user

pytestmark = pytest.mark.django_db

MARRIAGE_STATUS = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân: commune level, 3 working days
DESK = "ttpvhcc-xa-14797"  # the Hạc Thành one-stop desk; the commune People's Committee is ubnd-xa-14797

ACTIONS = sorted(set(LIFECYCLE) | set(TRANSITION_ACTIONS))

# Personas, by what they should get.
OWN = ["tiepnhan.hacthanh", "chuyenvien.hacthanh", "lanhdao.hacthanh", "vanthu.hacthanh", "quantri.hacthanh"]
FOREIGN = [
    "tiepnhan.samson",
    "chuyenvien.samson",
    "lanhdao.samson",
    "vanthu.samson",
    "quantri.samson",
    "tiepnhan.tinh",  # the province public-service centre
    "chuyenvien.stp",  # Department of Justice
]
READERS = ["kiemtra", "quantri"]  # auditor and province administrator: province-wide, see everything
ANONYMOUS = "anonymous"
PERSONAS = [*OWN, *FOREIGN, *READERS, ANONYMOUS]

# What each refusal is: a foreign dossier is not disclosed; an action not offered is "not possible now".
FOREIGN_STATUS = 404
REFUSED_STATUS = 409  # "not possible now" (not offered at this stage, or blocked by a guard)
AUDITOR = "kiemtra"
AUDITOR_STATUS = 403  # the auditor only reads: "you may only read", whatever the stage
ANONYMOUS_STATUS = 401

# ---- the specification ---------------------------------------------------------------------------------
# Per stage: what each Hạc Thành officer is offered by GET /actions, in order; "name!" is offered but
# blocked by a guard (refused with 409 until the guard holds). Not listed: offered nothing.
TP, CV, LD, VT, QT = OWN
LEADER_WHILE_PROCESSING = "request_supplement refuse stop require_payment extend"
SPECIALIST_WHILE_PROCESSING = "request_supplement require_payment"
EXPECTED = {
    # Received at the desk (Form 01 not yet issued): only the desk decides.
    "submitted": {TP: "accept request_supplement refuse withdraw"},
    # Accepted, at step "transfer" (the desk's): the desk transfers; the leader may refuse, stop, extend.
    "accepted/transfer": {TP: "request_supplement withdraw transfer", LD: "refuse stop extend"},
    "processing/assign": {TP: "withdraw", CV: SPECIALIST_WHILE_PROCESSING, LD: f"{LEADER_WHILE_PROCESSING} assign"},
    # Assigned to chuyenvien.hacthanh: only the assignee appraises (once a result is attached) or consults;
    # the leader may reassign.
    "processing/appraise (no result yet)": {
        TP: "withdraw",
        CV: f"{SPECIALIST_WHILE_PROCESSING} appraise! consult",
        LD: f"{LEADER_WHILE_PROCESSING} reassign",
    },
    "processing/appraise": {
        TP: "withdraw",
        CV: f"{SPECIALIST_WHILE_PROCESSING} appraise consult",
        LD: f"{LEADER_WHILE_PROCESSING} reassign",
    },
    "processing/approve": {
        TP: "withdraw",
        CV: SPECIALIST_WHILE_PROCESSING,
        LD: f"{LEADER_WHILE_PROCESSING} approve send_back",
    },
    "processing/sign": {TP: "withdraw", CV: SPECIALIST_WHILE_PROCESSING, LD: f"{LEADER_WHILE_PROCESSING} sign"},
    # The clerk numbers and seals; the specialist and the leader keep their processing actions.
    "processing/issue": {TP: "withdraw", CV: SPECIALIST_WHILE_PROCESSING, LD: LEADER_WHILE_PROCESSING, VT: "issue"},
    # Finished (national status 9): only the desk hands the result over; no withdrawal any more.
    "finished/release": {TP: "return_result"},
    "returned": {},
    # ---- paused states (a second dossier) ----
    # Form 02 at intake: the applicant (here the desk, on their behalf) answers; not accepted, so no extension.
    "supplement_requested (at intake)": {TP: "submit_supplement withdraw"},
    # Form 02 during appraisal: the clock is paused; the leader may still apologise and set a new date.
    "supplement_requested (during appraisal)": {TP: "submit_supplement withdraw", LD: "extend"},
    "financial_obligation": {TP: "withdraw confirm_payment", CV: "confirm_payment", LD: "confirm_payment extend"},
    "stopped": {TP: "withdraw", LD: "resume extend"},
    # ---- ended while a payment was due (a third dossier) ----
    # Withdrawn: terminal, its obligation cancelled; nobody may do anything any more.
    "withdrawn (payment was due)": {},
}


def payloads() -> dict[str, dict]:
    """A valid, minimal body for every action, so that a refusal is about permission, not a missing field."""
    specialist = user("chuyenvien.hacthanh").pk
    note = {"note": "Ý kiến xử lý"}
    bodies = {
        "submit": {},
        "accept": {},
        "request_supplement": {"items": ["Bản sao trích lục khai tử của vợ"], "reason": "Thiếu giấy tờ"},
        "submit_supplement": {"note": "Đã nộp bản sao trích lục"},
        "refuse": {"reasons": ["Người yêu cầu không cư trú tại địa bàn xã"]},
        "withdraw": {"reason": "Công dân có đơn xin rút hồ sơ"},
        "stop": {"reason": "Chờ kết quả xác minh của cơ quan công an"},
        "resume": {"note": "Đã có kết quả xác minh"},
        "require_payment": {"amount": 50000, "reason": "Lệ phí cấp bản sao"},
        "confirm_payment": {"receipt": "BL-000123"},
        "extend": {"reason": "Cần xác minh thêm", "new_appointment_at": "2026-12-31T16:00:00+07:00"},
        "reassign": {"assignee_id": specialist, "note": "Phân công lại"},
        "assign": {"assignee_id": specialist, "note": "Giao đồng chí Nam xử lý"},
        "consult": {"agency_id": agency("so-tu-phap").pk, "note": "Xin ý kiến Sở Tư pháp"},
    }
    for name in TRANSITION_ACTIONS:
        bodies.setdefault(name, note)
    assert set(bodies) == set(ACTIONS)
    return bodies


# ---- machinery -------------------------------------------------------------------------------------
class _Rollback(Exception):
    """Raised to undo whatever a tried action did (see ``Matrix._try``)."""


SNAPSHOT_COLUMNS = (
    "state",
    "national_status",
    "event_count",
    "history_head",
    "current_step",
    "current_agency_id",
    "assignee_id",
    "payment_status",
    "supplement_count",
    "extension_count",
    "appointment_at",
    "due_at",
    "updated_at",
)


def snapshot(pk: int) -> dict:
    """Everything a permitted action changes (each one appends an event): if equal, nothing happened.

    One plain query: it runs after each of the thousands of refused requests.
    """
    table = Dossier._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(SNAPSHOT_COLUMNS)} FROM {table} WHERE id = %s", [pk])
        return dict(zip(SNAPSHOT_COLUMNS, cursor.fetchone(), strict=True))


def parse_expected(spec: str) -> tuple[list[str], set[str]]:
    names = spec.split()
    return [n.rstrip("!") for n in names], {n.rstrip("!") for n in names if n.endswith("!")}


class Matrix:
    """Runs the whole persona × action matrix at one stage; collects every wrong cell instead of stopping."""

    def __init__(self):
        self.apis = {name: Api(None if name == ANONYMOUS else name) for name in PERSONAS}
        self.bodies = payloads()
        self.cells = 0  # (persona, action, stage) cells checked
        self.reads = 0  # (persona, stage) cells of GET detail and GET actions
        self.performed = 0  # offered actions actually performed (and rolled back)
        self.stages: list[str] = []
        self.problems: list[str] = []

    def wrong(self, stage: str, persona: str, what: str, expected, actual) -> None:
        self.problems.append(f"[{stage}] {persona} {what}: expected {expected}, got {actual}")

    def check(self, stage: str, pk: int, state: str) -> None:
        assert stage in EXPECTED, stage
        assert Dossier.objects.get(pk=pk).state == state, (stage, Dossier.objects.get(pk=pk).state)
        self.stages.append(stage)
        before = snapshot(pk)
        table = EXPECTED[stage]
        assert set(table) <= set(OWN), table
        for persona in PERSONAS:
            api = self.apis[persona]
            detail = api.get(f"/dossiers/{pk}")
            offers = api.get(f"/dossiers/{pk}/actions")
            self.reads += 1
            if persona == ANONYMOUS:
                self._expect_status(stage, persona, "GET detail", ANONYMOUS_STATUS, detail)
                self._expect_status(stage, persona, "GET actions", ANONYMOUS_STATUS, offers)
                allowed, blocked, refusal = [], set(), ANONYMOUS_STATUS
            elif persona in FOREIGN:
                self._expect_status(stage, persona, "GET detail", FOREIGN_STATUS, detail)
                self._expect_status(stage, persona, "GET actions", FOREIGN_STATUS, offers)
                allowed, blocked, refusal = [], set(), FOREIGN_STATUS
            else:
                self._expect_status(stage, persona, "GET detail", 200, detail)
                self._expect_status(stage, persona, "GET actions", 200, offers)
                if detail.status_code == 200 and detail.json()["id"] != pk:
                    self.wrong(stage, persona, "GET detail id", pk, detail.json()["id"])
                offered, blocked = parse_expected(table.get(persona, ""))
                if offers.status_code == 200:
                    got = [(o["action"], bool(o["blocked"])) for o in offers.json()]
                    want = [(name, name in blocked) for name in offered]
                    if got != want:
                        self.wrong(stage, persona, "offers (action, blocked)", want, got)
                allowed = [name for name in offered if name not in blocked]
                refusal = AUDITOR_STATUS if persona == AUDITOR else REFUSED_STATUS
            for action in ACTIONS:
                self.cells += 1
                response, during = self._try(pk, persona, action)
                if action in allowed:
                    self.performed += 1
                    self._expect_status(stage, persona, f"POST {action} (offered)", 200, response)
                    if response.status_code == 200 and during["event_count"] != before["event_count"] + 1:
                        self.wrong(
                            stage, persona, f"POST {action} (offered): events", before["event_count"] + 1, during
                        )
                else:
                    self._expect_status(stage, persona, f"POST {action}", refusal, response)
                    if during != before:
                        self.wrong(stage, persona, f"POST {action} changed the dossier", before, during)
                if snapshot(pk) != before:  # the savepoint really undid it
                    self.wrong(stage, persona, f"POST {action} (rolled back) left the dossier", before, snapshot(pk))

    def _try(self, pk: int, persona: str, action: str):
        """POST the action inside a savepoint that is always rolled back; the response and the dossier as it
        was inside. Every cell thus meets the dossier at the stage itself, even after a wrongly allowed action."""
        try:
            with transaction.atomic():
                response = self.apis[persona].post(f"/dossiers/{pk}/actions/{action}", self.bodies[action])
                raise _Rollback(response, snapshot(pk))
        except _Rollback as undone:
            return undone.args

    def _expect_status(self, stage, persona, what, expected: int, response) -> None:
        if response.status_code != expected:
            self.wrong(stage, persona, what, expected, f"{response.status_code} {response.content.decode()[:200]}")

    def verdict(self, stages: list[str]) -> None:
        assert self.stages == stages
        expected_cells = len(stages) * len(PERSONAS) * len(ACTIONS)
        summary = (
            f"{self.cells} (persona, action, stage) cells = {len(stages)} stages × {len(PERSONAS)} personas × "
            f"{len(ACTIONS)} actions; {self.reads} × 2 reads; {self.performed} offered actions performed"
        )
        assert self.cells == expected_cells, summary
        assert not self.problems, f"{len(self.problems)} wrong cells; {summary}:\n" + "\n".join(self.problems)


@pytest.fixture
def matrix(clock, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")  # thousands of expected 401/404/409 warnings
    return Matrix()


# ---- the walks -----------------------------------------------------------------------------------------
def test_every_persona_at_every_stage_of_the_commune_workflow(matrix, clock):
    desk, specialist, leader = Api(TP), Api(CV), Api(LD)
    d = create_at_desk(desk, MARRIAGE_STATUS, DESK, id_number="038190007001")
    pk = d["id"]
    matrix.check("submitted", pk, "submitted")

    desk.act(pk, "accept")
    matrix.check("accepted/transfer", pk, "accepted")

    clock.advance(minutes=20)
    desk.act(pk, "transfer")
    matrix.check("processing/assign", pk, "processing")

    clock.advance(minutes=20)
    leader.act(pk, "assign", {"assignee_id": user(CV).pk})
    matrix.check("processing/appraise (no result yet)", pk, "processing")

    upload = specialist.upload(pk, kind="result", name="Giấy xác nhận tình trạng hôn nhân")
    assert upload.status_code == 201, upload.content
    matrix.check("processing/appraise", pk, "processing")

    clock.advance(hours=2)
    specialist.act(pk, "appraise")
    matrix.check("processing/approve", pk, "processing")

    leader.act(pk, "approve")
    matrix.check("processing/sign", pk, "processing")

    leader.act(pk, "sign")
    matrix.check("processing/issue", pk, "processing")

    Api(VT).act(pk, "issue")
    matrix.check("finished/release", pk, "finished")

    desk.act(pk, "return_result")
    matrix.check("returned", pk, "returned")

    matrix.verdict(
        [
            "submitted",
            "accepted/transfer",
            "processing/assign",
            "processing/appraise (no result yet)",
            "processing/appraise",
            "processing/approve",
            "processing/sign",
            "processing/issue",
            "finished/release",
            "returned",
        ]
    )


def test_every_persona_in_every_paused_state(matrix, clock):
    desk, specialist, leader = Api(TP), Api(CV), Api(LD)
    bodies = payloads()
    d = create_at_desk(desk, MARRIAGE_STATUS, DESK, id_number="038190007002")
    pk = d["id"]
    desk.act(pk, "request_supplement", bodies["request_supplement"])
    matrix.check("supplement_requested (at intake)", pk, "supplement_requested")

    desk.act(pk, "submit_supplement", bodies["submit_supplement"])
    desk.act(pk, "accept")
    desk.act(pk, "transfer")
    leader.act(pk, "assign", {"assignee_id": user(CV).pk})
    clock.advance(hours=1)
    specialist.act(pk, "request_supplement", bodies["request_supplement"])
    matrix.check("supplement_requested (during appraisal)", pk, "supplement_requested")

    clock.advance(hours=1)
    desk.act(pk, "submit_supplement", bodies["submit_supplement"])
    specialist.act(pk, "require_payment", bodies["require_payment"])
    matrix.check("financial_obligation", pk, "financial_obligation")

    desk.act(pk, "confirm_payment", bodies["confirm_payment"])
    leader.act(pk, "stop", bodies["stop"])
    matrix.check("stopped", pk, "stopped")

    matrix.verdict(
        [
            "supplement_requested (at intake)",
            "supplement_requested (during appraisal)",
            "financial_obligation",
            "stopped",
        ]
    )


# A withdrawn dossier owes nothing: confirm_payment is neither offered nor accepted after the end.


def test_every_persona_on_a_dossier_withdrawn_while_a_payment_was_due(matrix, clock):
    desk, specialist, leader = Api(TP), Api(CV), Api(LD)
    bodies = payloads()
    d = create_at_desk(desk, MARRIAGE_STATUS, DESK, id_number="038190007003")
    pk = d["id"]
    desk.act(pk, "accept")
    desk.act(pk, "transfer")
    leader.act(pk, "assign", {"assignee_id": user(CV).pk})
    specialist.act(pk, "require_payment", bodies["require_payment"])
    desk.act(pk, "withdraw", bodies["withdraw"])
    matrix.check("withdrawn (payment was due)", pk, "withdrawn")
    matrix.verdict(["withdrawn (payment was due)"])
