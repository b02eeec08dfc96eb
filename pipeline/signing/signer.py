"""Sign a PDF with PAdES (ETSI.CAdES.detached, SHA-256) and a visible Vietnamese stamp."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from asn1crypto import keys as asn1_keys
from pyhanko import stamp
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers

from pipeline.errors import SohoaError
from pipeline.fonts import DEJAVU_SANS

STAMP_FONT = DEJAVU_SANS
STAMP_SIZE = (200.0, 40.0)  # points
STAMP_FONT_SIZE = 10
STAMP_MARGIN = 14.0
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256


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


def _refuse_weak_key(signer: signers.SimpleSigner, source: Path) -> None:
    public: asn1_keys.PublicKeyInfo = signer.signing_cert.public_key
    algorithm, bits = public.algorithm, public.bit_size
    if (algorithm == "rsa" and bits < MIN_RSA_BITS) or (algorithm == "ec" and bits < MIN_EC_BITS) \
            or algorithm not in ("rsa", "rsassa_pss", "ec"):
        raise SohoaError(
            "weak_signing_key",
            f"Khóa ký {algorithm} {bits} bit không đạt yêu cầu (RSA ≥ 2048, ECDSA ≥ 256).",
            f"signing key {algorithm} {bits} bits is too weak (need RSA >= 2048 or ECDSA >= 256)",
            subject=str(source))


def load_pkcs12(path: Path, passphrase: bytes | None) -> signers.SimpleSigner:
    """The signer in a PKCS#12 file; a missing file, wrong passphrase or weak key is refused."""
    try:
        data = path.read_bytes()
        signer = signers.SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=passphrase)
    except Exception as exc:  # cryptography raises ValueError/TypeError for a bad file or passphrase
        raise SohoaError("signer_unavailable",
                         "Không mở được tệp khóa ký PKCS#12 (sai đường dẫn hoặc mật khẩu).",
                         f"cannot open the PKCS#12 signing key ({type(exc).__name__})",
                         subject=str(path)) from None
    _refuse_weak_key(signer, path)
    return signer


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
    pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    return out.getvalue()
