"""A dossier's contribution to the indicators: a pure function of a small snapshot (no ORM, no clock).

Domain rules: ``shared/domain/procedures.md`` §8 (Decision 766/QĐ-TTg formulas), §6 (national statuses),
§2–§3 (lifecycle, clock). Every counter is defined in ``docs/kpi.md``.

A root dossier contributes to at most two cells (:class:`CellKey`): the month it was **received** and the
month its processing **ended**; both carry the same competent agency, intake commune, procedure and
channel. Liên thông children contribute nothing: the domain counts a dossier once, on its origin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")

# Counted in the month the dossier was received.
RECEIVED_COUNTERS = (
    "received",
    "received_online",
    "online_offered",
    "fee_bearing",
    "paid_online",
    "digitised",
    "reused",
    "synced",
    "complaints",
)
# Counted in the month processing ended (finished, returned, refused, stopped, withdrawn).
ENDED_COUNTERS = (
    "ended",
    "on_time",
    "late",
    "online_e_result",
    "results",
    "person_signed",
    "agency_signed",
    "rated",
    "rating_sum",
    "dissatisfied",
)
COUNTERS = RECEIVED_COUNTERS + ENDED_COUNTERS
INDEX = {name: i for i, name in enumerate(COUNTERS)}

# A rating of 1 ("rất không hài lòng") or 2 ("không hài lòng") on the 1–5 scale is dissatisfied; 3 is neutral.
DISSATISFIED_MAX = 2

ONLINE = 2  # KenhThucHien 2 (domain §2.1)
# Internal states (congso.dossiers.choices.State), as plain strings so this module stays ORM-free.
FINISHED, RETURNED, REFUSED, WITHDRAWN, STOPPED = "finished", "returned", "refused", "withdrawn", "stopped"
WITH_RESULT = frozenset({FINISHED, RETURNED})  # national status 9 or 10
ON_TIME_OUTCOMES = frozenset({"early", "on_time"})


class CellKey(NamedTuple):
    """Where a contribution is summed: month (first day, Vietnam time), competent agency, intake commune
    (the administrative unit of the intake agency as it was then), procedure (version) and channel."""

    month: dt.date
    agency_id: int
    unit_id: int
    procedure_id: int
    channel: int


@dataclass(frozen=True)
class Snapshot:
    """What the indicators need to know of one dossier (read by ``kpi.snapshots``)."""

    dossier_id: int
    parent_id: int | None
    state: str
    channel: int
    competent_agency_id: int
    unit_id: int
    procedure_id: int
    submitted_at: dt.datetime | None = None
    accepted_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None  # the last "stop" event, read only for a stopped dossier
    outcome: str = ""
    supplement_count: int = 0
    budget_seconds: int = 0
    consumed_seconds: int = 0
    offered_online: bool = False
    fee_bearing: bool = False
    paid_online: bool = False
    synced: bool = False
    complained: bool = False
    rating: int | None = None
    # The dossier's files: components (and supplements) and results.
    components: int = 0
    components_digitised: int = 0
    reused: int = 0
    results: int = 0
    results_digitised: int = 0
    results_electronic: int = 0
    person_signed: int = 0
    agency_signed: int = 0


Counters = dict[str, int]  # only non-zero counters are kept
Contribution = dict[CellKey, Counters]


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of the moment's month in Vietnam time."""
    local = moment.astimezone(VN)
    return dt.date(local.year, local.month, 1)


def received_at(s: Snapshot) -> dt.datetime | None:
    """When the dossier counts as received: online (channel 2) when submitted (NgayNopHoSo); in person and
    by post when accepted with Form 01 (NgayTiepNhan). A walk-in turned away before Form 01 was never received."""
    return s.submitted_at if s.channel == ONLINE else s.accepted_at


def ended_at(s: Snapshot) -> dt.datetime | None:
    """When processing ended (domain §8: status 9 or 10, refused, stopped or withdrawn), else None."""
    if s.state == STOPPED:
        return s.stopped_at
    if s.state in WITH_RESULT or s.state in (REFUSED, WITHDRAWN):
        return s.ended_at
    return None


def on_time(s: Snapshot) -> bool:
    """End ≤ appointment with paused time excluded (the ledger's outcome); more than one supplement request is
    late whatever the clock says. A stopped dossier is judged by its ledger (consumed ≤ budget); a dossier that
    ended before acceptance (refused at intake, withdrawn) had no appointment to miss."""
    if s.supplement_count > 1:
        return False
    if s.state == STOPPED:
        return s.consumed_seconds <= s.budget_seconds
    if not s.outcome:
        return s.accepted_at is None
    return s.outcome in ON_TIME_OUTCOMES


