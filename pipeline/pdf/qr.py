"""The QR code on the papers sohoa issues (Circular 01/2023, art. 26; the symbology of TCVN
7322): drawn as vector modules at the top-left of page 1, before the agency signs, so the
signature covers it. An incoming signed paper is never altered: its own code is only read."""

from __future__ import annotations

import io
import zlib

import cv2
import numpy as np
import pikepdf
import segno
import zxingcpp

from pipeline.model import EncodedImage

MM = 72 / 25.4
SIZE_MM, MARGIN_MM = 25.0, 4.0  # in the left and top margins (Decree 30: 30 and 20 mm)


def payload(fields: dict[str, str]) -> str:
    """``label: value`` lines, in the order given: what a phone's reader shows people."""
    return "\n".join(f"{label}: {value}" for label, value in fields.items() if value)


def stamp(pdf: bytes, text: str) -> bytes:
    """``pdf`` with ``text`` as a QR code at the top-left of its first page: a stencil mask of
    one sample per module (0 paints: the dark ones), its quiet zone white, so every renderer
    draws sharp modules."""
    code = segno.make(text, error="l", micro=False)
    rows = [[0] * 4 + list(line) + [0] * 4 for line in code.matrix]
    size = len(rows) + 8
    rows = [[0] * size] * 4 + rows + [[0] * size] * 4
    packed = b"".join(bytes(int("".join("0" if dark else "1" for dark in row[i:i + 8])
                                .ljust(8, "1"), 2) for i in range(0, size, 8)) for row in rows)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        top = float(page.mediabox[3])
        side, x0 = SIZE_MM * MM, MARGIN_MM * MM
        y0 = top - MARGIN_MM * MM - side
        mask = pikepdf.Stream(document, packed, Type=pikepdf.Name.XObject,
                              Subtype=pikepdf.Name.Image, Width=size, Height=size,
                              ImageMask=True, BitsPerComponent=1, Interpolate=False)
        name = page.add_resource(mask, pikepdf.Name.XObject, prefix="QR")
        drawn = (f"q 1 1 1 rg {x0:.3f} {y0:.3f} {side:.3f} {side:.3f} re f 0 0 0 rg "
                 f"{side:.3f} 0 0 {side:.3f} {x0:.3f} {y0:.3f} cm {name} Do Q")
        page.contents_add(pikepdf.Stream(document, drawn.encode()), prepend=False)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()


def _pixels(image: EncodedImage) -> np.ndarray:
    if image.filter == "/DCTDecode":
        return cv2.imdecode(np.frombuffer(image.data, np.uint8), cv2.IMREAD_GRAYSCALE)
    raw = np.frombuffer(zlib.decompress(image.data), np.uint8)
    if image.bits == 1:  # rows padded to whole bytes, 1 is white
        rows = np.unpackbits(raw).reshape(image.height, -1)[:, :image.width]
        return rows * np.uint8(255)
    return raw.reshape(image.height, image.width, -1)[:, :, 0]


def read(image: EncodedImage) -> str | None:
    """What the QR code of a page says: looked for top-left, where Circular 01/2023 prints it,
    then over the whole page (zxing-cpp, as for separator sheets: OpenCV's detector can crash
    the process on a page's ink)."""
    gray = _pixels(image)
    h, w = gray.shape
    for area in (gray[:h // 4, :w // 2], gray):
        for code in zxingcpp.read_barcodes(area, formats=zxingcpp.BarcodeFormat.QRCode):
            if code.text:
                return code.text
    return None
