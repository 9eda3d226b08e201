"""Agency identifiers (mã định danh điện tử), pure validation.

Decision 20/2020/QĐ-TTg (amended by Decision 09/2025/QĐ-TTg): ``V1V2V3.Z1Z2.Y1Y2.MX1X2``, at most
35 characters of ``[0-9A-Z.]``; level 1 is a letter and two digits (``H56`` = Thanh Hóa People's
Committee); zeros mean "the unit itself". Stored as opaque strings: never infer hierarchy from
prefixes alone (domain §5).
"""

from __future__ import annotations

import re

MAX_LENGTH = 35
_CHARSET = re.compile(r"^[0-9A-Z.]+$")
_SEGMENT_SIZES = (3, 2, 2)
_LEVEL1 = re.compile(r"^[A-Z][0-9]{2}$")


def agency_identifier_errors(value: str) -> list[str]:
    """Vietnamese messages describing what is wrong with ``value``; empty when it is valid."""
    if not value:
        return ["Mã định danh không được để trống."]
    errors: list[str] = []
    if len(value) > MAX_LENGTH:
        errors.append(f"Mã định danh dài tối đa {MAX_LENGTH} ký tự (đang có {len(value)}).")
    if value != value.strip():
        errors.append("Mã định danh không được có khoảng trắng ở đầu hoặc cuối.")
    elif not _CHARSET.match(value):
        if _CHARSET.match(value.upper()):
            errors.append("Mã định danh chỉ dùng chữ in hoa (A-Z), chữ số và dấu chấm.")
        else:
            errors.append("Mã định danh chỉ được gồm chữ in hoa A-Z, chữ số 0-9 và dấu chấm.")
        return errors
    segments = value.split(".")
    if len(segments) != 4:
        errors.append("Mã định danh phải có 4 nhóm ký tự ngăn cách bởi dấu chấm, dạng V1V2V3.Z1Z2.Y1Y2.MX1X2.")
        return errors
    for index, (segment, size) in enumerate(zip(segments[:3], _SEGMENT_SIZES, strict=True), start=1):
        if len(segment) != size:
            errors.append(f"Nhóm thứ {index} của mã định danh phải có đúng {size} ký tự (đang là {segment!r}).")
    if not _LEVEL1.match(segments[3]):
        errors.append(f"Nhóm cấp 1 phải gồm một chữ cái và hai chữ số, ví dụ H56 (đang là {segments[3]!r}).")
    return errors


def is_valid_agency_identifier(value: str) -> bool:
    return not agency_identifier_errors(value)
