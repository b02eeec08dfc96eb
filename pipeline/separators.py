"""Separator sheets: a page with a QR code naming the dossier (and component) of the pages after it.

Staff put one in front of each dossier (or component) of a scanner batch; the pipeline finds
it on the page image, starts a new document there, and leaves the sheet itself out.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import segno
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from pipeline.errors import InvalidIdentifier
from pipeline.fonts import DEJAVU_SANS, DEJAVU_SANS_BOLD
from pipeline.identifiers import parse_dossier_code
from pipeline.model import SEPARATOR_PREFIX, Separator

_DETECT_DPI = 100  # the sheet's QR is 60 mm wide, 1.8 mm a module: 7 pixels at this resolution
_QR_AREAS = [(0.2, 0.12, 0.8, 0.55),  # where the sheet prints its QR (fractions of width, height)
             (0.2, 0.45, 0.8, 0.88)]  # and where that is when the sheet is fed upside down
_SHEET_DPI = 200
_QR_MM = 60


def parse_payload(text: str) -> Separator | None:
    """The separator a QR payload names, or ``None`` if it is not a valid sohoa sheet."""
    parts = text.split("|")
    if len(parts) != 3 or parts[0] != SEPARATOR_PREFIX:
        return None
    try:
        dossier = str(parse_dossier_code(parts[1]))
    except InvalidIdentifier:
        return None
    component = parts[2] or None
    if component and not (component.replace("_", "").isalnum() and component.isupper()):
        return None
    return Separator(dossier, component)


def detect(gray: np.ndarray, dpi: int) -> Separator | None:
    """The separator printed on this page, if it is a separator sheet.

    Only where the sheet prints its code is looked at, at low resolution: a text page costs
    about 2 ms. The reader is zxing-cpp: OpenCV's QR detector raised assertions on some pages'
    ink and corrupted the heap on one (a generated licence copy), killing the process; zxing-cpp
    reads the same sheets ten times faster.
    """
    h, w = gray.shape
    scale = min(1.0, _DETECT_DPI / dpi)
    for x0, y0, x1, y1 in _QR_AREAS:
        area = gray[round(y0 * h):round(y1 * h), round(x0 * w):round(x1 * w)]
        small = cv2.resize(area, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        for code in zxingcpp.read_barcodes(small, formats=zxingcpp.BarcodeFormat.QRCode):
            if code.text:
                return parse_payload(code.text)
    return None


def _wrap(draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, width: float
          ) -> list[str]:
    rows: list[str] = []
    for word in text.split():
        if rows and draw.textlength(f"{rows[-1]} {word}", font=face) <= width:
            rows[-1] += f" {word}"
        else:
            rows.append(word)
    return rows


def sheet_pdf(separator: Separator, component_name: str | None = None) -> bytes:
    """An A4 separator sheet as PDF: the QR code and, for people, what it says."""
    px = _SHEET_DPI / 25.4
    page = Image.new("RGB", (round(210 * px), round(297 * px)), "white")
    modules = np.pad(np.array(segno.make(separator.payload, error="m").matrix, dtype=bool), 4)
    qr = Image.fromarray(np.where(modules, 0, 255).astype(np.uint8))  # 4-module quiet zone
    size = round(_QR_MM * px)
    page.paste(qr.resize((size, size), Image.NEAREST).convert("RGB"),
               ((page.width - size) // 2, round(60 * px)))
    draw = ImageDraw.Draw(page)
    title = ImageFont.truetype(str(DEJAVU_SANS_BOLD), round(7 * px))
    body = ImageFont.truetype(str(DEJAVU_SANS), round(5 * px))
    lines = [("TỜ PHÂN CÁCH HỒ SƠ", title, 30), (f"Mã hồ sơ: {separator.dossier}", body, 135)]
    if separator.component:
        lines.append((f"Thành phần: {separator.component}", body, 145))
    y = 160
    for row in _wrap(draw, component_name or "", body, page.width - 40 * px):
        lines.append((row, body, y))
        y += 8
    for text, face, top in lines:
        width = draw.textlength(text, font=face)
        draw.text(((page.width - width) / 2, round(top * px)), text, font=face, fill="black")
    out = io.BytesIO()
    page.save(out, "PDF", resolution=_SHEET_DPI)
    return out.getvalue()
