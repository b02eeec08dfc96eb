"""A searchable PDF per document: each scan image at its own resolution, with the engine's
invisible text layer placed exactly over it (pikepdf; the layer is :mod:`pipeline.pdf.textlayer`)."""

from __future__ import annotations

import io
from datetime import datetime

import pikepdf
from pikepdf import Array, Dictionary, Name

from pipeline.model import ProcessedPage
from pipeline.pdf.pdfa import DocumentInfo, make_pdfa
from pipeline.pdf.textlayer import form_xobject, glyphless_font


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


def _add_page(pdf: pikepdf.Pdf, page: ProcessedPage, font: pikepdf.Object) -> None:
    image = page.image
    width = image.width * 72 / image.dpi
    height = image.height * 72 / image.dpi
    layer = form_xobject(pdf, page.ocr.text_layer, font)
    matrix = " ".join(f"{v:.6f}" for v in page.ocr.text_layer.matrix)
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
    font = glyphless_font(pdf)
    for page in pages:
        _add_page(pdf, page, font)
    make_pdfa(pdf, info, created)
    out = io.BytesIO()
    pdf.save(out, deterministic_id=False, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()
