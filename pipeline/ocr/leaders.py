"""Dotted leaders ("Họ và tên: ……"), found by their pitch and their line.

A leader is a row of lone dots, evenly spaced, at least :data:`LEADER_MM` long. Written over
by hand, it shows a dot or two between the words and runs under them: those are its dots too
when they sit on its line, at its pitch and of its dots' size. A tone's dot under a letter
(dấu nặng) sits lower or higher, or off the pitch, and stays; so does one with a letter just
above it beyond the leader's row of dots (the label before it). A dot is a few pixels, and
its place is what tells it apart, so the dots are measured at full resolution, but only in
the bands where a small copy of the page shows lone dots in a line (a page of text has none).
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.model import mm_px

DOT_MM = 0.7  # a leader's dot is no larger than this
LEADER_MM = 8.0  # dots spaced along at least this length make a leader
LEADER_GAP_MM = 4.0  # a leader's dots are closer than this (letters written over it hide some)
LEADER_DOTS = 6  # and at least this many
LEADER_PHASE = 0.2  # a leader's dot is this close to its pitch, as a share of it
LEADER_EVEN = 0.15  # a leader's printed dots are evenly spaced within this share
TONE_DOT_MM = 1.2  # how far under its letter a dấu nặng sits
LINE_MM = 6.0  # a band this high around a row of dots holds the words written over it


def dots(gray: np.ndarray, small_ink: np.ndarray, scale: float, dpi: int) -> np.ndarray:
    """Where the leaders' dots are on ``gray`` (at ``dpi``), given the binary ink (255) of its
    copy ``scale`` times as large (the caller keeps blue ink on them: a tone's, the pen's)."""
    found = np.zeros(gray.shape, dtype=bool)
    bands = _dotted_bands(small_ink, round(dpi * scale))
    if bands:
        _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    for top, bottom in bands:
        top, bottom = round(top / scale), round(bottom / scale)
        found[top:bottom] = _leader_dots(ink[top:bottom], dpi)
    return found


def _dotted_bands(ink: np.ndarray, dpi: int) -> list[tuple[int, int]]:
    """Rows of the page (top, bottom, in ``ink``'s pixels, a line's height around) where lone
    dots line up over :data:`LEADER_MM`, found on a small copy: only there are leaders looked
    for at full resolution (most pages have none)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    dot = mm_px(DOT_MM, dpi)
    small = (stats[:, cv2.CC_STAT_WIDTH] <= dot) & (stats[:, cv2.CC_STAT_HEIGHT] <= dot)
    small[0] = False
    joined = cv2.morphologyEx(small[labels].astype(np.uint8), cv2.MORPH_CLOSE,
                              cv2.getStructuringElement(cv2.MORPH_RECT, (mm_px(LEADER_GAP_MM, dpi), 1)))
    lined = cv2.morphologyEx(joined, cv2.MORPH_OPEN,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (mm_px(LEADER_MM, dpi), 1)))
    rows = np.flatnonzero(lined.any(axis=1))
    pad, bands = mm_px(LINE_MM, dpi), []
    for row in rows:
        if bands and row - pad <= bands[-1][1]:
            bands[-1][1] = min(ink.shape[0], row + pad)
        else:
            bands.append([max(0, row - pad), min(ink.shape[0], row + pad)])
    return [(top, bottom) for top, bottom in bands]


def _grid(xs: np.ndarray) -> tuple[float, float]:
    """The pitch and start of a row of evenly spaced dots, some missing: each dot's place on
    the leader counted gap by gap, then one straight line through all (a median pitch
    drifts by a dot over a long leader)."""
    gaps = np.diff(xs)
    steps = np.concatenate([[0], np.cumsum(np.maximum(1, np.round(gaps / np.median(gaps))))])
    pitch, start = np.polyfit(steps, xs, 1)
    return float(pitch), float(start)


def _leader_dots(ink: np.ndarray, dpi: int) -> np.ndarray:
    """The leaders' dots in a band of binary ink (255) at ``dpi`` (see the module's text)."""
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    dot = mm_px(DOT_MM, dpi)
    small = np.flatnonzero((stats[:, cv2.CC_STAT_WIDTH] <= dot) & (stats[:, cv2.CC_STAT_HEIGHT] <= dot))
    small = small[small > 0]
    erase = np.zeros(count, dtype=bool)
    if len(small) < LEADER_DOTS:
        return erase[labels]
    gap, length = mm_px(LEADER_GAP_MM, dpi), mm_px(LEADER_MM, dpi)
    xs, ys = centroids[small, 0], centroids[small, 1]
    areas = stats[small, cv2.CC_STAT_AREA].astype(float)
    rows: list[list[int]] = []
    for offset in (0.0, 0.5):  # a leader whose dots sit across one grid's row edge is in the other's
        for k in np.lexsort((xs, np.round(ys / dot + offset))):  # by line of dots, left to right
            if rows and abs(ys[rows[-1][-1]] - ys[k]) <= dot and 0 < xs[k] - xs[rows[-1][-1]] <= gap:
                rows[-1].append(k)
            else:
                rows.append([k])
    under: np.ndarray | None = None
    for row in rows:
        run = _regular(xs[row], length)
        if run is None:
            continue
        run = [row[k] for k in run]
        if under is None:
            under = _under_letters(ink, labels, small, count, dpi)
        pitch, start = _grid(xs[run])
        place = (xs - start) / pitch
        within = (xs >= xs[row[0]] - pitch) & (xs <= xs[row[-1]] + pitch)
        erase[small[(np.abs(ys - np.median(ys[run])) <= max(1.0, dot / 4))
                    & (np.abs(place - np.round(place)) <= LEADER_PHASE)
                    & (areas <= 1.6 * np.median(areas[run])) & (within | ~under)]] = True
    return erase[labels]


def _regular(xs: np.ndarray, length: int) -> range | None:
    """The longest run of dots at one spacing (within :data:`LEADER_EVEN`), when it has
    :data:`LEADER_DOTS` dots and ``length`` pixels at least: a printed leader. A line's tone
    marks also make a row of small marks, never at one spacing for long."""
    if len(xs) < LEADER_DOTS:
        return None
    gaps = np.diff(xs)
    even = np.abs(gaps - np.median(gaps)) <= LEADER_EVEN * np.median(gaps)
    best, start = range(0), 0
    for k in range(len(gaps) + 1):
        if k == len(gaps) or not even[k]:
            if k + 1 - start > len(best):
                best = range(start, k + 1)
            start = k + 1
    if len(best) < LEADER_DOTS or xs[best[-1]] - xs[best[0]] < length:
        return None
    return best


def _under_letters(ink: np.ndarray, labels: np.ndarray, small: np.ndarray, count: int,
                   dpi: int) -> np.ndarray:
    """Which of the ``small`` components have a letter just above them, as a tone's dot does
    (per component of ``small``, in its order)."""
    dots = np.zeros(count, dtype=bool)
    dots[small] = True
    reach = mm_px(TONE_DOT_MM, dpi)
    letters = np.where(dots[labels], 0, ink).astype(np.uint8)
    above = cv2.dilate(letters, cv2.getStructuringElement(cv2.MORPH_RECT, (1, reach)),
                       anchor=(0, reach - 1))  # each pixel takes the ink just above it
    hit = np.zeros(count, dtype=bool)
    hit[np.unique(labels[(above > 0) & dots[labels]])] = True
    return hit[small]
