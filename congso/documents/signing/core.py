"""PAdES signing and verification with pyHanko, independent of where the key lives.

* :func:`sign_pdf` adds one signature (B-T: with a signature timestamp; B-LT: plus the revocation data in
  the document's DSS when a validation context with that data is given) as an incremental update, so
  earlier signatures stay valid.
* :class:`Appearance` is what a reader sees: the person's signature image with name and position, or the
  agency seal over the left third of it with the agency name, number and ISO 8601 time (Decree 30/2020).
* :func:`verify_pdf` reports each signature: who, chain trusted, intact, signing time, what changed after.

Signers (:mod:`.providers`) are pyHanko ``Signer`` objects: a file key, a PKCS#11 token, or an external
signature (digest out, signature in).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _
from PIL import Image
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.stamp import QRPosition, QRStampStyle, TextStampStyle
from pyhanko_certvalidator import ValidationContext

FONT = Path(__file__).resolve().parent.parent / "fonts" / "LiberationSerif-Regular.ttf"
VN = dt.timezone(dt.timedelta(hours=7))
# A4 portrait in points; boxes are (x1, y1, x2, y2) from the bottom left.
PERSON_BOX = (330, 60, 550, 150)
SEAL_SIZE = 102  # 36 mm, the usual diameter of a commune/department seal, in points


# The characters a signature appearance may use: Latin with every Vietnamese letter, digits, punctuation.
_VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyfjwzàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
_CHARSET = _VIETNAMESE + _VIETNAMESE.upper() + "0123456789 .,:;!?-–—/()[]«»\"'+%&@#*_=<>|°"


@lru_cache(maxsize=1)
def _stamp_font() -> bytes:
    """Liberation Serif reduced to the stamp's characters, once per process: parsing and subsetting the whole
    font for every signature cost ~60 ms of each."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(str(FONT))
    options = subset.Options()
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=_CHARSET)
    subsetter.subset(font)
    # pyHanko writes the glyph widths (/W) in font units, which a PDF reads as thousandths of an em: with
    # Liberation's 2048 units per em every letter would stand twice as wide apart. Rescale to 1000.
    scale_upem(font, 1000)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class _StampFontFactory(GlyphAccumulatorFactory):
    def create_font_engine(self, writer, obj_stream=None):
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

        return GlyphAccumulator(writer=writer, font_handle=io.BytesIO(_stamp_font()), font_size=self.font_size)


@lru_cache(maxsize=1)
def _font_factory() -> GlyphAccumulatorFactory:
    return _StampFontFactory(str(FONT))


@lru_cache(maxsize=32)
def _image(png: bytes) -> PdfImage:
    return PdfImage(Image.open(io.BytesIO(png)))


@dataclass(frozen=True)
class Appearance:
    """Where and how a signature shows on the page (``page`` −1 = the last page)."""

    kind: str  # "person" | "agency"
    lines: tuple[str, ...]
    image_png: bytes | None = None
    page: int = -1
    box: tuple[int, int, int, int] = PERSON_BOX
    qr_url: str = ""


def person_appearance(name: str, title: str, image_png: bytes | None) -> Appearance:
    return Appearance(kind="person", lines=(title, name), image_png=image_png, box=PERSON_BOX)


def agency_appearance(
    agency: str, signed_at: dt.datetime, image_png: bytes | None, *, number: str = "", qr_url: str = ""
) -> Appearance:
    """The seal over the left third of the person's signature (exchange.md §2), agency name and ISO time."""
    x1, y1, x2, _y2 = PERSON_BOX
    seal_x = x1 - SEAL_SIZE // 2 + (x2 - x1) // 6  # the seal's centre on the left third of the person's box
    lines = [agency, signed_at.astimezone(VN).isoformat(timespec="seconds")]
    if number:
        lines.insert(0, number)
    return Appearance(
        kind="agency",
        lines=tuple(lines),
        image_png=image_png,
        box=(seal_x, y1 - 40, min(x2 + 35, 585), y1 - 40 + SEAL_SIZE),
        qr_url=qr_url,
    )


