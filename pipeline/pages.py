"""Files → pages: recognise the file type, check it can be read, plan and decode its pages.

Planning (:func:`plan_pages`) reads only headers, so every refusal (empty, wrong type, corrupt,
encrypted, too large) is known before any page is decoded. :func:`load_page` decodes one page
at the scan's own resolution, and :func:`encode_for_pdf` prepares it for the archive PDF without
recompressing a JPEG scan.
"""

from __future__ import annotations

import io
import re
import subprocess
import zlib

import pikepdf
from PIL import Image, ImageSequence, UnidentifiedImageError

from pipeline._exec import poppler
from pipeline.errors import (CorruptImage, CorruptPdf, EmptyFile, EncryptedPdf, ImageTooLarge,
                             NoPages, PageSizeUnusable, TooManyPages, UnsupportedType)
from pipeline.model import EncodedImage, PageRef, ReceivedFile, Word
from pipeline.text import fold, nfc

Image.MAX_IMAGE_PIXELS = None  # sizes are checked from headers here, before any decoding
MAX_RENDER_DPI = 600
MIN_RENDER_DPI = 72
JPEG_QUALITY = 90

_MAGIC = [
    (b"%PDF-", "pdf"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
]
SUFFIX = {"pdf": ".pdf", "tiff": ".tif", "jpeg": ".jpg", "png": ".png"}
CONTENT_TYPE = {"pdf": "application/pdf", "tiff": "image/tiff", "jpeg": "image/jpeg",
                "png": "image/png"}


def detect_kind(head: bytes) -> str | None:
    """The file's real type from its first bytes (never from its name); ``None`` if unknown."""
    stripped = head[:1024].lstrip(b"\x00\t\r\n ")
    for magic, kind in _MAGIC:
        if stripped.startswith(magic):
            return kind
    return "pdf" if b"%PDF-" in head[:1024] else None


MAX_SIDE_PX = 65_500  # JPEG's limit, and past any paper at 600 dpi
MIN_SIDE_PX = 16


def _check_pixels(name: str, width: int, height: int, limit: int, page: int) -> None:
    if not MIN_SIDE_PX <= min(width, height) or max(width, height) > MAX_SIDE_PX:
        raise PageSizeUnusable(name, page=page, width=width, height=height)
    if width * height > limit:
        raise ImageTooLarge(name, page=page, width=width, height=height, limit=limit)


def _plan_pdf(received: ReceivedFile, max_pages: int, max_pixels: int,
              default_dpi: int) -> list[PageRef]:
    name = received.name
    try:
        with pikepdf.open(received.path) as pdf:
            count = len(pdf.pages)
    except pikepdf.PasswordError:
        raise EncryptedPdf(name) from None
    except pikepdf.PdfError as exc:
        raise CorruptPdf(name, problem=exc) from None
    if count == 0:
        raise NoPages(name)
    if count > max_pages:
        raise TooManyPages(name, count=count, limit=max_pages)
    try:
        sizes = poppler.page_sizes(received.path, count)
        ppi = poppler.image_ppi(received.path)
    except Exception:
        raise CorruptPdf(name, problem="poppler cannot read it") from None
    refs = []
    for number, (w_pt, h_pt) in enumerate(sizes, start=1):
        dpi = min(MAX_RENDER_DPI, max(MIN_RENDER_DPI, ppi.get(number, default_dpi)))
        _check_pixels(name, round(w_pt / 72 * dpi), round(h_pt / 72 * dpi), max_pixels, number)
        refs.append(PageRef(name, received.sha256, "pdf", number, dpi))
    return refs


def _image_dpi(image: Image.Image, default_dpi: int) -> int:
    dpi = image.info.get("dpi")
    if dpi and dpi[0] and float(dpi[0]) >= MIN_RENDER_DPI:
        return round(float(dpi[0]))
    return default_dpi


def _plan_image(received: ReceivedFile, max_pages: int, max_pixels: int,
                default_dpi: int, decode: bool) -> list[PageRef]:
    name = received.name
    try:
        with Image.open(received.path) as image:
            refs = []
            for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
                if number > max_pages:
                    raise TooManyPages(name, count=f"> {max_pages}", limit=max_pages)
                _check_pixels(name, frame.width, frame.height, max_pixels, number)
                refs.append(PageRef(name, received.sha256, received.kind, number,
                                    _image_dpi(frame, default_dpi)))
            image.seek(0)
            if not decode:
                return refs
            if image.format == "JPEG":  # libjpeg still reads every byte, at an eighth the cost
                image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()  # decode the first frame: catches truncated and corrupt data
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CorruptImage(name, problem=exc) from None
    return refs


def plan_pages(received: ReceivedFile, *, max_pages: int, max_pixels: int,
               default_dpi: int, decode: bool = True) -> list[PageRef]:
    """Check the file can be read and list its pages; raise :class:`InputFileError` if not.

    ``decode=False`` (the API's receipt) checks an image's headers only: pixel data that
    turns out corrupt is then named when the page is read."""
    if received.size == 0:
        raise EmptyFile(received.name)
    if received.kind is None:
        raise UnsupportedType(received.name)
    if received.kind == "pdf":
        return _plan_pdf(received, max_pages, max_pixels, default_dpi)
    return _plan_image(received, max_pages, max_pixels, default_dpi, decode)


def load_page(received: ReceivedFile, ref: PageRef) -> Image.Image:
    """Decode one page at its own resolution, as RGB, greyscale ("L") or bilevel ("1")."""
    if received.kind == "pdf":
        return poppler.render_page(received.path, ref.number, ref.dpi).convert("RGB")
    with Image.open(received.path) as image:
        image.seek(ref.number - 1)
        frame = image.copy()
    if frame.mode not in ("RGB", "L", "1"):
        frame = frame.convert("RGB")
    return frame


def encode_for_pdf(received: ReceivedFile, ref: PageRef, image: Image.Image) -> EncodedImage:
    """The page image for the archive PDF; a single-image RGB/grey JPEG scan goes in unchanged."""
    w, h = image.size
    if received.kind == "jpeg" and image.mode in ("RGB", "L"):
        space = "/DeviceRGB" if image.mode == "RGB" else "/DeviceGray"
        return EncodedImage(received.path.read_bytes(), w, h, ref.dpi, "/DCTDecode", space)
    if image.mode == "1":
        return EncodedImage(zlib.compress(image.tobytes()), w, h, ref.dpi, "/FlateDecode",
                            "/DeviceGray", bits=1)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    space = "/DeviceRGB" if image.mode == "RGB" else "/DeviceGray"
    return EncodedImage(out.getvalue(), w, h, ref.dpi, "/DCTDecode", space)


_STAMP = re.compile(r"ky boi|nguoi ky|thoi gian ky|ngay ky|co quan|chuc vu|email|signed by|signature")
"""Words of a digital signature's visible stamp ("Ký bởi: … Cơ quan: … Thời gian ký: …")."""
_HIDDEN = 2  # annotation flag: not shown


def overlay_words(received: ReceivedFile, ref: PageRef) -> list[Word]:
    """Text that a PDF's annotations draw over the page, in the page image's pixels.

    Signing systems stamp the number and date of issue into the blanks of the printed form
    as signature appearances ("Số: 39 /2026/TT-BGDĐT"): the page a person sees carries them,
    the scan under them does not, and :func:`load_page` hides annotations. The visible stamp
    of a signature itself ("Cơ quan phát hành: …") is left out: it is the incoming signature,
    verified and recorded apart. Words get full confidence: they are the file's own text."""
    if received.kind != "pdf":
        return []
    try:
        rects = _annotation_rects(received, ref)
        found = poppler.page_words(received.path, ref.number) if rects else []
    except (pikepdf.PdfError, subprocess.CalledProcessError, TypeError, ValueError, KeyError):
        return []  # annotations are extra to the scan: ones that cannot be read are left out
    groups: dict[int, list[tuple[str, tuple[float, float, float, float]]]] = {}
    for text, (x0, y0, x1, y1) in found:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        inside = next((i for i, (a, b, c, d) in enumerate(rects) if a <= cx <= c and b <= cy <= d),
                      None)
        if inside is not None:
            groups.setdefault(inside, []).append((text, (x0, y0, x1, y1)))
    k = ref.dpi / 72
    return [Word(nfc(text), 100.0, (round(x0 * k), round(y0 * k), round(x1 * k), round(y1 * k)), -1,
                 source="overlay")
            for group in groups.values() if not _STAMP.search(fold(" ".join(t for t, _ in group)))
            for text, (x0, y0, x1, y1) in group]


def _annotation_rects(received: ReceivedFile, ref: PageRef
                      ) -> list[tuple[float, float, float, float]]:
    """Where a page's visible annotations are, in points from its top-left corner."""
    with pikepdf.open(received.path) as pdf:
        page = pdf.pages[ref.number - 1]
        x_min, _, _, y_max = (float(v) for v in page.mediabox)
        return [(r[0] - x_min, y_max - r[3], r[2] - x_min, y_max - r[1])
                for annot in page.get("/Annots", None) or []
                if "/AP" in annot and not int(annot.get("/F", 0)) & _HIDDEN
                for r in [_rect(annot.get("/Rect"))] if r]


def _rect(rect) -> tuple[float, float, float, float] | None:
    """A PDF rectangle as (x0, y0, x1, y1) with x0 < x1, y0 < y1; ``None`` if it is not one."""
    try:
        a, b, c, d = (float(v) for v in rect)
    except (TypeError, ValueError):
        return None
    return min(a, c), min(b, d), max(a, c), max(b, d)
