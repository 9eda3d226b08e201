"""A realistic dossier history for dashboards and benchmarks (issue 9 §4–5): ``generate(n, years, seed)``.

Writes real rows — ``dossiers.Dossier`` with its hash-chained ``DossierEvent`` s, component and result
``DossierFile`` s, ``payments.Obligation`` / ``Payment`` for fee-bearing procedures, ``national.SyncState``
(DVCQG acknowledgements), ``feedback.Rating`` and ``feedback.Complaint`` — in bulk (``executemany`` on SQLite,
``COPY`` on PostgreSQL), never through the per-dossier actions (too slow at 10 million). The indicator cells
are then computed with the **same** pure function the actions use (``kpi.facts.contribution`` of a
``kpi.facts.Snapshot`` built from exactly what was written), stored as each dossier's ``DossierFact`` and
added to ``kpi.Cell`` additively, so ``manage.py rebuild_kpi`` finds no difference and live dossiers keep
their counts.

The mix (``Mix``): a skewed popularity over the current catalog (commune procedures — civil status,
authentication, residence — dominate), volumes growing year on year with the Tết dip, the online share
rising over the years (≈ 40–60 % of the procedures offered online recently), ≈ 8 % of dossiers with a
supplement request (some with two or more, hence late), ≈ 2–5 % late otherwise, refusals at intake and
withdrawals, online payment, digitisation, reuse, signatures, ratings and complaints all rising over time.

Units (domain §1): from 1 Jul 2025 commune procedures are received at the 166 communes' one-stop offices and
decided by the commune People's Committee; before that date the geo data has no agency for the former
communes, so they were handled by the former district People's Committees (the district of the current
commune's first predecessor), which are the pre-reform units of those dossiers. Province procedures are
received at the provincial public administration service centre and decided by the procedure's
department — before 1 Mar 2025 by the former department it succeeded, when it was a merger.

Every generated dossier is ended (returned, refused at intake, withdrawn), so the officers' work queues stay
usable, and carries ``form_data = {"generated_history": <seed>}`` so that it can be told apart. Deterministic
for a given seed, catalog, geo data and end month. Dossier codes follow domain §5 (``<receiving agency
identifier>-YYMMDD-NNNN``) and take their numbers after the agency's ``CodeCounter`` of that day, which is
moved on; a former agency without an identifier gets the pre-reform form ``000.00.<district>.H56``
(districts) or ``<id>.00.00.H56`` (former departments).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from congso.kpi import actions as kpi_actions
from congso.kpi import facts

MARKER = "generated_history"
UTC = dt.UTC
VN_OFFSET = dt.timedelta(hours=7)
REFORM = dt.date(2025, 7, 1)  # communes replace districts (domain §1)
DEPARTMENT_MERGER = dt.date(2025, 3, 1)
GENESIS = "0" * 64

# A tiny valid PDF: the electronic result file every generated result points to (content-addressed once).
RESULT_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

SURNAMES = ("Nguyễn", "Lê", "Trịnh", "Lê", "Hoàng", "Phạm", "Trần", "Đỗ", "Vũ", "Mai", "Hà", "Lò", "Cao", "Bùi")
MIDDLE_M = ("Văn", "Đình", "Hữu", "Xuân", "Minh", "Đức", "Quang")
MIDDLE_F = ("Thị", "Thị", "Ngọc", "Thu", "Hồng", "Thanh")
GIVEN_M = ("Hùng", "Dũng", "Nam", "Tuấn", "Long", "Sơn", "Hải", "Quân", "Thắng", "Toàn", "Bình", "Cường")
GIVEN_F = ("Lan", "Hoa", "Hương", "Mai", "Hạnh", "Yến", "Thảo", "Trang", "Linh", "Ngân", "Huyền", "Sen")
VILLAGES = ("Thôn 1", "Thôn 2", "Thôn 3", "Thôn Đông", "Thôn Tây", "Khu phố 1", "Khu phố 2", "Thôn Trung")
COMPLAINT_SUBJECTS = (
    "Chậm trả kết quả so với giấy hẹn",
    "Yêu cầu bổ sung giấy tờ nhiều lần",
    "Thái độ tiếp đón tại Bộ phận Một cửa",
    "Không nhận được thông báo kết quả",
)
# Popular procedures by name (domain: civil status, authentication, residence dominate at the commune).
POPULAR = (
    ("khai sinh", 40.0),
    ("chứng thực bản sao", 35.0),
    ("chứng thực chữ ký", 18.0),
    ("thường trú", 14.0),
    ("tạm trú", 10.0),
    ("kết hôn", 10.0),
    ("khai tử", 8.0),
    ("tình trạng hôn nhân", 9.0),
    ("hộ kinh doanh", 6.0),
    ("đất đai", 4.0),
    ("giấy chứng nhận quyền sử dụng đất", 5.0),
    ("xây dựng", 3.0),
)


@dataclass(frozen=True)
class Mix:
    """The shares of the generated history (probabilities per dossier; ``*_from``/``*_to`` ramp over the span)."""

    online_from: float = 0.22  # share of channel 2 among procedures offered online, first month
    online_to: float = 0.62  # … last month
    postal: float = 0.03  # channel 3 among the others
    refused_online: float = 0.025  # online dossiers refused at intake (Form 03)
    withdrawn: float = 0.01
    supplement: float = 0.08  # at least one supplement request
    supplement_twice: float = 0.15  # of those, two or more (late by rule)
    late: float = 0.03  # late on the clock otherwise (varies by agency ×0.3–2)
    paid_online_from: float = 0.15
    paid_online_to: float = 0.65
    digitised_from: float = 0.70
    digitised_to: float = 0.96
    reused_from: float = 0.05
    reused_to: float = 0.40
    person_signed_from: float = 0.40
    person_signed_to: float = 0.92
    agency_signed_from: float = 0.55
    agency_signed_to: float = 0.97
    synced_from: float = 0.85
    synced_to: float = 0.995
    rated: float = 0.18
    complaint: float = 0.003
    yearly_growth: float = 0.10


@dataclass
class Result:
    dossiers: int = 0
    events: int = 0
    files: int = 0
    cells: int = 0
    seconds: float = 0.0
    skipped: bool = False
    first_month: dt.date | None = None
    last_month: dt.date | None = None

    @property
    def rate(self) -> float:
        return self.dossiers / self.seconds if self.seconds > 0 else 0.0


def exists() -> bool:
    """Whether a generated history is already in the database."""
    from congso.dossiers.models import Dossier

    return Dossier.objects.filter(form_data__has_key=MARKER).exists()


def month_range(end: dt.date, months: int) -> list[dt.date]:
    """``months`` first-of-month dates ending with ``end`` (a first of month), oldest first."""
    out = []
    y, m = end.year, end.month
    for _ in range(months):
        out.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def last_month(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


# ---- reference data ---------------------------------------------------------------------------------------------
@dataclass
class _Proc:
    id: int
    level: str
    workflow_id: int
    name: str
    weight: float
    offered_online: bool  # as the indicators read it (kpi.snapshots)
    submittable_online: bool  # as the portal offers it (catalog.Procedure.offered_online)
    fee_bearing: bool
    fee: int
    budget_seconds: int
    department_id: int | None
    enterprise: bool


@dataclass
class _Commune:
    unit_id: int
    name: str
    one_stop_id: int
    pc_id: int
    district_agency_id: int | None  # the former district People's Committee (before 1 Jul 2025)
    weight: float


@dataclass
class _Reference:
    procedures: list[_Proc]
    proc_cum: list[float]
    communes: list[_Commune]
    commune_cum: list[float]
    service_centre: tuple[int, int]  # agency id, unit id
    identifiers: dict[int, str]
    units: dict[int, int]  # agency id -> unit id
    names: dict[int, str]  # agency id -> name
    district_valid_to: dict[int, dt.date]
    district_successor: dict[int, int]
    predecessor_department: dict[int, int]  # current department -> former one (merger of 1 Mar 2025)
    agency_factor: dict[int, float] = field(default_factory=dict)


def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _load_reference(rng: random.Random) -> _Reference:
    from congso.catalog.models import FeeLine, Procedure
    from congso.catalog.selectors import latest_workflows, procedure_duration_hours, workflow_for_procedure
    from congso.geo.models import Agency
    from congso.payments.selectors import fee_bearing_procedure_ids

    fee_ids = set(fee_bearing_procedure_ids().values_list("procedure_id", flat=True))
    fees: dict[int, int] = defaultdict(int)
    for pid, amount in FeeLine.objects.filter(amount__gt=0).values_list("procedure_id", "amount"):
        fees[pid] += amount
    workflows = latest_workflows()
    agencies = {a.pk: a for a in Agency.objects.select_related("unit").order_by("pk")}
    successors: dict[int, list[int]] = defaultdict(list)
    for a_id, s_id in Agency.successors.through.objects.order_by("pk").values_list("from_agency_id", "to_agency_id"):
        successors[a_id].append(s_id)
    predecessors: dict[int, list[int]] = defaultdict(list)
    for a_id, succ in successors.items():
        for s in succ:
            predecessors[s].append(a_id)

    procs: list[_Proc] = []
    for p in Procedure.objects.filter(valid_to__isnull=True).prefetch_related("agencies").order_by("pk"):
        wf = workflow_for_procedure(p, workflows)
        if wf is None:
            continue
        department = None
        if p.level != "commune":
            current = [a for a in p.agencies.all() if a.valid_to is None]
            if not current:
                continue
            department = min(current, key=lambda a: a.pk).pk
        hours = procedure_duration_hours(p)
        hours = float(hours) if hours else 0.0
        budget = int((hours if hours > 0 else 4.0) * 3600)
        lname = p.name.lower()
        weight = (6.0 if p.level == "commune" else 1.0) * rng.lognormvariate(0, 0.9)
        for needle, boost in POPULAR:
            if needle in lname:
                weight *= boost
                break
        procs.append(
            _Proc(
                id=p.pk,
                level=p.level,
                workflow_id=wf.pk,
                name=p.name,
                weight=weight,
                offered_online=p.offered_online,
                submittable_online=p.offered_online,
                fee_bearing=p.pk in fee_ids,
                fee=fees.get(p.pk) or (50_000 if p.pk in fee_ids else 0),
                budget_seconds=budget,
                department_id=department,
                enterprise=any(w in lname for w in ("doanh nghiệp", "hộ kinh doanh", "hợp tác xã", "dự án")),
            )
        )
    if not procs:
        raise ValueError("Danh mục chưa có thủ tục đang áp dụng kèm quy trình xử lý; chạy load_demo trước.")

    # Communes: the one-stop office (intake) and the People's Committee (competent) of each current commune.
    by_unit: dict[int, dict[str, Agency]] = defaultdict(dict)
    for a in agencies.values():
        if a.valid_to is None and a.unit_id and a.kind in ("commune_one_stop", "commune_pc"):
            by_unit[a.unit_id][a.kind] = a
    district_of_unit: dict[int, int] = {}
    for a in agencies.values():
        if a.kind == "district_pc" and a.unit_id:
            district_of_unit[a.unit_id] = a.pk
    from congso.geo.models import AdministrativeUnit

    unit_pred: dict[int, list[int]] = defaultdict(list)
    through = AdministrativeUnit.successors.through
    for from_id, to_id in through.objects.order_by("pk").values_list(
        "from_administrativeunit_id", "to_administrativeunit_id"
    ):
        unit_pred[to_id].append(from_id)
    unit_parent = dict(AdministrativeUnit.objects.values_list("pk", "parent_id"))
    communes = []
    for unit_id, kinds in sorted(by_unit.items()):
        if "commune_one_stop" not in kinds or "commune_pc" not in kinds:
            continue
        district = None
        for pred in sorted(unit_pred.get(unit_id, [])):
            district = district_of_unit.get(unit_parent.get(pred))
            if district:
                break
        one_stop = kinds["commune_one_stop"]
        urban = (one_stop.unit.kind or "").lower().startswith("phường")
        communes.append(
            _Commune(
                unit_id=unit_id,
                name=one_stop.unit.name,
                one_stop_id=one_stop.pk,
                pc_id=kinds["commune_pc"].pk,
                district_agency_id=district,
                weight=rng.lognormvariate(0, 0.5) * (2.2 if urban else 1.0),
            )
        )
    if not communes:
        raise ValueError("Chưa có xã, phường với Bộ phận Một cửa và UBND cấp xã; chạy load_demo trước.")
    centre = next((a for a in agencies.values() if a.kind == "service_centre" and a.valid_to is None), None)
    if centre is None:
        raise ValueError("Chưa có Trung tâm Phục vụ hành chính công tỉnh; chạy load_demo trước.")

    identifiers = {}
    for a in agencies.values():
        if a.identifier:
            identifiers[a.pk] = a.identifier
        elif a.kind == "district_pc" and a.unit is not None:
            identifiers[a.pk] = f"000.00.{a.unit.code[-2:]}.H56"
        else:
            identifiers[a.pk] = f"{a.pk % 1000:03d}.00.00.H56"
    district_valid_to = {a.pk: a.valid_to for a in agencies.values() if a.kind == "district_pc" and a.valid_to}
    district_successor = {a_id: succ[0] for a_id, succ in successors.items() if a_id in district_valid_to and succ}
    predecessor_department = {}
    for a in agencies.values():
        if a.kind == "department" and a.valid_from == DEPARTMENT_MERGER and predecessors.get(a.pk):
            predecessor_department[a.pk] = min(predecessors[a.pk])
    factor = {a_id: rng.uniform(0.3, 2.0) for a_id in agencies}
    return _Reference(
        procedures=procs,
        proc_cum=_cumulative([p.weight for p in procs]),
        communes=communes,
        commune_cum=_cumulative([c.weight for c in communes]),
        service_centre=(centre.pk, centre.unit_id),
        identifiers=identifiers,
        units={a.pk: a.unit_id for a in agencies.values()},
        names={a.pk: a.name for a in agencies.values()},
        district_valid_to=district_valid_to,
        district_successor=district_successor,
        predecessor_department=predecessor_department,
        agency_factor=factor,
    )


# ---- bulk writing -----------------------------------------------------------------------------------------------
def _json(value) -> str:
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _Writer:
    """Rows of one model by column name → ``executemany`` (SQLite) or ``COPY`` (PostgreSQL)."""

    def __init__(self, model, columns: list[str]):
        self.model = model
        self.table = model._meta.db_table
        fields = {f.attname: f for f in model._meta.local_concrete_fields}
        self.columns = columns
        self.json = {i for i, c in enumerate(columns) if fields[c].get_internal_type() == "JSONField"}
        self.when = {i for i, c in enumerate(columns) if fields[c].get_internal_type() == "DateTimeField"}
        self.day = {i for i, c in enumerate(columns) if fields[c].get_internal_type() == "DateField"}
        self.rows: list[tuple] = []
        self.pg = connection.vendor == "postgresql"

    def add(self, row: tuple) -> None:
        self.rows.append(row)

    def _sqlite_row(self, row: tuple) -> tuple:
        out = list(row)
        for i in self.json:
            out[i] = _json(out[i])
        for i in self.when:
            v = out[i]
            if v is not None:
                out[i] = v.isoformat(" ")[:-6]  # naive UTC text, as Django's SQLite backend stores it
        for i in self.day:
            if out[i] is not None:
                out[i] = out[i].isoformat()
        return tuple(out)

    def flush(self) -> int:
        rows, self.rows = self.rows, []
        if not rows:
            return 0
        qn = connection.ops.quote_name
        cols = ", ".join(qn(c) for c in self.columns)
        if self.pg:
            with connection.cursor() as cursor:
                raw = cursor.cursor  # the psycopg cursor
                with raw.copy(f"COPY {qn(self.table)} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        out = list(row)
                        for i in self.json:
                            out[i] = _json(out[i])
                        copy.write_row(out)
        else:
            marks = ", ".join(["?"] * len(self.columns))
            sql = f"INSERT INTO {qn(self.table)} ({cols}) VALUES ({marks})"
            raw = connection.connection
            raw.executemany(sql, [self._sqlite_row(r) for r in rows])
        return len(rows)


def _next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _reset_sequences(models) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite AUTOINCREMENT follows explicit ids by itself
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))",
                [table],
            )


@contextmanager
def deferred_indexes(models):
    """Drop the secondary indexes of ``models``' tables for a bulk load and create them again afterwards (a sorted
    build is much faster than millions of random b-tree inserts). Indexes behind a constraint (primary and unique
    keys) stay. For the benchmarks' empty databases; never while the application serves."""
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                "AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [tables],
            )
        else:
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
                tables,
            )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield indexes
    finally:
        with connection.cursor() as cursor:
            for _name, sql in indexes:
                cursor.execute(sql)


