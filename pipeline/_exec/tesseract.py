"""tesseract adapter: orientation detection and recognition with word boxes.

The engine runs in-process through tesserocr (tesseract's C++ API; the GIL is released while
it works), with one engine per worker thread that keeps its model loaded. The models are
Debian's (``tesseract-ocr-vie``, ``tesseract-ocr-osd``), found in their tessdata folder.
Measured here, it reads a page about 1.6 times as fast as Debian's ``tesseract`` command.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # parallelism comes from pages side by side

import numpy as np  # noqa: E402
import tesserocr  # noqa: E402

from pipeline._exec import limits  # noqa: E402
from pipeline.errors import OcrFailed, TesseractMissing  # noqa: E402

TIMEOUT_MS = 300_000
_TESSDATA_GLOB = "/usr/share/tesseract-ocr/*/tessdata"
_engines = threading.local()


def _timeout_ms() -> int:
    return int(min(TIMEOUT_MS, limits.remaining() * 1000))


@cache
def tessdata_dir() -> Path:
    """Where the models are: ``TESSDATA_PREFIX``, else Debian's tessdata folder."""
    if os.environ.get("TESSDATA_PREFIX"):
        return Path(os.environ["TESSDATA_PREFIX"])
    found = sorted(Path("/").glob(_TESSDATA_GLOB.lstrip("/")))
    if not found:
        raise TesseractMissing(what="tessdata")
    return found[-1]


def _engine(language: str, psm: int, whitelist: str = "", choices: bool = False
            ) -> tesserocr.PyTessBaseAPI:
    """This thread's engine for ``language`` (loaded once per thread); ``choices`` keeps each
    character's alternatives (``lstm_choice_mode``: it costs a page about a sixth more)."""
    engines = _engines.__dict__.setdefault("by_key", {})
    key = (language, psm, whitelist, choices)
    if key not in engines:
        try:
            engine = tesserocr.PyTessBaseAPI(path=str(tessdata_dir()) + os.sep, lang=language,
                                             psm=psm)
        except RuntimeError:
            raise TesseractMissing(what=f"mô hình '{language}'") from None
        if whitelist:
            engine.SetVariable("tessedit_char_whitelist", whitelist)
        if choices:
            engine.SetVariable("lstm_choice_mode", "2")
        engines[key] = engine
    return engines[key]


@cache
def dictionary(language: str) -> frozenset[str]:
    """The words of ``language``'s model, the list its recogniser prefers (for ``vie``, 7,181
    syllables), unpacked from the model by Debian's own tools (package ``tesseract-ocr``)."""
    model = tessdata_dir() / f"{language}.traineddata"
    with tempfile.TemporaryDirectory() as folder:
        dawg, unicharset, words = (os.path.join(folder, f"{language}.{part}")
                                   for part in ("lstm-word-dawg", "lstm-unicharset", "txt"))
        try:
            subprocess.run(["combine_tessdata", "-e", str(model), dawg, unicharset],
                           check=True, capture_output=True, timeout=60)
            subprocess.run(["dawg2wordlist", unicharset, dawg, words],
                           check=True, capture_output=True, timeout=60)
            with open(words, encoding="utf-8") as listed:
                return frozenset(line.strip() for line in listed if line.strip())
        except (OSError, subprocess.SubprocessError):
            raise TesseractMissing(what=f"danh sách từ của mô hình '{language}'") from None


def _set_image(engine: tesserocr.PyTessBaseAPI, gray: np.ndarray, dpi: int) -> bytes:
    """Hand ``gray`` to the engine; the returned buffer must stay alive while it works."""
    height, width = gray.shape
    buffer = np.ascontiguousarray(gray, dtype=np.uint8).tobytes()
    engine.SetImageBytes(buffer, width, height, 1, width)
    engine.SetSourceResolution(dpi)
    return buffer


def orientation(gray: np.ndarray, dpi: int) -> int:
    """Degrees to rotate the page clockwise to make it upright (0 when OSD cannot tell)."""
    engine = _engine("osd", tesserocr.PSM.OSD_ONLY)
    _buffer = _set_image(engine, gray, dpi)  # referenced until the engine is done with it
    try:
        found = engine.DetectOrientationScript()
    except RuntimeError:  # too little text to tell
        return 0
    return (360 - found["orient_deg"]) % 360 if found else 0


