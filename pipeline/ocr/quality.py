"""Page quality gate: is this scan good enough to be the record? Reasons staff can act on.

Measured on the scan as received (before any preprocessing), in physical units so the same
thresholds hold at any resolution. A page with an issue sends its dossier to review; a blank
page (a duplex back) is dropped from the document but kept among the originals.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.model import PageQuality, mm_px
from pipeline.ocr.preprocess import clear_margins, flatten

MIN_DPI = 200  # Decree 30/2020 and Circular 02/2019: every page at least 200 dpi
_WORK_DPI = 150  # everything but the paper's brightness is measured on a smaller copy
_INK, _FAINT = 160, 225  # levels on flattened paper (white = 255)
_BLANK_INK, _BLANK_FAINT = 0.0005, 0.003  # shares of the page
_MAX_EDGE_MM = 0.30  # ink edges wider than this are blurred beyond reliable reading
_MIN_PAPER = 110  # paper darker than this: exposure far too dark
_MIN_CONTRAST = 90  # ink this close to the paper: too light or washed out
_EDGE_BAND_MM = 1.5  # text inside this band at a side has been cut off by the scan
_EDGE_INK = 0.01  # share of that band covered by ink



def _percentile(gray: np.ndarray, q: float) -> float:
    hist = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel().cumsum()
    return float(np.searchsorted(hist, hist[-1] * q / 100))


def _edge_width_mm(clean: np.ndarray, contrast: float, dpi: int) -> float:
    """How wide the ink's edges are, from the steepest gradients (Sobel of a sharp step = 4C)."""
    gx = cv2.Sobel(clean, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(clean, cv2.CV_32F, 0, 1, ksize=3)
    steepest = float(np.percentile(cv2.magnitude(gx, gy), 99.7))
    return 4 * contrast / max(steepest, 1e-3) / dpi * 25.4


def _cut_sides(ink: np.ndarray, dpi: int) -> tuple[str, ...]:
    band = mm_px(_EDGE_BAND_MM, dpi)
    bands = {"top": ink[:band], "bottom": ink[-band:], "left": ink[:, :band], "right": ink[:, -band:]}
    return tuple(side for side, pixels in bands.items() if pixels.mean() > _EDGE_INK)


def assess(gray: np.ndarray, dpi: int, min_dpi: int = MIN_DPI) -> PageQuality:
    """Measure a greyscale page scanned at ``dpi`` and list what is wrong with it."""
    paper = _percentile(gray, 90)
    scale = min(1.0, _WORK_DPI / dpi)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    work_dpi = round(dpi * scale)
    clean = clear_margins(flatten(small, work_dpi), work_dpi)  # paper at 255, no borders/holes
    contrast = 255 - _percentile(clean, 0.5)
    ink_mask = clean < _INK
    ink = float(ink_mask.mean())
    faint = float((cv2.medianBlur(clean, 3) < _FAINT).mean())  # the median drops sensor noise
    issues: list[str] = []
    if ink < _BLANK_INK and faint < _BLANK_FAINT:
        return PageQuality(dpi, paper, contrast, ink, 0.0, (), ("blank_page",))
    if dpi < min_dpi:
        issues.append("low_resolution")
    if paper < _MIN_PAPER:
        issues.append("too_dark")
    elif contrast < _MIN_CONTRAST or ink < _BLANK_INK:
        issues.append("too_light")
    edge_mm = _edge_width_mm(clean, contrast, work_dpi)
    if edge_mm > _MAX_EDGE_MM:
        issues.append("blurred")
    sides = _cut_sides(ink_mask, work_dpi)
    if sides:
        issues.append("cut_off")
    return PageQuality(dpi, paper, contrast, ink, edge_mm, sides, tuple(issues))
