"""One page through the engine: prepare, recognise, and map every result onto the original."""

from __future__ import annotations

import csv
import io

import numpy as np
import pikepdf
from PIL import Image

from pipeline._exec import tesseract
from pipeline.model import OcrPage, Word
from pipeline.ocr.preprocess import prepare
from pipeline.text import nfc


def _parse_tsv(tsv: str, to_original: np.ndarray, size: tuple[int, int]
               ) -> tuple[list[Word], str]:
    """Words (level 5) with boxes in original pixels, and the page text line by line."""
    width, height = size
    words: list[Word] = []
    lines: dict[tuple[int, int, int], int] = {}
    blocks: dict[int, int] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = nfc((row.get("text") or "").strip())
        if row["level"] != "5" or not text:
            continue
        key = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
        line = lines.setdefault(key, len(lines))
        blocks.setdefault(line, key[0])
        left, top = int(row["left"]), int(row["top"])
        right, bottom = left + int(row["width"]), top + int(row["height"])
        corners = np.array([[left, top, 1], [right, top, 1], [left, bottom, 1], [right, bottom, 1]],
                           dtype=float).T
        xs, ys, _ = to_original @ corners
        box = (max(0, int(xs.min())), max(0, int(ys.min())),
               min(width, int(round(xs.max()))), min(height, int(round(ys.max()))))
        words.append(Word(text, float(row["conf"]), box, line))
    text_lines: list[str] = []
    for index in range(len(lines)):
        if index and blocks[index] != blocks[index - 1]:
            text_lines.append("")
        text_lines.append(" ".join(w.text for w in words if w.line == index))
    return words, "\n".join(text_lines)


def _layer_matrix(text_pdf: bytes, prepared_size: tuple[int, int], to_original: np.ndarray,
                  original_height: int, dpi: int) -> tuple[float, ...]:
    """PDF ``cm`` placing the engine's text-only page onto the archived page."""
    with pikepdf.open(io.BytesIO(text_pdf)) as pdf:
        box = [float(v) for v in pdf.pages[0].mediabox]
    text_w, text_h = box[2] - box[0], box[3] - box[1]
    prep_w, prep_h = prepared_size
    pdf_to_prepared = np.array([[prep_w / text_w, 0, 0], [0, -prep_h / text_h, prep_h], [0, 0, 1]])
    k = 72.0 / dpi
    original_to_page = np.array([[k, 0, 0], [0, -k, original_height * k], [0, 0, 1]])
    m = original_to_page @ to_original @ pdf_to_prepared
    return (m[0, 0], m[1, 0], m[0, 1], m[1, 1], m[0, 2], m[1, 2])


def ocr_page(image: Image.Image, dpi: int, language: str = "vie") -> OcrPage:
    """Recognise one page image; boxes and text layer refer to ``image`` as given."""
    prepared = prepare(image, dpi)
    result = tesseract.recognise(prepared.gray, dpi, language)
    words, text = _parse_tsv(result.tsv, prepared.to_original, image.size)
    scored = [w.confidence for w in words if w.confidence >= 0]
    h, w = prepared.gray.shape
    matrix = _layer_matrix(result.text_pdf, (w, h), prepared.to_original, image.height, dpi)
    return OcrPage(
        words=words,
        text=text,
        confidence=float(np.mean(scored)) if scored else 0.0,
        rotation=prepared.rotation,
        skew=prepared.skew,
        text_layer=result.text_pdf,
        text_layer_matrix=matrix,
    )
