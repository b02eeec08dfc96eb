"""Sign a PDF with PAdES (ETSI.CAdES.detached, SHA-256) and a visible Vietnamese stamp."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from functools import cache

from pyhanko import stamp
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers

from pipeline.fonts import DEJAVU_SANS

STAMP_FONT = DEJAVU_SANS
STAMP_SIZE = (200.0, 40.0)  # points
STAMP_FONT_SIZE = 10
STAMP_MARGIN = 14.0
_ONE_AT_A_TIME = threading.Lock()  # a token signs one thing at a time; documents are built in parallel


@dataclass(frozen=True)
class SigningRole:
    """Who signs and how it shows: the scanning official signs top-left of page 1."""

    field_name: str
    reason: str
    corner: str  # "top-left" | "top-right"


SCAN_ROLE = SigningRole(
    field_name="ChuKySoHoa",
    reason="Số hóa từ bản giấy (Thông tư 01/2023/TT-VPCP)",
    corner="top-left",
)


@cache
def _stamp_style() -> stamp.TextStampStyle:
    return stamp.TextStampStyle(
        stamp_text="Ký bởi: %(signer)s\nThời gian ký: %(ts)s",
        timestamp_format="%d/%m/%Y %H:%M:%S %z",
        # Shaping and rendering sizes must agree (pyHanko issue #733).
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(str(STAMP_FONT), font_size=STAMP_FONT_SIZE),
            font_size=STAMP_FONT_SIZE),
        border_width=1,
    )


def _stamp_box(pdf: bytes, corner: str) -> tuple[float, float, float, float]:
    reader = IncrementalPdfFileWriter(io.BytesIO(pdf)).prev
    x0, y0, x1, y1 = (float(v) for v in reader.root["/Pages"]["/Kids"][0]["/MediaBox"])
    w, h = STAMP_SIZE
    top = y1 - STAMP_MARGIN
    left = x0 + STAMP_MARGIN if corner == "top-left" else x1 - STAMP_MARGIN - w
    return (left, top - h, left + w, top)


def sign_pdf(pdf: bytes, signer: signers.Signer, role: SigningRole, location: str) -> bytes:
    """Append a PAdES signature covering the whole file, visible at the role's corner of page 1."""
    meta = signers.PdfSignatureMetadata(
        field_name=role.field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=role.reason,
        location=location,
    )
    field = fields.SigFieldSpec(role.field_name, on_page=0, box=_stamp_box(pdf, role.corner))
    pdf_signer = signers.PdfSigner(meta, signer, stamp_style=_stamp_style(), new_field_spec=field)
    out = io.BytesIO()
    with _ONE_AT_A_TIME:
        pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    return out.getvalue()
