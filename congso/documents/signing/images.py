"""Signature images drawn for development: a blue handwritten-style signature and a red agency seal.

A deployment uploads each leader's scanned signature and each agency's seal (transparent PNGs); these
drawings stand in for them so a fresh install shows the Decree 30/2020 layout. The seal says
"MẪU — KHÔNG CÓ GIÁ TRỊ" (sample, no legal value) in its centre.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path(__file__).resolve().parent.parent / "fonts" / "LiberationSerif-Bold.ttf"
RED = (200, 16, 46, 235)
BLUE = (20, 40, 160, 255)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@lru_cache(maxsize=256)
def seal_png(agency_name: str, size: int = 420) -> bytes:
    """A round seal: two rings, the agency's name around the ring, a star and the sample mark inside."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    c = size / 2
    d.ellipse((6, 6, size - 6, size - 6), outline=RED, width=10)
    d.ellipse((size * 0.2, size * 0.2, size * 0.8, size * 0.8), outline=RED, width=5)
    text = agency_name.upper()
    font = ImageFont.truetype(str(FONT), max(14, int(size * 0.085) - len(text) // 8))
    radius = size * 0.39
    span = min(2 * math.pi * 0.92, len(text) * 0.075 * math.pi * 0.5)
    start = -math.pi / 2 - span / 2
    for i, ch in enumerate(text):
        angle = start + span * (i + 0.5) / max(len(text), 1)
        glyph = Image.new("RGBA", (font.size * 2, font.size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((font.size, font.size), ch, font=font, fill=RED, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.BICUBIC)
        x, y = c + radius * math.cos(angle), c + radius * math.sin(angle)
        img.alpha_composite(glyph, (int(x - font.size), int(y - font.size)))
    star = [
        (
            c + size * 0.11 * math.cos(-math.pi / 2 + k * math.pi / 5) * (1 if k % 2 == 0 else 0.45),
            c - size * 0.06 + size * 0.11 * math.sin(-math.pi / 2 + k * math.pi / 5) * (1 if k % 2 == 0 else 0.45),
        )
        for k in range(10)
    ]
    d.polygon(star, fill=RED)
    small = ImageFont.truetype(str(FONT), int(size * 0.042))
    d.text((c, c + size * 0.12), "MẪU — KHÔNG CÓ", font=small, fill=RED, anchor="mm")
    d.text((c, c + size * 0.19), "GIÁ TRỊ PHÁP LÝ", font=small, fill=RED, anchor="mm")
    return _png(img)


@lru_cache(maxsize=256)
def signature_png(name: str, width: int = 480, height: int = 200) -> bytes:
    """A flowing blue stroke with the signer's initials: a stand-in for a scanned signature."""
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    seed = sum(ord(ch) for ch in name) % 7
    points = [
        (20 + t * (width - 40) / 60, height / 2 + math.sin(t / (3 + seed % 3)) * height * 0.22 - t * 0.6)
        for t in range(61)
    ]
    d.line(points, fill=BLUE, width=6, joint="curve")
    initials = "".join(part[0] for part in name.split()[-2:]).upper() or "?"
    font = ImageFont.truetype(str(FONT), int(height * 0.45))
    d.text((width * 0.35, height * 0.45), initials, font=font, fill=BLUE, anchor="mm")
    return _png(img)
