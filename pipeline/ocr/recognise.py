"""One page through the engine: check, prepare, recognise, and map every result onto the original."""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import cv2
import numpy as np
import tesserocr
from PIL import Image

from pipeline._exec import tesseract
from pipeline.model import NO_TEXT, Box, OcrPage, TextLayer, Word, line_height, shifted
from pipeline.ocr import slots, spelling
from pipeline.ocr.ink import separate
from pipeline.ocr.order import footer_columns, header_columns
from pipeline.ocr.preprocess import DEFAULT_STEPS, Prepared, normalise, sideways, straighten
from pipeline.ocr.quality import MIN_DPI, assess
from pipeline.text import nfc

DOUBTFUL_CONFIDENCE = 80.0  # mean word confidence under which orientation is checked


def _lines(words: list[tesseract.EngineWord]
           ) -> tuple[list[tuple[int, int, int]], list[list[tesseract.EngineWord]]]:
    """The engine's lines (their keys, and their words in reading order, text in NFC); words
    drawn over the page take their place left to right in the line they sit on."""
    by_key: dict[tuple[int, int, int], list[tesseract.EngineWord]] = {}
    for word in words:
        by_key.setdefault(word.line, []).append(replace(word, text=nfc(word.text)))
    keys = list(by_key)
    return keys, [sorted(line, key=lambda w: w.box[0])
                  if any(w.source == "overlay" for w in line) else line
                  for line in (_unflattened(by_key[key]) for key in keys)]


FLAT = 1 / 3  # a word's box under this share of its line's height holds no letter or digit


def _unflattened(line: list[tesseract.EngineWord]) -> list[tesseract.EngineWord]:
    """``line`` without the letters and digits the engine gave a leader's dots: it reads the
    hand-filled "… tháng 6 năm" and the dots after it as "tháng.6" and "năm.....", the
    second word's box round the dots alone, too flat for any letter."""
    height = line_height(line)
    out = []
    for word in line:
        if word.box[3] - word.box[1] < FLAT * height and any(c.isalnum() for c in word.text):
            rest = "".join(c for c in word.text if not c.isalnum())
            word = replace(word, text=rest, symbols=tuple(
                s for s in word.symbols if not any(c.isalnum() for c in s[0])))
            if not rest.strip():
                continue
        out.append(word)
    return out


def _blocks(keys: list[tuple[int, int, int]], lines: list[list[tesseract.EngineWord]]
            ) -> list[list[list[tesseract.EngineWord]]]:
    """Blocks of lines in reading order: the engine's, except that the Decree 30 header's two
    columns, and the recipients and the signer beside each other at the foot, are blocks of
    their own, left first."""
    position = {id(line): key for key, line in zip(keys, lines)}
    left, right, rest = header_columns(lines)
    before, recipients, signer = footer_columns(rest)
    blocks = [column for column in (left, right) if column]
    block = None
    for line in before:
        if position[id(line)][0] != block:
            blocks.append([])
            block = position[id(line)][0]
        blocks[-1].append(line)
    return blocks + [column for column in (recipients, signer) if column]


def _page_text(blocks: list[list[list[tesseract.EngineWord]]]) -> str:
    """Line by line, with an empty line between blocks (columns, paragraphs)."""
    return "\n\n".join("\n".join(" ".join(w.text for w in line) for line in block)
                       for block in blocks)


def _placed(overlay: Sequence[Word], words: list[tesseract.EngineWord], to_engine: np.ndarray,
            size: tuple[int, int]) -> list[tesseract.EngineWord]:
    """Words drawn over the page (:func:`pipeline.pages.overlay_words`), put on the engine's
    line they sit on (most vertical overlap), else on a line of their own, in engine pixels."""
    placed = []
    for number, extra in enumerate(overlay):
        box = _mapped(extra.box, to_engine, size)
        best, key = 0.0, (10_000, 0, number)
        for word in words:
            overlap = min(box[3], word.box[3]) - max(box[1], word.box[1])
            share = overlap / max(1, min(box[3] - box[1], word.box[3] - word.box[1]))
            if share > max(best, 0.5):
                best, key = share, word.line
        placed.append(tesseract.EngineWord(extra.text, 100.0, 100.0, box, key, "overlay"))
    return placed