def _style(a: Appearance) -> TextStampStyle:
    text = TextBoxStyle(font=_font_factory(), font_size=7 if a.kind == "agency" else 8, leading=9)
    background = _image(a.image_png) if a.image_png else None
    if a.kind == "agency":
        # The seal at the left of the box, at its real size; the text to its right (and the QR code to the
        # public verification page at the far right).
        cls = QRStampStyle if a.qr_url else TextStampStyle
        extra = {"qr_position": QRPosition.RIGHT_OF_TEXT, "qr_inner_size": 48, "innsep": 2} if a.qr_url else {}
        return cls(
            **extra,
            stamp_text="\n".join(a.lines),
            text_box_style=text,
            background=background,
            background_opacity=1.0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MID,
                inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
            ),
            inner_content_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MAX,
                y_align=layout.AxisAlignment.ALIGN_MIN,
                margins=layout.Margins(left=SEAL_SIZE + 4, bottom=2),
                inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
            ),
            border_width=0,
        )
    return TextStampStyle(
        stamp_text="\n".join(a.lines),
        text_box_style=text,
        background=background,
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MAX,
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
            margins=layout.Margins(bottom=20),
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MIN,
            inner_content_scaling=layout.InnerScaling.NO_SCALING,
        ),
        border_width=0,
    )


def _page_index(reader_or_writer, page: int) -> int:
    count = int(reader_or_writer.root["/Pages"]["/Count"])
    return count + page if page < 0 else min(page, count - 1)


