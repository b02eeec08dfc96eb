"""Hand-filled slots: numbers and dates written by hand into the blanks of a printed form.

Official documents are printed with their number and date left blank ("Số:    /2026/TT-NHNN",
"ngày    tháng    năm 2026") and filled in by hand, in blue ink, when they are issued. Read
with the print, the ink garbles its line ("ngày4{3tháng 2"). So on a line that holds such a
blank and blue ink, what the engine read over the ink is dropped (character by character, so
"ngày" and "tháng" stay) and each patch of ink is read apart with a digit-specialised pass
(:func:`pipeline._exec.tesseract.digits`), then put where it was written. Its words are marked ``hand``: the engine's confidence is
no evidence on handwriting (it read a written "11" as "44" at 95), so fields read from them
go to a person.
"""

from __future__ import annotations

import re
from dataclasses import replace

import cv2
import numpy as np

from pipeline._exec import tesseract
from pipeline.text import fold, nfc

_SLOT_LINE = re.compile(r"^s[o0]\s*[:;.]|ngay|thang|nam\s+\d")
_DIGIT_HEIGHT = (0.4, 2.5)  # a written digit's height, in print line heights
_JOIN = 0.5  # ink patches closer than this many line heights are one number


def _ink_patches(blue: np.ndarray, height: int) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of the number-sized patches of ink in a band."""
    width = max(1, round(_JOIN * height))
    joined = cv2.dilate(blue, cv2.getStructuringElement(cv2.MORPH_RECT, (width, 1)))
    count, labels, _, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    low, high = (k * height for k in _DIGIT_HEIGHT)
    patches = []
    for label in range(1, count):
        ys, xs = np.nonzero((labels == label) & (blue > 0))
        if len(xs) and low <= ys.max() + 1 - ys.min() <= high:
            patches.append((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1))
    return patches


def fill(lines: list[list[tesseract.EngineWord]], blue: np.ndarray, dpi: int
         ) -> list[list[tesseract.EngineWord]]:
    """``lines`` (engine words, engine pixels) with each blank's hand-filled digits read in;
    ``blue`` is the blue-ink mask in the same pixels."""
    out = []
    for line in lines:
        if not _SLOT_LINE.search(fold(" ".join(w.text for w in line))):
            out.append(line)
            continue
        height = sorted(w.box[3] - w.box[1] for w in line)[len(line) // 2]
        top = max(0, min(w.box[1] for w in line) - height // 2)
        bottom = min(blue.shape[0], max(w.box[3] for w in line) + height // 2)
        left = max(0, min(w.box[0] for w in line) - height)
        right = min(blue.shape[1], max(w.box[2] for w in line) + 3 * height)
        ink = blue[top:bottom, left:right]
        patches = [(x0 + left, y0 + top, x1 + left, y1 + top)
                   for x0, y0, x1, y1 in (_ink_patches(ink, height) if ink.any() else [])]
        out.append(_written_in(line, blue, patches, dpi) if patches else line)
    return out


def _outside(word: tesseract.EngineWord, patches: list[tuple[int, int, int, int]]
             ) -> list[tesseract.EngineWord]:
    """What of a printed word lies outside the ink: the engine reads "ngày4{3tháng" where
    "ngày", a written "19" and "tháng" stand side by side."""
    def inside(box: tuple[int, int, int, int]) -> bool:
        middle = (box[0] + box[2]) / 2
        return any(x0 <= middle <= x1 and box[1] < y1 and box[3] > y0 for x0, y0, x1, y1 in patches)

    if not word.symbols:
        return [] if inside(word.box) else [word]
    runs: list[list[tuple[str, tuple[int, int, int, int], float]]] = [[]]
    for symbol in word.symbols:
        if inside(symbol[1]):
            runs.append([])
        else:
            runs[-1].append(symbol)
    if len(runs) == 1:
        return [word]
    return [replace(word, text=nfc("".join(t for t, _, _ in run)).strip(),
                    box=(min(b[0] for _, b, _ in run), min(b[1] for _, b, _ in run),
                         max(b[2] for _, b, _ in run), max(b[3] for _, b, _ in run)),
                    char_confidence=min(c for _, _, c in run), symbols=tuple(run))
            for run in runs if run and "".join(t for t, _, _ in run).strip()]


def _written_in(line: list[tesseract.EngineWord], blue: np.ndarray,
                patches: list[tuple[int, int, int, int]], dpi: int) -> list[tesseract.EngineWord]:
    words = [part for word in line for part in _outside(word, patches)]
    for x0, y0, x1, y1 in patches:
        written = np.where(blue[y0:y1, x0:x1] > 0, 0, 255).astype(np.uint8)
        margin = y1 - y0
        written = cv2.copyMakeBorder(written, margin, margin, margin, margin,
                                     cv2.BORDER_CONSTANT, value=255)
        text, confidence = tesseract.digits(written, dpi)
        if text:
            words.append(tesseract.EngineWord(text, confidence, confidence, (x0, y0, x1, y1),
                                              line[0].line, source="hand"))
    return sorted(words, key=lambda w: w.box[0])
