"""Blanks of a printed form, filled in: hand-written numbers and dates, and digit boxes.

Official documents are printed with their number and date left blank ("Số:    /2026/TT-NHNN",
"ngày    tháng    năm 2026") and filled in by hand, in blue ink, when they are issued. Read
with the print, the ink garbles its line ("ngày4{3tháng 2"). So on a line that holds such a
blank and blue ink, what the engine read over the ink is dropped (character by character, so
"ngày" and "tháng" stay) and each patch of ink is read apart with a digit-specialised pass
(:func:`pipeline._exec.tesseract.digits`), then put where it was written. Its words are
marked ``hand``: the engine's confidence is no evidence on handwriting (it read a written "11"
as "44" at 95), so fields read from them go to a person. Every run of words written in blue is
read again as a line of its own (:func:`_hand_lines`), and a form's ID number written one digit
per box as one number by the digit pass (:func:`digit_boxes`).
"""

from __future__ import annotations

import re
from dataclasses import replace

import cv2
import numpy as np
import tesserocr

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


_NUMBER_LIKE = re.compile(r"[\d/⁄.\-ZzƒIl|]+")
"""A written number as the Vietnamese model reads it: "ƒ8/03⁄9Z2" for 18/03/1972."""
_SEPARATORS = "/⁄.-"


def _number_like(text: str) -> bool:
    """Mostly digits, the rest what the Vietnamese model makes of written digits."""
    return bool(_NUMBER_LIKE.fullmatch(text)) and sum(map(str.isdigit, text)) * 2 >= len(text)


def _number(word: tesseract.EngineWord, blue: np.ndarray, dpi: int) -> tesseract.EngineWord:
    """A word written in blue that reads mostly as digits (a date, an ID or phone number),
    read again by the digit pass on its ink alone: the Vietnamese model reads a written 7 as
    "Z", a 1 as "4" or "ƒ", a 0 as "2". Separators it misses are put back where the first
    reading had them, when it read as many digits."""
    text = word.text
    if len(text) < 2 or not _number_like(text) \
            or all(c.isdigit() or c in "/.-" for c in text):  # "⁄" is a misread "/"
        return word  # not a number, or one read as nothing else (the digit pass drops a 0 more often)
    x0, y0, x1, y1 = word.box
    pad = (y1 - y0) // 3
    top, left = max(0, y0 - pad), max(0, x0 - pad)
    ink = blue[top:y1 + pad, left:x1 + pad]
    written = cv2.copyMakeBorder(np.where(ink, 0, 255).astype(np.uint8), *(4 * [y1 - y0]),
                                 cv2.BORDER_CONSTANT, value=255)
    separated = any(c in _SEPARATORS for c in text)
    found, confidence = tesseract.digits(written, dpi, "0123456789" + "/" * separated)
    places = [k for k, c in enumerate(text) if c not in _SEPARATORS]
    if separated and "/" not in found and len(found) == len(places):  # separators missed
        digits = dict(zip(places, found))
        found = "".join(digits.get(k, c) for k, c in enumerate(text))
    elif ("/" in found) != separated or sum(map(str.isdigit, found)) < len(places) - 1:
        return word  # the ink alone lost digits or separators: keep the first reading
    return replace(word, text=found, confidence=confidence, char_confidence=confidence, symbols=())


LINE_KEEPS = 0.8  # a line reading with fewer characters than this share of the page's lost some


def _run_read(run: list[tesseract.EngineWord], room: tuple[int, int], gray: np.ndarray,
              dpi: int, language: str) -> list[tesseract.EngineWord]:
    """``run`` (words written by hand, side by side) read again as one line on its own, within
    ``room`` (the x range its printed neighbours leave), on a margin of paper: a number by the
    digit pass (the Vietnamese model read a written "0949859978" as "099859978" in the page,
    "0949659978" alone), words by the engine. The page's reading is kept unless the new one
    is surer and no shorter (a number: has no fewer digits)."""
    pad = line_height(run) // 3
    box = (min(w.box[0] for w in run), min(w.box[1] for w in run),
           max(w.box[2] for w in run), max(w.box[3] for w in run))
    left, right = max(room[0], box[0] - pad), min(room[1], box[2] + pad)
    top, bottom = max(0, box[1] - pad), min(gray.shape[0], box[3] + pad)
    if right - left < 2 * pad or bottom - top < 2 * pad:
        return run
    crop = gray[top:bottom, left:right]
    crop = cv2.copyMakeBorder(crop, *(4 * [pad]), cv2.BORDER_CONSTANT, value=int(np.median(crop)))
    text = "".join(w.text for w in run)
    if _number_like(text):
        allowed = "0123456789" + "".join(c for c in "/.-" if c in text.replace("⁄", "/"))
        number, confidence = tesseract.digits(crop, dpi, allowed)
        if sum(map(str.isdigit, number)) < sum(map(str.isdigit, text)):
            return run
        return [replace(run[0], text=number, confidence=confidence, char_confidence=confidence,
                        box=box, symbols=())]
    found = tesseract.recognise(crop, dpi, language, tesserocr.PSM.SINGLE_LINE)
    if not found or np.mean([w.confidence for w in found]) <= np.mean([w.confidence for w in run]) \
            or len("".join(w.text for w in found)) < LINE_KEEPS * len(text):
        return run
    x, y = left - pad, top - pad
    return [replace(f, box=shifted(f.box, x, y), line=run[0].line, source="hand",
                    symbols=tuple((t, shifted(b, x, y), c) for t, b, c in f.symbols))
            for f in found]