MISSED_CONFIDENCE = 60.0  # a missed region's reading is kept from this mean confidence


def _missed(gray: np.ndarray, dpi: int, language: str, words: list[tesseract.EngineWord]
            ) -> list[tesseract.EngineWord]:
    """``words`` with the lines the engine's page layout dropped read back in place.

    On a degraded form tesseract's page segmentation sometimes leaves a whole line out (a
    value written over a dotted leader, say). Ink of line height that no word covers is read
    again as a block of its own, and as a raw line if the block's layout finds no line in it
    either (libtesseract 5.5 on a label and a value of two baselines: "- Ngày, tháng, năm
    sinh: ngày 13 tháng 10 năm 1999"); a reading the engine is not sure of (a signature's
    strokes, a faded seal) is left out."""
    if not words:
        return words
    height = line_height(words)
    ink = (gray < 128).astype(np.uint8)
    for w in words:
        x0, y0, x1, y1 = w.box
        ink[max(0, y0 - 3):y1 + 3, max(0, x0 - 3):x1 + 3] = 0
    blobs = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (height, max(1, height // 4))))
    count, _, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    out = list(words)
    for number, (x, y, w, h, _) in enumerate(stats[1:count]):
        if not (0.6 * height <= h <= 3 * height and w >= 3 * height
                and ink[y:y + h, x:x + w].sum() >= height * height / 2):
            continue
        pad = height // 4
        top, left = max(0, y - pad), max(0, x - pad)
        area = gray[top:y + h + pad, left:x + w + pad]
        found = tesseract.recognise(area, dpi, language, tesserocr.PSM.SINGLE_BLOCK) \
            or (tesseract.recognise(area, dpi, language, tesserocr.PSM.RAW_LINE)
                if h <= 1.5 * height else [])
        if not found or np.mean([f.confidence for f in found]) < MISSED_CONFIDENCE:
            continue
        after = next((i for i, word in enumerate(out) if word.box[1] > y), len(out))
        block = out[after].line[0] if after < len(out) else 10_000
        out[after:after] = [replace(f, box=shifted(f.box, left, top),
                                    line=(block, -1 - number, f.line[2]),
                                    symbols=tuple((t, shifted(b, left, top), c)
                                                  for t, b, c in f.symbols))
                            for f in found]
    return out


def _mapped(box: Box, to_original: np.ndarray, size: tuple[int, int]) -> Box:
    left, top, right, bottom = box
    corners = np.array([[left, top, 1], [right, top, 1], [left, bottom, 1], [right, bottom, 1]],
                       dtype=float).T
    xs, ys, _ = to_original @ corners
    width, height = size
    return (max(0, int(xs.min())), max(0, int(ys.min())),
            min(width, int(round(xs.max()))), min(height, int(round(ys.max()))))


def _page_matrix(prepared: Prepared, original_height: int, dpi: int) -> tuple[float, ...]:
    """PDF ``cm`` from the engine image's pixels (y upwards) to the archived page's points."""
    flip = np.array([[1, 0, 0], [0, -1, prepared.gray.shape[0]], [0, 0, 1]])
    k = 72.0 / dpi
    original_to_page = np.array([[k, 0, 0], [0, -k, original_height * k], [0, 0, 1]])
    m = original_to_page @ prepared.to_original @ flip
    return (m[0, 0], m[1, 0], m[0, 1], m[1, 1], m[0, 2], m[1, 2])


Blocks = list[list[list[tesseract.EngineWord]]]


def _read(prepared: Prepared, language: str, overlay: Sequence[Word] = ()) -> tuple[Blocks, float]:
    """The page's blocks of lines as the engine read them (blanks and digit boxes read in,
    engine pixels) and their mean word confidence."""
    found = _missed(prepared.gray, prepared.dpi, language,
                    tesseract.recognise(prepared.gray, prepared.dpi, language))
    if overlay:
        found += _placed(overlay, found, np.linalg.inv(prepared.to_original),
                         (prepared.gray.shape[1], prepared.gray.shape[0]))
    blocks = _blocks(*_lines(found))
    if prepared.digit_boxes:
        blocks = slots.digit_boxes(blocks, prepared.gray, prepared.dpi, prepared.digit_boxes,
                                   language)
    if prepared.blue is not None:
        blocks = [slots.fill(block, prepared.gray, prepared.blue, prepared.dpi, language)
                  for block in blocks]
    scored = [w.confidence for block in blocks for line in block for w in line if w.confidence >= 0]
    return blocks, float(np.mean(scored)) if scored else 0.0


def _words(prepared: Prepared, blocks: Blocks, size: tuple[int, int], dpi: int
           ) -> tuple[list[Word], str, TextLayer]:
    """The kept reading's words (boxes in the original's pixels), text and text layer."""
    lines = [line for block in blocks for line in block]
    words = [Word(w.text, w.confidence, _mapped(w.box, prepared.to_original, size), index,
                  w.char_confidence, w.source) for index, line in enumerate(lines) for w in line]
    height, width = prepared.gray.shape
    layer = TextLayer(width, height,
                      tuple(tuple((w.text, w.box) for w in line) for line in lines),
                      _page_matrix(prepared, size[1], dpi))
    return words, _page_text(blocks), layer


def ocr_page(image: Image.Image, dpi: int, language: str = "vie",
             steps: frozenset[str] = DEFAULT_STEPS, min_dpi: int = MIN_DPI) -> OcrPage:
    """Check, prepare and recognise one page; boxes and text layer refer to ``image`` as given."""
    inks = separate(image, dpi)
    return ocr_gray(inks.gray, dpi, language, steps, min_dpi, inks.blue)


def ocr_gray(gray: np.ndarray, dpi: int, language: str = "vie",
             steps: frozenset[str] = DEFAULT_STEPS, min_dpi: int = MIN_DPI,
             blue: np.ndarray | None = None, overlay: Sequence[Word] = ()) -> OcrPage:
    """:func:`ocr_page` on a page's print in greyscale (boxes in its pixels); ``blue`` is the
    mask of its blue ink, where hand-filled numbers and dates are looked for.

    Orientation costs almost nothing on upright pages: a page whose lines run up it (a few
    milliseconds on a small copy) is turned the way tesseract's orientation detection says
    (both ways when it cannot tell); any page whose reading is doubtful (upside down, say) is
    asked again, turned and read again, and the more confident reading kept. A blank page is
    not read at all.
    """
    size = (gray.shape[1], gray.shape[0])
    quality = assess(gray, dpi, min_dpi)
    if quality.blank:
        return OcrPage([], "", 0.0, 0, 0.0, NO_TEXT, quality)
    base = normalise(gray, dpi, steps)
    turns = [0]
    if sideways(base.gray):
        found = tesseract.orientation(base.gray, base.dpi)
        turns = [found] if found in (90, 270) else [90, 270]
    readings = []
    for clockwise in turns:
        prepared = straighten(base, clockwise, steps, blue)
        readings.append((prepared, _read(prepared, language, overlay)))
    prepared, (blocks, confidence) = max(readings, key=lambda pair: pair[1][1])
    if confidence < DOUBTFUL_CONFIDENCE:
        found = tesseract.orientation(prepared.gray, prepared.dpi)
        if found:
            turned = straighten(base, (prepared.rotation + found) % 360, steps, blue)
            second = _read(turned, language, overlay)
            if second[1] > confidence:
                prepared, (blocks, confidence) = turned, second
    if spelling.LANGUAGE in language.split("+"):  # on the reading kept only
        blocks = [spelling.correct(block, prepared.gray, prepared.dpi, spelling.LANGUAGE)
                  for block in blocks]
    words, text, layer = _words(prepared, blocks, size, dpi)
    return OcrPage(words, text, confidence, prepared.rotation, prepared.skew, layer, quality)