# ---- the generator ----------------------------------------------------------------------------------------------
def _ramp(lo: float, hi: float, t: float) -> float:
    return lo + (hi - lo) * t


def _utc(local: dt.datetime) -> dt.datetime:
    return (local - VN_OFFSET).replace(tzinfo=UTC)


def _working_days(month: dt.date) -> list[dt.date]:
    days, d = [], month
    while d.month == month.month:
        if d.weekday() < 5:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def _month_weights(months: list[dt.date], growth: float) -> list[float]:
    out = []
    for i, m in enumerate(months):
        w = (1 + growth) ** (i / 12)
        if m.month == 2:
            w *= 0.7  # Tết
        elif m.month in (1, 12):
            w *= 1.1  # year-end rush
        out.append(w * len(_working_days(m)) / 21)
    return out


def _apportion(total: int, weights: list[float]) -> list[int]:
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    rest = total - sum(out)
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[:rest]:
        out[i] += 1
    return out


def _calendar(working_seconds: float) -> dt.timedelta:
    """Working seconds → elapsed calendar time (8 working hours a day, 5 days a week)."""
    return dt.timedelta(seconds=working_seconds * 3.0 * 1.4)


def generate(
    dossiers: int,
    years: int = 2,
    *,
    seed: int = 2025,
    end_month: dt.date | None = None,
    mix: Mix | None = None,
    events: bool = True,
    force: bool = False,
    batch: int = 5000,
    now: dt.datetime | None = None,
    progress: Callable[[Result, int], None] | None = None,
) -> Result:
    """Generate ``dossiers`` ended dossiers over ``years`` years ending with ``end_month`` (default: last month).

    Does nothing (``Result.skipped``) when a generated history exists, unless ``force``. ``events=False``
    writes only the events the indicators read (none for these states), for the largest benchmarks.
    """
    from congso.dossiers.history import canonical
    from congso.dossiers.models import CodeCounter, Dossier, DossierEvent, DossierFile, StoredFile
    from congso.feedback.models import Complaint, Rating
    from congso.kpi.models import DossierFact
    from congso.national.models import SyncState
    from congso.payments.models import Obligation, Payment

    if dossiers < 1 or years < 1:
        raise ValueError("Số hồ sơ và số năm phải lớn hơn 0.")
    result = Result()
    if not force and exists():
        result.skipped = True
        return result
    started = time.monotonic()
    mix = mix or Mix()
    now = now or timezone.now()
    end_month = end_month or last_month(timezone.localtime(now).date())
    rng = random.Random(seed)
    ref = _load_reference(rng)
    months = month_range(end_month, 12 * years)
    per_month = _apportion(dossiers, _month_weights(months, mix.yearly_growth))
    result.first_month, result.last_month = months[0], months[-1]
    horizon = now - dt.timedelta(hours=1)  # nothing happens after this

    from congso.dossiers import files as file_store

    sha = file_store.write_blob(RESULT_PDF)
    stored, _ = StoredFile.objects.get_or_create(
        sha256=sha, defaults={"size": len(RESULT_PDF), "content_type": "application/pdf", "extension": "pdf"}
    )

    next_dossier = _next_id(Dossier)
    next_obligation = _next_id(Obligation)
    next_payment = _next_id(Payment)
    next_complaint = _next_id(Complaint)
    counters: dict[tuple[int, dt.date], int] = {}
    first_day = months[0]
    for agency_id, day, last in CodeCounter.objects.filter(day__gte=first_day).values_list("agency_id", "day", "last"):
        counters[(agency_id, day)] = last
    touched_counters: set[tuple[int, dt.date]] = set()

    dossier_cols = [
        "id", "code", "procedure_id", "workflow_id", "state", "national_status", "resume_state", "channel", "source",
        "applicant_user_id", "applicant_kind", "applicant_name", "applicant_id_type", "applicant_id_number",
        "applicant_address", "applicant_phone", "applicant_email", "proxy", "request_text", "form_data", "copies",
        "return_method", "intake_agency_id", "receiving_agency_id", "competent_agency_id", "parent_id",
        "liaison_step", "liaison_branch", "submitted_at", "accepted_at", "appointment_at", "original_appointment_at",
        "finished_at", "returned_at", "ended_at", "clock_mode", "budget_seconds", "consumed_seconds",
        "running_since", "due_at", "appointment_left_seconds", "outcome", "supplement_count", "extension_count",
        "warned_at", "overdue_at", "payment_status", "amount_due", "current_step", "current_agency_id",
        "current_role", "assignee_id", "coordinating_agency_id", "history_head", "event_count", "created_by_id",
        "created_at", "updated_at",
    ]  # fmt: skip
    w_dossier = _Writer(Dossier, dossier_cols)
    w_event = _Writer(
        DossierEvent,
        ["dossier_id", "seq", "action", "actor_id", "actor_label", "at", "from_state", "to_state", "step_key",
         "data", "prev_hash", "hash"],
    )  # fmt: skip
    w_file = _Writer(
        DossierFile,
        ["dossier_id", "kind", "component_id", "name", "file_id", "filename", "digitised", "reused", "reused_from_id",
         "signed_by_id", "signed_at", "unsigned_file_id", "agency_signed_by_id", "agency_signed_at",
         "document_number", "verification_token", "uploaded_by_id", "uploaded_at"],
    )  # fmt: skip
    w_payment = _Writer(
        Payment,
        ["id", "obligation_id", "reference", "method", "state", "amount", "idempotency_key", "request_sha256",
         "provider_ref", "bank_code", "pay_url", "created_at", "paid_at", "finished_at", "expires_at",
         "next_check_at", "checks", "refund_due", "recorded_by_id", "payer_name", "note", "last_error"],
    )  # fmt: skip
    w_obligation = _Writer(
        Obligation,
        ["id", "dossier_id", "kind", "amount", "lines", "reason", "status", "pay_token", "agency_id", "procedure_id",
         "created_at", "paid_at", "paid_payment_id", "settled_at", "settle_note", "cancelled_at"],
    )  # fmt: skip
    w_sync = _Writer(
        SyncState,
        ["dossier_id", "national_code", "next_seq", "last_status", "acknowledged_at", "acknowledged_seq",
         "acknowledged_status", "appointment_moves", "appointment_at", "created_at"],
    )  # fmt: skip
    w_rating = _Writer(Rating, ["dossier_id", "score", "comment", "agency_id", "at"])
    w_complaint = _Writer(
        Complaint,
        ["id", "reference", "kind", "name", "email", "phone", "agency_id", "dossier_id", "subject", "content",
         "status", "answer", "answered_by_id", "created_at", "answered_at"],
    )  # fmt: skip
    w_fact = _Writer(DossierFact, ["dossier_id", "cells"])
    # Obligations before payments on PostgreSQL? Both FKs are deferrable, but write in dependency order anyway.
    writers = [w_dossier, w_event, w_file, w_obligation, w_payment, w_sync, w_rating, w_complaint, w_fact]
    have_columns = {w.model: set(w.columns) for w in writers}
    for w in writers:
        missing = [
            f.attname
            for f in w.model._meta.local_concrete_fields
            if f.attname not in have_columns[w.model] and not f.primary_key
        ]
        if missing:  # a column added to a model since: fail loudly rather than write partial rows
            raise RuntimeError(f"{w.model.__name__}: the generator does not fill {missing}")

    totals: dict[facts.CellKey, list[int]] = {}
    pending = 0
    n_months = len(months)

    def flush() -> None:
        nonlocal pending
        with transaction.atomic():
            for w in writers:
                n = w.flush()
                if w is w_event:
                    result.events += n
                elif w is w_file:
                    result.files += n
        pending = 0

    for mi, (month, count) in enumerate(zip(months, per_month, strict=True)):
        t = mi / max(1, n_months - 1)
        days = _working_days(month)
        p_online = _ramp(mix.online_from, mix.online_to, t)
        p_pay = _ramp(mix.paid_online_from, mix.paid_online_to, t)
        p_dig = _ramp(mix.digitised_from, mix.digitised_to, t)
        p_reuse = _ramp(mix.reused_from, mix.reused_to, t)
        p_psign = _ramp(mix.person_signed_from, mix.person_signed_to, t)
        p_asign = _ramp(mix.agency_signed_from, mix.agency_signed_to, t)
        p_sync = _ramp(mix.synced_from, mix.synced_to, t)
        # Received moments of the month, in order (ids grow with time).
        moments = sorted(
            dt.datetime.combine(rng.choice(days), dt.time(7, 30)) + dt.timedelta(seconds=rng.randrange(0, 34200))
            for _ in range(count)
        )
        for local in moments:
            pk = next_dossier
            next_dossier += 1
            proc = ref.procedures[_pick(rng, ref.proc_cum)]
            commune = ref.communes[_pick(rng, ref.commune_cum)]
            day = local.date()
            if proc.level == "commune":
                if day >= REFORM or commune.district_agency_id is None:
                    intake, competent = commune.one_stop_id, commune.pc_id
                else:
                    district = commune.district_agency_id
                    valid_to = ref.district_valid_to.get(district)
                    if valid_to and day > valid_to and district in ref.district_successor:
                        district = ref.district_successor[district]
                    intake = competent = district
            else:
                intake = ref.service_centre[0]
                competent = proc.department_id
                if day < DEPARTMENT_MERGER and competent in ref.predecessor_department:
                    competent = ref.predecessor_department[competent]
            unit_id = ref.units[intake]
            online = proc.submittable_online and rng.random() < p_online
            channel = 2 if online else (3 if rng.random() < mix.postal else 1)
            source = ("dvcqg" if rng.random() < 0.2 else "portal") if online else ("postal" if channel == 3 else "desk")
            moment = _utc(local)
            submitted = moment if online else None
            # What happened to it.
            roll = rng.random()
            if online and roll < mix.refused_online:
                state = "refused"
            elif roll < mix.refused_online + mix.withdrawn:
                state = "withdrawn"
            else:
                state = "returned"
            accepted = None
            if state != "refused":
                accepted = moment + dt.timedelta(hours=rng.uniform(1, 30)) if online else moment
            budget = proc.budget_seconds
            supplements = 0
            if state != "refused" and rng.random() < mix.supplement:
                supplements = 2 + (rng.random() < 0.2) if rng.random() < mix.supplement_twice else 1
            late = rng.random() < mix.late * ref.agency_factor[competent]
            if state == "refused":
                consumed = 0
                ended = submitted + dt.timedelta(hours=rng.uniform(2, 40))
                outcome = ""
            else:
                frac = (
                    rng.uniform(1.05, 1.9)
                    if late
                    else (rng.uniform(0.25, 0.8) if rng.random() < 0.7 else rng.uniform(0.8, 1.0))
                )
                if state == "withdrawn":
                    frac *= rng.uniform(0.1, 0.6)
                consumed = int(budget * frac)
                pause = dt.timedelta(days=sum(rng.uniform(2, 12) for _ in range(supplements)))
                ended = accepted + _calendar(consumed) + pause
                if state == "withdrawn":
                    outcome = ""
                else:
                    outcome = "late" if frac > 1.0 else ("early" if frac <= 0.8 else "on_time")
            if ended > horizon:  # the last days of the last month: finished in time, a little faster
                ended = max((accepted or submitted) + dt.timedelta(minutes=30), horizon - dt.timedelta(hours=2))
                ended = min(ended, horizon)
            due = accepted + _calendar(budget) if accepted else None
            if due and supplements:
                due += dt.timedelta(days=5 * supplements)
            finished = ended if state == "returned" else None
            returned = min(finished + dt.timedelta(hours=rng.uniform(1, 72)), horizon) if finished else None
            if returned is not None and returned < finished:
                returned = finished
            code = None
            if accepted is not None:
                acc_day = (accepted + VN_OFFSET).date()
                key = (competent, acc_day)
                number = counters.get(key, 0) + 1
                counters[key] = number
                touched_counters.add(key)
                code = f"{ref.identifiers[competent]}-{acc_day:%y%m%d}-{number:04d}"
            # Applicant.
            female = rng.random() < 0.5
            enterprise = proc.enterprise and rng.random() < 0.5
            if enterprise:
                name = (
                    f"Công ty TNHH {rng.choice(GIVEN_M)} {rng.choice(('Thanh Hóa', 'Sầm Sơn', 'Nghi Sơn', 'Lam Sơn'))}"
                )
                id_type, id_number, kind = "mst", f"28{rng.randrange(10**7, 10**8)}", 2
            else:
                name = " ".join(
                    (
                        rng.choice(SURNAMES),
                        rng.choice(MIDDLE_F if female else MIDDLE_M),
                        rng.choice(GIVEN_F if female else GIVEN_M),
                    )
                )
                born = rng.randrange(1950, 2006)
                century_sex = (0 if born < 2000 else 2) + int(female)
                id_type, id_number, kind = "cccd", f"038{century_sex}{born % 100:02d}{rng.randrange(10**6):06d}", 1
            address = f"{rng.choice(VILLAGES)}, {commune.name}, tỉnh Thanh Hóa"
            phone = f"09{rng.randrange(10**8):08d}"

            # Files.
            n_comp = 1 + (rng.random() < 0.45) + (rng.random() < 0.15)
            comp_dig = rng.random() < p_dig
            reused_any = rng.random() < p_reuse
            comp_digitised = n_comp if comp_dig else rng.randrange(0, n_comp)
            for i in range(n_comp):
                dig = i < comp_digitised
                w_file.add(
                    (pk, "component", None, f"Thành phần hồ sơ {i + 1}", stored.pk if dig else None,
                     f"thanh-phan-{i + 1}.pdf" if dig else "", dig, reused_any and i == 0 and dig, None, None, None,
                     None, None, None, "", "", None, submitted or accepted or moment),
                )  # fmt: skip
            results = person = agency_signed = results_dig = results_el = 0
            if state == "returned":
                results = 1
                results_dig = int(rng.random() < 0.97)
                results_el = 1
                person = int(rng.random() < p_psign)
                agency_signed = int(rng.random() < p_asign)
                w_file.add(
                    (pk, "result", None, f"Kết quả: {proc.name[:900]}", stored.pk, "ket-qua.pdf", bool(results_dig),
                     False, None, None, finished if person else None, None, None, finished if agency_signed else None,
                     f"{rng.randrange(1, 9999)}/QĐ", hashlib.sha256(f"{seed}:{pk}".encode()).hexdigest()[:32], None,
                     finished),
                )  # fmt: skip
            # Payment.
            paid_online = False
            amount_due = proc.fee if proc.fee_bearing else 0
            if proc.fee_bearing and state == "returned":
                paid_online = rng.random() < (p_pay if online else p_pay * 0.4)
                ob_id, pay_id = next_obligation, next_payment
                next_obligation += 1
                next_payment += 1
                paid_at = (accepted or moment) + dt.timedelta(minutes=rng.uniform(1, 600))
                paid_at = min(paid_at, ended)
                method = (
                    rng.choice(("payplatform", "gateway")) if paid_online else rng.choice(("cash", "cash", "transfer"))
                )
                w_obligation.add(
                    (ob_id, pk, "fee", amount_due, [{"name": "Phí, lệ phí", "amount": amount_due}], "", "paid",
                     hashlib.sha256(f"ob:{seed}:{pk}".encode()).hexdigest()[:32], competent, proc.id, accepted or moment,
                     paid_at, pay_id, paid_at, "", None),
                )  # fmt: skip
                w_payment.add(
                    (pay_id, ob_id, f"LS{seed % 1000:03d}{pay_id:012d}", method, "paid", amount_due, "", "", "", "", "",
                     paid_at, paid_at, paid_at, None, None, 0, False, None, name, "", ""),
                )  # fmt: skip
            # Sync with DVCQG.
            synced = rng.random() < p_sync
            if synced:
                ack = min(ended + dt.timedelta(minutes=rng.uniform(1, 90)), now)
                w_sync.add(
                    (pk, f"G22.{code or pk}", 4, 10 if state == "returned" else (3 if state == "refused" else 7),
                     ack, 3, 10 if state == "returned" else (3 if state == "refused" else 7), [], due, submitted or accepted),
                )  # fmt: skip
            # Rating and complaint.
            rating = None
            if state == "returned" and rng.random() < mix.rated:
                rating = rng.choices((5, 4, 3, 2, 1), (0.58, 0.26, 0.09, 0.04, 0.03))[0]
                w_rating.add((pk, rating, "", competent, returned))
            complained = rng.random() < mix.complaint * (4 if late or supplements > 1 else 1)
            if complained:
                c_id = next_complaint
                next_complaint += 1
                c_at = min((accepted or moment) + dt.timedelta(days=rng.uniform(1, 20)), now)
                w_complaint.add(
                    (c_id, f"PA{seed % 100:02d}{c_id:08d}", "feedback", name, "", phone, competent, pk,
                     rng.choice(COMPLAINT_SUBJECTS), "Đề nghị cơ quan xem xét, trả lời.", "answered",
                     "Cơ quan đã tiếp thu, kiểm tra và trả lời người dân.", None, c_at,
                     min(c_at + dt.timedelta(days=5), now)),
                )  # fmt: skip

            # Events (the hash chain, as the actions write it) and the dossier row.
            head, n_ev = "", 0
            if events:
                chain: list[tuple[str, dt.datetime, str, str, dict]] = []
                if online:
                    chain.append(("submit", submitted, "draft", "submitted", {}))
                else:
                    chain.append(("receive", moment, "", "submitted", {}))
                if state == "refused":
                    chain.append(
                        (
                            "refuse",
                            ended,
                            "submitted",
                            "refused",
                            {"form": "03", "reasons": "Hồ sơ không đúng thẩm quyền"},
                        )
                    )
                else:
                    chain.append(("accept", accepted, "submitted", "accepted", {"code": code}))
                    at = accepted
                    span = (ended - accepted) / (supplements * 2 + 2)
                    for _s in range(supplements):
                        at += span
                        chain.append(("request_supplement", at, "processing", "supplement_requested", {}))
                        at += span
                        chain.append(("submit_supplement", at, "supplement_requested", "processing", {}))
                    if state == "withdrawn":
                        chain.append(
                            ("withdraw", ended, "processing", "withdrawn", {"reason": "Công dân xin rút hồ sơ"})
                        )
                    else:
                        chain.append(("issue", finished, "processing", "finished", {}))
                        chain.append(("return_result", returned, "finished", "returned", {}))
                prev = GENESIS
                for seq, (action, at, frm, to, data) in enumerate(chain, start=1):
                    payload = canonical(
                        dossier_id=pk, seq=seq, action=action, actor_id=None, at=at, from_state=frm, to_state=to,
                        step_key="", data=data,
                    )  # fmt: skip
                    digest = hashlib.sha256(prev.encode() + payload).hexdigest()
                    w_event.add((pk, seq, action, None, "", at, frm, to, "", data, prev, digest))
                    prev = digest
                head, n_ev = prev, len(chain)
            national = {"returned": 10, "refused": 3, "withdrawn": 7}[state]
            w_dossier.add(
                (pk, code, proc.id, proc.workflow_id, state, national, "", channel, source, None, kind, name, id_type,
                 id_number, address, phone, "", {}, "", {MARKER: seed}, 1, "Nhận trực tiếp tại Bộ phận Một cửa",
                 intake, competent, competent, None, "", "", submitted, accepted, due, due, finished, returned, ended,
                 "working", budget, consumed, None, due, None, outcome, supplements, 0, None, None,
                 ("paid" if proc.fee_bearing and state == "returned" else ("unpaid" if proc.fee_bearing else "none")),
                 amount_due, "", None, "", None, None, head, n_ev, None, submitted or moment, returned or ended),
            )  # fmt: skip
            # Its contribution: the same pure function as the actions.
            snap = facts.Snapshot(
                dossier_id=pk,
                parent_id=None,
                state=state,
                channel=channel,
                competent_agency_id=competent,
                unit_id=unit_id,
                procedure_id=proc.id,
                submitted_at=submitted,
                accepted_at=accepted,
                ended_at=ended,
                outcome=outcome,
                supplement_count=supplements,
                budget_seconds=budget,
                consumed_seconds=consumed,
                offered_online=proc.offered_online,
                fee_bearing=proc.fee_bearing,
                paid_online=paid_online,
                synced=synced,
                complained=complained,
                rating=rating,
                components=n_comp,
                components_digitised=comp_digitised,
                reused=int(reused_any and comp_digitised > 0),
                results=results,
                results_digitised=results_dig,
                results_electronic=results_el,
                person_signed=person,
                agency_signed=agency_signed,
            )
            contrib = facts.contribution(snap)
            if contrib:
                w_fact.add((pk, facts.encode(contrib)))
                facts.accumulate(totals, contrib)
            result.dossiers += 1
            pending += 1
            if pending >= batch:
                flush()
                if progress:
                    result.seconds = time.monotonic() - started
                    progress(result, dossiers)
    flush()
    # The cells (additive: live dossiers keep their counts) and the code counters, in small transactions.
    from congso.kpi.models import Cell

    qn = connection.ops.quote_name
    cell_table = qn(Cell._meta.db_table)
    adding = ", ".join(f"{qn(c)} = {cell_table}.{qn(c)} + excluded.{qn(c)}" for c in facts.COUNTERS)
    _upsert(
        Cell._meta.db_table,
        list(kpi_actions.KEY_COLUMNS),
        list(facts.COUNTERS),
        ((k.month, *k[1:], *totals[k]) for k in sorted(totals)),
        adding,
    )
    result.cells = len(totals)
    # Their month-level rollup (kpi.Rollup), additive too.
    from congso.kpi.models import Rollup

    rollup = facts.rolled_up_rows(totals)
    rollup_table = qn(Rollup._meta.db_table)
    _upsert(
        Rollup._meta.db_table,
        list(kpi_actions.ROLLUP_COLUMNS),
        list(facts.COUNTERS),
        ((*k, *rollup[k]) for k in sorted(rollup)),
        ", ".join(f"{qn(c)} = {rollup_table}.{qn(c)} + excluded.{qn(c)}" for c in facts.COUNTERS),
    )
    counter_table = qn(CodeCounter._meta.db_table)
    _upsert(
        CodeCounter._meta.db_table,
        ["agency_id", "day"],
        ["last"],
        ((a, d, counters[(a, d)]) for a, d in sorted(touched_counters)),
        f"last = CASE WHEN excluded.last > {counter_table}.last THEN excluded.last ELSE {counter_table}.last END",
    )
    _reset_sequences([Dossier, DossierEvent, DossierFile, Obligation, Payment, SyncState, Rating, Complaint])
    result.seconds = time.monotonic() - started
    if progress:
        progress(result, dossiers)
    return result


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    from bisect import bisect_right

    return min(bisect_right(cumulative, rng.random() * cumulative[-1]), len(cumulative) - 1)


