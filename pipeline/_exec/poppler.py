"""poppler-utils adapter: page sizes (pdfinfo), embedded image resolution (pdfimages), rendering."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

from pdf2image import convert_from_path
from pdf2image.exceptions import PDFPopplerTimeoutError
from PIL import Image

from pipeline._exec import limits

_PAGE_SIZE = re.compile(r"^Page\s+(\d+)\s+size:\s+([\d.]+) x ([\d.]+) pts", re.M)
_PAGE_ROT = re.compile(r"^Page\s+(\d+)\s+rot:\s+(\d+)", re.M)


def _run(args: list[str]) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, check=True,
                              timeout=limits.remaining())
    except subprocess.TimeoutExpired:
        raise limits.expired() from None
    return done.stdout


def page_sizes(path: Path, pages: int) -> list[tuple[float, float]]:
    """Displayed size in points of each page (rotation applied), in page order."""
    out = _run(["pdfinfo", "-f", "1", "-l", str(pages), str(path)])
    sizes = {int(n): (float(w), float(h)) for n, w, h in _PAGE_SIZE.findall(out)}
    rotations = {int(n): int(r) for n, r in _PAGE_ROT.findall(out)}
    result = []
    for number in range(1, pages + 1):
        w, h = sizes[number]
        result.append((h, w) if rotations.get(number, 0) % 180 else (w, h))
    return result


def image_ppi(path: Path) -> dict[int, int]:
    """Resolution of the largest image drawn on each page: the scan itself, not a small logo
    or signature stamp drawn finer beside it (pages without images are absent)."""
    out = _run(["pdfimages", "-list", str(path)])
    best: dict[int, tuple[int, int]] = {}  # page -> (pixels, ppi)
    for line in out.splitlines()[2:]:
        cols = line.split()
        if len(cols) < 14 or not cols[0].isdigit() or cols[2] not in ("image", "stencil"):
            continue
        page, pixels, ppi = int(cols[0]), int(cols[3]) * int(cols[4]), round(float(cols[12]))
        best[page] = max(best.get(page, (0, 0)), (pixels, ppi))
    return {page: ppi for page, (_, ppi) in best.items()}


def render_page(path: Path, page: int, dpi: int) -> Image.Image:
    """One page as an RGB image, annotations (e.g. earlier signature stamps) hidden."""
    try:
        images = convert_from_path(path, dpi=dpi, first_page=page, last_page=page,
                                   hide_annotations=True, fmt="ppm", timeout=limits.remaining())
    except PDFPopplerTimeoutError:
        raise limits.expired() from None
    return images[0]


_BBOX_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def page_words(path: Path, page: int) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Words poppler finds on a page (text layer and annotation appearances), with boxes in
    points from the top-left corner: ``pdftotext -bbox``."""
    out = _run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"])
    return [(html.unescape(text), (float(x0), float(y0), float(x1), float(y1)))
            for x0, y0, x1, y1, text in _BBOX_WORD.findall(out)]
