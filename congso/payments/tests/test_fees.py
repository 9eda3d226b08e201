"""Specification of the fee quote (domain §7), pure and ORM-free: ``congso.payments.fees``.

Hand examples use the fee lines of the real catalog (``data/catalog/procedures.json``), read straight from
the JSON; the properties run over generated fee schedules, copies and claimed exemptions.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from congso.payments.fees import MAX_COPIES, FeeError, FeeLineSpec, Quote, quote

CATALOG = Path(__file__).resolve().parents[3] / "data" / "catalog" / "procedures.json"
SETTINGS = settings(max_examples=100, deadline=None)


@functools.cache
def _procedures() -> dict[str, dict]:
    data = json.loads(CATALOG.read_text(encoding="utf-8"))
    return {p["national_code"]: p for p in data["procedures"]}


def catalog_lines(code: str) -> tuple[FeeLineSpec, ...]:
    """The fee lines of a catalog procedure, as ``selectors.fee_schedule`` builds them (line_id = position)."""
    return tuple(
        FeeLineSpec(
            line_id=index,
            kind=fee["kind"],
            name=fee["name"],
            amount=fee["amount"],
            per_copy=fee["per_copy"],
            exemptions=tuple(fee["exemptions"]),
        )
        for index, fee in enumerate(_procedures()[code]["fees"])
    )


COPY_EXTRACT = "2.000635"  # Cấp bản sao Trích lục hộ tịch: 8.000 đồng per copy
SIGNATURE = "2.000884"  # Chứng thực chữ ký: 10.000 đồng per case
DEATH = "1.000656"  # Đăng ký khai tử: 0 (exempt case), then two lines "mức cụ thể do HĐND tỉnh quyết định"
MARITAL = "1.004873"  # Xác nhận tình trạng hôn nhân: amount set by the province, one exemption listed
LAWYERS = "1.002032"  # Tổ chức hành nghề luật sư: 25.000 đồng, "Miễn lệ phí khi đăng ký qua mạng điện tử"
BIRTH = "1.001193"  # Đăng ký khai sinh: 0 đồng
ONLINE = "Miễn lệ phí khi đăng ký qua mạng điện tử"


# ---- hand examples from the catalog ----------------------------------------------------------------


def test_the_catalog_lines_used_here_are_the_ones_described():
    (extract,) = catalog_lines(COPY_EXTRACT)
    assert (extract.amount, extract.per_copy) == (8000, True)
    (signature,) = catalog_lines(SIGNATURE)
    assert (signature.amount, signature.per_copy) == (10000, False)
    assert [line.amount for line in catalog_lines(DEATH)] == [0, None, None]
    assert ONLINE in catalog_lines(LAWYERS)[0].exemptions


def test_three_copies_of_a_civil_status_extract_cost_24_000():
    q = quote(catalog_lines(COPY_EXTRACT), copies=3)
    (line,) = q.lines
    assert (line.unit_amount, line.copies, line.amount) == (8000, 3, 24000)
    assert line.kind == "fee" and line.exempt_reason == ""
    assert q.total == 24000
    assert not q.undetermined and q.fee_bearing


def test_copies_default_to_one():
    assert quote(catalog_lines(COPY_EXTRACT)).total == 8000


def test_a_fixed_fee_ignores_the_number_of_copies():
    for copies in (1, 5, MAX_COPIES):
        q = quote(catalog_lines(SIGNATURE), copies=copies)
        (line,) = q.lines
        assert (line.copies, line.amount) == (1, 10000)
        assert q.total == 10000


def test_a_line_to_be_determined_adds_nothing_but_keeps_the_dossier_fee_bearing():
    q = quote(catalog_lines(DEATH), copies=2)
    assert [line.amount for line in q.lines] == [0, 0, 0]
    assert [line.to_be_determined for line in q.lines] == [False, True, True]
    assert [line.unit_amount for line in q.lines] == [0, None, None]
    assert q.lines[2].copies == 2  # the per-copy extract still counts its copies
    assert q.total == 0
    assert q.undetermined and q.fee_bearing


def test_a_free_procedure_is_not_fee_bearing():
    q = quote(catalog_lines(BIRTH))
    assert q.total == 0
    assert not q.undetermined and not q.fee_bearing


def test_no_fee_lines_make_an_empty_quote():
    q = quote([], copies=7)
    assert q == Quote(lines=())
    assert q.total == 0 and not q.undetermined and not q.fee_bearing


def test_a_listed_exemption_makes_the_line_free_and_is_recorded():
    q = quote(catalog_lines(LAWYERS), exempt={0: ONLINE})
    (line,) = q.lines
    assert line.amount == 0 and line.unit_amount == 25000
    assert line.exempt_reason == ONLINE
    assert line.as_dict() == {
        "line_id": 0,
        "kind": "charge",
        "name": catalog_lines(LAWYERS)[0].name,
        "unit_amount": 25000,
        "copies": 1,
        "amount": 0,
        "exempt_reason": ONLINE,
    }
    assert q.total == 0 and not q.fee_bearing
    assert quote(catalog_lines(LAWYERS)).total == 25000


def test_an_exemption_settles_a_line_to_be_determined():
    (line_spec,) = catalog_lines(MARITAL)
    assert line_spec.amount is None
    reason = line_spec.exemptions[0]
    assert quote(catalog_lines(MARITAL)).undetermined
    q = quote(catalog_lines(MARITAL), exempt={0: reason})
    (line,) = q.lines
    assert line.amount == 0 and line.exempt_reason == reason and not line.to_be_determined
    assert not q.undetermined and not q.fee_bearing


def test_an_empty_reason_claims_nothing():
    assert quote(catalog_lines(LAWYERS), exempt={0: ""}).total == 25000


@pytest.mark.parametrize(
    ("code", "exempt"),
    [
        (SIGNATURE, {0: ONLINE}),  # the line lists no exemption
        (LAWYERS, {0: "Miễn lệ phí cho người thuộc hộ nghèo"}),  # not one of the line's reasons
        (LAWYERS, {0: ONLINE.upper()}),  # the reason must be the listed text itself
        (DEATH, {1: "Miễn lệ phí đối với trường hợp đăng ký khai tử đúng hạn"}),  # another line's (abridged) reason
        (LAWYERS, {1: ONLINE}),  # no line at position 1
        (LAWYERS, {-1: ONLINE}),
    ],
)
def test_an_exemption_the_line_does_not_list_is_refused(code, exempt):
    with pytest.raises(FeeError):
        quote(catalog_lines(code), exempt=exempt)


@pytest.mark.parametrize("copies", [0, -1, MAX_COPIES + 1, True, False, "2", 2.0, None])
def test_copies_must_be_an_integer_from_1_to_100(copies):
    with pytest.raises(FeeError):
        quote(catalog_lines(COPY_EXTRACT), copies=copies)


def test_the_copies_bounds_are_accepted():
    assert quote(catalog_lines(COPY_EXTRACT), copies=1).total == 8000
    assert quote(catalog_lines(COPY_EXTRACT), copies=MAX_COPIES).total == 800_000


@pytest.mark.parametrize("amount", [-1, -8000, True])
def test_a_negative_or_boolean_amount_is_refused(amount):
    with pytest.raises(FeeError):
        quote([FeeLineSpec(line_id=1, kind="fee", name="Phí", amount=amount)])


def test_fee_error_is_a_value_error():
    assert issubclass(FeeError, ValueError)


def test_every_catalog_procedure_quotes_with_and_without_each_listed_exemption():
    for code in _procedures():
        lines = catalog_lines(code)
        for copies in (1, 3):
            q = quote(lines, copies=copies)
            assert q.total == sum(line.amount for line in q.lines) >= 0
            for index, spec in enumerate(lines):
                for reason in spec.exemptions:
                    exempted = quote(lines, copies=copies, exempt={index: reason})
                    assert exempted.lines[index].amount == 0
                    assert exempted.lines[index].exempt_reason == reason
                    assert exempted.total <= q.total


# ---- properties ------------------------------------------------------------------------------------

# exact strings matter (a reason is claimed by its text): near-misses share the pool with the real ones
reasons = st.sampled_from(
    [ONLINE, ONLINE.upper(), ONLINE + " ", "Miễn lệ phí cho người thuộc hộ nghèo", "Miễn", "a", "A"]
) | st.text(min_size=1, max_size=8).filter(str.strip)
fee_lines = st.builds(
    FeeLineSpec,
    line_id=st.one_of(st.none(), st.integers(min_value=1, max_value=10**6)),
    kind=st.sampled_from(["fee", "charge"]),
    name=st.sampled_from(["Phí cấp bản sao", "Lệ phí", ""]),
    amount=st.one_of(st.none(), st.integers(min_value=0, max_value=10**8), st.sampled_from([0, 8000, 10000])),
    per_copy=st.booleans(),
    exemptions=st.lists(reasons, max_size=3, unique=True).map(tuple),
)
schedules = st.lists(fee_lines, max_size=6)
copy_counts = st.integers(min_value=1, max_value=MAX_COPIES)


@st.composite
def claims(draw, lines):
    """Exemptions claimed on some lines that allow one, each one of the line's own reasons."""
    claimable = [i for i, spec in enumerate(lines) if spec.exemptions]
    chosen = draw(st.lists(st.sampled_from(claimable), unique=True)) if claimable else []
    return {i: draw(st.sampled_from(lines[i].exemptions)) for i in chosen}