def sign_pdf(
    data: bytes,
    signer: signers.Signer,
    *,
    field_name: str,
    appearance: Appearance | None,
    timestamper: TimeStamper | None,
    validation_context: ValidationContext | None = None,
    reason: str = "",
) -> bytes:
    """One more PAdES signature on ``data`` (an incremental update). B-T with a timestamper; B-LT when
    ``validation_context`` carries the chain's revocation data (embedded in the DSS)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        embed_validation_info=validation_context is not None,
        validation_context=validation_context,
    )
    field_spec = None
    style = None
    if appearance is not None:
        field_spec = fields.SigFieldSpec(
            sig_field_name=field_name, on_page=_page_index(writer, appearance.page), box=appearance.box
        )
        style = _style(appearance)
    pdf_signer = signers.PdfSigner(
        meta, signer=signer, timestamper=timestamper, stamp_style=style, new_field_spec=field_spec
    )
    params = {"url": appearance.qr_url} if appearance is not None and appearance.qr_url else None
    out = pdf_signer.sign_pdf(writer, appearance_text_params=params)
    return out.getvalue()


# ---- verification --------------------------------------------------------------------------------
@dataclass
class SignatureReport:
    field: str
    signer: str
    organisation: str
    kind: str  # "person" | "organisation"
    intact: bool
    valid: bool
    trusted: bool
    revoked: bool
    expired_at_signing: bool
    signing_time: dt.datetime | None
    timestamped: bool
    timestamp_trusted: bool
    coverage: str
    changes_after: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.revoked and not self.problems


def _subject(cert) -> tuple[str, str, str]:
    native = cert.subject.native
    return native.get("common_name", ""), native.get("organization_name", ""), native.get("title", "")


PERSON_KEY_USAGE = {"non_repudiation", "digital_signature"}


def _report(embedded, status) -> SignatureReport:
    cn, org, title = _subject(status.signing_cert)
    ts = status.timestamp_validity
    signing_time = ts.timestamp if ts is not None else status.signer_reported_dt
    not_after = status.signing_cert["tbs_certificate"]["validity"]["not_after"].native
    not_before = status.signing_cert["tbs_certificate"]["validity"]["not_before"].native
    expired = bool(signing_time and not (not_before <= signing_time <= not_after))
    level = status.modification_level
    changes = level.name if level is not None else "UNKNOWN"
    coverage = status.coverage.name if status.coverage is not None else "UNKNOWN"
    problems: list[str] = []
    if not status.intact:
        problems.append(_("Nội dung đã bị thay đổi sau khi ký."))
    elif not status.valid:
        problems.append(_("Chữ ký không hợp lệ về mật mã."))
    if status.revoked:
        problems.append(_("Chứng thư số của người ký đã bị thu hồi."))
    elif expired:
        problems.append(_("Chứng thư số đã hết hạn (hoặc chưa có hiệu lực) tại thời điểm ký."))
    elif not status.trusted and status.intact and status.valid:
        # pyHanko reports "not trusted" for any signature that no longer matches; only a sound signature's
        # chain is judged here.
        problems.append(_("Chứng thư số không thuộc tổ chức cung cấp dịch vụ chứng thực được tin cậy."))
    if coverage != "ENTIRE_FILE" and level is not None and level.name not in ("NONE", "LTA_UPDATES", "FORM_FILLING"):
        problems.append(_("Tài liệu có thay đổi sau khi ký ngoài việc thêm chữ ký hoặc dữ liệu xác thực."))
    if ts is not None and not (ts.intact and ts.valid):
        problems.append(_("Dấu thời gian không hợp lệ."))
    return SignatureReport(
        field=embedded.field_name,
        signer=cn,
        organisation=org,
        kind="organisation" if not title else "person",
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        revoked=bool(status.revoked),
        expired_at_signing=expired,
        signing_time=signing_time,
        timestamped=ts is not None,
        timestamp_trusted=bool(ts is not None and ts.trusted),
        coverage=coverage,
        changes_after=changes,
        problems=problems,
    )


class NotAPdf(ValueError):
    pass


def verify_pdf(data: bytes, validation_context_factory) -> list[SignatureReport]:
    """A report per signature, in signing order. Raises :class:`NotAPdf` for what cannot be read as a PDF.

    Nothing else escapes: a signature that cannot be parsed or validated (a damaged CMS blob, an unsupported
    SubFilter, a bad /ByteRange) becomes a failed report, so a damaged file gets a verdict, never a crash.
    """
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise NotAPdf("not a PDF")

    def unreadable(name: str, why: str) -> SignatureReport:
        return SignatureReport(
            field=name,
            signer="",
            organisation="",
            kind="",
            intact=False,
            valid=False,
            trusted=False,
            revoked=False,
            expired_at_signing=False,
            signing_time=None,
            timestamped=False,
            timestamp_trusted=False,
            coverage="UNKNOWN",
            changes_after="UNKNOWN",
            problems=[_("Không đọc được chữ ký: %(why)s.") % {"why": why}],
        )

    # (order, embedded signature or None, report for an unreadable one); readable ones in signing order.
    found: list[tuple[int, object, SignatureReport | None]] = []
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sig_fields = list(fields.enumerate_sig_fields(reader, filled_status=True))
    except Exception as exc:  # any parser failure (incl. RecursionError, AssertionError): not a readable PDF
        raise NotAPdf(f"{exc.__class__.__name__}: {exc}"[:300]) from exc
    for position, (name, _sig_obj, sig_field) in enumerate(sig_fields):
        name = str(name or "")
        try:
            embedded = EmbeddedPdfSignature(reader, sig_field, name)
            found.append((embedded.signed_revision, embedded, None))
        except Exception as exc:
            found.append((1_000_000 + position, None, unreadable(name, exc.__class__.__name__)))
    found.sort(key=lambda item: item[0])

    async def run():
        out = []
        for _order, sig, failed in found:
            if failed is not None:
                out.append(failed)
                continue
            try:
                status = await async_validate_pdf_signature(
                    sig,
                    signer_validation_context=validation_context_factory(),
                    ts_validation_context=validation_context_factory(),
                    key_usage_settings=None,
                )
                out.append(_report(sig, status))
            except Exception as exc:  # a malformed signature must give a verdict, not a 500
                out.append(unreadable(str(getattr(sig, "field_name", "") or ""), exc.__class__.__name__))
        return out

    return asyncio.run(run())
