"""A searchable PDF per document: each scan image at its own resolution, with the engine's
invisible text layer placed exactly over it (pikepdf)."""

from __future__ import annotations

import io
from datetime import datetime

import pikepdf
from pikepdf import Array, Dictionary, Name

from pipeline.model import ProcessedPage
from pipeline.pdf.pdfa import DocumentInfo, make_pdfa


def _image_xobject(pdf: pikepdf.Pdf, page: ProcessedPage) -> pikepdf.Stream:
    image = page.image
    stream = pikepdf.Stream(pdf, image.data)
    stream.Type = Name.XObject
    stream.Subtype = Name.Image
    stream.Width = image.width
    stream.Height = image.height
    stream.ColorSpace = Name(image.colorspace)
    stream.BitsPerComponent = image.bits
    stream.Filter = Name(image.filter)
    return stream


def _add_page(pdf: pikepdf.Pdf, page: ProcessedPage) -> None:
    image = page.image
    width = image.width * 72 / image.dpi
    height = image.height * 72 / image.dpi
    with pikepdf.open(io.BytesIO(page.ocr.text_layer)) as layer_pdf:
        layer = pdf.copy_foreign(layer_pdf.pages[0].as_form_xobject())
    matrix = " ".join(f"{v:.6f}" for v in page.ocr.text_layer_matrix)
    content = (f"q {width:.4f} 0 0 {height:.4f} 0 0 cm /Im0 Do Q\n"
               f"q {matrix} cm /OCR Do Q\n").encode()
    pdf.pages.append(pikepdf.Page(Dictionary(
        Type=Name.Page,
        MediaBox=Array([0, 0, width, height]),
        Resources=Dictionary(XObject=Dictionary(Im0=_image_xobject(pdf, page), OCR=layer)),
        Contents=pdf.make_stream(content),
    )))


def build_document(pages: list[ProcessedPage], info: DocumentInfo, created: datetime) -> bytes:
    """One PDF/A-2b file holding ``pages`` in order."""
    pdf = pikepdf.new()
    for page in pages:
        _add_page(pdf, page)
    make_pdfa(pdf, info, created)
    out = io.BytesIO()
    pdf.save(out, deterministic_id=False, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()