@st.composite
def cases(draw):
    lines = draw(schedules)
    return lines, draw(copy_counts), draw(claims(lines))


@SETTINGS
@given(cases())
def test_total_is_the_sum_of_the_line_amounts_all_non_negative_ints(case):
    lines, copies, exempt = case
    q = quote(lines, copies=copies, exempt=exempt)
    assert len(q.lines) == len(lines)
    assert q.total == sum(line.amount for line in q.lines)
    for spec, line in zip(lines, q.lines, strict=True):
        assert type(line.amount) is int and line.amount >= 0
        assert (line.line_id, line.kind, line.name, line.unit_amount) == (
            spec.line_id,
            spec.kind,
            spec.name,
            spec.amount,
        )
        if line.exempt_reason or spec.amount is None:
            assert line.amount == 0
        else:
            assert line.amount == spec.amount * line.copies
    assert type(q.total) is int and q.total >= 0
    assert q.fee_bearing == (q.total > 0 or q.undetermined)
    assert q.undetermined == any(spec.amount is None and i not in exempt for i, spec in enumerate(lines))


@SETTINGS
@given(cases(), copy_counts)
def test_total_is_monotone_in_copies(case, other):
    lines, copies, exempt = case
    low, high = sorted((copies, other))
    assert quote(lines, copies=low, exempt=exempt).total <= quote(lines, copies=high, exempt=exempt).total


