"""Sign a PDF with PAdES (ETSI.CAdES.detached, SHA-256) and a visible Vietnamese stamp.

Levels: B-B (the signature alone); B-T (with an RFC 3161 timestamp from a TSA); B-LT (plus the
certificates and revocation data needed to validate it later, in the DSS); B-LTA (plus a
document timestamp over all of that, which can be renewed before its algorithms weaken).
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from asn1crypto import x509
from pyhanko import stamp
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko_certvalidator import ValidationContext

from pipeline.errors import InvalidSignatureLevel, SigningServiceUnavailable, TsaRequired
from pipeline.fonts import stamp_font
from pipeline.settings import Settings
from pipeline.signing.verify import load_trust_roots

STAMP_SIZE = (200.0, 40.0)  # points
STAMP_FONT_SIZE = 10
STAMP_MARGIN = 14.0
_ONE_AT_A_TIME = threading.Lock()  # a token signs one thing at a time; documents are built in parallel


LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


@dataclass(frozen=True)
class Profile:
    """How far a signature goes: its PAdES level, the TSA, and the roots LT data is built for."""

    level: str = "B-B"
    tsa_url: str | None = None
    trust_roots: tuple[x509.Certificate, ...] = ()

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise InvalidSignatureLevel(self.level, level=self.level, levels=", ".join(LEVELS))
        if self.level != "B-B" and not self.tsa_url:
            raise TsaRequired(self.level, level=self.level)


def profile_from(settings: Settings, archive: bool = False) -> Profile:
    """The configured signing profile: the scanning official's, or (``archive``) the agency's
    on archival copies (level, TSA; trust roots for long-term data)."""
    if archive:
        level = settings.archive_level or ("B-LTA" if settings.tsa_url else "B-B")
    else:
        level = settings.signature_level or ("B-T" if settings.tsa_url else "B-B")
    return Profile(level, settings.tsa_url, tuple(load_trust_roots(settings.trust_roots)))


@dataclass(frozen=True)
class SigningRole:
    """Who signs and how it shows (DOMAIN.md): the scanning official top-left of page 1 with
    name and time; the agency top-right, over its seal, with its name and the date."""

    field_name: str
    reason: str
    corner: str  # "top-left" | "top-right"
    stamp_text: str


SCAN_ROLE = SigningRole(
    field_name="ChuKySoHoa",
    reason="Số hóa từ bản giấy (Thông tư 01/2023/TT-VPCP)",
    corner="top-left",
    stamp_text="Ký bởi: %(signer)s\nThời gian ký: %(ts)s",
)
AGENCY_ROLE = SigningRole(
    field_name="ChuKyCoQuan",
    reason="Bản số hóa lưu trữ của cơ quan",
    corner="top-right",
    stamp_text="%(agency)s\nKý ngày: %(ts)s",
)


@cache
def _stamp_style(text: str, seal: Path | None) -> stamp.TextStampStyle:
    return stamp.TextStampStyle(
        stamp_text=text,
        timestamp_format="%d/%m/%Y %H:%M:%S %z",
        # Shaping and rendering sizes must agree (pyHanko issue #733).
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(str(stamp_font()), font_size=STAMP_FONT_SIZE),
            font_size=STAMP_FONT_SIZE),
        border_width=1,
        background=PdfImage(str(seal)) if seal else None,
        background_opacity=1.0,
    )


def _stamp_box(pdf: bytes, corner: str) -> tuple[float, float, float, float]:
    reader = IncrementalPdfFileWriter(io.BytesIO(pdf)).prev
    x0, y0, x1, y1 = (float(v) for v in reader.root["/Pages"]["/Kids"][0]["/MediaBox"])
    w, h = STAMP_SIZE
    top = y1 - STAMP_MARGIN
    left = x0 + STAMP_MARGIN if corner == "top-left" else x1 - STAMP_MARGIN - w
    return (left, top - h, left + w, top)


def sign_pdf(pdf: bytes, signer: signers.Signer, role: SigningRole, location: str,
             profile: Profile = Profile(), agency: str | None = None,
             seal: Path | None = None) -> bytes:
    """Append a PAdES signature covering the whole file, visible at the role's corner of page 1
    (``agency`` and ``seal`` fill the agency role's appearance)."""
    long_term = profile.level in ("B-LT", "B-LTA")
    meta = signers.PdfSignatureMetadata(
        field_name=role.field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=role.reason,
        location=location,
        embed_validation_info=long_term,
        use_pades_lta=profile.level == "B-LTA",
        validation_context=ValidationContext(trust_roots=list(profile.trust_roots),
                                             allow_fetching=True) if long_term else None,
    )
    timestamper = timestamps.HTTPTimeStamper(profile.tsa_url) if profile.level != "B-B" else None
    field = fields.SigFieldSpec(role.field_name, on_page=0, box=_stamp_box(pdf, role.corner))
    pdf_signer = signers.PdfSigner(meta, signer, timestamper=timestamper,
                                   stamp_style=_stamp_style(role.stamp_text, seal),
                                   new_field_spec=field)
    out = io.BytesIO()
    try:
        with _ONE_AT_A_TIME:
            pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out,
                                appearance_text_params={"agency": agency or ""})
    except (timestamps.TimestampRequestError, OSError) as exc:
        raise SigningServiceUnavailable(profile.tsa_url or "", problem=exc) from None
    return out.getvalue()
