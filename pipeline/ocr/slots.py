"""Blanks of a printed form, filled in: hand-written numbers and dates, and digit boxes.

Official documents are printed with their number and date left blank ("Số:    /2026/TT-NHNN",
"ngày    tháng    năm 2026") and filled in by hand, in blue ink, when they are issued. Read
with the print, the ink garbles its line ("ngày4{3tháng 2"). So on a line that holds such a
blank and blue ink, what the engine read over the ink is dropped (character by character, so
"ngày" and "tháng" stay) and each patch of ink is read apart with a digit-specialised pass
(:func:`pipeline._exec.tesseract.digits`), then put where it was written. Its words are
marked ``hand``: the engine's confidence is no evidence on handwriting (it read a written "11"
as "44" at 95), so fields read from them go to a person. A form's ID number written one digit
per box is read again as one number by the same pass (:func:`digit_boxes`).
"""

from __future__ import annotations

import re
from dataclasses import replace

import cv2
import numpy as np

from pipeline._exec import tesseract
from pipeline.model import line_height, shifted
from pipeline.text import fold, nfc

_SLOT_LINE = re.compile(r"^s[o0]\s*[:;.]|ngay|thang|nam")
_LABEL_BEFORE = re.compile(r"(?:^s[o0]\s*[:;.]?|ngay|thang|nam)\s*$")
BLANK_WIDTH = 4.0  # a written number fills at most this many line heights
_DIGIT_HEIGHT = (0.4, 2.5)  # a written digit's height, in print line heights
_JOIN = 0.5  # ink patches closer than this many line heights are one number


def _ink_patches(blue: np.ndarray, height: int) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of the number-sized patches of ink in a band."""
    width = max(1, round(_JOIN * height))
    joined = cv2.dilate(blue.astype(np.uint8),
                        cv2.getStructuringElement(cv2.MORPH_RECT, (width, 1)))
    count, labels, _, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    low, high = (k * height for k in _DIGIT_HEIGHT)
    patches = []
    for label in range(1, count):
        ys, xs = np.nonzero((labels == label) & (blue > 0))
        if len(xs) and low <= ys.max() + 1 - ys.min() <= high:
            patches.append((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1))
    return patches


def _blue(box: tuple[int, int, int, int], gray: np.ndarray, blue: np.ndarray) -> bool:
    x0, y0, x1, y1 = box
    dark = gray[y0:y1, x0:x1] < 128
    return bool(dark.any()) and float(blue[y0:y1, x0:x1][dark].mean()) > 0.4


def _written(word: tesseract.EngineWord, gray: np.ndarray, blue: np.ndarray) -> bool:
    """Whether a word the engine read is mostly blue ink, character by character: a value
    someone wrote (the engine's box of "Số:" may take in the number written after it)."""
    boxes = [box for _, box, _ in word.symbols] or [word.box]
    return sum(_blue(box, gray, blue) for box in boxes) * 2 > len(boxes)


def _blanks(line: list[tesseract.EngineWord], patches: list[tuple[int, int, int, int]],
            height: int) -> list[tuple[int, int, int, int]]:
    """The patches written into a blank: right after a printed "Số:", "ngày", "tháng" or "năm"
    (a form filled in wholly by hand is read as it is), a few digits wide."""
    printed = [w for w in line if w.source != "hand"]
    out = []
    for patch in patches:
        before = "".join(t for w in printed for t, box, _ in (w.symbols or ((w.text, w.box, 0),))
                         if (box[0] + box[2]) / 2 < patch[0])
        if patch[2] - patch[0] <= BLANK_WIDTH * height and _LABEL_BEFORE.search(fold(before)):
            out.append(patch)
    return out


def fill(lines: list[list[tesseract.EngineWord]], gray: np.ndarray, blue: np.ndarray, dpi: int
         ) -> list[list[tesseract.EngineWord]]:
    """``lines`` (engine words, engine pixels) with each blank's hand-filled digits read in,
    and every word written in blue ink marked ``hand`` (a form filled in by pen); ``gray`` is
    the page the engine read and ``blue`` its blue-ink mask, in the same pixels."""
    lines = [[replace(w, source="hand") if w.source == "print" and _written(w, gray, blue) else w
              for w in line] for line in lines]
    out = []
    for line in lines:
        if not _SLOT_LINE.search(fold(" ".join(w.text for w in line))):
            out.append(line)
            continue
        height = line_height(line)
        top = max(0, min(w.box[1] for w in line) - height // 2)
        bottom = min(blue.shape[0], max(w.box[3] for w in line) + height // 2)
        left = max(0, min(w.box[0] for w in line) - height)
        right = min(blue.shape[1], max(w.box[2] for w in line) + 3 * height)
        ink = blue[top:bottom, left:right]
        patches = [shifted(patch, left, top)
                   for patch in (_ink_patches(ink, height) if ink.any() else [])]
        patches = _blanks(line, patches, height) if patches else []
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


Lines = list[list[tesseract.EngineWord]]


def digit_boxes(blocks: list[Lines], gray: np.ndarray, dpi: int,
                rows: tuple[tuple[int, int, int, int], ...]) -> list[Lines]:
    """An ID number written one digit per box reads as lone digits, some misread ("0U 03.60
    cv G07"): each row of boxes (found, and cleared, by :func:`pipeline.ocr.preprocess.
    clear_rules`) is read again as one number by the digit pass, squeezed to the spacing of
    print, in place of what the engine read there (``blocks``: of lines, in engine pixels)."""
    for x0, y0, x1, y1 in rows:
        margin = (y1 - y0) // 8  # the boxes hold the digits: a wider crop takes in the next line
        crop = gray[max(0, y0 - margin):y1 + margin, max(0, x0 - margin):x1 + margin]
        crop = cv2.copyMakeBorder(cv2.resize(crop, None, fx=0.5, fy=1.0, interpolation=cv2.INTER_AREA),
                                  *(4 * [(y1 - y0) // 4]), cv2.BORDER_CONSTANT, value=255)
        text, confidence = tesseract.digits(crop, dpi)
        if len(text) < 9:
            continue

        def inside(word: tesseract.EngineWord) -> bool:
            cx, cy = (word.box[0] + word.box[2]) / 2, (word.box[1] + word.box[3]) / 2
            return x0 <= cx <= x1 and y0 <= cy <= y1

        def nearness(line: list[tesseract.EngineWord]) -> tuple[int, float]:
            middle = (y0 + y1) / 2
            return (sum(map(inside, line)),
                    -min(abs((w.box[1] + w.box[3]) / 2 - middle) for w in line))

        places = [(b, i) for b, block in enumerate(blocks) for i in range(len(block))]
        if not places:
            continue
        at = max(places, key=lambda place: nearness(blocks[place[0]][place[1]]))
        line = blocks[at[0]][at[1]]
        number = tesseract.EngineWord(text, confidence, confidence, (x0, y0, x1, y1), line[0].line)
        blocks = [[sorted([w for w in ln if not inside(w)] + ([number] if (b, i) == at else []),
                          key=lambda w: w.box[0])
                   for i, ln in enumerate(block)] for b, block in enumerate(blocks)]
        blocks = [[ln for ln in block if ln] for block in blocks]
        blocks = [block for block in blocks if block]
    return blocks