@SETTINGS
@given(cases())
def test_claiming_exemptions_never_increases_the_total(case):
    lines, copies, exempt = case
    claimed = quote(lines, copies=copies, exempt=exempt)
    unclaimed = quote(lines, copies=copies)
    assert claimed.total <= unclaimed.total
    for with_claim, without in zip(claimed.lines, unclaimed.lines, strict=True):
        assert with_claim.amount <= without.amount
    # and claiming fewer of them never lowers it below claiming them all
    for index in exempt:
        fewer = {i: r for i, r in exempt.items() if i != index}
        assert claimed.total <= quote(lines, copies=copies, exempt=fewer).total


@SETTINGS
@given(cases(), copy_counts)
def test_lines_not_per_copy_are_independent_of_copies(case, other):
    lines, copies, exempt = case
    a = quote(lines, copies=copies, exempt=exempt)
    b = quote(lines, copies=other, exempt=exempt)
    for spec, line_a, line_b in zip(lines, a.lines, b.lines, strict=True):
        if spec.per_copy:
            assert (line_a.copies, line_b.copies) == (copies, other)
        else:
            assert line_a == line_b
            assert line_a.copies == 1


@SETTINGS
@given(schedules, copy_counts, reasons)
def test_a_reason_the_line_does_not_list_is_always_refused(lines, copies, reason):
    for index, spec in enumerate(lines):
        if reason not in spec.exemptions:
            with pytest.raises(FeeError):
                quote(lines, copies=copies, exempt={index: reason})
    with pytest.raises(FeeError):
        quote(lines, copies=copies, exempt={len(lines): reason})