def _upsert(table: str, keys: list[str], values: list[str], rows, update: str, chunk: int = 20000) -> None:
    """``INSERT … ON CONFLICT (keys) DO UPDATE SET <update>`` of many rows, in transactions of ``chunk`` rows:
    ``executemany`` on SQLite; on PostgreSQL ``COPY`` into a temporary table and one ``INSERT … SELECT``."""
    qn = connection.ops.quote_name
    columns = [*keys, *values]
    cols = ", ".join(qn(c) for c in columns)
    conflict = f"ON CONFLICT ({', '.join(qn(c) for c in keys)}) DO UPDATE SET {update}"
    pg = connection.vendor == "postgresql"
    buffer: list[tuple] = []

    def write(part: list[tuple]) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            if pg:
                cursor.execute(f"CREATE TEMP TABLE _history_load AS SELECT {cols} FROM {qn(table)} WITH NO DATA")
                with cursor.cursor.copy(f"COPY _history_load ({cols}) FROM STDIN") as copy:
                    for row in part:
                        copy.write_row(row)
                cursor.execute(f"INSERT INTO {qn(table)} ({cols}) SELECT {cols} FROM _history_load {conflict}")
                cursor.execute("DROP TABLE _history_load")
            else:
                marks = ", ".join(["?"] * len(columns))
                rows = [tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row) for row in part]
                connection.connection.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks}) {conflict}", rows)

    for row in rows:
        buffer.append(row)
        if len(buffer) >= chunk:
            write(buffer)
            buffer = []
    if buffer:
        write(buffer)
