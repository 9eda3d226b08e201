"""Fees and charges of a dossier (phí, lệ phí — domain §7), worked out from the procedure's fee lines.

Pure code, no ORM: the catalog gives the lines, the dossier the number of copies and the exemptions the
applicant claims; the result is a quote in integer VND. A line whose amount the catalog does not fix
("mức cụ thể do Hội đồng nhân dân tỉnh quyết định") is *to be determined*: it adds nothing to the total
and the officer states the amount (the financial-obligation action).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_COPIES = 100


class FeeError(ValueError):
    """A quote that cannot be made (bad copies, an exemption the line does not allow)."""


@dataclass(frozen=True)
class FeeLineSpec:
    """One fee or charge line of a procedure, as the catalog holds it."""

    line_id: int | None
    kind: str  # "fee" (phí) or "charge" (lệ phí)
    name: str
    amount: int | None  # integer VND; None = set case by case
    per_copy: bool = False
    exemptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuoteLine:
    line_id: int | None
    kind: str
    name: str
    unit_amount: int | None
    copies: int
    amount: int
    exempt_reason: str = ""

    @property
    def to_be_determined(self) -> bool:
        return self.unit_amount is None and not self.exempt_reason

    def as_dict(self) -> dict:
        return {
            "line_id": self.line_id,
            "kind": self.kind,
            "name": self.name,
            "unit_amount": self.unit_amount,
            "copies": self.copies,
            "amount": self.amount,
            "exempt_reason": self.exempt_reason,
        }


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuoteLine, ...]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def undetermined(self) -> bool:
        """Some line's amount is set case by case: the officer fixes the amount due."""
        return any(line.to_be_determined for line in self.lines)

    @property
    def fee_bearing(self) -> bool:
        """Something may be due: a positive total, or a line still to be determined."""
        return self.total > 0 or self.undetermined


def quote(lines: Iterable[FeeLineSpec], *, copies: int = 1, exempt: Mapping[int, str] | None = None) -> Quote:
    """The amounts due: ``copies`` multiplies per-copy lines; ``exempt`` maps a line's position to the
    exemption reason claimed, which must be one the line allows (it is recorded on the receipt)."""
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise FeeError(f"copies must be an integer from 1 to {MAX_COPIES}")
    exempt = dict(exempt or {})
    specs = list(lines)
    unknown = set(exempt) - set(range(len(specs)))
    if unknown:
        raise FeeError(f"no fee line at position {sorted(unknown)[0]}")
    out = []
    for index, spec in enumerate(specs):
        if spec.amount is not None and (isinstance(spec.amount, bool) or spec.amount < 0):
            raise FeeError(f"fee line {index} has a negative amount")
        n = copies if spec.per_copy else 1
        reason = exempt.get(index, "")
        if reason and reason not in spec.exemptions:
            raise FeeError(f"fee line {index} does not allow the exemption {reason!r}")
        amount = 0 if reason or spec.amount is None else spec.amount * n
        out.append(QuoteLine(spec.line_id, spec.kind, spec.name, spec.amount, n, amount, reason))
    return Quote(tuple(out))
