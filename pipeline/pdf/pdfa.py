"""PDF/A-2b identification: XMP metadata, document information and an sRGB output intent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

import pikepdf
from pikepdf import Array, Dictionary, Name, String
from PIL import ImageCms

PRODUCER = "sohoa"


@dataclass(frozen=True)
class DocumentInfo:
    title: str
    subject: str
    keywords: str


@cache
def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def make_pdfa(pdf: pikepdf.Pdf, info: DocumentInfo, created: datetime) -> None:
    """Mark ``pdf`` as PDF/A-2b and give it the sRGB output intent its DeviceRGB images need."""
    icc = pdf.make_stream(_srgb_profile())
    icc.N = 3
    pdf.Root.OutputIntents = Array([Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFA1,
        OutputConditionIdentifier=String("sRGB IEC61966-2.1"),
        Info=String("sRGB IEC61966-2.1"),
        DestOutputProfile=icc,
    )])
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        meta["dc:title"] = info.title
        meta["dc:description"] = info.subject
        meta["pdf:Keywords"] = info.keywords
        meta["pdf:Producer"] = PRODUCER
        meta["xmp:CreatorTool"] = PRODUCER
        stamp = created.isoformat()
        meta["xmp:CreateDate"] = stamp
        meta["xmp:ModifyDate"] = stamp
        meta["xmp:MetadataDate"] = stamp
