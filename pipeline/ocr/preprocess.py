"""Preprocessing for recognition only: the archived image is never changed.

:func:`normalise` makes an even, clean greyscale page at the engine's resolution;
:func:`straighten` turns it upright and removes the skew. Every transform is recorded as a
3×3 matrix from the prepared image's pixels back to the original's, so word boxes and the
text layer land on the archived image.

The steps are named in :data:`STEPS`; the OCR benchmark (``bench/ocr_accuracy.py --ablate``)
measures each one and only steps that lower the error on it are in :data:`DEFAULT_STEPS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from pipeline.model import mm_px
from pipeline.ocr import leaders

ENGINE_DPI = 300  # tesseract's LSTM reads best at 300 dpi text sizes
MAX_ENGINE_DPI = 400  # finer scans are read at ENGINE_DPI: same text, a fraction of the work
MAX_SKEW = 15.0
_PROFILE_WIDTH = 800  # deskew is measured on a small copy
_BACKGROUND_MM = 3.0  # wider than any stroke, narrower than the lighting's changes
_HOLE_MM = (4.0, 9.0)  # filing punch holes
_MARGIN_MM = 25.0  # where holes and scanner borders can be

STEPS = ("upsample", "flatten", "rules", "denoise", "binarise", "borders", "deskew")
DEFAULT_STEPS = frozenset({"flatten", "rules", "deskew"})  # see the ablation in the README
RULE_MM = (20.0, 6.0)  # ink runs longer than this across / down are rules, not letters ("TTTT": 10 mm)
_RULES_DPI = 150
HALO_MM = 0.5
BOX_MM = (4.0, 12.0)  # the height of a digit box's sides
BOX_SIDES = 7  # evenly spaced sides that make a row of digit boxes (a CCCD has 13)


@dataclass(frozen=True)
class Prepared:
    gray: np.ndarray
    to_original: np.ndarray  # 3x3: prepared pixel -> original pixel
    dpi: int  # resolution of ``gray``
    rotation: int = 0  # degrees turned clockwise to make the page upright
    skew: float = 0.0  # degrees of deskew applied
    digit_boxes: tuple[tuple[int, int, int, int], ...] = ()  # rows of digit boxes, cleared
    blue: np.ndarray | None = None  # bool: the scan's blue ink in these pixels, if it has any


def to_gray(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"))


def _rotation_matrix(width: int, height: int, degrees: float) -> tuple[np.ndarray, int, int]:
    """Counter-clockwise rotation about the centre onto a canvas that holds the whole page."""
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w = int(round(height * sin + width * cos))
    new_h = int(round(height * cos + width * sin))
    matrix[0, 2] += new_w / 2 - width / 2
    matrix[1, 2] += new_h / 2 - height / 2
    return np.vstack([matrix, [0, 0, 1]]), new_w, new_h


def rotate(gray: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate counter-clockwise by ``degrees``; return the image and original→rotated matrix."""
    h, w = gray.shape
    matrix, new_w, new_h = _rotation_matrix(w, h, degrees)
    if degrees % 90 == 0:
        turns = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180,
                 270: cv2.ROTATE_90_CLOCKWISE}
        out = gray if degrees % 360 == 0 else cv2.rotate(gray, turns[int(degrees) % 360])
    else:
        out = cv2.warpAffine(gray, matrix[:2], (new_w, new_h), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return out, matrix


def background(gray: np.ndarray, dpi: int) -> np.ndarray:
    """The paper's brightness under the ink: a closing wider than any stroke, then smoothed."""
    scale = min(1.0, 100 / dpi)  # estimated at 100 dpi: cheap, and lighting changes slowly
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    size = mm_px(_BACKGROUND_MM, round(dpi * scale)) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    paper = cv2.GaussianBlur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel), (0, 0), size)
    return cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)


def flatten(gray: np.ndarray, dpi: int) -> np.ndarray:
    """Even white paper whatever the tint and lighting: divide by the background."""
    paper = background(gray, dpi).astype(np.float32)
    return cv2.divide(gray.astype(np.float32), np.maximum(paper, 1), scale=255).clip(0, 255
                                                                                     ).astype(np.uint8)