def _hand_lines(line: list[tesseract.EngineWord], gray: np.ndarray, dpi: int, language: str
                ) -> list[tesseract.EngineWord]:
    """A line with each run of words written by hand read again alone (:func:`_run_read`):
    read in the page beside print of another slant and weight, a written capital garbles
    ("#OÀNG" for "HOÀNG"), and read alone it does not. A word without characters' boxes was
    read by a pass of its own already (a row of digit boxes) and is kept."""
    out: list[tesseract.EngineWord] = []
    run: list[tesseract.EngineWord] = []
    for word in [*line, None]:
        if word is not None and word.source == "hand" and word.symbols:
            run.append(word)
            continue
        if run:
            room = (out[-1].box[2] + 1 if out else 0,
                    word.box[0] - 1 if word is not None else gray.shape[1])
            out += _run_read(run, room, gray, dpi, language)
            run = []
        if word is not None:
            out.append(word)
    return out


def fill(lines: list[list[tesseract.EngineWord]], gray: np.ndarray, blue: np.ndarray, dpi: int,
         language: str) -> list[list[tesseract.EngineWord]]:
    """``lines`` (engine words, engine pixels) with each blank's hand-filled digits read in,
    every word written in blue ink marked ``hand`` (a form filled in by pen), each run of them
    read again as a line of its own and, when a word reads as a number, read again as one;
    ``gray`` is the page the engine read and ``blue`` its blue-ink mask, in the same pixels."""
    marked = [[replace(w, source="hand") if w.source == "print" and _written(w, gray, blue) else w
               for w in line] for line in lines]
    lines = [[_number(w, blue, dpi) if w.source == "hand" else w
              for w in _hand_lines(line, gray, dpi, language)] for line in marked]
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


def _label_before(line: list[tesseract.EngineWord], x0: int, gray: np.ndarray, dpi: int,
                  language: str) -> list[tesseract.EngineWord]:
    """The words of ``line`` left of a row of digit boxes, read again as one line on their
    own: read with the boxes' spaced digits, the label garbles ("Số CMND/CCCD" as "4:60
    CMND/GCCGD"), or is one word with them ("S:SðGCCD..U" over "Số CCCD:" and six boxes).
    The page's reading of the words wholly left of the boxes is kept when it is the surer."""
    before = [w for w in line if w.box[0] < x0]
    kept = [w for w in before if w.box[0] + w.box[2] < 2 * x0]  # if it cannot be read again
    if not before:
        return kept
    pad = line_height(before) // 3
    left, top = max(0, min(w.box[0] for w in before) - pad), max(0, min(w.box[1] for w in before) - pad)
    bottom = max(w.box[3] for w in before) + pad
    crop = gray[top:bottom, left:x0 - 1]  # the engine's last word may run into the boxes
    if min(crop.shape) < pad:
        return kept
    found = tesseract.recognise(crop, dpi, language, tesserocr.PSM.SINGLE_LINE)
    if not found or kept and np.mean([w.confidence for w in found]) \
            < np.mean([w.confidence for w in kept]):
        return kept  # the engine read it better with the page (a punch hole beside it, say)
    return [replace(f, box=shifted(f.box, left, top), line=before[0].line,
                    symbols=tuple((t, shifted(b, left, top), c) for t, b, c in f.symbols))
            for f in found]


SQUEEZES = (0.5, 0.7)  # how far a row of boxed digits is squeezed towards print's spacing


def _boxed_digits(crop: np.ndarray, border: int, dpi: int) -> tuple[str, float]:
    """The most confident of a few readings of a row of boxed digits (the crop a little wider
    than the boxes: they hold the digits, a wider one takes in the next line): squeezed two
    ways, as it is and binarised (the paper painted over the boxes leaves faint edges). No
    one squeeze reads every face: "33" read as "88" at one is right at the other."""
    readings = []
    for squeeze in SQUEEZES:
        squeezed = cv2.copyMakeBorder(cv2.resize(crop, None, fx=squeeze, fy=1.0,
                                                 interpolation=cv2.INTER_AREA),
                                      *(4 * [border]), cv2.BORDER_CONSTANT, value=255)
        _, binary = cv2.threshold(squeezed, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        readings += [tesseract.digits(squeezed, dpi), tesseract.digits(binary, dpi)]
    return max(readings, key=lambda reading: reading[1])


def digit_boxes(blocks: list[Lines], gray: np.ndarray, dpi: int,
                rows: tuple[tuple[int, int, int, int], ...], language: str) -> list[Lines]:
    """An ID number written one digit per box reads as lone digits, some misread ("0U 03.60
    cv G07"): each row of boxes (found, and cleared, by :func:`pipeline.ocr.preprocess.
    clear_rules`) is read again as one number (:func:`_boxed_digits`), in place of what the
    engine read there (``blocks``: of lines, in engine pixels); its label is read again apart."""
    for x0, y0, x1, y1 in rows:
        margin = (y1 - y0) // 8
        crop = gray[max(0, y0 - margin):y1 + margin, max(0, x0 - margin):x1 + margin]
        text, confidence = _boxed_digits(crop, (y1 - y0) // 4, dpi)
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
        label = _label_before(line, x0, gray, dpi, language)
        blocks = [[sorted([w for w in ln if not inside(w) and ((b, i) != at or w.box[0] + w.box[2] >= 2 * x0)]
                          + ([number] + label if (b, i) == at else []), key=lambda w: w.box[0])
                   for i, ln in enumerate(block)] for b, block in enumerate(blocks)]
        blocks = [[ln for ln in block if ln] for block in blocks]
        blocks = [block for block in blocks if block]
    return blocks
