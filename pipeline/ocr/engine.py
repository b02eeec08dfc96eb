"""The OCR engine seam: what reading a page asks of the engine, and the engines there are.

``tesseract`` (the default) is :func:`pipeline.ocr.recognise.ocr_gray`: quality gate,
preprocessing, tesseract, reading order, hand-filled blanks. ``recorded`` answers a page it has
seen from a recording (a gzipped JSON ``OcrPage`` named by the page's content and the reader's
version) and reads any other with tesseract, recording it: the suite's flows, fields,
completeness and review then run in milliseconds on pages tesseract read once, while the tests
that exist to check recognition call tesseract itself. Never meant for production.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from pydantic import TypeAdapter

from pipeline._exec import limits
from pipeline.model import OcrPage, Word
from pipeline.ocr.recognise import ocr_gray

ENGINE_VERSION = "1"  # part of a recording's name: change it when what recognition gives changes
_PAGES = TypeAdapter(OcrPage)
_WORDS = TypeAdapter(list[Word])


class OcrEngine(Protocol):
    """Reads a page's print in greyscale: its words, boxes (in its pixels), text, quality."""

    def __call__(self, gray: np.ndarray, dpi: int, language: str, *, min_dpi: int,
                 blue: np.ndarray | None, overlay: Sequence[Word]) -> OcrPage: ...


def tesseract(gray: np.ndarray, dpi: int, language: str, *, min_dpi: int,
              blue: np.ndarray | None, overlay: Sequence[Word]) -> OcrPage:
    return ocr_gray(gray, dpi, language, min_dpi=min_dpi, blue=blue, overlay=overlay)


class RecordedEngine:
    """Pages read once by ``inner`` and kept in ``folder``; safe for many processes at once."""

    def __init__(self, folder: Path, inner: OcrEngine = tesseract):
        self.folder, self.inner = folder, inner

    def key(self, gray: np.ndarray, dpi: int, language: str, min_dpi: int,
            blue: np.ndarray | None, overlay: Sequence[Word]) -> str:
        digest = hashlib.sha256(f"{ENGINE_VERSION}|{gray.shape}|{dpi}|{language}|{min_dpi}".encode())
        digest.update(np.ascontiguousarray(gray).tobytes())
        if blue is not None:
            digest.update(np.packbits(blue).tobytes())
        digest.update(_WORDS.dump_json(list(overlay)))
        return digest.hexdigest()

    def __call__(self, gray: np.ndarray, dpi: int, language: str, *, min_dpi: int,
                 blue: np.ndarray | None, overlay: Sequence[Word]) -> OcrPage:
        limits.remaining()  # the page's time limit holds here as in tesseract's own calls
        path = self.folder / f"{self.key(gray, dpi, language, min_dpi, blue, overlay)}.json.gz"
        if path.exists():
            return _PAGES.validate_json(gzip.decompress(path.read_bytes()))
        page = self.inner(gray, dpi, language, min_dpi=min_dpi, blue=blue, overlay=overlay)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(gzip.compress(_PAGES.dump_json(page), mtime=0))
        os.replace(tmp, path)  # whole or not at all: another process may read it at once
        return page


def engine_named(name: str, recordings: Path | None) -> OcrEngine:
    """The engine a setting names (``ocr_engine``: ``tesseract`` or ``recorded``)."""
    return RecordedEngine(recordings) if name == "recorded" and recordings else tesseract
