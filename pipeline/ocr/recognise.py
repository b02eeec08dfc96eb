"""One page through the engine: check, prepare, recognise, and map every result onto the original."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PIL import Image

from pipeline._exec import tesseract
from pipeline.model import NO_TEXT, Box, OcrPage, TextLayer, Word
from pipeline.ocr.ink import separate
from pipeline.ocr.order import footer_columns, header_columns
from pipeline.ocr.preprocess import DEFAULT_STEPS, Prepared, normalise, straighten
from pipeline.ocr.quality import MIN_DPI, assess
from pipeline.text import nfc

DOUBTFUL_CONFIDENCE = 80.0  # mean word confidence under which orientation is checked


def _engine_lines(words: list[tesseract.EngineWord]) -> list[list[list[tesseract.EngineWord]]]:
    """Blocks of lines of words in reading order, text in NFC, boxes in engine pixels; the
    Decree 30 header's two columns, and the recipients and the signer beside each other at the
    foot, are blocks of their own, left first."""
    by_key: dict[tuple[int, int, int], list[tesseract.EngineWord]] = {}
    for word in words:
        by_key.setdefault(word.line, []).append(replace(word, text=nfc(word.text)))
    keys, lines = list(by_key), list(by_key.values())
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


def _to_original(box: Box, to_original: np.ndarray, size: tuple[int, int]) -> Box:
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


def _read(prepared: Prepared, size: tuple[int, int], dpi: int, language: str
          ) -> tuple[list[Word], str, float, TextLayer]:
    blocks = _engine_lines(tesseract.recognise(prepared.gray, prepared.dpi, language))
    lines = [line for block in blocks for line in block]
    words = [Word(w.text, w.confidence, _to_original(w.box, prepared.to_original, size), index,
                  w.char_confidence) for index, line in enumerate(lines) for w in line]
    scored = [w.confidence for w in words if w.confidence >= 0]
    height, width = prepared.gray.shape
    layer = TextLayer(width, height,
                      tuple(tuple((w.text, w.box) for w in line) for line in lines),
                      _page_matrix(prepared, size[1], dpi))
    return words, _page_text(blocks), float(np.mean(scored)) if scored else 0.0, layer


def ocr_page(image: Image.Image, dpi: int, language: str = "vie",
             steps: frozenset[str] = DEFAULT_STEPS, min_dpi: int = MIN_DPI) -> OcrPage:
    """Check, prepare and recognise one page; boxes and text layer refer to ``image`` as given."""
    inks = separate(image)
    return ocr_gray(inks.gray, dpi, language, steps, min_dpi, inks.blue)


def ocr_gray(gray: np.ndarray, dpi: int, language: str = "vie",
             steps: frozenset[str] = DEFAULT_STEPS, min_dpi: int = MIN_DPI,
             blue: np.ndarray | None = None) -> OcrPage:
    """:func:`ocr_page` on a page's print in greyscale (boxes in its pixels); ``blue`` is the
    mask of its blue ink, where hand-filled numbers and dates are looked for.

    Orientation costs nothing on upright pages: the page is read as it comes, and only when
    that reading is doubtful is tesseract's orientation detection asked, the page turned and
    read again, and the more confident reading kept. A blank page is not read at all.
    """
    size = (gray.shape[1], gray.shape[0])
    quality = assess(gray, dpi, min_dpi)
    if quality.blank:
        return OcrPage([], "", 0.0, 0, 0.0, NO_TEXT, quality)
    base = normalise(gray, dpi, steps)
    prepared = straighten(base, 0, steps)
    reading = _read(prepared, size, dpi, language)
    if reading[2] < DOUBTFUL_CONFIDENCE:
        clockwise = tesseract.orientation(prepared.gray, prepared.dpi)
        if clockwise:
            turned = straighten(base, clockwise, steps)
            second = _read(turned, size, dpi, language)
            if second[2] > reading[2]:
                prepared, reading = turned, second
    words, text, confidence, layer = reading
    return OcrPage(words, text, confidence, prepared.rotation, prepared.skew, layer, quality)
