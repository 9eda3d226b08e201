"""A small valid PDF (one A4 page, a cross-reference table) for samples and tests: no library needed."""

from __future__ import annotations

from congso.core.text import ascii_vi


def simple_pdf(lines: list[str] | tuple[str, ...] = ()) -> bytes:
    """One A4 page showing ``lines`` in Helvetica (folded to ASCII: the standard fonts lack Vietnamese)."""

    def escape(line: str) -> bytes:
        return ascii_vi(line).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode()

    content = b"BT /F1 12 Tf 50 790 Td 18 TL " + b" ".join(b"(%s) Tj T*" % escape(line) for line in lines) + b" ET"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 4 0 R>>>>/Contents 5 0 R>>",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
        b"<</Length %d>>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
