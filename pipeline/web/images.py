"""The images the pages show: thumbnails of every page of the stored originals, each archived
page as it went into the signed PDF, and where on it a field's value was read (its words'
boxes, found again in the document's stored OCR, as fractions of the page)."""

from __future__ import annotations

import io
import json
import tempfile
import threading
from collections import OrderedDict
from datetime import date
from pathlib import Path

import pikepdf
from PIL import Image
from rapidfuzz import fuzz

from pipeline._exec import poppler
from pipeline.records import DocumentEntry
from pipeline.text import fold
from storage.archive import Archive
from storage.tables import DossierRow

THUMB_PX, PAGE_PX = 220, 1240  # a page: an A4 scan at 300 dpi decoded at half scale
MATCH = 85.0  # rapidfuzz ratio from which a run of words is the value


def _jpeg(image: Image.Image, width: int) -> bytes:
    image = image.convert("RGB")
    if image.width > width * 1.1:
        image = image.resize((width, round(image.height * width / image.width)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def original_pages(row: DossierRow) -> list[dict]:
    """Each stored original with the pages known of it (its documents' pages, and pages the
    reading set aside with a problem, such as blank ones)."""
    known: dict[str, set[int]] = {o.sha256: set() for o in row.originals}
    for doc in row.record.documents:
        known.setdefault(doc.source.sha256, set()).update(
            range(doc.source.page, doc.source.page + doc.pages))
    by_name = {o.filename: o.sha256 for o in row.originals}
    for problem in row.record.problems:
        if problem.file in by_name and problem.page:
            known[by_name[problem.file]].add(problem.page)
    return [{"sha256": o.sha256, "file": o.filename,
             "pages": sorted(known.get(o.sha256) or {1})} for o in row.originals]


def thumbnail(data: bytes, filename: str, page: int) -> bytes:
    """Page ``page`` of a stored original, small."""
    if data[:5] == b"%PDF-":
        with tempfile.TemporaryDirectory(prefix="sohoa-thumb-") as tmp:
            path = Path(tmp) / "original.pdf"
            path.write_bytes(data)
            return _jpeg(poppler.render_page(path, page, 30), THUMB_PX)
    with Image.open(io.BytesIO(data)) as image:
        image.seek(page - 1)
        image.draft("RGB", (THUMB_PX * 2, THUMB_PX * 3))  # JPEG: decoded small, fast
        return _jpeg(image.copy(), THUMB_PX)


def archived_page(pdf: bytes, index: int) -> bytes:
    """Page ``index`` (from 0) of a signed PDF as the archive image it carries."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        stream = next(iter(document.pages[index].get_images().values()))
        if stream.get("/Filter") == pikepdf.Name.DCTDecode:  # the scan's JPEG: decoded small
            with Image.open(io.BytesIO(stream.read_raw_bytes())) as image:
                image.draft("RGB", (PAGE_PX * 9 // 10, PAGE_PX))
                return _jpeg(image, PAGE_PX)
        return _jpeg(pikepdf.PdfImage(stream).as_pil_image(), PAGE_PX)


_READ: OrderedDict[tuple[str, str], dict] = OrderedDict()  # the last documents' stored OCR
_READ_LOCK = threading.Lock()


def _ocr(archive: Archive, key: str, sha256: str) -> dict:
    """A document's stored OCR, kept for the next views (``sha256``: which version it is)."""
    with _READ_LOCK:
        found = _READ.get((key, sha256))
    if found is None:
        found = json.loads(archive.store.get(key))
        with _READ_LOCK:
            _READ[(key, sha256)] = found
            while len(_READ) > 64:
                _READ.popitem(last=False)
    return found


def _forms(value: str) -> list[list[str]]:
    """The value's words as the page may print them (an ISO date as dd/mm/yyyy)."""
    forms = [fold(value).split()]
    try:
        day = date.fromisoformat(value)
        forms.append([f"{day:%d/%m/%Y}"])
    except ValueError:
        pass
    return forms


def field_boxes(archive: Archive, doc: DocumentEntry) -> dict[str, dict]:
    """For each field of ``doc``: the page (from 0) and the box (fractions: left, top, width,
    height) of the run of words it was read from; a value nowhere printed has none (a person's
    correction, say)."""
    ocr = _ocr(archive, archive.store.key(doc.ocr_object), doc.sha256)
    found = {}
    for name, entry in doc.fields.items():
        best = (0.0, None)
        for index, page in enumerate(ocr["pages"]):
            words = [fold(w["text"]) for w in page["words"]]
            for form in _forms(entry.value):
                n, target = len(form), " ".join(form)
                for start in range(0, max(len(words) - n + 1, 0)):
                    score = fuzz.ratio(" ".join(words[start:start + n]), target)
                    if score > best[0]:
                        best = (score, (index, page, start, n))
        if best[0] >= MATCH:
            index, page, start, n = best[1]
            boxes = [w["box"] for w in page["words"][start:start + n]]
            left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
            right, bottom = max(b[2] for b in boxes), max(b[3] for b in boxes)
            w, h = page["width"], page["height"]
            found[name] = {"page": index, "left": left / w, "top": top / h,
                           "width": (right - left) / w, "height": (bottom - top) / h}
    return found