def contribution(s: Snapshot) -> Contribution:
    """The cells this dossier adds to (non-zero counters only); empty for a child or a dossier not yet received."""
    if s.parent_id is not None:
        return {}
    received = received_at(s)
    if received is None:
        return {}
    out: Contribution = {}

    def key(moment: dt.datetime) -> CellKey:
        return CellKey(month_of(moment), s.competent_agency_id, s.unit_id, s.procedure_id, s.channel)

    with_result = s.state in WITH_RESULT
    components_ok = s.components > 0 and s.components_digitised == s.components
    result_ok = not with_result or (s.results > 0 and s.results_digitised == s.results)
    cell = out.setdefault(key(received), {})
    _add(
        cell,
        received=1,
        received_online=int(s.channel == ONLINE),
        online_offered=int(s.offered_online),
        fee_bearing=int(s.fee_bearing),
        paid_online=int(s.fee_bearing and s.paid_online),
        digitised=int(components_ok and result_ok),
        reused=int(s.reused > 0),
        synced=int(s.synced),
        complaints=int(s.complained),
    )
    end = ended_at(s)
    if end is not None:
        timely = on_time(s)
        rated = with_result and s.rating is not None
        cell = out.setdefault(key(end), {})
        _add(
            cell,
            ended=1,
            on_time=int(timely),
            late=int(not timely),
            online_e_result=int(with_result and s.channel == ONLINE and s.offered_online and s.results_electronic > 0),
            results=s.results if with_result else 0,
            person_signed=s.person_signed if with_result else 0,
            agency_signed=s.agency_signed if with_result else 0,
            rated=int(rated),
            rating_sum=s.rating if rated else 0,
            dissatisfied=int(rated and s.rating <= DISSATISFIED_MAX),
        )
    return {k: v for k, v in out.items() if v}


def _add(cell: Counters, **values: int) -> None:
    for name, value in values.items():
        if value:
            cell[name] = cell.get(name, 0) + value


# ---- algebra over contributions ---------------------------------------------------------------------------------
def delta(old: Contribution, new: Contribution) -> Contribution:
    """``new − old`` per cell and counter, zero entries dropped."""
    out: Contribution = {}
    for key in old.keys() | new.keys():
        before, after = old.get(key, {}), new.get(key, {})
        cell = {n: after.get(n, 0) - before.get(n, 0) for n in before.keys() | after.keys()}
        cell = {n: v for n, v in cell.items() if v}
        if cell:
            out[key] = cell
    return out


def accumulate(totals: dict[CellKey, list[int]], contrib: Contribution, sign: int = 1) -> None:
    """Add a contribution into totals kept as fixed-order counter lists (compact for millions of cells)."""
    for key, cell in contrib.items():
        row = totals.get(key)
        if row is None:
            row = totals[key] = [0] * len(COUNTERS)
        for name, value in cell.items():
            row[INDEX[name]] += sign * value


def as_row(cell: Mapping[str, int]) -> list[int]:
    return [int(cell.get(name, 0)) for name in COUNTERS]


def summed(cells: Iterable[Mapping[str, int]]) -> Counters:
    """Counters summed over cells (missing counters are zero)."""
    total = dict.fromkeys(COUNTERS, 0)
    for cell in cells:
        for name in COUNTERS:
            total[name] += int(cell.get(name, 0) or 0)
    return total


# ---- the month-level rollup (kpi.Rollup) ----------------------------------------------------------------------------
class RollupKey(NamedTuple):
    """One row of the rollup: ``dimension`` "a" (competent agency), "u" (intake commune) or "p" (procedure)."""

    dimension: str
    month: dt.date
    key: int


def rollup_keys(key: CellKey) -> tuple[RollupKey, RollupKey, RollupKey]:
    """The three rollup rows a cell is summed into."""
    return (
        RollupKey("a", key.month, key.agency_id),
        RollupKey("u", key.month, key.unit_id),
        RollupKey("p", key.month, key.procedure_id),
    )


def rolled_up(cells: Mapping[CellKey, Mapping[str, int]]) -> dict[RollupKey, Counters]:
    """Cells (a contribution or a change) summed into their rollup rows, zero entries dropped."""
    out: dict[RollupKey, Counters] = {}
    for key, cell in cells.items():
        for rkey in rollup_keys(key):
            row = out.setdefault(rkey, {})
            for name, value in cell.items():
                row[name] = row.get(name, 0) + value
    return {k: {n: v for n, v in row.items() if v} for k, row in out.items() if any(row.values())}


def rolled_up_rows(totals: Mapping[CellKey, list[int]]) -> dict[RollupKey, list[int]]:
    """Fixed-order counter lists per cell summed into their rollup rows (rows of zeros kept)."""
    out: dict[RollupKey, list[int]] = {}
    width = len(COUNTERS)
    for key, row in totals.items():
        for rkey in rollup_keys(key):
            acc = out.get(rkey)
            if acc is None:
                acc = out[rkey] = [0] * width
            for i, value in enumerate(row):
                if value:
                    acc[i] += value
    return out


# ---- the stored form (DossierFact.cells) -------------------------------------------------------------------------
def encode(contrib: Contribution) -> list:
    """JSON-ready, sorted: ``[[month ISO, agency, unit, procedure, channel, {counter: n}], …]``."""
    return [
        [k.month.isoformat(), k.agency_id, k.unit_id, k.procedure_id, k.channel, dict(sorted(v.items()))]
        for k, v in sorted(contrib.items())
    ]


def decode(stored) -> Contribution:
    out: Contribution = {}
    for month, agency_id, unit_id, procedure_id, channel, cell in stored or []:
        key = CellKey(dt.date.fromisoformat(month), int(agency_id), int(unit_id), int(procedure_id), int(channel))
        out[key] = {str(n): int(v) for n, v in cell.items() if v}
    return out