@dataclass(frozen=True)
class EngineWord:
    """A word as the engine read it, in the pixels of the image it was given."""

    text: str
    confidence: float  # the engine's word confidence, 0..100 (low on any out-of-dictionary token)
    char_confidence: float  # its least sure character, 0..100
    box: tuple[int, int, int, int]
    line: tuple[int, int, int]  # block, paragraph, line: reading order
    source: str = "print"  # "print", "hand" (hand-filled slot) or "overlay" (PDF annotation)
    symbols: tuple[tuple[str, tuple[int, int, int, int], float], ...] = ()  # text, box, confidence


def recognise(gray: np.ndarray, dpi: int, language: str,
              psm: int = tesserocr.PSM.AUTO) -> list[EngineWord]:
    """The words of an upright page (or, ``psm=SINGLE_LINE``, of one line) in reading order,
    with boxes and confidences."""
    engine = _engine(language, psm)
    _buffer = _set_image(engine, gray, dpi)  # referenced until the engine is done with it
    if not engine.Recognize(timeout=_timeout_ms()):
        limits.remaining()  # the time is up: a page_timeout or file_timeout, not a failure
        raise OcrFailed()
    found: list[tuple[str, float, tuple, tuple[int, int, int], list]] = []
    block = paragraph = line = -1
    word, symbol = tesserocr.RIL.WORD, tesserocr.RIL.SYMBOL
    for it in tesserocr.iterate_level(engine.GetIterator(), symbol):
        block += it.IsAtBeginningOf(tesserocr.RIL.BLOCK)
        paragraph += it.IsAtBeginningOf(tesserocr.RIL.PARA)
        line += it.IsAtBeginningOf(tesserocr.RIL.TEXTLINE)
        if it.IsAtBeginningOf(word):
            found.append((it.GetUTF8Text(word) or "", it.Confidence(word), it.BoundingBox(word),
                          (block, paragraph, line), []))
        if found:
            found[-1][4].append((it.GetUTF8Text(symbol) or "", tuple(it.BoundingBox(symbol)),
                                 it.Confidence(symbol)))
    return [EngineWord(text.strip(), confidence, min((c for _, _, c in chars), default=0.0),
                       tuple(box), place, symbols=tuple(chars))
            for text, confidence, box, place, chars in found if text.strip()]


def digits(gray: np.ndarray, dpi: int, allowed: str = "0123456789") -> tuple[str, float]:
    """Digits written on one line (a hand-filled number or day), and the engine's confidence:
    tesseract's English model restricted to digits (and to any separators ``allowed``), which
    reads "19" and "5" in blue ink where the Vietnamese model reads "49" and nothing."""
    engine = _engine("eng", tesserocr.PSM.SINGLE_LINE, allowed)
    _buffer = _set_image(engine, gray, dpi)
    if not engine.Recognize(timeout=_timeout_ms()):
        return "", 0.0
    return (engine.GetUTF8Text() or "").strip(), float(engine.MeanTextConf())


def alternatives(gray: np.ndarray, dpi: int, language: str
                 ) -> list[tuple[tuple[int, int, int, int], tuple[tuple[str, float], ...]]]:
    """One word read on its own: each character the engine found, as its box and its
    alternatives with their confidences (0..100), the likeliest first."""
    engine = _engine(language, tesserocr.PSM.SINGLE_WORD, choices=True)
    _buffer = _set_image(engine, gray, dpi)  # referenced until the engine is done with it
    if not engine.Recognize(timeout=_timeout_ms()):
        return []
    found = []
    for it in tesserocr.iterate_level(engine.GetIterator(), tesserocr.RIL.SYMBOL):
        box = it.BoundingBox(tesserocr.RIL.SYMBOL)
        if box:  # None on an empty result
            found.append((tuple(box), tuple((choice.GetUTF8Text() or "", choice.Confidence())
                                            for choice in it.GetChoiceIterator())))
    return found