def clear_margins(gray: np.ndarray, dpi: int) -> np.ndarray:
    """Paint paper over scanner borders and punch holes: large dark blobs in the margins."""
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    h, w = gray.shape
    margin = mm_px(_MARGIN_MM, dpi)
    hole_min, hole_max = (mm_px(mm, dpi) for mm in _HOLE_MM)
    out = gray.copy()
    for label in range(1, count):
        x, y, bw, bh, area = stats[label]
        touches = x == 0 or y == 0 or x + bw == w or y + bh == h
        border = touches and (bw >= h // 4 or bh >= h // 4) and area > 0.5 * bw * min(bh, margin)
        in_margin = x + bw <= margin or x >= w - margin or y + bh <= margin or y >= h - margin
        hole = (in_margin and hole_min <= bw <= hole_max and hole_min <= bh <= hole_max
                and area > 0.6 * np.pi * bw * bh / 4)
        if border or hole:
            out[labels == label] = 255
    return out


Box = tuple[int, int, int, int]


def _box_rows(sides: np.ndarray, dpi: int) -> list[Box]:
    """Rows of digit boxes: seven or more box sides of one height, evenly spaced on a line."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(sides, connectivity=8)
    low, high = (mm_px(mm, dpi) for mm in BOX_MM)
    found = sorted((x, y, w, h) for x, y, w, h, _ in stats[1:count] if low <= h <= high)
    rows: list[list[tuple[int, int, int, int]]] = []
    for side in found:
        row = next((r for r in rows if abs(r[-1][1] - side[1]) <= side[3] // 4
                    and abs(r[-1][3] - side[3]) <= side[3] // 4), None)
        (row.append(side) if row is not None else rows.append([side]))
    out = []
    for row in rows:
        steps = np.diff([x for x, _, _, _ in row])
        if len(row) >= BOX_SIDES and steps.std() <= 0.2 * steps.mean():
            out.append((row[0][0], min(y for _, y, _, _ in row), row[-1][0] + row[-1][2],
                        max(y + h for _, y, _, h in row)))
    return out


def _rule_mask(ink: np.ndarray, dpi: int) -> tuple[np.ndarray, list[Box]]:
    """Where rules are, on binary ink (255) at ``dpi``, and the rows of digit boxes among them."""
    across, down = (mm_px(mm, dpi) for mm in RULE_MM)
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (across, 1)))
    sides = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, down)))
    return rules | sides, _box_rows(sides, dpi)


def clear_rules(gray: np.ndarray, dpi: int, written: np.ndarray | None = None
                ) -> tuple[np.ndarray, tuple[Box, ...]]:
    """Paint paper over what forms print around their blanks: dotted leaders, underlines,
    table borders and digit boxes. The engine reads a leader as a line of letters and a box's
    sides as "|" or "1"; the words themselves have no straight run of ink that long. Rules are
    found at 150 dpi (a quarter of the work at 300), a little wider than found; leaders by
    :mod:`pipeline.ocr.leaders`. Rules and leaders are printed: blue ink on them
    (``written``: a dấu nặng written on a leader or a rule, "Lực" read "Lưc" once it went)
    stays. Also returns where the rows of digit boxes were, for the digit pass."""
    scale = min(1.0, _RULES_DPI / dpi)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    erase, rows = _rule_mask(ink, round(dpi * scale))
    boxes = tuple(tuple(round(v / scale) for v in row) for row in rows)
    dots = leaders.dots(gray, ink, scale, dpi)
    if not erase.any() and not dots.any():
        return gray, boxes
    erase = cv2.resize(erase, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_NEAREST)
    halo = mm_px(HALO_MM, dpi) | 1  # the grey fringe a found mark leaves once it is painted over
    erase = cv2.dilate(erase, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (halo, halo)))
    erase |= cv2.dilate(dots.astype(np.uint8), np.ones((3, 3), np.uint8))
    if written is not None:
        erase[written] = 0
    out = gray.copy()
    out[erase > 0] = 255
    return out, boxes


def normalise(gray: np.ndarray, dpi: int, steps: frozenset[str] = DEFAULT_STEPS) -> Prepared:
    """Greyscale page at the engine's resolution, evenly lit, cleaned; not yet straightened."""
    to_original = np.eye(3)
    if dpi > MAX_ENGINE_DPI or ("upsample" in steps and dpi < ENGINE_DPI):
        factor = ENGINE_DPI / dpi
        interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
        gray = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=interpolation)
        to_original = np.diag([1 / factor, 1 / factor, 1.0])
        dpi = ENGINE_DPI
    if "flatten" in steps:
        gray = flatten(gray, dpi)
    if "denoise" in steps:
        gray = cv2.medianBlur(gray, 3)
    if "borders" in steps:
        gray = clear_margins(gray, dpi)
    if "binarise" in steps:
        _, gray = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return Prepared(gray, to_original, dpi)


def skew_angle(gray: np.ndarray) -> float:
    """Text skew in degrees (counter-clockwise positive) by row projection profiles, ±15°."""
    scale = _PROFILE_WIDTH / gray.shape[1]
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if ink.mean() < 0.002:  # blank page: nothing to align
        return 0.0
    ink = ink.astype(np.uint8) * 255  # ink is white: the canvas rotation adds counts as paper
    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 1.0),
               key=lambda a: _profile_score(ink, a))
    fine = max(np.arange(best - 1.0, best + 1.01, 0.1), key=lambda a: _profile_score(ink, a))
    return round(float(fine), 2)


def _lined(ink: np.ndarray) -> float:
    """How strongly ink rows alternate with paper at the best skew (coarse, ±15°)."""
    return max(_profile_score(ink, a) for a in np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 2.0))


def sideways(gray: np.ndarray) -> bool:
    """Whether the text lines run up the page (turned 90 or 270 degrees): an upright or
    upside-down page's rows of ink alternate with paper far more strongly, at its best skew,
    than its columns do (4 to 6 times on generated pages, 1.7 to 2.4 on the real scans, at any
    skew up to 15°). Measured on a small copy, 2° apart, both ways, margins left out: a scanner
    border or a row of punch holes there is a line of its own."""
    scale = _PROFILE_WIDTH / 2 / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = small.shape
    inner = small[h // 10:h - h // 10, w // 10:w - w // 10]
    _, ink = cv2.threshold(inner, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return _lined(ink) < _lined(np.ascontiguousarray(ink.T))


def _profile_score(ink: np.ndarray, degrees: float) -> float:
    h, w = ink.shape
    matrix, new_w, new_h = _rotation_matrix(w, h, degrees)
    rotated = cv2.warpAffine(ink, matrix[:2], (new_w, new_h), flags=cv2.INTER_NEAREST,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    rows = rotated.sum(axis=1, dtype=np.float64)
    return float(np.var(rows))


def straighten(page: Prepared, clockwise: int = 0, steps: frozenset[str] = DEFAULT_STEPS,
               blue: np.ndarray | None = None) -> Prepared:
    """Turn a normalised page ``clockwise`` degrees (0/90/180/270), then remove its skew;
    ``blue`` is the scan's blue-ink mask (in its pixels), whose marks no rule takes, kept in
    the result's pixels for the hand-filled slots."""
    upright, m_rot = rotate(page.gray, -clockwise)
    skew = skew_angle(upright) if "deskew" in steps else 0.0
    if abs(skew) >= 0.1:
        prepared, m_skew = rotate(upright, skew)
    else:
        prepared, m_skew, skew = upright, np.eye(3), 0.0
    to_original = page.to_original @ np.linalg.inv(m_skew @ m_rot)
    written = None if blue is None or not blue.any() else cv2.warpPerspective(
        blue.astype(np.uint8), np.linalg.inv(to_original), (prepared.shape[1], prepared.shape[0]),
        flags=cv2.INTER_NEAREST) > 0
    boxes: tuple[Box, ...] = ()
    if "rules" in steps:  # once straight: a skewed rule is no long run of ink
        prepared, boxes = clear_rules(prepared, page.dpi, written)
    return Prepared(prepared, to_original, page.dpi, clockwise % 360, skew, boxes, written)
